// CompileHelper: compiles uploads in a separate process, so that a file
// crafted to crash LLVM's bitcode reader, or to make it or the code
// generator allocate without bound, costs that upload and not the server.
//
// The helper is this same binary started with --compile_helper_fd. It runs
// with a memory limit, a CPU time limit per upload, and (where the kernel
// allows) a seccomp filter that permits little beyond reading and writing
// its socket and managing memory. It returns an object file, which the
// server links with ORC; the stub switch and every call stay in the
// server. A helper that dies is started again for the next upload.
//
// Not thread-safe: the runtime compiles one upload at a time.

#ifndef RUNTIME_UPDATER_JIT_COMPILE_HELPER_H_
#define RUNTIME_UPDATER_JIT_COMPILE_HELPER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "jit/object_compiler.h"

namespace ru {

struct HelperLimits {
  int64_t memory_mb = 1024;    // Address space of the helper.
  int64_t timeout_ms = 10000;  // Wall clock and CPU time per upload.
};

class CompileHelper : public UploadCompiler {
 public:
  // `executable` is the server's own binary.
  CompileHelper(std::string executable, int opt_level, HelperLimits limits);
  ~CompileHelper() override;

  CompileHelper(const CompileHelper&) = delete;
  CompileHelper& operator=(const CompileHelper&) = delete;

  // Starts the helper now rather than at the first upload.
  llvm::Error Start();

  llvm::Error Compile(llvm::StringRef bytes, const CompileSpec& spec,
                      CompiledObject* out) override;

 private:
  // Kills the helper (if running) and explains how it ended.
  std::string Reap(bool kill_it);

  std::string executable_;
  int opt_level_;
  HelperLimits limits_;
  pid_t pid_ = -1;
  int fd_ = -1;
};

// The helper's side: serves compile requests on `fd` until it is closed.
// Returns the process exit code.
int RunCompileHelper(int fd, int opt_level, int64_t memory_mb,
                     int64_t timeout_ms);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_COMPILE_HELPER_H_
