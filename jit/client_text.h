// Text that goes back to a client (error messages quoting LLVM, names taken
// from an upload) must be valid UTF-8 without control characters, and
// short. Part of jit/'s public interface: http/ uses it for its own
// messages too.

#ifndef RUNTIME_UPDATER_JIT_CLIENT_TEXT_H_
#define RUNTIME_UPDATER_JIT_CLIENT_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace ru {

// Returns `text` with invalid UTF-8 and control characters other than
// newline and tab replaced by '?', cut to about `max_bytes` with "..."
// appended when something was left out.
std::string SanitizeForClient(std::string_view text, size_t max_bytes = 600);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_CLIENT_TEXT_H_
