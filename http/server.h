// Server: runtime-updater's HTTP/1.1 front end. Pistache provides the
// sockets and the reactor threads; Connection cuts each connection's bytes
// into requests and answers them, through Routes, on the reactor thread or,
// for calls that may be slow, on a CallPool; a sweeper thread enforces the
// time limits.
//
// Stopping, in order: StopAccepting, WaitUntilIdle, Shutdown (or the
// destructor). Only after Shutdown has returned may the Runtime go.

#ifndef RUNTIME_UPDATER_HTTP_SERVER_H_
#define RUNTIME_UPDATER_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/access_log.h"
#include "http/request_metrics.h"
#include "http/request_reader.h"
#include "jit/runtime.h"
#include "jit/status.h"

namespace ru {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 5000;  // 0 picks a free port.
  int threads = 2;       // Pistache reactor threads.
  RequestReader::Limits limits;
  // The bearer token that state-changing requests must carry.
  std::string update_token;
  // Longest time from a request's first byte to its last (408 beyond).
  std::chrono::milliseconds request_timeout{60000};
  // Longest wait of a kept-alive connection for its next request.
  std::chrono::milliseconds keepalive_timeout{60000};
  // Most threads answering calls that may be slow at the same time.
  int max_call_threads = 64;
  // When set, counts every request and backs GET /metrics; must outlive
  // the server.
  RequestMetrics* metrics = nullptr;
};

class Server {
 public:
  // `runtime` and `access_log` must outlive the server; `access_log` may be
  // null for no access log.
  Server(const ServerOptions& options, Runtime* runtime, AccessLog* access_log);
  // Shutdown().
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads.
  Status Start();

  // The port actually bound, once Start() succeeded.
  uint16_t port() const { return port_; }

  // Closes the listening socket and the connections that wait for a
  // request. Requests under way go on; their responses close their
  // connections.
  void StopAccepting();

  // Waits until every connection has closed and every call has returned,
  // or until `deadline`. Returns whether that happened; if not, says how
  // many connections are still open and how many calls still run.
  bool WaitUntilIdle(std::chrono::steady_clock::time_point deadline,
                     size_t* open_connections, size_t* running_calls);

  // Stops every thread of the server. Waits for calls that still run.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_SERVER_H_
