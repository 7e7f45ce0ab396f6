// Turns the bytes of an upload into an LLVM module: bitcode (raw or in its
// wrapper) or textual IR, told apart by content. Nothing is compiled here
// and nothing is checked beyond what parsing needs; see module_checker.h.

#ifndef RUNTIME_UPDATER_JIT_UPLOAD_READER_H_
#define RUNTIME_UPDATER_JIT_UPLOAD_READER_H_

#include <memory>
#include <string>

#include "jit/client_text.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace ru {

// Installs on `context` a diagnostic handler that records errors in
// `*errors` (one per line) instead of printing them or, for some inline
// assembly errors, exiting the process. The handler shares ownership of
// `errors`, since ORC may keep the context alive after compiling.
void CaptureDiagnostics(llvm::LLVMContext& context,
                        std::shared_ptr<std::string> errors);

// Parses `bytes` in `context`. Fails with a kBadInput UploadError whose
// message a user can act on: empty, neither bitcode nor text, truncated or
// unreadable, written by a newer LLVM than the server's.
llvm::Expected<std::unique_ptr<llvm::Module>> ReadUpload(
    llvm::StringRef bytes, llvm::LLVMContext& context);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_UPLOAD_READER_H_
