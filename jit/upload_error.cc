#include "jit/upload_error.h"

namespace ru {

char UploadError::ID = 0;

Status ToStatus(llvm::Error error, const std::string& context) {
  Status status;
  llvm::handleAllErrors(
      std::move(error),
      [&](const UploadError& e) {
        switch (e.code()) {
          case Status::Code::kBadInput:
            status = Status::BadInput(e.text());
            break;
          case Status::Code::kUnprocessable:
            status = Status::Unprocessable(e.text());
            break;
          case Status::Code::kNotFound:
            status = Status::NotFound(e.text());
            break;
          case Status::Code::kConflict:
            status = Status::Conflict(e.text());
            break;
          case Status::Code::kTooLarge:
            status = Status::TooLarge(e.text());
            break;
          default:
            status = Status::Internal(e.text());
            break;
        }
      },
      [&](const llvm::ErrorInfoBase& e) {
        status = Status::Internal(context + ": " + e.message());
      });
  return status;
}

}  // namespace ru
