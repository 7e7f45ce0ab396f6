#include "http/server.h"

#include <glog/logging.h>
#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/tcp.h>
#include <sys/socket.h>

#include <chrono>

#include "http/json_reply.h"

namespace ru {
namespace {

using Clock = std::chrono::steady_clock;
using Pistache::Tcp::Peer;

// What the handler keeps per connection.
struct Connection {
  explicit Connection(const RequestReader::Limits& limits) : reader(limits) {}
  RequestReader reader;
  bool closing = false;
};

constexpr const char kConnectionKey[] = "ru.connection";

std::string Serialize(const HttpResponse& response, bool keep_alive,
                      bool head_only) {
  std::string out;
  out.reserve(128 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += ReasonPhrase(response.status);
  out += "\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(response.body.size());
  out += keep_alive ? "\r\nConnection: keep-alive\r\n"
                    : "\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

}  // namespace

// Shared by every clone of the handler (Pistache copies it per thread).
struct ServerShared {
  ServerOptions options;
  Routes routes;
  AccessLog* access_log;

  ServerShared(const ServerOptions& o, Runtime* runtime, AccessLog* log)
      : options(o), routes(runtime, o.metrics), access_log(log) {}
};

// A TCP-level handler: Pistache's HTTP layer (parser, idle checks keyed
// to its parser) is not used at all.
class ConnectionHandler : public Pistache::Tcp::Handler {
 public:
  PROTOTYPE_OF(Pistache::Tcp::Handler, ConnectionHandler)

  explicit ConnectionHandler(std::shared_ptr<ServerShared> shared)
      : shared_(std::move(shared)) {}

  void onConnection(const std::shared_ptr<Peer>& peer) override {
    peer->putData(kConnectionKey,
                  std::make_shared<Connection>(shared_->options.limits));
  }

  void onInput(const char* buffer, size_t length,
               const std::shared_ptr<Peer>& peer) override {
    auto connection =
        std::static_pointer_cast<Connection>(peer->tryGetData(kConnectionKey));
    if (connection == nullptr || connection->closing) return;
    RequestReader& reader = connection->reader;
    reader.Append(buffer, length);

    for (;;) {
      HttpRequest request;
      Clock::time_point start = Clock::now();
      switch (reader.Next(&request)) {
        case RequestReader::Event::kNeedMore:
          return;
        case RequestReader::Event::kContinue: {
          static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          peer->send(Pistache::RawBuffer(kContinue, sizeof(kContinue) - 1));
          break;
        }
        case RequestReader::Event::kError: {
          HttpResponse response =
              ErrorResponse(reader.error_status(), reader.error_message());
          HttpRequest unknown;
          unknown.method = "-";
          Send(peer, connection.get(), unknown, response, false, start);
          return;
        }
        case RequestReader::Event::kRequest: {
          HttpResponse response = shared_->routes.Handle(request);
          Send(peer, connection.get(), request, response, request.keep_alive,
               start);
          if (!request.keep_alive) return;
          break;
        }
      }
    }
  }

 private:
  void Send(const std::shared_ptr<Peer>& peer, Connection* connection,
            const HttpRequest& request, const HttpResponse& response,
            bool keep_alive, Clock::time_point start) {
    std::string bytes =
        Serialize(response, keep_alive, request.method == "HEAD");
    size_t size = bytes.size();
    auto sent = peer->send(Pistache::RawBuffer(std::move(bytes), size));
    if (!keep_alive) {
      connection->closing = true;
      int fd = peer->fd();
      // Closing the write side once the response is out makes the client
      // see the end; Pistache then notices the hang-up and frees the peer.
      sent.then([fd](ssize_t) { ::shutdown(fd, SHUT_RDWR); },
                [fd](std::exception_ptr) { ::shutdown(fd, SHUT_RDWR); });
    }

    if (shared_->access_log != nullptr) {
      AccessRecord record;
      record.client = peer->address().host();
      record.request_line = request.method == "-" ? "-" : request.RequestLine();
      record.status = response.status;
      record.body_bytes = response.body.size();
      if (const std::string* referer = request.Header("Referer")) {
        record.referer = *referer;
      }
      if (const std::string* agent = request.Header("User-Agent")) {
        record.user_agent = *agent;
      }
      record.duration_us =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                start)
              .count();
      record.answered_by = response.answered_by;
      shared_->access_log->Record(record);
    }
    if (shared_->options.metrics != nullptr) {
      shared_->options.metrics->CountRequest(request.path, response.status);
    }
  }

  std::shared_ptr<ServerShared> shared_;
};

class Server::Impl {
 public:
  Impl(const ServerOptions& options, Runtime* runtime, AccessLog* log)
      : shared_(std::make_shared<ServerShared>(options, runtime, log)) {}

  Status Start(uint16_t* port) {
    try {
      Pistache::Address address(shared_->options.address,
                                Pistache::Port(shared_->options.port));
      listener_ = std::make_unique<Pistache::Tcp::Listener>(address);
      listener_->init(shared_->options.threads,
                      Pistache::Flags<Pistache::Tcp::Options>(
                          Pistache::Tcp::Options::ReuseAddr));
      listener_->setHandler(std::make_shared<ConnectionHandler>(shared_));
      listener_->bind();
      listener_->runThreaded();
      *port = static_cast<uint16_t>(listener_->getPort());
    } catch (const std::exception& e) {
      return Status::Internal(
          std::string("cannot listen on ") + shared_->options.address + ":" +
          std::to_string(shared_->options.port) + ": " + e.what());
    }
    return Status::Ok();
  }

  void Shutdown() {
    if (listener_ != nullptr) listener_->shutdown();
    listener_.reset();
  }

 private:
  std::shared_ptr<ServerShared> shared_;
  std::unique_ptr<Pistache::Tcp::Listener> listener_;
};

Server::Server(const ServerOptions& options, Runtime* runtime,
               AccessLog* access_log)
    : impl_(std::make_unique<Impl>(options, runtime, access_log)) {}

Server::~Server() { Shutdown(); }

Status Server::Start() { return impl_->Start(&port_); }

void Server::Shutdown() { impl_->Shutdown(); }

}  // namespace ru
