#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <vector>

namespace ru_test {
namespace {

std::mutex made_mutex;
std::vector<std::string>* made = nullptr;

void RemoveMade() {
  const char* keep = getenv("RU_KEEP_TEST_DIRS");
  if (keep != nullptr && *keep != '\0' && std::string(keep) != "0") return;
  std::lock_guard<std::mutex> lock(made_mutex);
  for (const std::string& dir : *made) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror(("creating " + pattern).c_str());
    abort();
  }
  std::lock_guard<std::mutex> lock(made_mutex);
  if (made == nullptr) {
    made = new std::vector<std::string>;
    atexit(&RemoveMade);
  }
  made->push_back(pattern);
  return pattern;
}

}  // namespace ru_test
