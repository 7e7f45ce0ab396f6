#include "jit/offered_symbols.h"

#include <dlfcn.h>

#include "jit/guarded_libc.h"
#include "jit/updateable.h"

namespace ru {

const std::vector<std::string>& CuratedLibraryNames() {
  static const std::vector<std::string> names = {
      // Memory and strings.
      "memcpy",
      "memmove",
      "memset",
      "memcmp",
      "memchr",
      "memrchr",
      "strlen",
      "strnlen",
      "strcmp",
      "strncmp",
      "strcpy",
      "strncpy",
      "strcat",
      "strncat",
      "strchr",
      "strrchr",
      "strstr",
      "strspn",
      "strcspn",
      "strpbrk",
      "strtok_r",
      "strdup",
      "strndup",
      "strcasecmp",
      "strncasecmp",
      "stpcpy",
      "bcmp",
      // Heap.
      "malloc",
      "calloc",
      "realloc",
      "free",
      "aligned_alloc",
      "posix_memalign",
      // Numbers to and from text.
      "atoi",
      "atol",
      "atoll",
      "atof",
      "strtol",
      "strtoll",
      "strtoul",
      "strtoull",
      "strtod",
      "strtof",
      "strtold",
      "snprintf",
      "vsnprintf",
      "sprintf",
      "vsprintf",
      // Not sscanf: it cannot be guarded (see guarded_libc.h), and a bad
      // pointer handed to it would end the process.
      // Character classes; glibc's macros reach the tables directly.
      "isalpha",
      "isdigit",
      "isalnum",
      "isspace",
      "isupper",
      "islower",
      "isxdigit",
      "ispunct",
      "isprint",
      "iscntrl",
      "isgraph",
      "toupper",
      "tolower",
      "__ctype_b_loc",
      "__ctype_tolower_loc",
      "__ctype_toupper_loc",
      "__errno_location",
      // Small utilities.
      "abs",
      "labs",
      "llabs",
      "div",
      "ldiv",
      "lldiv",
      "qsort",
      "bsearch",
      "rand_r",
      "time",
      "clock_gettime",
      // libm, double and float.
      "sin",
      "cos",
      "tan",
      "asin",
      "acos",
      "atan",
      "atan2",
      "sinh",
      "cosh",
      "tanh",
      "asinh",
      "acosh",
      "atanh",
      "exp",
      "exp2",
      "expm1",
      "log",
      "log2",
      "log10",
      "log1p",
      "pow",
      "sqrt",
      "cbrt",
      "hypot",
      "fabs",
      "floor",
      "ceil",
      "round",
      "trunc",
      "fmod",
      "remainder",
      "fmin",
      "fmax",
      "fma",
      "lround",
      "llround",
      "lrint",
      "llrint",
      "rint",
      "nearbyint",
      "ldexp",
      "frexp",
      "modf",
      "copysign",
      "nan",
      "erf",
      "erfc",
      "tgamma",
      "lgamma",
      "sincos",
      "sinf",
      "cosf",
      "tanf",
      "asinf",
      "acosf",
      "atanf",
      "atan2f",
      "expf",
      "exp2f",
      "logf",
      "log2f",
      "log10f",
      "powf",
      "sqrtf",
      "cbrtf",
      "hypotf",
      "fabsf",
      "floorf",
      "ceilf",
      "roundf",
      "truncf",
      "fmodf",
      "fminf",
      "fmaxf",
      "fmaf",
      "lroundf",
      "ldexpf",
      "frexpf",
      "modff",
      "copysignf",
      "sincosf",
      // Helpers the code generator calls for wide arithmetic.
      "__divti3",
      "__udivti3",
      "__modti3",
      "__umodti3",
      "__powidf2",
      "__powisf2",
      "__fixdfti",
      "__fixunsdfti",
      "__floattidf",
      "__floatuntidf",
      "__fixsfti",
      "__fixunssfti",
      "__floattisf",
      "__floatuntisf",
      "__popcountdi2",
      // Thread-local variables (uploads are compiled with emulated TLS).
      "__emutls_get_address",
      // The C++ runtime: allocation, exceptions, static objects, type
      // information of the built-in types.
      "_Znwm",
      "_Znam",
      "_ZdlPv",
      "_ZdaPv",
      "_ZdlPvm",
      "_ZdaPvm",
      "_ZnwmRKSt9nothrow_t",
      "_ZnamRKSt9nothrow_t",
      "__cxa_allocate_exception",
      "__cxa_free_exception",
      "__cxa_throw",
      "__cxa_begin_catch",
      "__cxa_end_catch",
      "__cxa_rethrow",
      "__cxa_get_exception_ptr",
      "__cxa_guard_acquire",
      "__cxa_guard_release",
      "__cxa_guard_abort",
      "__cxa_pure_virtual",
      "__gxx_personality_v0",
      "_Unwind_Resume",
      "__cxa_atexit",
      "_ZTIi",
      "_ZTIl",
      "_ZTIm",
      "_ZTIj",
      "_ZTId",
      "_ZTIc",
      "_ZTIPKc",
      "_ZTIPc",
      "_ZTISt9exception",
      "_ZTISt13runtime_error",
      "_ZTISt11logic_error",
      "_ZTVN10__cxxabiv117__class_type_infoE",
      "_ZTVN10__cxxabiv120__si_class_type_infoE",
      "_ZTVN10__cxxabiv121__vmi_class_type_infoE",
      "_ZNSt9exceptionD2Ev",
      "_ZNKSt9exception4whatEv",
      "_ZNSt13runtime_errorC1EPKc",
      "_ZNSt13runtime_errorD1Ev",
      "_ZNKSt13runtime_error4whatEv",
      "_ZTVSt13runtime_error",
  };
  return names;
}

bool IsOfferedLibraryPattern(const std::string& name) {
  static const char* const kPrefixes[] = {
      "_ZNSt7__cxx1112basic_string",  // std::string members.
      "_ZNKSt7__cxx1112basic_string",
      "_ZNSt9exception",
      "_ZNKSt9exception",
      "_ZNSt11logic_error",
      "_ZNKSt11logic_error",
      "_ZNSt13runtime_error",
      "_ZNKSt13runtime_error",
      "_ZNSt12length_error",
      "_ZNSt12out_of_range",
      "_ZNSt16invalid_argument",
      "_ZNSt12domain_error",
      "_ZNSt11range_error",
      "_ZNSt14overflow_error",
      "_ZNSt15underflow_error",
      "_ZNSt9bad_alloc",
      "_ZNKSt9bad_alloc",
      "_ZTISt",
      "_ZTSSt",  // Type information of std classes.
      "_ZTVSt9exception",
      "_ZTVSt11logic_error",
      "_ZTVSt13runtime_error",
      "_ZTVSt12length_error",
      "_ZTVSt12out_of_range",
      "_ZTVSt16invalid_argument",
  };
  for (const char* prefix : kPrefixes) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  // std::__throw_length_error and its siblings: _ZSt<n>__throw_<what>.
  return name.rfind("_ZSt", 0) == 0 &&
         name.find("__throw_") != std::string::npos &&
         name.find("__throw_system_error") == std::string::npos;
}

std::map<std::string, void*> CollectOfferedSymbols(
    const std::vector<std::string>& extra, std::vector<std::string>* missing) {
  std::map<std::string, void*> symbols = {
      {"ru_arg", reinterpret_cast<void*>(&ru_arg)},
      {"ru_arg_count", reinterpret_cast<void*>(&ru_arg_count)},
      {"ru_arg_name", reinterpret_cast<void*>(&ru_arg_name)},
      {"ru_arg_value", reinterpret_cast<void*>(&ru_arg_value)},
      {"ru_json_null", reinterpret_cast<void*>(&ru_json_null)},
      {"ru_json_bool", reinterpret_cast<void*>(&ru_json_bool)},
      {"ru_json_int", reinterpret_cast<void*>(&ru_json_int)},
      {"ru_json_double", reinterpret_cast<void*>(&ru_json_double)},
      {"ru_json_string", reinterpret_cast<void*>(&ru_json_string)},
      {"ru_json_begin_array", reinterpret_cast<void*>(&ru_json_begin_array)},
      {"ru_json_end_array", reinterpret_cast<void*>(&ru_json_end_array)},
      {"ru_json_begin_object", reinterpret_cast<void*>(&ru_json_begin_object)},
      {"ru_json_key", reinterpret_cast<void*>(&ru_json_key)},
      {"ru_json_end_object", reinterpret_cast<void*>(&ru_json_end_object)},
      {"ru_fail", reinterpret_cast<void*>(&ru_fail)},
  };

  const std::map<std::string, void*>& guarded = GuardedLibraryFunctions();
  auto add = [&](const std::string& name) {
    auto replacement = guarded.find(name);
    if (replacement != guarded.end()) {
      symbols.emplace(name, replacement->second);
      return;
    }
    void* address = dlsym(RTLD_DEFAULT, name.c_str());
    if (address == nullptr) {
      if (missing != nullptr) missing->push_back(name);
      return;
    }
    symbols.emplace(name, address);
  };
  for (const std::string& name : CuratedLibraryNames()) add(name);
  for (const std::string& name : extra) add(name);
  return symbols;
}

}  // namespace ru
