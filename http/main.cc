// runtime-updater's server: wires the JIT runtime to the HTTP front end,
// then waits for SIGINT or SIGTERM. The first signal stops accepting and
// lets requests under way finish, for at most --shutdown_timeout_ms; the
// JIT goes only after the last of them. A second signal ends the process
// at once.

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "http/log_settings.h"
#include "http/request_metrics.h"
#include "http/server.h"
#include "http/server_logs.h"
#include "http/update_token.h"
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
              "Largest request body accepted, in bytes (413 beyond).");
DEFINE_uint64(max_head_bytes, 16 << 10,
              "Largest request line and headers accepted, in bytes (431 "
              "beyond).");
DEFINE_int32(request_timeout_ms, 60000,
             "Longest time a client may take from the first byte of a "
             "request to its last, body included (408 beyond).");
DEFINE_int32(keepalive_timeout_ms, 60000,
             "How long a kept-alive connection may wait for its next "
             "request before it is closed.");
DEFINE_int32(shutdown_timeout_ms, 20000,
             "On SIGTERM or SIGINT, how long requests under way may take to "
             "finish before the server exits without them.");
DEFINE_int32(max_call_threads, 64,
             "Most requests that run uploaded code or compile at the same "
             "time; more wait their turn.");
DEFINE_uint64(max_global_bytes, 4 << 20,
              "Largest total size of an upload's global variables, in "
              "bytes.");
DEFINE_string(state_dir, "state",
              "Directory where versions are kept across restarts.");
DEFINE_bool(sync_writes, true,
            "Sync the state directory before acknowledging an update or a "
            "rollback.");
DEFINE_string(token_file, "",
              "File holding the bearer token for updates and rollbacks. "
              "RUNTIME_UPDATER_TOKEN wins over it; with neither, a token is "
              "created in the state directory.");
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
DEFINE_bool(compile_in_process, false,
            "Compile uploads in the server process instead of the "
            "sandboxed compile helper (faster; trust every upload).");
DEFINE_int64(helper_memory_mb, 1024,
             "Address space limit of the compile helper, in MiB.");
DEFINE_int64(helper_timeout_ms, 10000,
             "Time limit for compiling one upload in the compile helper.");
DEFINE_int32(compile_helper_fd, -1,
             "Internal: run as the compile helper on this socket.");
DEFINE_int64(probe_timeout_ms, 1000,
             "Time limit of the trial run of a new version.");
DEFINE_string(allow_symbols, "",
              "Comma-separated symbols to offer to uploads on top of the "
              "curated list (see README).");
DEFINE_int32(resident_versions, 4,
             "Versions of each function whose machine code stays loaded.");

namespace {

int DefaultThreads() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores < 2 ? 2 : static_cast<int>(cores);
}

bool IsLoopback(const std::string& address) {
  return address == "localhost" || address == "::1" ||
         address.rfind("127.", 0) == 0;
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

// Runs on its own thread once shutdown has begun.
void WaitForSecondSignal(sigset_t signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LOG(WARNING) << "received signal " << signal_number
               << " again; exiting at once";
  google::FlushLogFiles(google::GLOG_INFO);
  std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "runtime-updater: an HTTP server whose functions are replaced at run "
      "time from uploaded LLVM bitcode");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  // The compile helper is this binary too; it logs nothing.
  if (FLAGS_compile_helper_fd >= 0) {
    return ru::RunCompileHelperProcess(
        FLAGS_compile_helper_fd, FLAGS_codegen_opt_level,
        FLAGS_helper_memory_mb, FLAGS_helper_timeout_ms);
  }
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
  runtime_options.compile_in_process = FLAGS_compile_in_process;
  runtime_options.helper_executable = "/proc/self/exe";
  runtime_options.helper_memory_mb = FLAGS_helper_memory_mb;
  runtime_options.helper_timeout_ms = FLAGS_helper_timeout_ms;
  runtime_options.probe_timeout_ms = FLAGS_probe_timeout_ms;
  for (size_t start = 0; start < FLAGS_allow_symbols.size();) {
    size_t end = FLAGS_allow_symbols.find(',', start);
    if (end == std::string::npos) end = FLAGS_allow_symbols.size();
    if (end > start) {
      runtime_options.extra_symbols.push_back(
          FLAGS_allow_symbols.substr(start, end - start));
    }
    start = end + 1;
  }
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

  ru::UpdateToken token;
  status = ru::LoadUpdateToken(FLAGS_token_file, FLAGS_state_dir, &token);
  if (!status.ok()) LOG(FATAL) << status.message();
  LOG(INFO) << "updates need the bearer token from " << token.origin;

  ru::ServerOptions server_options;
  server_options.address = FLAGS_address;
  server_options.port = static_cast<uint16_t>(FLAGS_port);
  server_options.threads = FLAGS_threads > 0 ? FLAGS_threads : DefaultThreads();
  server_options.limits.max_body_bytes = FLAGS_max_body_bytes;
  server_options.update_token = token.value;
  if (!IsLoopback(FLAGS_address)) {
    LOG(WARNING) << "listening on " << FLAGS_address
                 << ", which is not a loopback address: anyone who can reach "
                    "it and holds the token can change the code this server "
                    "runs";
  }
  server_options.limits.max_head_bytes = FLAGS_max_head_bytes;
  server_options.request_timeout =
      std::chrono::milliseconds(FLAGS_request_timeout_ms);
  server_options.keepalive_timeout =
      std::chrono::milliseconds(FLAGS_keepalive_timeout_ms);
  server_options.max_call_threads = FLAGS_max_call_threads;
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
  LOG(INFO) << "received signal " << signal_number
            << ", stopping: requests under way have "
            << FLAGS_shutdown_timeout_ms << " ms to finish";
  std::thread(WaitForSecondSignal, shutdown_signals).detach();

  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(FLAGS_shutdown_timeout_ms);
  server->StopAccepting();
  size_t open_connections = 0;
  size_t running_calls = 0;
  if (!server->WaitUntilIdle(deadline, &open_connections, &running_calls)) {
    // The JIT may still be running uploaded code, so it cannot be torn
    // down; neither can the threads that would send its answers.
    LOG(ERROR) << "gave up after " << FLAGS_shutdown_timeout_ms << " ms with "
               << open_connections << " connections still open and "
               << running_calls << " calls still running; exiting without them";
    logs->Flush();
    std::_Exit(0);
  }
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
