// The heap that uploaded code allocates from: what its malloc, calloc,
// realloc, aligned_alloc, posix_memalign, strdup and free reach. It is
// kept apart from the server's heap so that an upload's mistakes with its
// memory stay its own:
//
// - Blocks lie in mappings of their own, never among the server's
//   allocations, and every mapping ends in an inaccessible guard page: a
//   write past the end of a block damages at most the upload's other
//   blocks, or faults (as the upload's crash) at the guard page, instead
//   of corrupting the bookkeeping of the heap the server lives on.
// - The bookkeeping (which blocks are live, their sizes, the free lists)
//   lives in the server's memory, where no upload pointer reaches it, so
//   Free and Reallocate can tell a live block from a wild pointer, one
//   freed already, or one into the middle of a block, and refuse it.
//
// Small blocks (up to 4 KiB) come from 64 KiB slabs, one size class per
// slab, and are reused once freed; slabs are never returned to the system.
// Larger blocks, and blocks aligned to more than 16 bytes, get a mapping
// each (the kernel's limit on mappings per process, 65530 by default,
// bounds how many can be live at once). A freed one keeps its address range
// reserved and inaccessible, up to 1 GiB in all, for the next large block
// of the same length: a use after free faults instead of reaching memory
// the system has meanwhile given to the server.
//
// Thread-safe. The lock is held across fork, so a trial run's child never
// starts with it taken by a thread it does not have.

#ifndef RUNTIME_UPDATER_JIT_UPLOAD_HEAP_H_
#define RUNTIME_UPDATER_JIT_UPLOAD_HEAP_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace ru {

class UploadHeap {
 public:
  // The process's one upload heap.
  static UploadHeap& Get();

  // A block of at least `size` bytes aligned to `alignment` (a power of
  // two), or nullptr when memory is exhausted or `alignment` is not a
  // power of two. `size` 0 gives a block too.
  void* Allocate(size_t size, size_t alignment = 16);

  // Frees `block`. False, changing nothing, when `block` is not a live
  // block of this heap.
  bool Free(void* block);

  // realloc's work: a block of at least `size` bytes holding what `block`
  // held (`block` itself when it still fits), or nullptr when memory is
  // exhausted, `block` then staying as it was. `*live` is false, and
  // nothing changes, when `block` is not a live block of this heap. `size`
  // must not be 0.
  void* Reallocate(void* block, size_t size, bool* live);

  // Sets `*size` to the usable size of `block`; false when `block` is not
  // a live block of this heap.
  bool SizeOf(void* block, size_t* size);

  // Bytes in live blocks, by their usable size.
  size_t BytesInUse();

  UploadHeap(const UploadHeap&) = delete;
  UploadHeap& operator=(const UploadHeap&) = delete;

 private:
  struct Block {
    size_t size;           // Usable bytes.
    int size_class;        // -1: a mapping of its own.
    uintptr_t mapping;     // For -1: the mapping's start and length,
    size_t mapping_bytes;  // guard page included.
  };

  UploadHeap() = default;

  void* AllocateSmall(int size_class);
  void* AllocateMapped(size_t size, size_t alignment, Block* block);
  // Removes a live block from the live set into `*block`; false if
  // `pointer` is not one.
  bool Take(void* pointer, Block* block);
  // Makes a taken block's memory available again.
  void Recycle(void* pointer, const Block& block);
  void Retire(uintptr_t mapping, size_t bytes);
  // A retired mapping of exactly `bytes`, no longer retired; 0 if none.
  uintptr_t TakeRetired(size_t bytes);

  static void LockForFork();
  static void UnlockAfterFork();

  std::mutex mutex_;
  std::unordered_map<uintptr_t, Block> live_;
  size_t bytes_in_use_ = 0;
  // Per size class: freed blocks, and the unused rest of its newest slab.
  std::vector<std::vector<uintptr_t>> free_lists_;
  std::vector<uintptr_t> slab_next_;
  std::vector<uintptr_t> slab_end_;
  // Freed mappings kept reserved, inaccessible, by their length.
  std::multimap<size_t, uintptr_t> retired_;
  size_t retired_bytes_ = 0;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_UPLOAD_HEAP_H_
