#include "jit/client_text.h"

namespace ru {

std::string SanitizeForClient(std::string_view text, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) {
    unsigned char c = text[i];
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    }
    // Overlong two-byte forms (0xc0, 0xc1) and code points past U+10FFFF
    // are invalid too.
    if (valid && (c == 0xc0 || c == 0xc1 || c > 0xf4)) valid = false;
    if (!valid) {
      out += '?';
      ++i;
      continue;
    }
    if (length == 1 && (c < 0x20 || c == 0x7f) && c != '\n' && c != '\t') {
      out += '?';
    } else {
      out.append(text.data() + i, length);
    }
    i += length;
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace ru
