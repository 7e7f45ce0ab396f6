// ServerProcess: the real runtime-updater binary, started on a free port in
// a temporary directory of its own, for integration tests.

#ifndef RUNTIME_UPDATER_TESTS_SUPPORT_SERVER_PROCESS_H_
#define RUNTIME_UPDATER_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ru_test {

// The update token every test server is started with; the HTTP client
// sends it unless a test says otherwise.
inline constexpr char kTestToken[] = "ru-test-token";

class ServerProcess {
 public:
  // `args` are passed after --port=0, --port_file and --log_dir. `dir`, if
  // given, is used as the working directory instead of a new one (to
  // restart a server on the same state).
  explicit ServerProcess(std::vector<std::string> args = {},
                         std::string dir = "");
  // Stops the server with SIGKILL if it is still running.
  ~ServerProcess();

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Sets an environment variable for the server, from the next Start().
  void SetEnv(const std::string& name, const std::string& value) {
    env_.emplace_back(name, value);
  }

  // Starts the binary and waits until it accepts connections.
  bool Start(std::string* error);

  // Sends `signal` and waits up to `timeout_ms`; returns the exit status as
  // waitpid reports it, or -1 on timeout.
  int Stop(int signal, int timeout_ms = 20000);

  // Starts without RUNTIME_UPDATER_TOKEN in the environment, so that the
  // server finds or creates its token itself.
  void WithoutTokenEnvironment() { token_env_ = false; }

  // Whether the process is still running.
  bool Running();
  // The status waitpid reported once the process has ended.
  int wait_status() const { return wait_status_; }

  std::string Url(const std::string& path_and_query = "/") const;
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // Everything the process wrote to stdout and stderr so far.
  std::string Output() const;

 private:
  std::vector<std::string> args_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::string dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  bool reaped_ = false;
  bool token_env_ = true;
  int wait_status_ = 0;
};

// The path of a compiled sample in the build tree, e.g. "cube_diff.bc".
std::string SamplePath(const std::string& name);

std::string ReadFile(const std::string& path);

// The contents of `path` once they contain `text`, or whatever they are
// after `timeout_ms`. For logs, which are written moments after the event.
std::string ReadFileOnceItContains(const std::string& path,
                                   const std::string& text,
                                   int timeout_ms = 5000);

}  // namespace ru_test

#endif  // RUNTIME_UPDATER_TESTS_SUPPORT_SERVER_PROCESS_H_
