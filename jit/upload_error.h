// UploadError: an llvm::Error payload that carries the Status code an
// upload failure should get. Everything inside jit/ returns llvm::Error;
// ToStatus() turns it into a Status once, at the public boundary.

#ifndef RUNTIME_UPDATER_JIT_UPLOAD_ERROR_H_
#define RUNTIME_UPDATER_JIT_UPLOAD_ERROR_H_

#include <string>

#include "jit/status.h"
#include "llvm/Support/Error.h"

namespace ru {

class UploadError : public llvm::ErrorInfo<UploadError> {
 public:
  static char ID;

  UploadError(Status::Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  Status::Code code() const { return code_; }
  const std::string& text() const { return message_; }

  void log(llvm::raw_ostream& os) const override { os << message_; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

 private:
  Status::Code code_;
  std::string message_;
};

inline llvm::Error BadInputError(std::string message) {
  return llvm::make_error<UploadError>(Status::Code::kBadInput,
                                       std::move(message));
}

inline llvm::Error UnprocessableError(std::string message) {
  return llvm::make_error<UploadError>(Status::Code::kUnprocessable,
                                       std::move(message));
}

// Consumes `error`. An UploadError keeps its code; any other error is ours
// and becomes kInternal with `context` in front of LLVM's text.
Status ToStatus(llvm::Error error, const std::string& context);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_UPLOAD_ERROR_H_
