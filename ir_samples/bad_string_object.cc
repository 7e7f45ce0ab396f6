// A C++ upload that, on ?bad=1, calls a member of std::string (one the C++
// library defines, not inlined) on an object that is not there. The fault
// happens inside the C++ library on the upload's behalf; it is contained
// (500).
#include <cstdint>
#include <string>

#include "updateable.h"

extern "C" int foobar(const ru_args *args, ru_json *out) {
  std::string text = "fine";
  if (ru_arg(args, "bad") != nullptr) {
    auto *nowhere = reinterpret_cast<std::string *>(
        static_cast<uintptr_t>(16 + ru_arg_count(args) * 0));
    nowhere->reserve(64);
  }
  ru_json_string(out, text.c_str());
  return 0;
}
