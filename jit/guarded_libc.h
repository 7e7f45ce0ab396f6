// The C library's string, memory and text-conversion functions as uploaded
// code sees them: the same functions, each called inside an
// UploadMemoryScope, so that a bad pointer an upload hands to memcpy,
// strlen or snprintf costs that call, not the process. qsort, which moves
// the elements of its array itself, has the array probed first.
//
// Only functions that take no lock and keep no global state are listed:
// leaving one of them in the middle by the guard's jump leaves nothing
// broken behind. The formatting functions may have a scratch buffer
// allocated when they fault; that buffer is lost. Not among them:
// allocation and freeing (a fault inside malloc or free means the heap is
// corrupt, and no jump repairs that; a bad pointer handed to free still
// ends the process), and sscanf, which registers a cleanup handler for its
// stream that the jump would run on a dead frame, and which is therefore
// not offered to uploads at all. bsearch needs no guard: it only computes
// addresses and hands them to the upload's comparison function.

#ifndef RUNTIME_UPDATER_JIT_GUARDED_LIBC_H_
#define RUNTIME_UPDATER_JIT_GUARDED_LIBC_H_

#include <map>
#include <string>

namespace ru {

// Offered name ("memcpy") to the address of its guarded replacement.
const std::map<std::string, void*>& GuardedLibraryFunctions();

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_GUARDED_LIBC_H_
