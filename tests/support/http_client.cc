#include "tests/support/http_client.h"

#include <curl/curl.h>

#include "tests/support/server_process.h"

namespace ru_test {
namespace {

size_t Append(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

}  // namespace

HttpResult HttpRequest(const std::string& method, const std::string& url,
                       const std::string& body,
                       const std::vector<std::string>& headers) {
  HttpResult result;
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  bool has_authorization = false;
  for (const std::string& header : headers) {
    list = curl_slist_append(list, header.c_str());
    if (header.rfind("Authorization:", 0) == 0) has_authorization = true;
  }
  if (!has_authorization) {
    std::string bearer = std::string("Authorization: Bearer ") + kTestToken;
    list = curl_slist_append(list, bearer.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (method == "POST" || !body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
  }
  CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    result.error = curl_easy_strerror(code);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  }
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &result.seconds);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return result;
}

HttpResult HttpGet(const std::string& url,
                   const std::vector<std::string>& headers) {
  return HttpRequest("GET", url, "", headers);
}

HttpResult HttpPost(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers) {
  return HttpRequest("POST", url, body, headers);
}

}  // namespace ru_test
