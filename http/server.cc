#include "http/server.h"

#include <dirent.h>
#include <glog/logging.h>
#include <netinet/in.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "http/call_pool.h"
#include "http/connection.h"
#include "http/routes.h"

namespace ru {
namespace {

using Clock = std::chrono::steady_clock;
using Pistache::Tcp::Peer;

constexpr const char kConnectionKey[] = "ru.connection";

// Pistache closes peers on its own timeouts without telling the handler;
// the server keeps its own, so Pistache's are set beyond any uptime.
constexpr std::chrono::hours kNever(24 * 365 * 100);

// How often the sweeper looks at every connection's clocks.
constexpr std::chrono::milliseconds kSweepInterval(100);

// Pistache does not expose its listening socket; it is the one socket of
// the process that listens on `port`. Returns -1 if there is none.
int FindListeningSocket(uint16_t port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    int listening = 0;
    socklen_t size = sizeof(listening);
    sockaddr_storage address;
    socklen_t address_size = sizeof(address);
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9' ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 ||
        !listening ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_size) !=
            0) {
      continue;
    }
    uint16_t bound = 0;
    if (address.ss_family == AF_INET) {
      bound = ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    } else if (address.ss_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
    }
    if (bound == port) found = fd;
  }
  closedir(dir);
  return found;
}

}  // namespace

// Shared by every clone of the handler (Pistache copies it per thread).
struct ServerShared {
  ServerOptions options;
  Routes routes;
  ConnectionContext context;
  std::mutex connections_mutex;
  std::unordered_set<std::shared_ptr<Connection>> connections;  // Guarded.
  // Last, so that it goes first: its tasks use everything above.
  std::unique_ptr<CallPool> call_pool;

  ServerShared(const ServerOptions& o, Runtime* runtime, AccessLog* log)
      : options(o), routes(runtime, o.update_token, o.metrics) {
    CallPool::Options pool_options;
    pool_options.min_threads = o.threads;
    pool_options.max_threads = std::max(o.threads, o.max_call_threads);
    call_pool = std::make_unique<CallPool>(pool_options);
    context.limits = o.limits;
    context.request_timeout = o.request_timeout;
    context.keepalive_timeout = o.keepalive_timeout;
    context.routes = &routes;
    context.access_log = log;
    context.metrics = o.metrics;
    context.call_pool = call_pool.get();
  }

  std::vector<std::shared_ptr<Connection>> Connections() {
    std::lock_guard<std::mutex> lock(connections_mutex);
    return {connections.begin(), connections.end()};
  }
};

class ConnectionHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(ConnectionHandler)

  explicit ConnectionHandler(std::shared_ptr<ServerShared> shared)
      : shared_(std::move(shared)) {}

  // Requests are read by Connection; Pistache's own parser is unused.
  void onRequest(const Pistache::Http::Request&,
                 Pistache::Http::ResponseWriter) override {}

  void onConnection(const std::shared_ptr<Peer>& peer) override {
    // Pistache's own idle check looks up its parser on every peer twice a
    // second and throws, ending the process, when there is none.
    peer->putData(Pistache::Http::Handler::ParserData,
                  std::make_shared<Pistache::Http::RequestParser>(1));
    auto connection = std::make_shared<Connection>(peer, &shared_->context);
    peer->putData(kConnectionKey, connection);
    std::lock_guard<std::mutex> lock(shared_->connections_mutex);
    shared_->connections.insert(std::move(connection));
  }

  void onInput(const char* buffer, size_t length,
               const std::shared_ptr<Peer>& peer) override {
    auto connection =
        std::static_pointer_cast<Connection>(peer->tryGetData(kConnectionKey));
    if (connection != nullptr) connection->OnInput(buffer, length);
  }

  void onDisconnection(const std::shared_ptr<Peer>& peer) override {
    auto connection =
        std::static_pointer_cast<Connection>(peer->tryGetData(kConnectionKey));
    if (connection == nullptr) return;
    connection->OnDisconnection();
    // Responses that pool threads queued before that are written now,
    // while the descriptor is still this peer's: Pistache closes it next,
    // and a later write could reach a new connection given the same number.
    transport()->flush();
    std::lock_guard<std::mutex> lock(shared_->connections_mutex);
    shared_->connections.erase(connection);
  }

 private:
  std::shared_ptr<ServerShared> shared_;
};

class Server::Impl {
 public:
  Impl(const ServerOptions& options, Runtime* runtime, AccessLog* log)
      : shared_(std::make_shared<ServerShared>(options, runtime, log)) {}

  ~Impl() { Shutdown(); }

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
    listen_fd_ = FindListeningSocket(*port);
    sweeper_ = std::thread([this] { Sweep(); });
    return Status::Ok();
  }

  void StopAccepting() {
    // Putting an unbound socket in the listening socket's place closes the
    // latter, so the kernel refuses new connections at once, while
    // Pistache's accept thread keeps a valid descriptor and just never
    // hears from it again.
    if (listen_fd_ >= 0) {
      int placeholder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (placeholder >= 0) {
        ::dup2(placeholder, listen_fd_);
        ::close(placeholder);
      }
      listen_fd_ = -1;
    }
    shared_->context.draining = true;
    SweepNow();
  }

  bool WaitUntilIdle(Clock::time_point deadline, size_t* open_connections,
                     size_t* running_calls) {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(shared_->connections_mutex);
        *open_connections = shared_->connections.size();
      }
      *running_calls = shared_->call_pool->Pending();
      if (*open_connections == 0 && *running_calls == 0) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void Shutdown() {
    if (sweeper_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(sweeper_mutex_);
        sweeper_stop_ = true;
      }
      sweeper_wake_.notify_all();
      sweeper_.join();
    }
    // Calls still running send their responses through Pistache.
    shared_->call_pool->WaitIdle(Clock::time_point::max());
    if (endpoint_ != nullptr) endpoint_->shutdown();
    endpoint_.reset();
  }

 private:
  void Sweep() {
    std::unique_lock<std::mutex> lock(sweeper_mutex_);
    while (!sweeper_stop_) {
      sweeper_wake_.wait_for(lock, kSweepInterval);
      lock.unlock();
      Clock::time_point now = Clock::now();
      for (const auto& connection : shared_->Connections()) {
        connection->Sweep(now);
      }
      lock.lock();
    }
  }

  void SweepNow() { sweeper_wake_.notify_all(); }

  std::shared_ptr<ServerShared> shared_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  int listen_fd_ = -1;
  std::thread sweeper_;
  std::mutex sweeper_mutex_;
  std::condition_variable sweeper_wake_;
  bool sweeper_stop_ = false;  // Guarded by sweeper_mutex_.
};

Server::Server(const ServerOptions& options, Runtime* runtime,
               AccessLog* access_log)
    : impl_(std::make_unique<Impl>(options, runtime, access_log)) {}

Server::~Server() = default;

Status Server::Start() { return impl_->Start(&port_); }

void Server::StopAccepting() { impl_->StopAccepting(); }

bool Server::WaitUntilIdle(std::chrono::steady_clock::time_point deadline,
                           size_t* open_connections, size_t* running_calls) {
  return impl_->WaitUntilIdle(deadline, open_connections, running_calls);
}

void Server::Shutdown() { impl_->Shutdown(); }

}  // namespace ru
