// The yardstick for GET / throughput: a bare Pistache 0.0.5 handler that
// answers every request with `null` and keeps the connection alive. Serves
// until SIGINT or SIGTERM.
//
//   bare_pistache_server PORT [THREADS]

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

namespace {

class BareHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(BareHandler)

  void onRequest(const Pistache::Http::Request&,
                 Pistache::Http::ResponseWriter response) override {
    // Pistache adds "Connection: Close" to HTTP/1.1 requests that name no
    // Connection header; replacing it is what keeps wrk's connections.
    auto& headers = response.headers();
    headers.remove<Pistache::Http::Header::Connection>();
    headers.add<Pistache::Http::Header::Connection>(
        Pistache::Http::ConnectionControl::KeepAlive);
    response.send(Pistache::Http::Code::Ok, "null", MIME(Application, Json));
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [THREADS]\n", argv[0]);
    return 2;
  }
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Pistache::Address address("127.0.0.1", Pistache::Port(std::atoi(argv[1])));
  Pistache::Http::Endpoint endpoint(address);
  endpoint.init(Pistache::Http::Endpoint::options().threads(threads).flags(
      Pistache::Tcp::Options::ReuseAddr));
  endpoint.setHandler(Pistache::Http::make_handler<BareHandler>());
  endpoint.serveThreaded();
  std::printf("bare Pistache handler on 127.0.0.1:%s, %d threads\n", argv[1],
              threads);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  endpoint.shutdown();
  return 0;
}
