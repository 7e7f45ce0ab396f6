// Server: runtime-updater's HTTP/1.1 front end. Pistache provides the
// sockets, the event loops and their threads; RequestReader cuts each
// connection's bytes into requests; Routes answers them.

#ifndef RUNTIME_UPDATER_HTTP_SERVER_H_
#define RUNTIME_UPDATER_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "http/access_log.h"
#include "http/request_metrics.h"
#include "http/request_reader.h"
#include "http/routes.h"
#include "jit/runtime.h"
#include "jit/status.h"

namespace ru {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 5000;  // 0 picks a free port.
  int threads = 2;
  RequestReader::Limits limits;
  // When set, counts every request and backs GET /metrics; must outlive
  // the server.
  RequestMetrics* metrics = nullptr;
};

class Server {
 public:
  // `runtime` and `access_log` must outlive the server; `access_log` may be
  // null for no access log.
  Server(const ServerOptions& options, Runtime* runtime, AccessLog* access_log);
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads.
  Status Start();

  // The port actually bound, once Start() succeeded.
  uint16_t port() const { return port_; }

  // Stops accepting and closes every connection.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_SERVER_H_
