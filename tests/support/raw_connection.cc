#include "tests/support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace ru_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string text) {
  for (char& c : text) c = std::tolower(static_cast<unsigned char>(c));
  return text;
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return std::max<int>(0, static_cast<int>(left.count()));
}

}  // namespace

std::string RawResponse::Header(const std::string& name) const {
  std::string lower_head = Lower(head);
  std::string key = "\r\n" + Lower(name) + ":";
  size_t at = lower_head.find(key);
  if (at == std::string::npos) return "";
  size_t begin = head.find_first_not_of(' ', at + key.size());
  size_t end = head.find("\r\n", begin);
  return head.substr(
      begin, end == std::string::npos ? std::string::npos : end - begin);
}

RawConnection::RawConnection(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool RawConnection::Dribble(const std::string& bytes, size_t piece,
                            int pause_ms) {
  for (size_t at = 0; at < bytes.size(); at += piece) {
    if (!Send(bytes.substr(at, piece))) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
  return true;
}

bool RawConnection::Fill(int timeout_ms) {
  if (ended_) return false;
  pollfd wanted{fd_, POLLIN, 0};
  if (::poll(&wanted, 1, timeout_ms) <= 0) return false;
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

bool RawConnection::ReadResponse(RawResponse* response, int timeout_ms) {
  Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(RemainingMs(deadline))) return false;
  }
  RawResponse result;
  result.head = buffer_.substr(0, head_end);
  result.status = std::atoi(result.head.c_str() + result.head.find(' ') + 1);
  size_t length = 0;
  if (result.status >= 200) {
    length = std::strtoul(result.Header("Content-Length").c_str(), nullptr, 10);
  }
  size_t total = head_end + 4 + length;
  while (buffer_.size() < total) {
    if (!Fill(RemainingMs(deadline))) return false;
  }
  result.body = buffer_.substr(head_end + 4, length);
  buffer_.erase(0, total);
  *response = std::move(result);
  return true;
}

bool RawConnection::WaitClosed(int timeout_ms, std::string* unread) {
  Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!ended_ && RemainingMs(deadline) > 0) Fill(RemainingMs(deadline));
  if (unread != nullptr) *unread = buffer_;
  return ended_;
}

bool RawConnection::HasInput(int timeout_ms) {
  if (!buffer_.empty()) return true;
  return Fill(timeout_ms) || !buffer_.empty();
}

}  // namespace ru_test
