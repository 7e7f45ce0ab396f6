// LogFile in each mode, and the log settings, without a server.

#include "http/log_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "http/log_settings.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace ru {
namespace {

using ru_test::ReadFile;

class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ru_test::MakeTempDir("ru-log-test"); }

  std::unique_ptr<LogFile> Open(LogMode mode, uint64_t max_bytes = 1000,
                                int copies = 3) {
    LogFileOptions options;
    options.mode = mode;
    options.path = Path();
    options.max_bytes = max_bytes;
    options.copies = copies;
    std::string error;
    std::unique_ptr<LogFile> file = LogFile::Open(options, &error);
    EXPECT_NE(file, nullptr) << error;
    return file;
  }

  std::string Path(const std::string& suffix = "") const {
    return dir_ + "/app.log" + suffix;
  }

  static bool Exists(const std::string& path) {
    struct stat status;
    return ::stat(path.c_str(), &status) == 0;
  }

  std::string dir_;
};

// "line 0007 xxxxxxxx...\n", exactly 50 bytes.
std::string Line(int number) {
  char text[64];
  std::snprintf(text, sizeof(text), "line %04d %s\n", number,
                std::string(39, 'x').c_str());
  return text;
}

TEST_F(LogFileTest, RotateKeepsExactlyNCopiesNoneOverTheLimit) {
  std::unique_ptr<LogFile> file = Open(LogMode::kRotate, 1000, 3);
  for (int i = 0; i < 200; ++i) file->Append(Line(i));
  file->Flush();

  // 200 lines of 50 bytes fill ten 1000-byte files; the newest four stay.
  EXPECT_TRUE(Exists(Path()));
  for (int copy = 1; copy <= 3; ++copy) {
    EXPECT_TRUE(Exists(Path("." + std::to_string(copy)))) << copy;
  }
  EXPECT_FALSE(Exists(Path(".4"))) << "only LOG_COPIES copies are kept";
  std::string all;
  for (const char* suffix : {".3", ".2", ".1", ""}) {
    std::string contents = ReadFile(Path(suffix));
    EXPECT_LE(contents.size(), 1000u) << "a file passed the byte limit";
    EXPECT_EQ(contents.size() % 50, 0u) << "a line was split across files";
    all += contents;
  }
  std::string expected;
  for (int i = 120; i < 200; ++i) expected += Line(i);
  EXPECT_EQ(all, expected) << "the copies hold the newest lines, in order";
}

TEST_F(LogFileTest, RotateStartsFromTheSizeOfAnExistingFile) {
  {
    std::unique_ptr<LogFile> file = Open(LogMode::kRotate, 1000, 2);
    for (int i = 0; i < 15; ++i) file->Append(Line(i));
  }
  std::unique_ptr<LogFile> file = Open(LogMode::kRotate, 1000, 2);
  for (int i = 15; i < 30; ++i) file->Append(Line(i));
  file->Flush();
  EXPECT_EQ(ReadFile(Path(".1")).size(), 1000u)
      << "a restart must count what the file already holds";
  EXPECT_EQ(ReadFile(Path()).size(), 500u);
}

TEST_F(LogFileTest, RotateWithoutCopiesStartsTheFileOver) {
  std::unique_ptr<LogFile> file = Open(LogMode::kRotate, 1000, 0);
  for (int i = 0; i < 30; ++i) file->Append(Line(i));
  file->Flush();
  EXPECT_FALSE(Exists(Path(".1")));
  EXPECT_EQ(ReadFile(Path()).size(), 500u);
}

TEST_F(LogFileTest, RotateGivesALineLongerThanTheLimitAFileOfItsOwn) {
  std::unique_ptr<LogFile> file = Open(LogMode::kRotate, 100, 3);
  file->Append(Line(1));
  file->Append(std::string(300, 'y') + "\n");
  file->Append(Line(2));
  file->Flush();
  EXPECT_EQ(ReadFile(Path(".2")), Line(1));
  EXPECT_EQ(ReadFile(Path(".1")), std::string(300, 'y') + "\n");
  EXPECT_EQ(ReadFile(Path()), Line(2));
}

TEST_F(LogFileTest, WatchedKeepsWritingAfterTheFileIsMovedAway) {
  std::unique_ptr<LogFile> file = Open(LogMode::kWatched);
  file->Append(Line(1));
  file->Flush();
  ASSERT_EQ(::rename(Path().c_str(), Path(".moved").c_str()), 0);
  file->Append(Line(2));
  file->Flush();
  EXPECT_EQ(ReadFile(Path(".moved")), Line(1));
  EXPECT_EQ(ReadFile(Path()), Line(2))
      << "after a move (logrotate), lines go to a new file at the path";
}

TEST_F(LogFileTest, WatchedKeepsWritingAfterTheFileIsDeleted) {
  std::unique_ptr<LogFile> file = Open(LogMode::kWatched);
  file->Append(Line(1));
  file->Flush();
  ASSERT_EQ(::unlink(Path().c_str()), 0);
  file->Append(Line(2));
  file->Flush();
  EXPECT_EQ(ReadFile(Path()), Line(2))
      << "after a delete, the path must be created again, not the lines "
         "lost in the deleted file";
}

TEST_F(LogFileTest, OpenFailsOnAnUnusablePath) {
  LogFileOptions options;
  options.mode = LogMode::kRotate;
  options.path = dir_ + "/missing/app.log";
  std::string error;
  EXPECT_EQ(LogFile::Open(options, &error), nullptr);
  EXPECT_NE(error.find(options.path), std::string::npos) << error;
}

TEST_F(LogFileTest, NoLineIsLostWhenManyThreadsLogAndTheFileCloses) {
  constexpr int kThreads = 8;
  constexpr int kLines = 5000;
  {
    std::unique_ptr<LogFile> file = Open(LogMode::kWatched);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&file, t] {
        for (int i = 0; i < kLines; ++i) {
          file->Append("thread " + std::to_string(t) + " line " +
                       std::to_string(i) + "\n");
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::string contents = ReadFile(Path());
  std::map<int, int> next;  // Per thread, the line number expected next.
  size_t lines = 0;
  size_t start = 0;
  while (start < contents.size()) {
    size_t end = contents.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    int thread, line;
    ASSERT_EQ(std::sscanf(contents.c_str() + start, "thread %d line %d",
                          &thread, &line),
              2);
    EXPECT_EQ(line, next[thread]++) << "one thread's lines keep their order";
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, static_cast<size_t>(kThreads * kLines))
      << "destruction writes every queued line";
}

TEST_F(LogFileTest, AppendInOrderKeepsTheOrderAcrossThreads) {
  std::unique_ptr<LogFile> file = Open(LogMode::kWatched);
  for (int i = 0; i < 100; ++i) {
    std::thread([&file, i] { file->AppendInOrder(Line(i)); }).join();
  }
  file->Flush();
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += Line(i);
  EXPECT_EQ(ReadFile(Path()), expected);
}

// Settings, looked up in a map standing in for flags and environment.
class LogSettingsTest : public ::testing::Test {
 protected:
  bool Resolve() {
    return ResolveLogSettings(
        [this](const char* variable,
               const char*) -> std::optional<std::string> {
          auto it = given_.find(variable);
          if (it == given_.end()) return std::nullopt;
          return it->second;
        },
        &settings_, &error_);
  }

  std::map<std::string, std::string> given_;
  LogSettings settings_;
  std::string error_;
};

TEST_F(LogSettingsTest, DefaultsAreTheOriginals) {
  ASSERT_TRUE(Resolve()) << error_;
  EXPECT_EQ(settings_.mode, LogMode::kRotate);
  EXPECT_EQ(settings_.min_severity, 0);
  EXPECT_EQ(settings_.dir, "logs");
  EXPECT_EQ(settings_.app_log_name, "app.log");
  EXPECT_EQ(settings_.www_log_name, "www.log");
  EXPECT_EQ(settings_.max_bytes, 100000000u);
  EXPECT_EQ(settings_.copies, 5);
}

TEST_F(LogSettingsTest, EveryValueIsRead) {
  given_ = {{"LOG_TYPE", "watched"},    {"LOG_LEVEL", "warning"},
            {"LOG_DIR", "/var/log/ru"}, {"APP_LOG_NAME", "a.log"},
            {"WWW_LOG_NAME", ""},       {"LOG_MAX_BYTES", "4096"},
            {"LOG_COPIES", "0"}};
  ASSERT_TRUE(Resolve()) << error_;
  EXPECT_EQ(settings_.mode, LogMode::kWatched);
  EXPECT_EQ(settings_.min_severity, 1);
  EXPECT_EQ(settings_.AppLogPath(), "/var/log/ru/a.log");
  EXPECT_EQ(settings_.www_log_name, "") << "empty turns the access log off";
  EXPECT_EQ(settings_.max_bytes, 4096u);
  EXPECT_EQ(settings_.copies, 0);
}

TEST_F(LogSettingsTest, InvalidValuesAreRefusedNamingTheSetting) {
  struct Case {
    const char* variable;
    const char* value;
  };
  for (const Case& c : std::vector<Case>{{"LOG_TYPE", "syslog"},
                                         {"LOG_LEVEL", "LOUD"},
                                         {"LOG_DIR", ""},
                                         {"APP_LOG_NAME", "../app.log"},
                                         {"APP_LOG_NAME", ""},
                                         {"WWW_LOG_NAME", "a/b"},
                                         {"LOG_MAX_BYTES", "0"},
                                         {"LOG_MAX_BYTES", "10MB"},
                                         {"LOG_COPIES", "-1"},
                                         {"LOG_COPIES", "1001"}}) {
    given_ = {{c.variable, c.value}};
    EXPECT_FALSE(Resolve()) << c.variable << "=" << c.value;
    EXPECT_NE(error_.find(c.variable), std::string::npos) << error_;
    EXPECT_NE(error_.find(std::string("'") + c.value + "'"), std::string::npos)
        << "the message quotes the value: " << error_;
  }
}

TEST_F(LogSettingsTest, TheTwoLogsMustNotShareAFile) {
  given_ = {{"APP_LOG_NAME", "x.log"}, {"WWW_LOG_NAME", "x.log"}};
  EXPECT_FALSE(Resolve());
  EXPECT_NE(error_.find("WWW_LOG_NAME"), std::string::npos) << error_;
}

TEST(FlagOrEnvironmentTest, EnvironmentIsReadWhenNoFlagWasGiven) {
  ::setenv("RU_TEST_ONLY_SETTING", "watched", 1);
  EXPECT_EQ(FlagOrEnvironment("RU_TEST_ONLY_SETTING", "no_such_flag"),
            "watched");
  ::unsetenv("RU_TEST_ONLY_SETTING");
  EXPECT_EQ(FlagOrEnvironment("RU_TEST_ONLY_SETTING", "no_such_flag"),
            std::nullopt);
}

}  // namespace
}  // namespace ru
