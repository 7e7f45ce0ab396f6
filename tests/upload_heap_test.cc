// The heap of uploaded code on its own: blocks, bookkeeping, and what
// happens to the memory of a freed block.

#include "jit/upload_heap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace ru {
namespace {

// The permissions ("rw-p", "---p") of the mapping of this process that
// holds `address`, or "" when none does.
std::string MappingOf(const void* address) {
  uintptr_t wanted = reinterpret_cast<uintptr_t>(address);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, permissions;
    fields >> range >> permissions;
    size_t dash = range.find('-');
    uintptr_t start = std::stoull(range.substr(0, dash), nullptr, 16);
    uintptr_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (wanted >= start && wanted < end) return permissions;
  }
  return "";
}

TEST(UploadHeapTest, OnlyLiveBlocksCanBeFreed) {
  UploadHeap& heap = UploadHeap::Get();
  char* block = static_cast<char*>(heap.Allocate(40));
  ASSERT_NE(block, nullptr);
  size_t size = 0;
  ASSERT_TRUE(heap.SizeOf(block, &size));
  EXPECT_GE(size, 40u);
  EXPECT_FALSE(heap.Free(block + 8)) << "inside a block";
  int on_the_stack = 0;
  EXPECT_FALSE(heap.Free(&on_the_stack)) << "never allocated";
  EXPECT_TRUE(heap.Free(block));
  EXPECT_FALSE(heap.Free(block)) << "freed twice";
}

TEST(UploadHeapTest, BlocksEndBeforeAGuardPage) {
  UploadHeap& heap = UploadHeap::Get();
  void* block = heap.Allocate(100000);
  ASSERT_NE(block, nullptr);
  size_t size = 0;
  ASSERT_TRUE(heap.SizeOf(block, &size));
  std::memset(block, 'x', size);
  EXPECT_EQ(MappingOf(block), "rw-p");
  EXPECT_EQ(MappingOf(static_cast<char*>(block) + size), "---p");
  EXPECT_TRUE(heap.Free(block));
}

TEST(UploadHeapTest, FreedLargeBlockStaysReservedAndInaccessible) {
  UploadHeap& heap = UploadHeap::Get();
  void* block = heap.Allocate(200000);
  ASSERT_NE(block, nullptr);
  ASSERT_TRUE(heap.Free(block));
  EXPECT_EQ(MappingOf(block), "---p")
      << "the range must not go back to the system, where the server's "
         "own allocations could land in it";
  // The next block of that length reuses it, zeroed.
  char* again = static_cast<char*>(heap.Allocate(200000));
  ASSERT_EQ(again, block);
  EXPECT_EQ(again[0], 0);
  EXPECT_EQ(MappingOf(again), "rw-p");
  EXPECT_TRUE(heap.Free(again));
}

TEST(UploadHeapTest, ReallocateKeepsTheContentsAndRefusesStrangers) {
  UploadHeap& heap = UploadHeap::Get();
  char* block = static_cast<char*>(heap.Allocate(32));
  ASSERT_NE(block, nullptr);
  std::memcpy(block, "thirty-one bytes and a zero ...", 32);
  bool live = false;
  char* grown = static_cast<char*>(heap.Reallocate(block, 10000, &live));
  ASSERT_TRUE(live);
  ASSERT_NE(grown, nullptr);
  EXPECT_STREQ(grown, "thirty-one bytes and a zero ...");
  EXPECT_FALSE(heap.Free(block)) << "the old block went with the move";
  EXPECT_EQ(heap.Reallocate(block, 64, &live), nullptr);
  EXPECT_FALSE(live);
  EXPECT_TRUE(heap.Free(grown));
}

TEST(UploadHeapTest, AlignmentsAreHonoured) {
  UploadHeap& heap = UploadHeap::Get();
  for (size_t alignment : {8, 16, 64, 4096, 65536}) {
    SCOPED_TRACE(alignment);
    void* block = heap.Allocate(24, alignment);
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % alignment, 0u);
    EXPECT_TRUE(heap.Free(block));
  }
  EXPECT_EQ(heap.Allocate(24, 24), nullptr) << "not a power of two";
}

}  // namespace
}  // namespace ru
