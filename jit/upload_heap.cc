#include "jit/upload_heap.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ru {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kSlabBytes = 64 * 1024;
constexpr size_t kLargestSmall = 4096;
// How much address space freed large blocks may keep reserved.
constexpr size_t kRetiredLimit = size_t{1} << 30;

// Block sizes of the small classes: steps of 16 bytes up to 256, then four
// steps per doubling up to 4 KiB, so that no block wastes more than about
// a fifth of itself.
const std::vector<size_t>& ClassSizes() {
  static const std::vector<size_t> sizes = [] {
    std::vector<size_t> made;
    for (size_t size = 16; size <= 256; size += 16) made.push_back(size);
    for (size_t base = 256; base < kLargestSmall; base *= 2) {
      for (size_t step = 1; step <= 4; ++step) {
        made.push_back(base + step * base / 4);
      }
    }
    return made;
  }();
  return sizes;
}

int ClassOf(size_t size) {
  const std::vector<size_t>& sizes = ClassSizes();
  auto found = std::lower_bound(sizes.begin(), sizes.end(), size);
  return static_cast<int>(found - sizes.begin());
}

size_t RoundUp(size_t value, size_t to) { return (value + to - 1) & ~(to - 1); }

// Maps `bytes` (a multiple of the page size) of which the last page is
// left inaccessible; returns 0 when the system refuses.
uintptr_t MapWithGuard(size_t bytes) {
  void* mapping =
      mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) return 0;
  if (mprotect(mapping, bytes - kPage, PROT_READ | PROT_WRITE) != 0) {
    munmap(mapping, bytes);
    return 0;
  }
  return reinterpret_cast<uintptr_t>(mapping);
}

}  // namespace

UploadHeap& UploadHeap::Get() {
  static UploadHeap* heap = [] {
    auto* created = new UploadHeap;
    size_t classes = ClassSizes().size();
    created->free_lists_.resize(classes);
    created->slab_next_.assign(classes, 0);
    created->slab_end_.assign(classes, 0);
    pthread_atfork(&LockForFork, &UnlockAfterFork, &UnlockAfterFork);
    return created;
  }();
  return *heap;
}

void UploadHeap::LockForFork() { Get().mutex_.lock(); }

void UploadHeap::UnlockAfterFork() { Get().mutex_.unlock(); }

void* UploadHeap::Allocate(size_t size, size_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) return nullptr;
  if (size > SIZE_MAX / 2) return nullptr;
  Block block{};
  if (alignment <= 16 && size <= kLargestSmall) {
    block.size_class = ClassOf(std::max<size_t>(size, 1));
    block.size = ClassSizes()[block.size_class];
    std::lock_guard<std::mutex> lock(mutex_);
    void* start = AllocateSmall(block.size_class);
    if (start == nullptr) return nullptr;
    live_.emplace(reinterpret_cast<uintptr_t>(start), block);
    bytes_in_use_ += block.size;
    return start;
  }
  // The system call runs outside the lock.
  void* start = AllocateMapped(size, alignment, &block);
  if (start == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  live_.emplace(reinterpret_cast<uintptr_t>(start), block);
  bytes_in_use_ += block.size;
  return start;
}

void* UploadHeap::AllocateSmall(int size_class) {
  std::vector<uintptr_t>& free_list = free_lists_[size_class];
  if (!free_list.empty()) {
    uintptr_t start = free_list.back();
    free_list.pop_back();
    return reinterpret_cast<void*>(start);
  }
  size_t size = ClassSizes()[size_class];
  if (slab_end_[size_class] - slab_next_[size_class] < size) {
    uintptr_t slab = MapWithGuard(kSlabBytes + kPage);
    if (slab == 0) return nullptr;
    slab_next_[size_class] = slab;
    slab_end_[size_class] = slab + kSlabBytes;
  }
  uintptr_t start = slab_next_[size_class];
  slab_next_[size_class] += size;
  return reinterpret_cast<void*>(start);
}

void* UploadHeap::AllocateMapped(size_t size, size_t alignment, Block* block) {
  size_t usable = RoundUp(std::max<size_t>(size, 1), kPage);
  // Mappings are page-aligned; a larger alignment takes extra room, and
  // the block starts at the first aligned address in it.
  size_t extra = alignment > kPage ? alignment - kPage : 0;
  size_t bytes = usable + extra + kPage;
  uintptr_t mapping = TakeRetired(bytes);
  if (mapping != 0 && mprotect(reinterpret_cast<void*>(mapping), bytes - kPage,
                               PROT_READ | PROT_WRITE) != 0) {
    munmap(reinterpret_cast<void*>(mapping), bytes);
    mapping = 0;
  }
  if (mapping == 0) mapping = MapWithGuard(bytes);
  if (mapping == 0) return nullptr;
  uintptr_t start = RoundUp(mapping, std::max(alignment, kPage));
  block->size = usable + (mapping + extra - start);
  block->size_class = -1;
  block->mapping = mapping;
  block->mapping_bytes = bytes;
  return reinterpret_cast<void*>(start);
}

bool UploadHeap::Free(void* pointer) {
  Block block{};
  if (!Take(pointer, &block)) return false;
  Recycle(pointer, block);
  return true;
}

void* UploadHeap::Reallocate(void* pointer, size_t size, bool* live) {
  Block old{};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = live_.find(reinterpret_cast<uintptr_t>(pointer));
    *live = found != live_.end();
    if (!*live) return nullptr;
    old = found->second;
    // Still fits without wasting more than half: it stays where it is.
    if (size <= old.size && size > old.size / 2) return pointer;
    // Out of the live set while it is copied, so that no other thread can
    // free it meanwhile.
    live_.erase(found);
    bytes_in_use_ -= old.size;
  }
  void* moved = Allocate(size);
  if (moved == nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.emplace(reinterpret_cast<uintptr_t>(pointer), old);
    bytes_in_use_ += old.size;
    return nullptr;
  }
  std::memcpy(moved, pointer, std::min(old.size, size));
  Recycle(pointer, old);
  return moved;
}

bool UploadHeap::Take(void* pointer, Block* block) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = live_.find(reinterpret_cast<uintptr_t>(pointer));
  if (found == live_.end()) return false;
  *block = found->second;
  live_.erase(found);
  bytes_in_use_ -= block->size;
  return true;
}

void UploadHeap::Recycle(void* pointer, const Block& block) {
  if (block.size_class >= 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_lists_[block.size_class].push_back(
        reinterpret_cast<uintptr_t>(pointer));
    return;
  }
  Retire(block.mapping, block.mapping_bytes);
}

// A freed mapping is made inaccessible and its memory given back, but the
// address range stays reserved (up to kRetiredLimit in all) and is reused
// only for another large block: a use of the block after it was freed
// faults, or reaches another block of the upload's, never memory the
// system has since handed to the server.
void UploadHeap::Retire(uintptr_t mapping, size_t bytes) {
  void* start = reinterpret_cast<void*>(mapping);
  if (mprotect(start, bytes, PROT_NONE) == 0 &&
      madvise(start, bytes, MADV_DONTNEED) == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (retired_bytes_ + bytes <= kRetiredLimit) {
      retired_.emplace(bytes, mapping);
      retired_bytes_ += bytes;
      return;
    }
  }
  munmap(start, bytes);
}

uintptr_t UploadHeap::TakeRetired(size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = retired_.find(bytes);
  if (found == retired_.end()) return 0;
  uintptr_t mapping = found->second;
  retired_.erase(found);
  retired_bytes_ -= bytes;
  return mapping;
}

bool UploadHeap::SizeOf(void* pointer, size_t* size) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = live_.find(reinterpret_cast<uintptr_t>(pointer));
  if (found == live_.end()) return false;
  *size = found->second.size;
  return true;
}

size_t UploadHeap::BytesInUse() {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_in_use_;
}

}  // namespace ru
