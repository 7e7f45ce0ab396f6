// JSON bodies of the server's own replies. Every error the server sends is
// {"error": "<cause>"}, and the cause is made safe for JSON first.

#ifndef RUNTIME_UPDATER_HTTP_JSON_REPLY_H_
#define RUNTIME_UPDATER_HTTP_JSON_REPLY_H_

#include <string>
#include <utility>
#include <vector>

#include "jit/status.h"

namespace ru {

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Headers beyond Content-Type, Content-Length and Connection.
  std::vector<std::pair<std::string, std::string>> headers;
  // "function@version" when uploaded code answered, for the access log.
  std::string answered_by = "-";
};

// {"error": message}, with message sanitized.
std::string ErrorBody(const std::string& message);

HttpResponse ErrorResponse(int status, const std::string& message);

// The HTTP status for a failed Status.
int HttpStatusFor(const Status& status);

// The standard reason phrase of `status`.
const char* ReasonPhrase(int status);

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_JSON_REPLY_H_
