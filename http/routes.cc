#include "http/routes.h"

#include <glog/logging.h>

#include "http/query.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace ru {
namespace {

HttpResponse MethodNotAllowed(const std::string& method,
                              const std::string& allowed) {
  HttpResponse response = ErrorResponse(
      405, "method " + method + " is not allowed here; use " + allowed);
  response.headers.emplace_back("Allow", allowed);
  return response;
}

}  // namespace

bool Routes::MayBeSlow(const HttpRequest& request) {
  return request.path == "/" || request.path == "/update_endpoint";
}

HttpResponse Routes::Handle(const HttpRequest& request) {
  if (request.path == "/") {
    if (request.method != "GET" && request.method != "HEAD") {
      return MethodNotAllowed(request.method, "GET");
    }
    return CallEndpoint("foobar", request);
  }
  if (request.path == "/update_endpoint") {
    if (request.method != "POST") {
      return MethodNotAllowed(request.method, "POST");
    }
    return Update(request);
  }
  return ErrorResponse(404, "no route for " + request.path);
}

HttpResponse Routes::CallEndpoint(const std::string& function,
                                  const HttpRequest& request) {
  EndpointResult result;
  Status status =
      runtime_->CallEndpoint(function, ParseQuery(request.query), &result);
  if (!status.ok()) return ErrorResponse(HttpStatusFor(status),
                                         status.message());
  HttpResponse response;
  response.answered_by = function + "@" + std::to_string(result.version);
  if (!result.ok) {
    response.status = 500;
    response.body = ErrorBody(result.error);
    return response;
  }
  response.body = std::move(result.body);
  return response;
}

HttpResponse Routes::Update(const HttpRequest& request) {
  QueryParams params = ParseQuery(request.query);
  std::string function = QueryValue(params, "function", "foobar");

  UpdateResult result;
  Status status = runtime_->Update(function, request.body, &result);
  if (!status.ok()) {
    LOG(WARNING) << "rejected upload for " << function << " ("
                 << request.body.size() << " bytes): " << status.message();
    return ErrorResponse(HttpStatusFor(status), status.message());
  }
  LOG(INFO) << "updated " << result.function << " to version "
            << result.version << " (" << request.body.size() << " bytes, "
            << result.compile_ms << " ms)";

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("Success");
  writer.String("Updated");
  writer.Key("function");
  writer.String(result.function.c_str());
  writer.Key("version");
  writer.Int(result.version);
  writer.Key("sha256");
  writer.String(result.sha256.c_str());
  writer.Key("compile_ms");
  writer.Double(result.compile_ms);
  writer.EndObject();
  HttpResponse response;
  response.body.assign(buffer.GetString(), buffer.GetSize());
  response.answered_by = result.function + "@" + std::to_string(result.version);
  return response;
}

}  // namespace ru
