#include "jit/upload_reader.h"

#include <cctype>
#include <cstdlib>

#include "jit/upload_error.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

namespace ru {
namespace {

class RecordingDiagnosticHandler : public llvm::DiagnosticHandler {
 public:
  explicit RecordingDiagnosticHandler(std::shared_ptr<std::string> errors)
      : errors_(std::move(errors)) {}

  bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
    if (info.getSeverity() != llvm::DS_Error) return true;
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::DiagnosticPrinterRawOStream printer(os);
    info.print(printer);
    os.flush();
    if (!errors_->empty()) errors_->push_back('\n');
    errors_->append(text);
    return true;
  }

 private:
  std::shared_ptr<std::string> errors_;
};

// The major version in a bitcode producer string such as "LLVM19.1.7",
// or 0 when there is none.
int ProducerMajor(llvm::StringRef producer) {
  if (!producer.consume_front("LLVM")) return 0;
  int major = 0;
  if (producer.consumeInteger(10, major)) return 0;
  return major;
}

bool LooksLikeText(llvm::StringRef bytes) {
  size_t probe = std::min<size_t>(bytes.size(), 4096);
  for (size_t i = 0; i < probe; ++i) {
    unsigned char c = bytes[i];
    if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
      return false;
    }
  }
  return true;
}

std::string HexPrefix(llvm::StringRef bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < bytes.size() && i < 4; ++i) {
    unsigned char c = bytes[i];
    if (i > 0) hex += ' ';
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

}  // namespace

void CaptureDiagnostics(llvm::LLVMContext& context,
                        std::shared_ptr<std::string> errors) {
  context.setDiagnosticHandler(
      std::make_unique<RecordingDiagnosticHandler>(std::move(errors)));
}

llvm::Expected<std::unique_ptr<llvm::Module>> ReadUpload(
    llvm::StringRef bytes, llvm::LLVMContext& context) {
  if (bytes.empty()) {
    return BadInputError(
        "the upload is empty: send LLVM bitcode (.bc) or textual IR (.ll)");
  }
  llvm::MemoryBufferRef buffer(bytes, "upload");

  if (llvm::isBitcode(bytes.bytes_begin(), bytes.bytes_end())) {
    // A producer newer than us explains most failures better than the
    // reader's own message does, so name it first.
    int ours = LLVM_VERSION_MAJOR;
    std::string producer;
    if (auto producer_or_err = llvm::getBitcodeProducerString(buffer)) {
      producer = *producer_or_err;
    } else {
      llvm::consumeError(producer_or_err.takeError());
    }
    auto module_or_err = llvm::parseBitcodeFile(buffer, context);
    if (module_or_err) return module_or_err;
    std::string reason = llvm::toString(module_or_err.takeError());
    if (ProducerMajor(producer) > ours) {
      return BadInputError("the bitcode was written by " + producer +
                           ", newer than this server's LLVM " +
                           std::to_string(ours) + "; compile it with clang-" +
                           std::to_string(ours) +
                           " (reader: " + SanitizeForClient(reason, 200) + ")");
    }
    return BadInputError("unreadable or truncated bitcode: " +
                         SanitizeForClient(reason));
  }

  if (!LooksLikeText(bytes)) {
    return BadInputError(
        "the upload is neither LLVM bitcode nor textual IR (it starts with "
        "bytes " +
        HexPrefix(bytes) + "); send the output of clang -c -emit-llvm");
  }
  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> module =
      llvm::parseAssembly(buffer, diagnostic, context);
  if (module == nullptr) {
    return BadInputError("textual IR does not parse: line " +
                         std::to_string(diagnostic.getLineNo()) + ": " +
                         SanitizeForClient(diagnostic.getMessage()));
  }
  return std::move(module);
}

}  // namespace ru
