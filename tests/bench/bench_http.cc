#include "tests/bench/bench_http.h"

#include <curl/curl.h>

#include <chrono>

namespace ru_bench {
namespace {

size_t Append(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

}  // namespace

HttpClient::HttpClient(std::string base_url, const std::string& token)
    : base_url_(std::move(base_url)), curl_(curl_easy_init()) {
  if (!token.empty()) {
    std::string header = "Authorization: Bearer " + token;
    headers_ = curl_slist_append(headers_, header.c_str());
  }
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
  curl_slist_free_all(headers_);
}

Reply HttpClient::Get(const std::string& path_and_query) {
  return Perform(path_and_query, nullptr);
}

Reply HttpClient::Post(const std::string& path_and_query,
                       const std::string& body) {
  return Perform(path_and_query, &body);
}

Reply HttpClient::Perform(const std::string& path_and_query,
                          const std::string* body) {
  Reply reply;
  std::string url = base_url_ + path_and_query;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  if (body != nullptr) {
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
  }

  auto start = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(curl_);
  reply.ms = std::chrono::duration<double, std::milli>(
                 std::chrono::steady_clock::now() - start)
                 .count();
  if (code != CURLE_OK) {
    reply.error = curl_easy_strerror(code);
  } else {
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  return reply;
}

}  // namespace ru_bench
