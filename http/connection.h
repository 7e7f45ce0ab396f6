// Connection: one client connection, from the bytes it sends to the
// responses it gets, with its limits on size and time.
//
// Requests on one connection are answered one at a time, in order: bytes of
// a pipelined request wait in the reader until the one before it has its
// response queued, so responses leave in request order, and "100 Continue"
// or an early 413 never lands in the middle of an earlier response.
//
// Threads. The Pistache reactor thread that owns the peer calls OnInput and
// OnDisconnection. A request that may run uploaded code or compile
// (Routes::MayBeSlow) is answered on the CallPool, and the rest of the
// connection's buffered requests with it, so the reactor thread goes back
// to its other connections at once; every other request is answered on the
// reactor thread. The sweeper calls Sweep. A mutex guards the state.
//
// Responses are written to the socket by the thread that answers, and
// handed to Peer::send only when the socket's buffer is full. Once Pistache
// has dropped the peer its file descriptor may belong to a new connection,
// so nothing is written after OnDisconnection.

#ifndef RUNTIME_UPDATER_HTTP_CONNECTION_H_
#define RUNTIME_UPDATER_HTTP_CONNECTION_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "http/access_log.h"
#include "http/call_pool.h"
#include "http/json_reply.h"
#include "http/request_metrics.h"
#include "http/request_reader.h"
#include "http/routes.h"

namespace Pistache::Tcp {
class Peer;
}

namespace ru {

// What every connection of a server shares. Outlives the connections.
struct ConnectionContext {
  RequestReader::Limits limits;
  // Longest time from a request's first byte to its last.
  std::chrono::milliseconds request_timeout{60000};
  // Longest time a kept-alive connection may wait for its next request.
  std::chrono::milliseconds keepalive_timeout{60000};
  Routes* routes = nullptr;
  AccessLog* access_log = nullptr;    // Null for none.
  RequestMetrics* metrics = nullptr;  // Null for none.
  CallPool* call_pool = nullptr;
  // Set when the server stops: responses then close their connection.
  std::atomic<bool> draining{false};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;

  Connection(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
             ConnectionContext* context);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Bytes from the client. Reactor thread.
  void OnInput(const char* data, size_t size);

  // Pistache is dropping the peer. Reactor thread.
  void OnDisconnection();

  // Answers 408 to a client that took longer than request_timeout to send
  // its request, and closes a connection that waited for its next request
  // longer than keepalive_timeout, or at all once the server is draining.
  // Any thread.
  void Sweep(Clock::time_point now);

 private:
  // Reads and answers buffered requests until more bytes are needed, a
  // request went to the pool, or the connection is closing. `on_reactor`
  // tells whether this runs on the reactor thread. mutex_ held.
  void Serve(std::unique_lock<std::mutex>& lock, bool on_reactor);
  // Answers `request` on a pool thread, then serves what is buffered.
  void AnswerOnPool(HttpRequest request, Clock::time_point start);
  // Queues the response to `request`, closing after it unless
  // `keep_alive`, and writes the access log line. mutex_ held.
  void Respond(const HttpRequest& request, const HttpResponse& response,
               bool keep_alive, Clock::time_point start);
  // Sends bytes; after them the connection closes if `close`. mutex_ held.
  void SendBytes(std::string bytes, bool close);

  ConnectionContext* const context_;
  const std::weak_ptr<Pistache::Tcp::Peer> peer_;
  const int fd_;
  const std::string client_;  // The peer's address, for the access log.

  std::mutex mutex_;
  // All guarded by mutex_.
  RequestReader reader_;
  bool answering_ = false;  // A request is being answered.
  bool closing_ = false;    // The last response is queued; read no more.
  bool closed_ = false;     // Pistache dropped the peer.
  // When the first byte of the request being received arrived; zero when
  // none is.
  Clock::time_point request_started_;
  Clock::time_point idle_since_;     // When the last response was queued.
  Clock::time_point closing_since_;  // When closing_ was set.
  // Sends handed to Pistache and not yet written.
  std::atomic<int> queued_sends_{0};
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_CONNECTION_H_
