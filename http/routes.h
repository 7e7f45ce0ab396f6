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

#ifndef RUNTIME_UPDATER_HTTP_ROUTES_H_
#define RUNTIME_UPDATER_HTTP_ROUTES_H_

#include <chrono>
#include <string>
#include <utility>

#include "http/json_reply.h"
#include "http/request_reader.h"
#include "jit/runtime.h"

namespace ru {

class Routes {
 public:
  // `runtime` must outlive the Routes. Requests that change state must
  // carry `update_token` as a bearer token.
  Routes(Runtime* runtime, std::string update_token)
      : runtime_(runtime),
        update_token_(std::move(update_token)),
        started_(std::chrono::steady_clock::now()) {}

  HttpResponse Handle(const HttpRequest& request);

  // True when answering `request` may run uploaded code or compile, and
  // so may take long.
  static bool MayBeSlow(const HttpRequest& request);

 private:
  HttpResponse CallEndpoint(const std::string& function,
                            const HttpRequest& request);
  HttpResponse Update(const HttpRequest& request);
  HttpResponse Rollback(const HttpRequest& request);
  HttpResponse Versions(const HttpRequest& request);
  HttpResponse Health();
  HttpResponse RemoveFunction(const std::string& function);

  Runtime* runtime_;
  std::string update_token_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_ROUTES_H_
