#include "http/request_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace ru {
namespace {

constexpr size_t kMaxChunkLine = 1024;

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string s) {
  for (char& c : s) c = std::tolower(static_cast<unsigned char>(c));
  return s;
}

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

// Finds the end of the line starting at `from`: the index of its '\n', or
// npos. A preceding '\r' is part of the line ending.
size_t LineEnd(const std::string& buffer, size_t from) {
  return buffer.find('\n', from);
}

std::string LineAt(const std::string& buffer, size_t from, size_t newline) {
  size_t end = newline;
  if (end > from && buffer[end - 1] == '\r') --end;
  return buffer.substr(from, end - from);
}

bool ParseDecimal(const std::string& text, size_t* value) {
  if (text.empty() || text.size() > 18) return false;
  size_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

}  // namespace

const std::string* HttpRequest::Header(const std::string& name) const {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) return &header.second;
  }
  return nullptr;
}

std::string HttpRequest::RequestLine() const {
  return method + " " + target + " HTTP/1." + std::to_string(minor_version);
}

RequestReader::Event RequestReader::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return Event::kError;
}

void RequestReader::Compact() {
  if (pos_ == 0) return;
  if (pos_ >= buffer_.size()) {
    buffer_.clear();
    pos_ = 0;
  } else if (pos_ > 64 * 1024) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
}

RequestReader::Event RequestReader::Next(HttpRequest* request) {
  if (error_status_ != 0) return Event::kError;
  for (;;) {
    switch (state_) {
      case State::kHead: {
        // Empty lines between requests are allowed and ignored.
        while (pos_ < buffer_.size() &&
               (buffer_[pos_] == '\r' || buffer_[pos_] == '\n')) {
          ++pos_;
        }
        // Lines already looked at are not scanned again: a head that
        // arrives a byte at a time must not cost time quadratic in its size.
        size_t end = std::string::npos;
        size_t next = 0;
        size_t at = pos_ + head_scanned_;
        while (at < buffer_.size()) {
          size_t newline = LineEnd(buffer_, at);
          if (newline == std::string::npos) break;
          if (newline == at || (newline == at + 1 && buffer_[at] == '\r')) {
            end = at;
            next = newline + 1;
            break;
          }
          at = newline + 1;
        }
        head_scanned_ = end == std::string::npos ? at - pos_ : 0;
        size_t head_bytes =
            (end == std::string::npos ? buffer_.size() : end) - pos_;
        if (head_bytes > limits_.max_head_bytes) {
          return Fail(431, "the request head is over " +
                               std::to_string(limits_.max_head_bytes) +
                               " bytes");
        }
        if (end == std::string::npos) {
          Compact();
          return Event::kNeedMore;
        }
        Event event = ParseHead(end, next);
        if (event == Event::kError) return event;
        if (state_ == State::kHead) {
          *request = std::move(current_);
          current_ = HttpRequest();
          Compact();
          return Event::kRequest;
        }
        // Announce readiness for the body only if the client is waiting
        // for it: body bytes already here mean it did not wait.
        if (continue_pending_) {
          continue_pending_ = false;
          if (pos_ >= buffer_.size()) return Event::kContinue;
        }
        break;
      }
      case State::kBody: {
        if (!TakeBody()) return Event::kNeedMore;
        state_ = State::kHead;
        *request = std::move(current_);
        current_ = HttpRequest();
        Compact();
        return Event::kRequest;
      }
      case State::kChunkSize:
      case State::kChunkData:
      case State::kTrailer: {
        Event event = ReadChunked();
        if (event != Event::kRequest) return event;
        *request = std::move(current_);
        current_ = HttpRequest();
        Compact();
        return Event::kRequest;
      }
    }
  }
}

RequestReader::Event RequestReader::ParseHead(size_t head_end, size_t next) {
  current_ = HttpRequest();
  size_t newline = LineEnd(buffer_, pos_);
  std::string line = LineAt(buffer_, pos_, newline);

  // The request line: METHOD SP TARGET SP HTTP/1.x
  size_t first = line.find(' ');
  size_t last = line.rfind(' ');
  if (first == std::string::npos || first == last || first == 0) {
    return Fail(400, "malformed request line");
  }
  current_.method = line.substr(0, first);
  current_.target = line.substr(first + 1, last - first - 1);
  std::string version = line.substr(last + 1);
  if (version == "HTTP/1.1") {
    current_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    current_.minor_version = 0;
  } else if (version.rfind("HTTP/", 0) == 0) {
    return Fail(505, "HTTP version " + version.substr(5) +
                         " is not supported; use HTTP/1.1");
  } else {
    return Fail(400, "malformed request line");
  }
  for (char c : current_.method) {
    if (!std::isupper(static_cast<unsigned char>(c))) {
      return Fail(400, "malformed request method");
    }
  }
  std::string target = current_.target;
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    // Absolute form: keep the path and query.
    size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  if (target.empty() || (target[0] != '/' && target != "*")) {
    return Fail(400, "malformed request target");
  }
  size_t question = target.find('?');
  current_.path = target.substr(0, question);
  if (question != std::string::npos) {
    current_.query = target.substr(question + 1);
  }
  size_t fragment = current_.query.find('#');
  if (fragment != std::string::npos) current_.query.resize(fragment);

  // Header fields.
  for (size_t at = newline + 1; at < head_end;) {
    size_t end = LineEnd(buffer_, at);
    std::string field = LineAt(buffer_, at, end);
    at = end + 1;
    if (field[0] == ' ' || field[0] == '\t') {
      return Fail(400, "obsolete header line folding is not accepted");
    }
    size_t colon = field.find(':');
    if (colon == std::string::npos || colon == 0 ||
        field.find_first_of(" \t") < colon) {
      return Fail(400, "malformed header line");
    }
    current_.headers.emplace_back(field.substr(0, colon),
                                  Trim(field.substr(colon + 1)));
  }
  pos_ = next;

  // Connection persistence: HTTP/1.1 keeps by default, 1.0 closes.
  current_.keep_alive = current_.minor_version == 1;
  if (const std::string* connection = current_.Header("Connection")) {
    std::string value = Lower(*connection);
    if (value.find("close") != std::string::npos) {
      current_.keep_alive = false;
    } else if (value.find("keep-alive") != std::string::npos) {
      current_.keep_alive = true;
    }
  }

  // Body framing.
  bool chunked = false;
  size_t length = 0;
  bool has_length = false;
  for (const auto& [name, value] : current_.headers) {
    if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      if (!EqualsIgnoreCase(value, "chunked")) {
        return Fail(501, "transfer coding '" + value.substr(0, 40) +
                             "' is not supported; use chunked or "
                             "Content-Length");
      }
      chunked = true;
    } else if (EqualsIgnoreCase(name, "Content-Length")) {
      size_t value_length;
      if (!ParseDecimal(value, &value_length) ||
          (has_length && value_length != length)) {
        return Fail(400, "invalid Content-Length");
      }
      length = value_length;
      has_length = true;
    }
  }
  if (chunked && has_length) {
    return Fail(400, "both Content-Length and Transfer-Encoding were sent");
  }
  if (length > limits_.max_body_bytes) {
    return Fail(413, "the request body of " + std::to_string(length) +
                         " bytes is over the limit of " +
                         std::to_string(limits_.max_body_bytes) + " bytes");
  }
  bool has_body = chunked || length > 0;
  if (const std::string* expect = current_.Header("Expect")) {
    if (!EqualsIgnoreCase(*expect, "100-continue")) {
      return Fail(417,
                  "unsupported expectation '" + expect->substr(0, 40) + "'");
    }
    continue_pending_ = has_body;
  }
  if (chunked) {
    state_ = State::kChunkSize;
  } else if (length > 0) {
    state_ = State::kBody;
    body_remaining_ = length;
    current_.body.reserve(length);
  } else {
    state_ = State::kHead;
  }
  return Event::kNeedMore;
}

bool RequestReader::TakeBody() {
  size_t take = std::min(body_remaining_, buffer_.size() - pos_);
  current_.body.append(buffer_, pos_, take);
  pos_ += take;
  body_remaining_ -= take;
  if (body_remaining_ == 0) return true;
  Compact();
  return false;
}

RequestReader::Event RequestReader::ReadChunked() {
  for (;;) {
    if (state_ == State::kChunkData) {
      if (!TakeBody()) return Event::kNeedMore;
      // The chunk's data ends with its own line break.
      size_t newline = LineEnd(buffer_, pos_);
      if (newline == std::string::npos) {
        if (buffer_.size() - pos_ > 2) return Fail(400, "malformed chunk");
        return Event::kNeedMore;
      }
      if (!LineAt(buffer_, pos_, newline).empty()) {
        return Fail(400, "malformed chunk: data longer than its size");
      }
      pos_ = newline + 1;
      state_ = State::kChunkSize;
      continue;
    }

    size_t newline = LineEnd(buffer_, pos_);
    if (newline == std::string::npos) {
      if (buffer_.size() - pos_ > kMaxChunkLine) {
        return Fail(400, "malformed chunk: line too long");
      }
      Compact();
      return Event::kNeedMore;
    }
    std::string line = LineAt(buffer_, pos_, newline);
    pos_ = newline + 1;

    if (state_ == State::kTrailer) {
      if (line.empty()) {
        state_ = State::kHead;
        return Event::kRequest;
      }
      // Trailer fields are read and ignored, within the limit on heads.
      trailer_bytes_ += line.size() + 2;
      if (trailer_bytes_ > limits_.max_head_bytes) {
        return Fail(431, "the request trailer is over " +
                             std::to_string(limits_.max_head_bytes) + " bytes");
      }
      continue;
    }

    // A chunk size line: hex digits, then optional extensions after ';'.
    std::string digits = Trim(line.substr(0, line.find(';')));
    if (digits.empty() || digits.size() > 15) {
      return Fail(400, "malformed chunk size");
    }
    size_t size = 0;
    for (char c : digits) {
      int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : std::isxdigit(static_cast<unsigned char>(c))
                      ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                      : -1;
      if (digit < 0) return Fail(400, "malformed chunk size");
      size = size * 16 + digit;
    }
    if (size == 0) {
      state_ = State::kTrailer;
      trailer_bytes_ = 0;
      continue;
    }
    if (current_.body.size() + size > limits_.max_body_bytes) {
      return Fail(413, "the chunked request body is over the limit of " +
                           std::to_string(limits_.max_body_bytes) + " bytes");
    }
    body_remaining_ = size;
    state_ = State::kChunkData;
  }
}

}  // namespace ru
