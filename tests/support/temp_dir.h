// Temporary directories for tests, removed with everything in them when
// the test program exits (set RU_KEEP_TEST_DIRS=1 to keep them for a
// look after a failure).

#ifndef RUNTIME_UPDATER_TESTS_SUPPORT_TEMP_DIR_H_
#define RUNTIME_UPDATER_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace ru_test {

// Creates /tmp/<prefix>-XXXXXX and returns its path; aborts the test
// program if it cannot.
std::string MakeTempDir(const std::string& prefix);

}  // namespace ru_test

#endif  // RUNTIME_UPDATER_TESTS_SUPPORT_TEMP_DIR_H_
