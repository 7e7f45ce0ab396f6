// The symbols uploaded code may reference: the ru_ functions of
// updateable.h, and a curated part of the C library, libm and the C++
// runtime. Whatever is not listed here cannot be linked into an upload, so
// this list is the first line of the server's security model: nothing on it
// starts a process, opens a file or a socket, or ends the process.

#ifndef RUNTIME_UPDATER_JIT_OFFERED_SYMBOLS_H_
#define RUNTIME_UPDATER_JIT_OFFERED_SYMBOLS_H_

#include <map>
#include <string>
#include <vector>

namespace ru {

// Name and address of every offered symbol present in this process. Names
// from `extra` (an operator's additions) are looked up the same way; a name
// that the process does not define is left out and reported in `missing`.
std::map<std::string, void*> CollectOfferedSymbols(
    const std::vector<std::string>& extra, std::vector<std::string>* missing);

// The curated C library, libm and C++ runtime names, for documentation and
// tests.
const std::vector<std::string>& CuratedLibraryNames();

// Whether `name` belongs to the parts of the C++ standard library that
// templates in uploads call into (std::string's members, the throw
// helpers, the standard exception classes and their type information).
// None of them does I/O or ends the process. Found in the process by name
// when an upload links.
bool IsOfferedLibraryPattern(const std::string& name);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_OFFERED_SYMBOLS_H_
