// What may become live, through real HTTP: every check, the trial run,
// C++ and thread-local uploads, hostile files that crash or exhaust LLVM's
// reader (contained in the compile helper), the helper's sandbox, and the
// operator's allowlist flag. Every rejection is followed by a check that
// the previous answer is still served.

#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

class AdmissionTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(args);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    Install("two_values.bc");
  }

  HttpResult Upload(const std::string& body, const std::string& query = "") {
    return HttpPost(server_->Url("/update_endpoint" + query), body);
  }

  void Install(const std::string& sample, const std::string& query = "") {
    HttpResult result = Upload(ReadFile(SamplePath(sample)), query);
    ASSERT_EQ(result.status, 200) << sample << ": " << result.body;
  }

  void ExpectRefused(const std::string& name, const std::string& body,
                     long status, const std::string& says,
                     const std::string& query = "") {
    HttpResult result = Upload(body, query);
    EXPECT_EQ(result.status, status) << name << ": " << result.body;
    EXPECT_NE(result.body.find(says), std::string::npos)
        << name << ": " << result.body;
    EXPECT_EQ(HttpGet(server_->Url("/")).body, "[\"foobar\",5]")
        << "the live version changed after " << name;
  }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AdmissionTest, ChecksBeforeActivation) {
  Start();
  ExpectRefused("wrong type", ReadFile(SamplePath("wrong_type.bc")), 422,
                "expected int (const ru_args *, ru_json *), found double");
  ExpectRefused("foreign triple", ReadFile(SamplePath("foreign_triple.bc")),
                422, "aarch64-unknown-linux-gnu");
  ExpectRefused("system()", ReadFile(SamplePath("uses_system.bc")), 422,
                "does not offer: system");
  ExpectRefused("inline asm", ReadFile(SamplePath("inline_asm.bc")), 422,
                "inline assembly");
  ExpectRefused("huge global", ReadFile(SamplePath("huge_global.bc")), 422,
                "over the limit");
  ExpectRefused("verifier", ReadFile(SamplePath("not_verified.ll")), 422,
                "verifier");
  ExpectRefused("intrinsic of another target",
                ReadFile(SamplePath("foreign_intrinsic.ll")), 422,
                "intrinsic of another target");
  ExpectRefused("unknown intrinsic",
                "declare void @llvm.no.such.thing()\n"
                "define i32 @foobar(ptr %a, ptr %o) {\n"
                "  call void @llvm.no.such.thing()\n  ret i32 0\n}\n",
                422, "not an intrinsic");
}

TEST_F(AdmissionTest, TrialRunRejectsCrashesAndEndlessLoops) {
  Start();
  ExpectRefused("crashing trial", ReadFile(SamplePath("null_deref.bc")), 422,
                "trial run crashed with SIGSEGV");
  ExpectRefused("endless trial", ReadFile(SamplePath("endless_loop.bc")), 422,
                "did not finish within 1000 ms");
  // Division by a missing parameter crashes; with the probe's parameters
  // the same upload passes.
  ExpectRefused("probe without d", ReadFile(SamplePath("divide_by_zero.bc")),
                422, "SIGFPE");
  Install("divide_by_zero.bc", "?probe=d%3D5");
  EXPECT_EQ(HttpGet(server_->Url("/?d=5")).body, "20");
}

TEST_F(AdmissionTest, TrialRunAlsoRunsTheStaticDestructors) {
  // A destructor that frees a pointer malloc never returned fails when its
  // version is dropped; the trial run tries it first, and refuses it.
  Start();
  ExpectRefused("bad destructor", ReadFile(SamplePath("bad_destructor.bc")),
                422, "trial run crashed");
}

TEST_F(AdmissionTest, FailureReturnsDoNotFailTheTrial) {
  Start();
  Install("broken.bc");  // Returns an error; the trial only looks for crashes.
  EXPECT_EQ(HttpGet(server_->Url("/")).status, 500);
}

TEST_F(AdmissionTest, CppModuleWithStaticConstructorAndCaughtException) {
  Start();
  Install("cpp_static.bc");
  EXPECT_EQ(HttpGet(server_->Url("/")).body,
            "[\"built by a static constructor\",\"negative input\"]");
}

TEST_F(AdmissionTest, ThreadLocalVariables) {
  Start();
  Install("thread_local_counter.bc");
  HttpResult first = HttpGet(server_->Url("/"));
  EXPECT_EQ(first.status, 200);
  EXPECT_GE(std::atoi(first.body.c_str()), 1) << first.body;
}

TEST_F(AdmissionTest, BitcodeThatCrashesTheReaderCostsOneUpload) {
  Start();
  std::string hostile = ReadFile(std::string(RU_SOURCE_DIR) +
                                 "/tests/data/hostile/reader_crash.bc");
  ASSERT_FALSE(hostile.empty());
  ExpectRefused("reader crash", hostile, 400, "crashed the compile helper");
  Install("string.bc");
  EXPECT_EQ(HttpGet(server_->Url("/")).body, "\"foobar\"")
      << "the next upload works";
}

TEST_F(AdmissionTest, BitcodeThatAllocatesWithoutBoundCostsOneUpload) {
  Start({"--helper_memory_mb=512"});
  std::string hostile = ReadFile(std::string(RU_SOURCE_DIR) +
                                 "/tests/data/hostile/reader_alloc.bc");
  ASSERT_FALSE(hostile.empty());
  ExpectRefused("allocation bomb", hostile, 413, "more than 512 MiB");
  Install("loop.bc");
  EXPECT_EQ(HttpGet(server_->Url("/")).body, "[0,2,4]");
}

std::string ReadProc(int pid, const char* file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(AdmissionTest, CompileHelperRunsSandboxedWithLimits) {
  Start({"--helper_memory_mb=768"});
  int helper = 0;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    int pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::string stat = ReadProc(pid, "stat");
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    int parent = 0;
    char state;
    // Trial runs are children too, for a moment; the helper is the one
    // started with its own flag.
    if (sscanf(stat.c_str() + close + 2, "%c %d", &state, &parent) == 2 &&
        parent == server_->pid() &&
        ReadProc(pid, "cmdline").find("--compile_helper_fd") !=
            std::string::npos) {
      helper = pid;
    }
  }
  closedir(proc);
  ASSERT_GT(helper, 0) << "the server runs a compile helper";
  EXPECT_NE(ReadProc(helper, "status").find("Seccomp:\t2"), std::string::npos)
      << "a seccomp filter is installed";
  EXPECT_NE(ReadProc(helper, "limits").find(std::to_string(768LL << 20)),
            std::string::npos)
      << ReadProc(helper, "limits");
}

TEST_F(AdmissionTest, LargeFunctionCompilesInsideTheSandbox) {
  // Compiling a larger module makes qsort and LLVM ask the kernel for the
  // memory size and processor count; the sandbox once killed the helper
  // for that, refusing valid uploads as hostile.
  Start();
  HttpResult result =
      Upload(ReadFile(SamplePath("big_function.bc")), "?probe=off");
  EXPECT_EQ(result.status, 200) << result.body;
}

TEST_F(AdmissionTest, HelperTimeLimitIsPerUploadNotForItsWholeLife) {
  // With a one-second limit per upload, many uploads of a function that
  // takes milliseconds to compile add up to more than a second of the
  // helper's time; each must still compile. A limit lowered for good once
  // stopped the helper after that much time in all.
  Start({"--helper_timeout_ms=1000", "--sync_writes=false"});
  std::string ir = ReadFile(SamplePath("big_function.ll"));
  ASSERT_FALSE(ir.empty());
  for (int i = 0; i < 150; ++i) {
    std::string variant =
        ir + "\n@ru_variant = global i32 " + std::to_string(i) + "\n";
    HttpResult result = Upload(variant, "?probe=off");
    ASSERT_EQ(result.status, 200) << "upload " << i << ": " << result.body;
  }
}

TEST_F(AdmissionTest, CompilingInProcessWorksForTrustedUploads) {
  Start({"--compile_in_process"});
  ExpectRefused("system()", ReadFile(SamplePath("uses_system.bc")), 422,
                "system");
  Install("cube_diff.bc");
  EXPECT_EQ(HttpGet(server_->Url("/?x=1&y=4")).body, "27");
}

TEST_F(AdmissionTest, OperatorCanExtendTheAllowlist) {
  Start();
  ExpectRefused("getpid", ReadFile(SamplePath("uses_getpid.bc")), 422,
                "getpid");
  server_.reset();
  Start({"--allow_symbols=getpid"});
  Install("uses_getpid.bc");
  EXPECT_EQ(HttpGet(server_->Url("/")).body, "true");
}

}  // namespace
}  // namespace ru_test
