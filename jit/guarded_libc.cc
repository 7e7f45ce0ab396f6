#include "jit/guarded_libc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mutex>
#include <unordered_set>
#include <utility>

#include "jit/call_guard.h"

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

// The heap blocks uploads hold: every block their malloc, calloc, realloc,
// aligned_alloc, posix_memalign, strdup and strndup returned and they have
// not yet freed. glibc aborts the process when free or realloc is handed a
// pointer it did not give out, or one freed already; here such a pointer
// is checked against this set first and ends the call instead.
//
// Sharded by address so that threads allocating at once rarely meet on a
// lock. The locks are held across fork, so a trial run's child never
// starts with one taken by a thread it does not have.
class UploadBlocks {
 public:
  static UploadBlocks& Get() {
    static UploadBlocks* blocks = [] {
      auto* created = new UploadBlocks;
      pthread_atfork(&LockAll, &UnlockAll, &UnlockAll);
      return created;
    }();
    return *blocks;
  }

  void Add(void* block) {
    Shard& shard = ShardOf(block);
    std::lock_guard<std::mutex> lock(shard.mutex);
    shard.blocks.insert(block);
  }

  // False when `block` is not held by uploads.
  bool Remove(void* block) {
    Shard& shard = ShardOf(block);
    std::lock_guard<std::mutex> lock(shard.mutex);
    return shard.blocks.erase(block) == 1;
  }

 private:
  static constexpr int kShards = 16;
  struct Shard {
    std::mutex mutex;
    std::unordered_set<void*> blocks;
  };

  Shard& ShardOf(void* block) {
    uintptr_t bits = reinterpret_cast<uintptr_t>(block) >> 4;
    return shards_[(bits * 0x9E3779B97F4A7C15ull) >> 60];
  }

  static void LockAll() {
    for (Shard& shard : Get().shards_) shard.mutex.lock();
  }
  static void UnlockAll() {
    for (Shard& shard : Get().shards_) shard.mutex.unlock();
  }

  Shard shards_[kShards];
};

void* Held(void* block) {
  if (block != nullptr) UploadBlocks::Get().Add(block);
  return block;
}

const char kBadFree[] =
    "free() was handed a pointer that is not a live block of the "
    "upload's (never allocated, already freed, or not the start of one)";
const char kBadRealloc[] =
    "realloc() was handed a pointer that is not a live block of the "
    "upload's (never allocated, already freed, or not the start of one)";

void* Guarded_malloc(size_t size) { return Held(::malloc(size)); }

void* Guarded_calloc(size_t count, size_t size) {
  return Held(::calloc(count, size));
}

void* Guarded_aligned_alloc(size_t alignment, size_t size) {
  return Held(::aligned_alloc(alignment, size));
}

int Guarded_posix_memalign(void** block, size_t alignment, size_t size) {
  void* allocated = nullptr;
  int error = ::posix_memalign(&allocated, alignment, size);
  if (error != 0) return error;
  Held(allocated);
  // The upload's pointer is written last, where a bad one faults in a
  // guarded scope; the block then stays held, as an upload's leak.
  UploadMemoryScope scope;
  *block = allocated;
  return 0;
}

void Guarded_free(void* block) {
  if (block == nullptr) return;
  if (!UploadBlocks::Get().Remove(block)) {
    FailUploadCall(kBadFree);
    return;  // Outside a guarded call: the block is left alone.
  }
  ::free(block);
}

// The block leaves the set before realloc may free it, so that another
// thread's malloc handed the same address meanwhile keeps its entry.
void* Guarded_realloc(void* block, size_t size) {
  if (block == nullptr) return Guarded_malloc(size);
  if (!UploadBlocks::Get().Remove(block)) {
    FailUploadCall(kBadRealloc);
    return nullptr;
  }
  void* moved = ::realloc(block, size);
  if (moved != nullptr) return Held(moved);
  if (size != 0) Held(block);  // Failed: the old block is still the upload's.
  return nullptr;
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

// Touches every page of [base, base + count * size) inside an
// UploadMemoryScope, each with an atomic read-modify-write that changes
// nothing: an array that is not wholly mapped and writable faults here, as
// the upload's crash. An overflowing size runs off the end of the address
// space and faults the same way.
void ProbeWritable(void* base, size_t count, size_t size) {
  uintptr_t first = reinterpret_cast<uintptr_t>(base);
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) bytes = SIZE_MAX;
  uintptr_t last = 0;
  if (__builtin_add_overflow(first, bytes - 1, &last)) last = UINTPTR_MAX;
  constexpr uintptr_t kPage = 4096;
  UploadMemoryScope scope;
  for (uintptr_t at = first;; at = (at & ~(kPage - 1)) + kPage) {
    __atomic_fetch_or(reinterpret_cast<unsigned char*>(at), 0,
                      __ATOMIC_RELAXED);
    if ((last & ~(kPage - 1)) == (at & ~(kPage - 1))) break;
  }
  __atomic_fetch_or(reinterpret_cast<unsigned char*>(last), 0,
                    __ATOMIC_RELAXED);
}

// qsort moves the elements itself, so its array is probed first; the sort
// then runs outside the scope, and the comparison function it calls, being
// uploaded code, is guarded as any other. qsort's scratch buffer is lost if
// that function faults.
void Guarded_qsort(void* base, size_t count, size_t size,
                   int (*compare)(const void*, const void*)) {
  if (count > 1 && size > 0) ProbeWritable(base, count, size);
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
      RU_ENTRY(posix_memalign),
  };
#undef RU_ENTRY
  return functions;
}

}  // namespace ru
