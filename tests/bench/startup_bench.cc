// Start-up time for scripts/bench.sh: from exec of the server to its port
// file appearing (it writes the file once it accepts connections), over
// several starts on the same state directory.
//
//   startup_bench --runs=5 --row="..." -- /path/runtime-updater ARGS...
//
// The server is given --port=0 and --port_file in addition to ARGS and is
// stopped with SIGTERM after each start.

#include <fcntl.h>
#include <gflags/gflags.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/bench_stats.h"

DEFINE_int32(runs, 5, "Starts measured.");
DEFINE_string(port_file, "/tmp/ru-startup-bench.port",
              "Where the server writes its port.");
DEFINE_string(row, "", "Measurement name for the ROW line; none if empty.");
DEFINE_double(target_ms, 0, "Target for the median; 0 for none.");

namespace {

// Milliseconds from exec to the port file, or a negative number when the
// server exited or took longer than 60 s.
double StartOnce(const std::vector<std::string>& command) {
  unlink(FLAGS_port_file.c_str());
  std::vector<std::string> args = command;
  args.push_back("--port=0");
  args.push_back("--port_file=" + FLAGS_port_file);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  double ms = -1;
  for (;;) {
    double elapsed = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    if (access(FLAGS_port_file.c_str(), F_OK) == 0) {
      ms = elapsed;
      break;
    }
    if (elapsed > 60000 || waitpid(pid, nullptr, WNOHANG) == pid) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  std::vector<std::string> command(argv + 1, argv + argc);
  if (command.empty()) {
    std::fprintf(stderr, "usage: %s [flags] -- SERVER ARGS...\n", argv[0]);
    return 2;
  }

  std::vector<double> ms;
  for (int i = 0; i < FLAGS_runs; ++i) {
    double elapsed = StartOnce(command);
    if (elapsed < 0) {
      std::fprintf(stderr, "startup_bench: the server did not start\n");
      return 1;
    }
    std::printf("start %d: %.1f ms\n", i + 1, elapsed);
    ms.push_back(elapsed);
  }
  ru_bench::Summary summary = ru_bench::Summarize(ms);
  std::printf("start-up: median %.1f ms, min %.1f, max %.1f (n=%zu)\n",
              summary.p50, summary.min, summary.max, summary.count);
  if (!FLAGS_row.empty()) {
    bool has_target = FLAGS_target_ms > 0;
    ru_bench::PrintRow(
        "7 start-up", FLAGS_row,
        ru_bench::Format("median %.1f ms", summary.p50) +
            ru_bench::Format(", max %.1f ms", summary.max) +
            " (n=" + std::to_string(summary.count) + ")",
        "-",
        has_target ? "< " + ru_bench::Format("%g", FLAGS_target_ms) + " ms"
                   : "-",
        has_target ? ru_bench::AtMost(summary.max, FLAGS_target_ms, "ms")
                   : "info");
  }
  return 0;
}
