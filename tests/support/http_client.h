// A small libcurl client for integration tests.

#ifndef RUNTIME_UPDATER_TESTS_SUPPORT_HTTP_CLIENT_H_
#define RUNTIME_UPDATER_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <string>
#include <vector>

namespace ru_test {

struct HttpResult {
  long status = 0;  // 0 when no response arrived.
  std::string body;
  std::string headers;  // The raw response headers.
  std::string error;    // libcurl's message when the transfer failed.
  double seconds = 0;
};

// Requests carry "Authorization: Bearer <kTestToken>" unless `headers`
// has an Authorization header of its own; "Authorization:" alone sends
// none.
HttpResult HttpGet(const std::string& url,
                   const std::vector<std::string>& headers = {});
HttpResult HttpPost(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers = {});
HttpResult HttpRequest(const std::string& method, const std::string& url,
                       const std::string& body,
                       const std::vector<std::string>& headers);

}  // namespace ru_test

#endif  // RUNTIME_UPDATER_TESTS_SUPPORT_HTTP_CLIENT_H_
