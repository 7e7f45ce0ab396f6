#include "tests/support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/temp_dir.h"

namespace ru_test {

ServerProcess::ServerProcess(std::vector<std::string> args, std::string dir)
    : args_(std::move(args)), dir_(std::move(dir)) {
  if (dir_.empty()) {
    dir_ = MakeTempDir("ru-test");
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !reaped_) Stop(SIGKILL, 5000);
}

bool ServerProcess::Start(std::string* error) {
  std::string port_file = dir_ + "/port";
  unlink(port_file.c_str());
  std::vector<std::string> argv = {RU_SERVER_BINARY, "--port=0",
                                   "--port_file=" + port_file,
                                   "--log_dir=" + dir_ + "/logs"};
  argv.insert(argv.end(), args_.begin(), args_.end());

  reaped_ = false;
  pid_ = fork();
  if (pid_ == 0) {
    if (token_env_) {
      setenv("RUNTIME_UPDATER_TOKEN", kTestToken, 1);
    } else {
      unsetenv("RUNTIME_UPDATER_TOKEN");
    }
    if (chdir(dir_.c_str()) != 0) _exit(127);
    for (const auto& [name, value] : env_) {
      setenv(name.c_str(), value.c_str(), 1);
    }
    int out = open("output.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> raw;
    for (std::string& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    execv(raw[0], raw.data());
    _exit(127);
  }
  for (int i = 0; i < 300; ++i) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      port_ = static_cast<uint16_t>(port);
      return true;
    }
    if (!Running()) {
      *error = "server exited during start:\n" + Output();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "server did not start within 15 s:\n" + Output();
  return false;
}

bool ServerProcess::Running() {
  if (pid_ <= 0 || reaped_) return false;
  int status;
  pid_t result = waitpid(pid_, &status, WNOHANG);
  if (result == pid_) {
    reaped_ = true;
    wait_status_ = status;
    return false;
  }
  return true;
}

int ServerProcess::Stop(int signal, int timeout_ms) {
  if (pid_ <= 0 || reaped_) return -1;
  kill(pid_, signal);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      wait_status_ = status;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string ServerProcess::Url(const std::string& path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
}

std::string ServerProcess::Output() const {
  return ReadFile(dir_ + "/output.txt");
}

std::string SamplePath(const std::string& name) {
  return std::string(RU_SAMPLE_DIR) + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string ReadFileOnceItContains(const std::string& path,
                                   const std::string& text, int timeout_ms) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string contents = ReadFile(path);
  while (contents.find(text) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    contents = ReadFile(path);
  }
  return contents;
}

}  // namespace ru_test
