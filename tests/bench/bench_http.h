// A keep-alive HTTP client for the benchmark drivers: one libcurl handle,
// so consecutive requests reuse one connection, as an operator's deploy
// tool would.

#ifndef RUNTIME_UPDATER_TESTS_BENCH_BENCH_HTTP_H_
#define RUNTIME_UPDATER_TESTS_BENCH_BENCH_HTTP_H_

#include <string>

typedef void CURL;
struct curl_slist;

namespace ru_bench {

struct Reply {
  long status = 0;  // 0 when no response arrived.
  std::string body;
  std::string error;  // libcurl's message when the transfer failed.
  double ms = 0;      // Wall time of the whole request.
};

class HttpClient {
 public:
  // `base_url`: scheme, host and port, e.g. "http://127.0.0.1:5000".
  // A non-empty `token` is sent as "Authorization: Bearer <token>" (a
  // server that checks no token ignores it).
  explicit HttpClient(std::string base_url, const std::string& token = "");
  ~HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Reply Get(const std::string& path_and_query);
  Reply Post(const std::string& path_and_query, const std::string& body);

 private:
  Reply Perform(const std::string& path_and_query, const std::string* body);

  std::string base_url_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
};

}  // namespace ru_bench

#endif  // RUNTIME_UPDATER_TESTS_BENCH_BENCH_HTTP_H_
