#include "http/routes.h"

#include <glog/logging.h>

#include <chrono>

#include "http/metrics_page.h"
#include "http/query.h"
#include "http/request_metrics.h"
#include "http/update_token.h"
#include "http/version_json.h"
#include "jit/client_text.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace ru {
namespace {

HttpResponse MethodNotAllowed(const std::string& method,
                              const std::string& allowed) {
  HttpResponse response =
      ErrorResponse(405, "method " + SanitizeForClient(method, 20) +
                             " is not allowed here; use " + allowed);
  response.headers.emplace_back("Allow", allowed);
  return response;
}

HttpResponse JsonResponse(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  return response;
}

HttpResponse Unauthorized() {
  HttpResponse response = ErrorResponse(
      401,
      "this route changes what the server runs and needs the header "
      "Authorization: Bearer <token>; see the README for where the token "
      "is kept");
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

HttpResponse StatusResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status), status.message());
}

// Parses a version number from a query value or a path segment: digits
// only, at most 9 of them.
bool ParseVersion(const std::string& text, int* version) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *version = std::stoi(text);
  return true;
}

bool IsTrue(const std::string& value) {
  return value == "1" || value == "true" || value == "yes";
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The result label of an upload that was refused.
const char* RefusalLabel(const Status& status) {
  switch (status.code()) {
    case Status::Code::kBadInput:
      return "bad_input";
    case Status::Code::kUnprocessable:
      return "unprocessable";
    case Status::Code::kNotFound:
      return "unknown_function";
    case Status::Code::kConflict:
      return "conflict";
    case Status::Code::kTooLarge:
      return "too_large";
    case Status::Code::kOk:
    case Status::Code::kInternal:
      break;
  }
  return "internal_error";
}

}  // namespace

const char* const Routes::kRouteLabels[Routes::kRouteCount] = {
    "/",        "/update_endpoint", "/rollback", "/versions",
    "/healthz", "/metrics",         "other",     "-"};

int Routes::RouteIndex(const std::string& path) {
  if (path.empty()) return 7;
  if (path == "/versions" || path.rfind("/versions/", 0) == 0) return 3;
  for (int i = 0; i < 6; ++i) {
    if (path == kRouteLabels[i]) return i;
  }
  return 6;
}

bool Routes::MayBeSlow(const HttpRequest& request) {
  return request.path == "/" || request.path == "/update_endpoint" ||
         request.path == "/rollback" || request.path.rfind("/fn/", 0) == 0;
}

HttpResponse Routes::Handle(const HttpRequest& request) {
  const std::string& path = request.path;
  if (path == "/") {
    if (request.method != "GET" && request.method != "HEAD") {
      return MethodNotAllowed(request.method, "GET");
    }
    return CallEndpoint("foobar", request);
  }
  if (path == "/update_endpoint") {
    if (request.method != "POST") {
      return MethodNotAllowed(request.method, "POST");
    }
    if (!AuthorizationMatches(request.Header("Authorization"), update_token_)) {
      return Unauthorized();
    }
    return Update(request);
  }
  if (path == "/rollback") {
    if (request.method != "POST") {
      return MethodNotAllowed(request.method, "POST");
    }
    if (!AuthorizationMatches(request.Header("Authorization"), update_token_)) {
      return Unauthorized();
    }
    return Rollback(request);
  }
  if (path.rfind("/fn/", 0) == 0) {
    std::string function = path.substr(4);
    if (request.method == "DELETE") {
      if (!AuthorizationMatches(request.Header("Authorization"),
                                update_token_)) {
        return Unauthorized();
      }
      return RemoveFunction(function);
    }
    if (request.method != "GET" && request.method != "HEAD") {
      return MethodNotAllowed(request.method, "GET, DELETE");
    }
    return CallEndpoint(function, request);
  }
  if (path == "/healthz") {
    if (request.method != "GET" && request.method != "HEAD") {
      return MethodNotAllowed(request.method, "GET");
    }
    return Health();
  }
  if (path == "/metrics") {
    if (request.method != "GET" && request.method != "HEAD") {
      return MethodNotAllowed(request.method, "GET");
    }
    return Metrics();
  }
  if (path == "/versions" || path.rfind("/versions/", 0) == 0) {
    if (request.method != "GET" && request.method != "HEAD") {
      return MethodNotAllowed(request.method, "GET");
    }
    return Versions(request);
  }
  return ErrorResponse(404, "no route for " + SanitizeForClient(path, 200));
}

HttpResponse Routes::Health() {
  std::vector<FunctionInfo> functions = runtime_->DescribeFunctions();
  int live = 0;
  for (const FunctionInfo& function : functions) {
    if (function.live_version > 0) ++live;
  }
  double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
          .count();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("status");
  writer.String("ok");
  writer.Key("uptime_seconds");
  writer.Double(uptime);
  writer.Key("functions");
  writer.Int(static_cast<int>(functions.size()));
  writer.Key("live_functions");
  writer.Int(live);
  writer.Key("resident_code_bytes");
  writer.Uint64(runtime_->ResidentCodeBytes());
  writer.EndObject();
  return JsonResponse(std::string(buffer.GetString(), buffer.GetSize()));
}

HttpResponse Routes::Metrics() {
  HttpResponse response;
  response.body = MetricsPage(*runtime_, metrics_);
  response.content_type = PrometheusText::kContentType;
  return response;
}

HttpResponse Routes::CallEndpoint(const std::string& function,
                                  const HttpRequest& request) {
  EndpointResult result;
  Status status =
      runtime_->CallEndpoint(function, ParseQuery(request.query), &result);
  if (!status.ok()) return StatusResponse(status);
  HttpResponse response;
  response.answered_by = function + "@" + std::to_string(result.version);
  if (!result.fault_report.empty()) {
    LOG(ERROR) << "contained: " << result.fault_report;
  }
  switch (result.outcome) {
    case EndpointResult::Outcome::kOk:
      response.body = std::move(result.body);
      break;
    case EndpointResult::Outcome::kFailed:
    case EndpointResult::Outcome::kCrashed:
      response.status = 500;
      response.body = ErrorBody(result.error);
      break;
    case EndpointResult::Outcome::kTimedOut:
      response.status = 503;
      response.body = ErrorBody(result.error);
      break;
  }
  return response;
}

HttpResponse Routes::RemoveFunction(const std::string& function) {
  Status status = runtime_->RemoveFunction(function);
  if (!status.ok()) return StatusResponse(status);
  LOG(INFO) << "removed function " << function << " and its route /fn/"
            << function;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("Success");
  writer.String("Removed");
  writer.Key("function");
  writer.String(function.c_str());
  writer.EndObject();
  return JsonResponse(std::string(buffer.GetString(), buffer.GetSize()));
}

HttpResponse Routes::Update(const HttpRequest& request) {
  QueryParams params = ParseQuery(request.query);
  UpdateRequest update;
  update.function = QueryValue(params, "function", "foobar");
  // ?function=a&function=b: one module updating both, switched together.
  bool first = true;
  for (const auto& [name, value] : params) {
    if (name != "function") continue;
    if (!first) update.more_functions.push_back(value);
    first = false;
  }
  update.bytes = request.body;
  update.message = SanitizeForClient(QueryValue(params, "message"), 1000);
  update.dry_run = IsTrue(QueryValue(params, "dry_run"));
  // ?probe= holds a URL-encoded query string for the trial run; "off"
  // skips it.
  std::string probe = QueryValue(params, "probe");
  update.probe = probe != "off";
  if (update.probe) update.probe_params = ParseQuery(probe);
  std::string function = SanitizeForClient(update.function, 100);

  UpdateResult result;
  Status status = runtime_->Update(update, &result);
  if (!status.ok()) {
    LOG(WARNING) << "rejected upload for " << function << " ("
                 << request.body.size() << " bytes): " << status.message();
    if (metrics_ != nullptr) {
      // A name that does not exist must not become a label: clients
      // choose it.
      FunctionInfo existing;
      bool known = runtime_->DescribeFunction(update.function, &existing).ok();
      metrics_->CountUpdate(known ? update.function : "-", RefusalLabel(status),
                            -1);
    }
    return StatusResponse(status);
  }
  if (result.dry_run) {
    LOG(INFO) << "dry run for " << function << " passed ("
              << request.body.size() << " bytes, " << result.compile_ms
              << " ms)";
  } else if (result.created) {
    LOG(INFO) << "updated " << function << " to version " << result.version
              << " (" << request.body.size() << " bytes, " << result.compile_ms
              << " ms)";
    VLOG(1) << "update of " << function << " to version " << result.version
            << ": compile " << result.compile_stage_ms << " ms, trial run "
            << result.trial_ms << " ms, store " << result.store_ms
            << " ms, switch " << result.switch_ms << " ms";
  } else {
    LOG(INFO) << "upload for " << function << " equals version "
              << result.version << ", which is live now";
  }
  if (metrics_ != nullptr) {
    const char* label = result.dry_run   ? "dry_run"
                        : result.created ? "created"
                                         : "existing";
    bool compiled = result.dry_run || result.created;
    metrics_->CountUpdate(result.function, label,
                          compiled ? result.compile_ms / 1000 : -1);
  }
  HttpResponse response = JsonResponse(UpdateJson(result));
  response.answered_by = function + "@" + std::to_string(result.version);
  return response;
}

HttpResponse Routes::Rollback(const HttpRequest& request) {
  QueryParams params = ParseQuery(request.query);
  std::string function = QueryValue(params, "function", "foobar");
  int version = -1;
  std::string version_text = QueryValue(params, "version");
  if (!version_text.empty() && !ParseVersion(version_text, &version)) {
    return ErrorResponse(400, "version must be a number, got '" +
                                  SanitizeForClient(version_text, 40) + "'");
  }
  RollbackResult result;
  Status status = runtime_->Rollback(function, version, &result);
  if (!status.ok()) {
    LOG(WARNING) << "rollback of " << SanitizeForClient(function, 100)
                 << " refused: " << status.message();
    return StatusResponse(status);
  }
  if (metrics_ != nullptr) metrics_->CountRollback(result.function);
  LOG(INFO) << "rolled back " << result.function << " from version "
            << result.from << " to " << result.to << " ("
            << (result.recompiled ? "recompiled" : "resident") << ", "
            << result.ms << " ms)";
  return JsonResponse(RollbackJson(result));
}

HttpResponse Routes::Versions(const HttpRequest& request) {
  std::vector<std::string> parts = SplitPath(request.path);
  if (parts.size() == 1) {
    return JsonResponse(FunctionsJson(runtime_->DescribeFunctions()));
  }
  const std::string& function = parts[1];
  if (parts.size() == 2) {
    FunctionInfo info;
    Status status = runtime_->DescribeFunction(function, &info);
    if (!status.ok()) return StatusResponse(status);
    return JsonResponse(FunctionJson(info));
  }
  int version = 0;
  if (parts.size() == 4 && parts[3] == "bitcode") {
    if (!ParseVersion(parts[2], &version)) {
      return ErrorResponse(
          404, "no version '" + SanitizeForClient(parts[2], 40) + "'");
    }
    HttpResponse response;
    Status status = runtime_->VersionBytes(function, version, &response.body);
    if (!status.ok()) return StatusResponse(status);
    response.content_type = "application/octet-stream";
    return response;
  }
  return ErrorResponse(404,
                       "no route for " + SanitizeForClient(request.path, 200));
}

}  // namespace ru
