// The JIT runtime without HTTP: uploads of real bitcode built from
// ir_samples/, calls through the stubs, and every kind of rejected upload
// leaving the live version serving.

#include "jit/runtime.h"

#include <gtest/gtest.h>

#include <exception>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

// Counted by ir_samples/destructor_probe.cc, which the runtime under test
// is allowed to reach.
extern "C" int ru_test_destructors_run;
int ru_test_destructors_run = 0;

namespace ru {
namespace {

using ru_test::ReadFile;
using ru_test::SamplePath;

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_dir_ = ru_test::MakeTempDir("ru-runtime-test");
    RuntimeOptions options;
    options.resident_versions = 2;
    options.state_dir = state_dir_;
    options.sync_writes = false;
    options.helper_executable = RU_SERVER_BINARY;
    options.extra_symbols = {"ru_test_destructors_run"};
    std::vector<std::string> notes;
    Status status = Runtime::Create(options, &runtime_, &notes);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  Status UpdateWith(const std::string& function, const std::string& bytes,
                    UpdateResult* result) {
    UpdateRequest request;
    request.function = function;
    request.bytes = bytes;
    return runtime_->Update(request, result);
  }

  Status Upload(const std::string& sample,
                const std::string& function = "foobar") {
    UpdateResult result;
    return UpdateWith(function, ReadFile(SamplePath(sample)), &result);
  }

  // Calls foobar; returns the body, or "error: ..." when the call failed.
  std::string Call(QueryParams params = {}) {
    EndpointResult result;
    Status status =
        runtime_->CallEndpoint("foobar", std::move(params), &result);
    EXPECT_TRUE(status.ok()) << status.message();
    return result.outcome == EndpointResult::Outcome::kOk
               ? result.body
               : "error: " + result.error;
  }

  std::string state_dir_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(RuntimeTest, BuiltinFoobarAnswersNull) { EXPECT_EQ(Call(), "null"); }

TEST_F(RuntimeTest, UploadChangesTheAnswer) {
  ASSERT_TRUE(Upload("cube_diff.bc").ok());
  EXPECT_EQ(Call({{"x", "3"}, {"y", "1"}}), "8");
  ASSERT_TRUE(Upload("string.bc").ok());
  EXPECT_EQ(Call(), "\"foobar\"");
}

TEST_F(RuntimeTest, UpdateReportsVersionAndDigest) {
  UpdateResult first;
  UpdateResult second;
  UpdateResult again;
  std::string bytes = ReadFile(SamplePath("loop.bc"));
  ASSERT_TRUE(UpdateWith("foobar", bytes, &first).ok());
  ASSERT_TRUE(
      UpdateWith("foobar", ReadFile(SamplePath("string.bc")), &second).ok());
  ASSERT_TRUE(UpdateWith("foobar", bytes, &again).ok());
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(second.version, 2) << "versions count up per function";
  EXPECT_EQ(first.sha256.size(), 64u);
  EXPECT_EQ(again.version, 1) << "the same bytes are the same version";
  EXPECT_FALSE(again.created);
  EXPECT_EQ(first.sha256, again.sha256) << "same bytes, same digest";
  EXPECT_EQ(Call(), "[0,2,4]") << "re-uploading version 1 made it live";
}

TEST_F(RuntimeTest, TwentyConsecutiveUpdatesAllWork) {
  // More updates than resident versions: old code is freed as we go.
  for (int i = 0; i < 20; ++i) {
    const char* sample = i % 2 == 0 ? "loop.bc" : "two_values.bc";
    Status status = Upload(sample);  // Equal bytes: a switch, not a copy.
    ASSERT_TRUE(status.ok()) << "update " << i << ": " << status.message();
    EXPECT_EQ(Call(), i % 2 == 0 ? "[0,2,4]" : "[\"foobar\",5]");
  }
}

TEST_F(RuntimeTest, UpdatedServerFunctionIsSeenThroughLiveFoobar) {
  ASSERT_TRUE(Upload("call_server.bc").ok());
  EXPECT_EQ(Call(), "1");
  ASSERT_TRUE(Upload("returns_two.bc", "function_for_foobar_to_call").ok());
  EXPECT_EQ(Call(), "2") << "foobar reaches the new version via its stub";
}

TEST_F(RuntimeTest, RejectedUploadsKeepTheLiveVersion) {
  ASSERT_TRUE(Upload("string.bc").ok());
  struct Case {
    std::string sample;
    Status::Code code;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"wrong_type.bc", Status::Code::kUnprocessable, "double (double)"},
           {"no_foobar.bc", Status::Code::kUnprocessable, "does not define"},
           {"uses_system.bc", Status::Code::kUnprocessable, "system"},
           {"uses_sscanf.bc", Status::Code::kUnprocessable, "sscanf"},
           {"foreign_triple.bc", Status::Code::kUnprocessable, "aarch64"},
           {"inline_asm.bc", Status::Code::kUnprocessable, "assembly"},
           {"not_verified.ll", Status::Code::kUnprocessable, "verifier"},
       }) {
    Status status = Upload(c.sample);
    EXPECT_EQ(status.code(), c.code) << c.sample << ": " << status.message();
    EXPECT_NE(status.message().find(c.says), std::string::npos)
        << c.sample << " should name the cause; got: " << status.message();
    EXPECT_EQ(Call(), "\"foobar\"") << "live version lost after " << c.sample;
  }
}

TEST_F(RuntimeTest, UnreadableBytesAreBadInput) {
  UpdateResult result;
  std::string bitcode = ReadFile(SamplePath("string.bc"));
  for (const std::string& bytes : {std::string(), std::string("hello world"),
                                   bitcode.substr(0, bitcode.size() / 2),
                                   std::string("\x01\x02\xff", 3)}) {
    Status status = UpdateWith("foobar", bytes, &result);
    EXPECT_EQ(status.code(), Status::Code::kBadInput) << status.message();
  }
  EXPECT_EQ(Call(), "null");
}

TEST_F(RuntimeTest, NewFunctionNeedsADefinitionAndAValidName) {
  UpdateResult result;
  Status status =
      UpdateWith("nope", ReadFile(SamplePath("string.bc")), &result);
  EXPECT_EQ(status.code(), Status::Code::kUnprocessable) << status.message();
  status = UpdateWith("1nope", ReadFile(SamplePath("string.bc")), &result);
  EXPECT_EQ(status.code(), Status::Code::kBadInput) << status.message();
  status = UpdateWith("malloc", ReadFile(SamplePath("string.bc")), &result);
  EXPECT_EQ(status.code(), Status::Code::kConflict) << status.message();
  EXPECT_EQ(runtime_->FunctionNames().size(), 2u) << "nothing was created";
}

TEST_F(RuntimeTest, StaticDestructorsRunWhenTheVersionIsDropped) {
  // Two resident versions: the third upload retires the first.
  ru_test_destructors_run = 0;
  ASSERT_TRUE(Upload("destructor_probe.bc").ok());
  EXPECT_EQ(Call(), "\"destructor probe\"");
  ASSERT_TRUE(Upload("string.bc").ok());
  EXPECT_EQ(ru_test_destructors_run, 0) << "still resident";
  ASSERT_TRUE(Upload("loop.bc").ok());
  for (int i = 0; i < 100 && ru_test_destructors_run == 0; ++i) {
    usleep(10000);  // The reclaimer frees it after a grace period.
  }
  EXPECT_EQ(ru_test_destructors_run, 1) << "run exactly once, when dropped";
}

TEST_F(RuntimeTest, TerminateLeavesNoCaughtExceptionBehind) {
  // The C++ runtime marks the exception as caught before std::terminate;
  // the call ends by a jump, which must not leave it on this thread.
  ASSERT_TRUE(Upload("throws_through_noexcept.bc").ok());
  EXPECT_NE(Call({{"throw", "1"}}).find("called std::terminate"),
            std::string::npos);
  EXPECT_TRUE(std::current_exception() == nullptr);
}

TEST_F(RuntimeTest, TextualIrAndOlderClangAreAccepted) {
  ASSERT_TRUE(Upload("string.ll").ok());
  EXPECT_EQ(Call(), "\"foobar\"");
  std::string clang14 = SamplePath("cube_diff_clang14.bc");
  if (ReadFile(clang14).empty()) GTEST_SKIP() << "clang-14 is not installed";
  Status status = Upload("cube_diff_clang14.bc");
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(Call({{"x", "1"}, {"y", "3"}}), "8");
}

}  // namespace
}  // namespace ru
