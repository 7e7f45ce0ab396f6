#include "http/server.h"

#include <glog/logging.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
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

// Pistache closes peers on its own timeouts without telling the handler;
// the server keeps its own, so Pistache's are set beyond any uptime.
constexpr std::chrono::hours kNever(24 * 365 * 100);

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
      : options(o), routes(runtime), access_log(log) {}
};

class ConnectionHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(ConnectionHandler)

  explicit ConnectionHandler(std::shared_ptr<ServerShared> shared)
      : shared_(std::move(shared)) {}

  // Requests are read by onInput below; Pistache's own parser is unused.
  void onRequest(const Pistache::Http::Request&,
                 Pistache::Http::ResponseWriter) override {}

  void onConnection(const std::shared_ptr<Peer>& peer) override {
    // Pistache's own idle check looks up its parser on every peer twice a
    // second and throws, ending the process, when there is none. It never
    // parses anything here: the timeouts it checks are set out of reach.
    peer->putData(Pistache::Http::Handler::ParserData,
                  std::make_shared<Pistache::Http::RequestParser>(1));
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
      endpoint_ = std::make_unique<Pistache::Http::Endpoint>(address);
      auto options = Pistache::Http::Endpoint::options()
                         .threads(shared_->options.threads)
                         .flags(Pistache::Tcp::Options::ReuseAddr)
                         .headerTimeout(kNever)
                         .bodyTimeout(kNever)
                         .keepaliveTimeout(kNever);
      endpoint_->init(options);
      endpoint_->setHandler(
          Pistache::Http::make_handler<ConnectionHandler>(shared_));
      endpoint_->serveThreaded();
      *port = static_cast<uint16_t>(endpoint_->getPort());
    } catch (const std::exception& e) {
      return Status::Internal(
          std::string("cannot listen on ") + shared_->options.address + ":" +
          std::to_string(shared_->options.port) + ": " + e.what());
    }
    return Status::Ok();
  }

  void Shutdown() {
    if (endpoint_ != nullptr) endpoint_->shutdown();
    endpoint_.reset();
  }

 private:
  std::shared_ptr<ServerShared> shared_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

Server::Server(const ServerOptions& options, Runtime* runtime,
               AccessLog* access_log)
    : impl_(std::make_unique<Impl>(options, runtime, access_log)) {}

Server::~Server() { Shutdown(); }

Status Server::Start() { return impl_->Start(&port_); }

void Server::Shutdown() { impl_->Shutdown(); }

}  // namespace ru
