// Routes: what the server answers to each request, independent of how
// bytes reach it. Handle() runs on whichever thread the server chooses and
// may take as long as the function it calls.
//
//   GET  /                              calls foobar with the query
//   POST /update_endpoint               compiles the body as a new version
//                                       of ?function= (default foobar)
//   POST /rollback?function=F[&version=N]
//   GET  /versions                      every function and its history
//   GET  /versions/F                    one function, newest first
//   GET  /versions/F/N/bitcode          the stored bytes of a version
//   GET  /healthz                       uptime, live functions, JIT memory
//   GET  /fn/F                          calls the endpoint function F
//   DELETE /fn/F                        removes F, created by an upload
//   GET  /metrics                       Prometheus text format

#ifndef RUNTIME_UPDATER_HTTP_ROUTES_H_
#define RUNTIME_UPDATER_HTTP_ROUTES_H_

#include <chrono>
#include <string>
#include <utility>

#include "http/json_reply.h"
#include "http/request_reader.h"
#include "jit/runtime.h"

namespace ru {

class RequestMetrics;

class Routes {
 public:
  // `runtime` and `metrics` must outlive the Routes. Requests that change
  // state must carry `update_token` as a bearer token. Uploads and
  // rollbacks are counted in `metrics`, and /metrics shows it, unless it
  // is null.
  Routes(Runtime* runtime, std::string update_token,
         RequestMetrics* metrics = nullptr)
      : runtime_(runtime),
        update_token_(std::move(update_token)),
        metrics_(metrics),
        started_(std::chrono::steady_clock::now()) {}

  HttpResponse Handle(const HttpRequest& request);

  // True when answering `request` may run uploaded code or compile, and
  // so may take long.
  static bool MayBeSlow(const HttpRequest& request);

  // How metrics name the route that answers `path`: an index into
  // kRouteLabels, so that clients cannot make up labels. Unknown paths
  // are "other"; an empty path (a request that could not be read) "-".
  static int RouteIndex(const std::string& path);
  static constexpr int kRouteCount = 8;
  static const char* const kRouteLabels[kRouteCount];

 private:
  HttpResponse CallEndpoint(const std::string& function,
                            const HttpRequest& request);
  HttpResponse Update(const HttpRequest& request);
  HttpResponse Rollback(const HttpRequest& request);
  HttpResponse Versions(const HttpRequest& request);
  HttpResponse Health();
  HttpResponse RemoveFunction(const std::string& function);
  HttpResponse Metrics();

  Runtime* runtime_;
  std::string update_token_;
  RequestMetrics* metrics_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_ROUTES_H_
