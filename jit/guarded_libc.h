// The C library's string, memory, text-conversion and heap functions as
// uploaded code sees them, so that a bad pointer an upload hands to them
// costs that call, not the process:
//
// - memcpy, strlen, snprintf and the like are called inside an
//   UploadMemoryScope. Only functions that take no lock and keep no global
//   state are treated so: leaving one of them in the middle by the guard's
//   jump leaves nothing broken behind. The formatting functions may have a
//   scratch buffer allocated when they fault; that buffer is lost.
// - qsort, which moves the elements of its array itself, runs inside the
//   scope as a whole. bsearch needs nothing: it only computes addresses and
//   hands them to the upload's comparison function.
// - malloc and its siblings allocate from the upload heap
//   (upload_heap.h), and free and realloc accept only its live blocks: a
//   wild pointer, a block freed twice or a pointer into the middle of one
//   ends the call instead of making glibc abort the process. C++ operator
//   new and delete stay on glibc's heap (the C++ library allocates for the
//   upload's std::string itself), so a bad pointer handed to delete still
//   ends the process.
// - sscanf is not offered at all: it registers a cleanup handler for its
//   stream that the guard's jump would run on a dead frame.

#ifndef RUNTIME_UPDATER_JIT_GUARDED_LIBC_H_
#define RUNTIME_UPDATER_JIT_GUARDED_LIBC_H_

#include <map>
#include <string>

namespace ru {

// Offered name ("memcpy") to the address of its guarded replacement.
const std::map<std::string, void*>& GuardedLibraryFunctions();

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_GUARDED_LIBC_H_
