#include "jit/guarded_libc.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cerrno>
#include <utility>

#include "jit/call_guard.h"
#include "jit/upload_heap.h"

namespace ru {
namespace {

// Defines Guarded<name> with the signature of `name`, calling it inside an
// UploadMemoryScope.
#define RU_GUARDED(name, result, params, args) \
  result Guarded_##name params {               \
    UploadMemoryScope scope;                   \
    return ::name args;                        \
  }

RU_GUARDED(memcpy, void*, (void* to, const void* from, size_t n), (to, from, n))
RU_GUARDED(memmove, void*, (void* to, const void* from, size_t n),
           (to, from, n))
RU_GUARDED(memset, void*, (void* to, int byte, size_t n), (to, byte, n))
RU_GUARDED(memcmp, int, (const void* a, const void* b, size_t n), (a, b, n))
RU_GUARDED(bcmp, int, (const void* a, const void* b, size_t n), (a, b, n))
RU_GUARDED(memchr, const void*, (const void* s, int c, size_t n), (s, c, n))
RU_GUARDED(memrchr, const void*, (const void* s, int c, size_t n), (s, c, n))
RU_GUARDED(strlen, size_t, (const char* s), (s))
RU_GUARDED(strnlen, size_t, (const char* s, size_t n), (s, n))
RU_GUARDED(strcmp, int, (const char* a, const char* b), (a, b))
RU_GUARDED(strncmp, int, (const char* a, const char* b, size_t n), (a, b, n))
RU_GUARDED(strcasecmp, int, (const char* a, const char* b), (a, b))
RU_GUARDED(strncasecmp, int, (const char* a, const char* b, size_t n),
           (a, b, n))
RU_GUARDED(strcpy, char*, (char* to, const char* from), (to, from))
RU_GUARDED(strncpy, char*, (char* to, const char* from, size_t n),
           (to, from, n))
RU_GUARDED(stpcpy, char*, (char* to, const char* from), (to, from))
RU_GUARDED(strcat, char*, (char* to, const char* from), (to, from))
RU_GUARDED(strncat, char*, (char* to, const char* from, size_t n),
           (to, from, n))
RU_GUARDED(strchr, const char*, (const char* s, int c), (s, c))
RU_GUARDED(strrchr, const char*, (const char* s, int c), (s, c))
RU_GUARDED(strstr, const char*, (const char* s, const char* sought),
           (s, sought))
RU_GUARDED(strspn, size_t, (const char* s, const char* set), (s, set))
RU_GUARDED(strcspn, size_t, (const char* s, const char* set), (s, set))
RU_GUARDED(strpbrk, const char*, (const char* s, const char* set), (s, set))
RU_GUARDED(strtok_r, char*, (char* s, const char* delimiters, char** saved),
           (s, delimiters, saved))
RU_GUARDED(atoi, int, (const char* s), (s))
RU_GUARDED(atol, long, (const char* s), (s))
RU_GUARDED(atoll, long long, (const char* s), (s))
RU_GUARDED(atof, double, (const char* s), (s))
RU_GUARDED(strtol, long, (const char* s, char** end, int base), (s, end, base))
RU_GUARDED(strtoll, long long, (const char* s, char** end, int base),
           (s, end, base))
RU_GUARDED(strtoul, unsigned long, (const char* s, char** end, int base),
           (s, end, base))
RU_GUARDED(strtoull, unsigned long long, (const char* s, char** end, int base),
           (s, end, base))
RU_GUARDED(strtod, double, (const char* s, char** end), (s, end))
RU_GUARDED(strtof, float, (const char* s, char** end), (s, end))
RU_GUARDED(strtold, long double, (const char* s, char** end), (s, end))
RU_GUARDED(vsnprintf, int,
           (char* to, size_t size, const char* format, va_list args),
           (to, size, format, args))
RU_GUARDED(vsprintf, int, (char* to, const char* format, va_list args),
           (to, format, args))

RU_GUARDED(modf, double, (double x, double* whole), (x, whole))
RU_GUARDED(modff, float, (float x, float* whole), (x, whole))
RU_GUARDED(frexp, double, (double x, int* exponent), (x, exponent))
RU_GUARDED(frexpf, float, (float x, int* exponent), (x, exponent))
RU_GUARDED(sincos, void, (double x, double* sine, double* cosine),
           (x, sine, cosine))
RU_GUARDED(sincosf, void, (float x, float* sine, float* cosine),
           (x, sine, cosine))
RU_GUARDED(nan, double, (const char* payload), (payload))
RU_GUARDED(time, time_t, (time_t * now), (now))
RU_GUARDED(clock_gettime, int, (clockid_t clock, struct timespec* now),
           (clock, now))
RU_GUARDED(rand_r, int, (unsigned* state), (state))

#undef RU_GUARDED

// The variadic ones pass their arguments on to the guarded va_list forms.
int Guarded_snprintf(char* to, size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int written = Guarded_vsnprintf(to, size, format, args);
  va_end(args);
  return written;
}

int Guarded_sprintf(char* to, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int written = Guarded_vsprintf(to, format, args);
  va_end(args);
  return written;
}

const char kBadFree[] =
    "free() was handed a pointer that is not a live block of the "
    "upload's (never allocated, already freed, or not the start of one)";
const char kBadRealloc[] =
    "realloc() was handed a pointer that is not a live block of the "
    "upload's (never allocated, already freed, or not the start of one)";

void* OrNoMemory(void* block) {
  if (block == nullptr) errno = ENOMEM;
  return block;
}

void* Guarded_malloc(size_t size) {
  return OrNoMemory(UploadHeap::Get().Allocate(size));
}

void* Guarded_calloc(size_t count, size_t size) {
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) return OrNoMemory(nullptr);
  void* block = Guarded_malloc(bytes);
  if (block != nullptr) memset(block, 0, bytes);  // Freed blocks are reused.
  return block;
}

void* Guarded_aligned_alloc(size_t alignment, size_t size) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    errno = EINVAL;
    return nullptr;
  }
  return OrNoMemory(UploadHeap::Get().Allocate(size, alignment));
}

int Guarded_posix_memalign(void** block, size_t alignment, size_t size) {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) {
    return EINVAL;
  }
  void* allocated = UploadHeap::Get().Allocate(size, alignment);
  if (allocated == nullptr) return ENOMEM;
  // A bad `block` faults here, in a guarded scope; the block is then the
  // upload's leak.
  UploadMemoryScope scope;
  *block = allocated;
  return 0;
}

void Guarded_free(void* block) {
  if (block == nullptr) return;
  if (!UploadHeap::Get().Free(block)) FailUploadCall(kBadFree);
}

void* Guarded_realloc(void* block, size_t size) {
  if (block == nullptr) return Guarded_malloc(size);
  UploadHeap& heap = UploadHeap::Get();
  if (size == 0) {  // As glibc: the block is freed.
    if (!heap.Free(block)) FailUploadCall(kBadRealloc);
    return nullptr;
  }
  bool live = false;
  void* moved = heap.Reallocate(block, size, &live);
  if (!live) {
    FailUploadCall(kBadRealloc);
    return nullptr;
  }
  return OrNoMemory(moved);
}

// strdup and strndup, built from the guarded pieces so that no
// allocation happens inside a guarded scope.
char* CopyOfFirst(const char* text, size_t length) {
  char* copy = static_cast<char*>(Guarded_malloc(length + 1));
  if (copy == nullptr) return nullptr;
  Guarded_memcpy(copy, text, length);
  copy[length] = '\0';
  return copy;
}

char* Guarded_strdup(const char* text) {
  return CopyOfFirst(text, Guarded_strlen(text));
}

char* Guarded_strndup(const char* text, size_t limit) {
  return CopyOfFirst(text, Guarded_strnlen(text, limit));
}

// qsort moves the elements itself, so it runs inside the scope as a
// whole: a bad or read-only array, or one the comparison function frees
// in the middle of the sort, faults as the upload's crash. The comparison
// function is uploaded code and guarded anyway. qsort's scratch buffer,
// when it needed one from malloc, is lost then.
void Guarded_qsort(void* base, size_t count, size_t size,
                   int (*compare)(const void*, const void*)) {
  UploadMemoryScope scope;
  ::qsort(base, count, size, compare);
}

}  // namespace

const std::map<std::string, void*>& GuardedLibraryFunctions() {
#define RU_ENTRY(name) \
  std::make_pair(std::string(#name), reinterpret_cast<void*>(&Guarded_##name))
  static const std::map<std::string, void*> functions = {
      RU_ENTRY(memcpy),         RU_ENTRY(memmove),  RU_ENTRY(memset),
      RU_ENTRY(memcmp),         RU_ENTRY(bcmp),     RU_ENTRY(memchr),
      RU_ENTRY(memrchr),        RU_ENTRY(strlen),   RU_ENTRY(strnlen),
      RU_ENTRY(strcmp),         RU_ENTRY(strncmp),  RU_ENTRY(strcasecmp),
      RU_ENTRY(strncasecmp),    RU_ENTRY(strcpy),   RU_ENTRY(strncpy),
      RU_ENTRY(stpcpy),         RU_ENTRY(strcat),   RU_ENTRY(strncat),
      RU_ENTRY(strchr),         RU_ENTRY(strrchr),  RU_ENTRY(strstr),
      RU_ENTRY(strspn),         RU_ENTRY(strcspn),  RU_ENTRY(strpbrk),
      RU_ENTRY(strtok_r),       RU_ENTRY(strdup),   RU_ENTRY(strndup),
      RU_ENTRY(atoi),           RU_ENTRY(atol),     RU_ENTRY(atoll),
      RU_ENTRY(atof),           RU_ENTRY(strtol),   RU_ENTRY(strtoll),
      RU_ENTRY(strtoul),        RU_ENTRY(strtoull), RU_ENTRY(strtod),
      RU_ENTRY(strtof),         RU_ENTRY(strtold),  RU_ENTRY(snprintf),
      RU_ENTRY(vsnprintf),      RU_ENTRY(sprintf),  RU_ENTRY(vsprintf),
      RU_ENTRY(qsort),          RU_ENTRY(malloc),   RU_ENTRY(calloc),
      RU_ENTRY(realloc),        RU_ENTRY(free),     RU_ENTRY(aligned_alloc),
      RU_ENTRY(posix_memalign), RU_ENTRY(modf),     RU_ENTRY(modff),
      RU_ENTRY(frexp),          RU_ENTRY(frexpf),   RU_ENTRY(sincos),
      RU_ENTRY(sincosf),        RU_ENTRY(nan),      RU_ENTRY(time),
      RU_ENTRY(clock_gettime),  RU_ENTRY(rand_r),
  };
#undef RU_ENTRY
  return functions;
}

}  // namespace ru
