// runtime-updater's server: wires the JIT runtime to the HTTP front end,
// then waits for SIGINT or SIGTERM.

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "http/log_settings.h"
#include "http/request_metrics.h"
#include "http/server.h"
#include "http/server_logs.h"
#include "jit/runtime.h"

DEFINE_string(address, "127.0.0.1", "Address to listen on.");
DEFINE_int32(port, 5000, "Port to listen on; 0 picks a free port.");
DEFINE_int32(threads, 0,
             "Threads serving connections; 0 means one per core, at least "
             "2.");
DEFINE_string(port_file, "",
              "If set, the bound port is written to this file once the "
              "server accepts connections (for scripts and tests).");
// Log settings: each flag overrides its environment variable (named in
// capitals), which overrides the default; see http/log_settings.h. The log
// directory's flag is glog's own --log_dir (LOG_DIR, default "logs").
DEFINE_string(log_type, "rotate",
              "LOG_TYPE: stream (both logs to standard error), watched (files "
              "reopened when moved or deleted) or rotate (size-based).");
DEFINE_string(log_level, "INFO",
              "LOG_LEVEL: DEBUG, INFO, WARNING, ERROR or CRITICAL, for the "
              "server's own log.");
DEFINE_string(app_log_name, "app.log",
              "APP_LOG_NAME: the server's own log, in the log directory.");
DEFINE_string(www_log_name, "www.log",
              "WWW_LOG_NAME: the access log, in the log directory; empty "
              "turns the access log off.");
DEFINE_string(log_max_bytes, "100000000",
              "LOG_MAX_BYTES: rotate mode starts a new file before one "
              "would grow past this.");
DEFINE_string(log_copies, "5",
              "LOG_COPIES: rotate mode keeps this many numbered copies.");
DEFINE_int32(codegen_opt_level, 2,
             "LLVM code generation level for uploads, 0 (fastest compile) "
             "to 3.");
DEFINE_uint64(max_body_bytes, 16 << 20,
              "Largest request body accepted, in bytes.");
DEFINE_uint64(max_global_bytes, 4 << 20,
              "Largest total size of an upload's global variables, in "
              "bytes.");
DEFINE_string(state_dir, "state",
              "Directory where versions are kept across restarts.");
DEFINE_bool(sync_writes, true,
            "Sync the state directory before acknowledging an update or a "
            "rollback.");
DEFINE_string(crash_at, "",
              "Fault injection for crash-safety tests: die with SIGKILL at "
              "the named point of the write path (NAME or NAME:N for the "
              "N-th time), e.g. store.renamed.meta:2. See README.");
DEFINE_int64(call_timeout_ms, 5000,
             "Interrupt calls of uploaded code running longer than this "
             "(answered 503); 0 for no limit.");
DEFINE_bool(auto_rollback, true,
            "After a crash or timeout in uploaded code, roll the function "
            "back to its newest good version.");
DEFINE_int32(resident_versions, 4,
             "Versions of each function whose machine code stays loaded.");

namespace {

int DefaultThreads() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores < 2 ? 2 : static_cast<int>(cores);
}

void LogRuntimeWarning(const char* message) { LOG(WARNING) << message; }

// Blocks the signals the server waits for in every thread it starts, so
// that only the main thread's sigwait sees them.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "runtime-updater: an HTTP server whose functions are replaced at run "
      "time from uploaded LLVM bitcode");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  signal(SIGPIPE, SIG_IGN);
  // Before any thread starts, the log writers' included.
  sigset_t shutdown_signals = BlockShutdownSignals();

  // Invalid log settings stop the server before anything starts.
  ru::LogSettings log_settings;
  std::string error;
  if (!ru::ResolveLogSettings(&ru::FlagOrEnvironment, &log_settings, &error)) {
    std::fprintf(stderr, "runtime-updater: %s\n", error.c_str());
    return 2;
  }
  std::unique_ptr<ru::ServerLogs> logs =
      ru::ServerLogs::Start(log_settings, argv[0], &error);
  if (logs == nullptr) {
    std::fprintf(stderr, "runtime-updater: %s\n", error.c_str());
    return 2;
  }
  LOG(INFO) << "starting, pid " << getpid()
            << "; logs: " << ru::DescribeLogSettings(log_settings);

  ru::RuntimeOptions runtime_options;
  runtime_options.crash_at = FLAGS_crash_at;
  runtime_options.call_timeout_ms = FLAGS_call_timeout_ms;
  runtime_options.auto_rollback = FLAGS_auto_rollback;
  runtime_options.report_warning = &LogRuntimeWarning;
  runtime_options.codegen_opt_level = FLAGS_codegen_opt_level;
  runtime_options.max_global_bytes = FLAGS_max_global_bytes;
  runtime_options.resident_versions = FLAGS_resident_versions;
  runtime_options.state_dir = FLAGS_state_dir;
  runtime_options.sync_writes = FLAGS_sync_writes;
  std::unique_ptr<ru::Runtime> runtime;
  std::vector<std::string> notes;
  auto start = std::chrono::steady_clock::now();
  ru::Status status = ru::Runtime::Create(runtime_options, &runtime, &notes);
  for (const std::string& note : notes) LOG(INFO) << note;
  if (!status.ok()) {
    LOG(FATAL) << "cannot start the runtime: " << status.message();
  }
  LOG(INFO) << "runtime ready in "
            << std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms (state in " << FLAGS_state_dir << ")";

  ru::ServerOptions server_options;
  server_options.address = FLAGS_address;
  server_options.port = static_cast<uint16_t>(FLAGS_port);
  server_options.threads = FLAGS_threads > 0 ? FLAGS_threads : DefaultThreads();
  server_options.limits.max_body_bytes = FLAGS_max_body_bytes;
  ru::RequestMetrics metrics;
  server_options.metrics = &metrics;
  auto server = std::make_unique<ru::Server>(server_options, runtime.get(),
                                             logs->access_log());
  status = server->Start();
  if (!status.ok()) LOG(FATAL) << status.message();

  LOG(INFO) << "listening on " << FLAGS_address << ":" << server->port()
            << " with " << server_options.threads << " threads";
  std::printf("runtime-updater listening on http://%s:%u\n",
              FLAGS_address.c_str(), server->port());
  std::fflush(stdout);
  if (!FLAGS_port_file.empty()) {
    std::string temporary = FLAGS_port_file + ".tmp";
    std::ofstream(temporary) << server->port() << "\n";
    std::rename(temporary.c_str(), FLAGS_port_file.c_str());
  }

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  LOG(INFO) << "received signal " << signal_number << ", shutting down";
  server->Shutdown();
  server.reset();
  runtime.reset();
  LOG(INFO) << "stopped after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start)
                   .count()
            << " s, " << metrics.TotalRequests() << " requests answered";
  // Every queued line is written before the process exits.
  logs.reset();
  return 0;
}
