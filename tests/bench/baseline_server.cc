// The baseline of part 2 of scripts/bench.sh: a bare Pistache HTTP server
// that answers every request with the bytes runtime-updater answers GET /
// with when foobar writes the string "foobar", and keeps the connection
// alive. It exists for the benchmark only.
//
//   baseline_server [--port=N] [--threads=N] [--port_file=PATH]

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

using namespace Pistache;

constexpr const char kBody[] = "\"foobar\"";

class FixedHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(FixedHandler)

  void onRequest(const Http::Request&, Http::ResponseWriter response) override {
    // Pistache puts "Connection: Close" on the answer to an HTTP/1.1
    // request that has no Connection header (wrk sends none); HTTP/1.1
    // means keep-alive, as runtime-updater answers.
    response.headers().remove<Http::Header::Connection>();
    response.headers().add<Http::Header::Connection>(
        Http::ConnectionControl::KeepAlive);
    response.send(Http::Code::Ok, kBody, sizeof(kBody) - 1,
                  MIME(Application, Json));
  }
};

// "--name=value" -> value, when `arg` is that flag.
bool FlagValue(const char* arg, const char* name, std::string* value) {
  size_t length = std::strlen(name);
  if (std::strncmp(arg, name, length) != 0 || arg[length] != '=') return false;
  *value = arg + length + 1;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string port = "0";
  std::string threads = "2";
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    if (!FlagValue(argv[i], "--port", &port) &&
        !FlagValue(argv[i], "--threads", &threads) &&
        !FlagValue(argv[i], "--port_file", &port_file)) {
      std::fprintf(stderr,
                   "usage: %s [--port=N] [--threads=N] "
                   "[--port_file=PATH]\n",
                   argv[0]);
      return 2;
    }
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Http::Endpoint endpoint(
      Address(Ipv4::loopback(), Port(std::atoi(port.c_str()))));
  endpoint.init(Http::Endpoint::options()
                    .threads(std::atoi(threads.c_str()))
                    .flags(Tcp::Options::ReuseAddr));
  endpoint.setHandler(Http::make_handler<FixedHandler>());
  endpoint.serveThreaded();

  std::printf("baseline_server listening on port %u\n",
              static_cast<unsigned>(endpoint.getPort()));
  std::fflush(stdout);
  if (!port_file.empty()) {
    std::string temporary = port_file + ".tmp";
    std::ofstream(temporary) << endpoint.getPort() << "\n";
    std::rename(temporary.c_str(), port_file.c_str());
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  endpoint.shutdown();
  return 0;
}
