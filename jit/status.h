// Status: the outcome of a runtime-updater operation, as seen from outside
// jit/. It keeps apart the client's fault (bad bitcode, a wrong signature)
// from the server's own, so that the HTTP layer can pick a status code
// without knowing how the JIT works.

#ifndef RUNTIME_UPDATER_JIT_STATUS_H_
#define RUNTIME_UPDATER_JIT_STATUS_H_

#include <string>
#include <utility>

namespace ru {

class Status {
 public:
  enum class Code {
    kOk,
    kBadInput,       // The upload is not something we can read at all.
    kUnprocessable,  // Readable, but not acceptable (type, symbols, ...).
    kNotFound,       // No such function or version.
    kConflict,       // The request contradicts the current state.
    kTooLarge,       // Over a configured size limit.
    kInternal,       // Our fault: the client's input was fine.
  };

  Status() = default;

  static Status Ok() { return Status(); }
  static Status BadInput(std::string msg) {
    return Status(Code::kBadInput, std::move(msg));
  }
  static Status Unprocessable(std::string msg) {
    return Status(Code::kUnprocessable, std::move(msg));
  }
  static Status NotFound(std::string msg) {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status Conflict(std::string msg) {
    return Status(Code::kConflict, std::move(msg));
  }
  static Status TooLarge(std::string msg) {
    return Status(Code::kTooLarge, std::move(msg));
  }
  static Status Internal(std::string msg) {
    return Status(Code::kInternal, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_STATUS_H_
