#include "http/query.h"

namespace ru {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string DecodeQueryComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out +=
          static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

QueryParams ParseQuery(std::string_view raw) {
  QueryParams params;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('&', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view part = raw.substr(start, end - start);
    if (!part.empty()) {
      size_t equals = part.find('=');
      if (equals == std::string_view::npos) {
        params.emplace_back(DecodeQueryComponent(part), "");
      } else {
        params.emplace_back(DecodeQueryComponent(part.substr(0, equals)),
                            DecodeQueryComponent(part.substr(equals + 1)));
      }
    }
    start = end + 1;
  }
  return params;
}

std::string QueryValue(const QueryParams& params, const std::string& name,
                       const std::string& fallback) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return fallback;
}

}  // namespace ru
