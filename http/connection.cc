#include "http/connection.h"

#include <glog/logging.h>
#include <pistache/peer.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

namespace ru {
namespace {

using Clock = Connection::Clock;

std::string Serialize(const HttpResponse& response, bool keep_alive,
                      bool head_only) {
  std::string out;
  out.reserve(128 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += ReasonPhrase(response.status);
  out += "\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(response.body.size());
  out += keep_alive ? "\r\nConnection: keep-alive\r\n"
                    : "\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

// What may be buffered behind a request under way beyond one request of
// the largest size: the chunk framing of its body, a few small requests.
constexpr size_t kPipelineSlack = 64 * 1024;

// How long a closing connection's client may take to read its last
// response and hang up.
constexpr std::chrono::seconds kLinger(2);

// Ends the connection both ways: the client reads the end of the stream,
// and Pistache, seeing the hang-up, drops the peer and tells the handler.
void CloseSocket(int fd) { ::shutdown(fd, SHUT_RDWR); }

// Ends only the sending side, after the last response. Closing outright
// while the client still sends (a body after a 413, say) would answer its
// bytes with a reset, and a reset can destroy the response before the
// client reads it; so the client's bytes are read and dropped until it
// hangs up, or for kLinger.
void EndSending(int fd) { ::shutdown(fd, SHUT_WR); }

}  // namespace

Connection::Connection(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                       ConnectionContext* context)
    : context_(context),
      peer_(peer),
      fd_(peer->fd()),
      client_(peer->address().host()),
      reader_(context->limits),
      idle_since_(Clock::now()) {}

void Connection::OnInput(const char* data, size_t size) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closing_ || closed_) return;
  reader_.Append(data, size);
  if (!answering_) {
    Serve(lock, /*on_reactor=*/true);
    return;
  }

  // Bytes behind a request under way are read once it is answered; one
  // more request of the largest size may wait, not an unbounded stream.
  const RequestReader::Limits& limits = context_->limits;
  if (reader_.buffered() >
      limits.max_head_bytes + limits.max_body_bytes + kPipelineSlack) {
    LOG(WARNING) << "closing the connection from " << client_ << ": "
                 << reader_.buffered()
                 << " bytes sent behind a request under way";
    closing_ = true;
    closing_since_ = Clock::now();
    CloseSocket(fd_);
  }
}

void Connection::OnDisconnection() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
}

void Connection::Serve(std::unique_lock<std::mutex>& lock, bool on_reactor) {
  while (!closing_ && !closed_) {
    HttpRequest request;
    switch (reader_.Next(&request)) {
      case RequestReader::Event::kNeedMore:
        if (reader_.InRequest() && request_started_ == Clock::time_point()) {
          request_started_ = Clock::now();
        }
        return;
      case RequestReader::Event::kContinue: {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        SendBytes(std::string(kContinue, sizeof(kContinue) - 1), false);
        continue;
      }
      case RequestReader::Event::kError: {
        HttpRequest unknown;
        unknown.method = "-";
        Respond(unknown,
                ErrorResponse(reader_.error_status(), reader_.error_message()),
                false, Clock::now());
        return;
      }
      case RequestReader::Event::kRequest:
        break;
    }

    Clock::time_point start = Clock::now();
    request_started_ = Clock::time_point();
    answering_ = true;
    if (on_reactor && Routes::MayBeSlow(request)) {
      context_->call_pool->Submit(
          [self = shared_from_this(), request = std::move(request),
           start]() mutable { self->AnswerOnPool(std::move(request), start); });
      return;
    }
    lock.unlock();
    HttpResponse response = context_->routes->Handle(request);
    lock.lock();
    answering_ = false;
    Respond(request, response, request.keep_alive, start);
  }
}

void Connection::AnswerOnPool(HttpRequest request, Clock::time_point start) {
  HttpResponse response = context_->routes->Handle(request);
  std::unique_lock<std::mutex> lock(mutex_);
  answering_ = false;
  Respond(request, response, request.keep_alive, start);
  Serve(lock, /*on_reactor=*/false);
}

void Connection::Respond(const HttpRequest& request,
                         const HttpResponse& response, bool keep_alive,
                         Clock::time_point start) {
  keep_alive =
      keep_alive && !context_->draining.load(std::memory_order_relaxed);
  // Counted before the client can see the response, so that a scrape it
  // makes next includes this request.
  if (context_->metrics != nullptr) {
    context_->metrics->CountRequest(request.path, response.status);
  }
  SendBytes(Serialize(response, keep_alive, request.method == "HEAD"),
            !keep_alive);
  idle_since_ = Clock::now();

  if (context_->access_log == nullptr) return;
  AccessRecord record;
  record.client = client_;
  record.request_line = request.method == "-" ? "-" : request.RequestLine();
  record.status = response.status;
  record.body_bytes = response.body.size();
  if (const std::string* referer = request.Header("Referer")) {
    record.referer = *referer;
  }
  if (const std::string* agent = request.Header("User-Agent")) {
    record.user_agent = *agent;
  }
  record.duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(idle_since_ - start)
          .count();
  record.answered_by = response.answered_by;
  context_->access_log->Record(record);
}

void Connection::SendBytes(std::string bytes, bool close) {
  if (closed_) return;
  if (close) {
    closing_ = true;
    closing_since_ = Clock::now();
  }

  // Written here and now, from whichever thread answers: queueing to
  // Pistache would wake the reactor thread for every response. The
  // descriptor is this connection's while closed_ is false, since Pistache
  // closes it only after OnDisconnection, which waits for mutex_.
  size_t sent = 0;
  if (queued_sends_.load(std::memory_order_acquire) == 0) {
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        // The client is gone; the hang-up makes Pistache drop the peer.
        closing_ = true;
        closing_since_ = Clock::now();
        CloseSocket(fd_);
        return;
      }
    }
    if (sent == bytes.size()) {
      if (close) EndSending(fd_);
      return;
    }
  }

  // The socket's buffer is full, or earlier bytes still wait in Pistache's
  // queue: the rest goes there, and Pistache writes it when the socket
  // drains. Until it has, later bytes queue behind it. The callbacks run on
  // the reactor thread while the peer is still Pistache's, or here at once
  // if the bytes are out already; either way the descriptor is ours.
  std::shared_ptr<Pistache::Tcp::Peer> peer = peer_.lock();
  if (peer == nullptr) return;
  bytes.erase(0, sent);
  size_t size = bytes.size();
  queued_sends_.fetch_add(1, std::memory_order_relaxed);
  auto written = [self = shared_from_this(), close] {
    self->queued_sends_.fetch_sub(1, std::memory_order_release);
    if (close) EndSending(self->fd_);
  };
  peer->send(Pistache::RawBuffer(std::move(bytes), size))
      .then([written](ssize_t) { written(); },
            [written](std::exception_ptr) { written(); });
}

void Connection::Sweep(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_ || answering_) return;
  if (closing_) {
    if (now - closing_since_ > kLinger) CloseSocket(fd_);
    return;
  }

  if (reader_.InRequest()) {
    if (request_started_ != Clock::time_point() &&
        now - request_started_ > context_->request_timeout) {
      VLOG(1) << "connection " << fd_ << ": request incomplete after "
              << context_->request_timeout.count() << " ms, answering 408";
      HttpRequest unknown;
      unknown.method = "-";
      Respond(unknown,
              ErrorResponse(
                  408, "the request was not complete within " +
                           std::to_string(context_->request_timeout.count()) +
                           " ms"),
              false, now);
    }
    return;
  }
  if (context_->draining.load(std::memory_order_relaxed) ||
      now - idle_since_ > context_->keepalive_timeout) {
    VLOG(1) << "connection " << fd_ << ": closing, "
            << (context_->draining.load(std::memory_order_relaxed)
                    ? "the server is stopping"
                    : "idle past the keep-alive timeout");
    closing_ = true;
    closing_since_ = now;
    CloseSocket(fd_);
  }
}

}  // namespace ru
