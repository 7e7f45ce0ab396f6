#include "jit/static_destructors.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace ru {
namespace {

std::mutex registry_mutex;
std::map<void*, std::vector<Destructor>>* registry =
    new std::map<void*, std::vector<Destructor>>();

}  // namespace

extern "C" int RuRegisterStaticDestructor(void (*fn)(void*), void* arg,
                                          void* dso) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  (*registry)[dso].emplace_back(fn, arg);
  return 0;
}

std::vector<Destructor> TakeStaticDestructors(void* dso) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry->find(dso);
  if (it == registry->end()) return {};
  std::vector<Destructor> destructors = std::move(it->second);
  registry->erase(it);
  std::reverse(destructors.begin(), destructors.end());
  return destructors;
}

}  // namespace ru
