// Faults in uploaded code cost one request, never the server: each kind of
// fault through real HTTP, followed by a check that other requests are
// served; automatic rollback and its flag; a fault outside uploaded code
// still ends the process; concurrent updates under load; old code freed
// only when unused, with resident memory bounded.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "jit/call_frame.h"
#include "jit/call_guard.h"
#include "jit/code_map.h"
#include "rapidjson/document.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

class ContainmentTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(args);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }

  // Faulty samples go live only without the trial run, which would
  // reject them (admission_test.cc shows that).
  void Install(const std::string& sample,
               const std::string& query = "?probe=off") {
    HttpResult result = HttpPost(server_->Url("/update_endpoint" + query),
                                 ReadFile(SamplePath(sample)));
    ASSERT_EQ(result.status, 200) << sample << ": " << result.body;
  }

  HttpResult Get(const std::string& path = "/") {
    return HttpGet(server_->Url(path));
  }

  rapidjson::Document Versions() {
    rapidjson::Document doc;
    doc.Parse(Get("/versions/foobar").body.c_str());
    return doc;
  }

  // Runs `sample` as version 2 over a good version 1 and checks the fault
  // is answered with `status` naming `says`, then that version 1 serves.
  void ExpectContained(const std::string& sample, const std::string& query,
                       long status, const std::string& says) {
    Install("string.bc");
    Install(sample);
    HttpResult fault = Get(query);
    EXPECT_EQ(fault.status, status) << fault.body;
    EXPECT_NE(fault.body.find(says), std::string::npos) << fault.body;
    EXPECT_NE(fault.body.find("rolled back to version 1"), std::string::npos)
        << fault.body;
    EXPECT_EQ(Get().body, "\"foobar\"") << "version 1 serves again";
    ASSERT_TRUE(server_->Running()) << server_->Output();
    rapidjson::Document doc = Versions();
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("live_version"));
    EXPECT_EQ(doc["live_version"].GetInt(), 1);
    EXPECT_TRUE(doc["versions"][0]["fault"].IsString())
        << "the faulty version is marked";
  }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ContainmentTest, NullDereference) {
  Start();
  ExpectContained("null_deref.bc", "/", 500, "function crashed: SIGSEGV");
}

TEST_F(ContainmentTest, DivisionByZero) {
  Start();
  ExpectContained("divide_by_zero.bc", "/?d=0", 500,
                  "function crashed: SIGFPE");
}

TEST_F(ContainmentTest, UnboundedRecursion) {
  Start();
  ExpectContained("runaway_recursion.bc", "/", 500, "stack overflow");
}

TEST_F(ContainmentTest, EndlessLoopIsInterrupted) {
  Start({"--call_timeout_ms=500"});
  ExpectContained("endless_loop.bc", "/", 503, "500 ms");
}

TEST_F(ContainmentTest, BadPointerHandedToTheServer) {
  Start();
  ExpectContained("bad_string_pointer.bc", "/", 500, "SIGSEGV");
}

TEST_F(ContainmentTest, StackGrownPastTheGuardPageAtOnce) {
  // 12 MiB in one step: without stack probes the array would start below
  // the guard page of the thread's 8 MiB stack, in someone else's memory.
  Start();
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    ExpectContained("stack_clash.bc", "/?kb=12288", 500, "stack overflow");
  }
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ContainmentTest, WritesThroughTheHandedPointersFault) {
  Start();
  for (const char* touch : {"/", "/?touch=out", "/?touch=args"}) {
    SCOPED_TRACE(touch);
    ExpectContained("forges_result.bc", touch, 500, "SIGSEGV");
  }
}

TEST_F(ContainmentTest, LocalBufferOverrunIsCaughtOnReturn) {
  Start();
  ExpectContained("stack_overrun.bc", "/?by=48", 500,
                  "overflowed a buffer on its stack");
}

TEST_F(ContainmentTest, JumpToNoCodeAtAll) {
  // The faulting instruction lies neither in uploaded code nor in the
  // server: the upload jumped through a bad pointer.
  Start();
  ExpectContained("wild_jump.bc", "/", 500, "SIGSEGV");
}

TEST_F(ContainmentTest, JumpIntoTheUploadsOwnData) {
  Start();
  ExpectContained("wild_jump.bc", "/?to=data", 500, "SIGSEGV");
}

TEST_F(ContainmentTest, BadPointerHandedToTheCLibrary) {
  // Uploads reach the C library's string, memory and conversion functions
  // through guarded replacements; each is tried with a wild pointer.
  Start();
  for (const char* function :
       {"memcpy", "strlen", "strcmp", "strdup", "snprintf", "sprintf", "strtol",
        "qsort", "qsort_readonly", "bsearch", "modf", "frexp", "sincos", "time",
        "clock_gettime", "rand_r"}) {
    SCOPED_TRACE(function);
    ExpectContained("bad_library_pointer.bc", std::string("/?in=") + function,
                    500, "SIGSEGV");
  }
}

TEST_F(ContainmentTest, BadObjectHandedToTheCppLibrary) {
  Start();
  ExpectContained("bad_string_object.bc", "/?bad=1", 500, "SIGSEGV");
}

TEST_F(ContainmentTest, BadPointerHandedToFree) {
  // glibc aborts on these; the server checks the pointer is a live block
  // of the upload's first.
  Start();
  for (const char* misuse : {"free", "double_free", "free_inside"}) {
    SCOPED_TRACE(misuse);
    ExpectContained("bad_library_pointer.bc", std::string("/?in=") + misuse,
                    500, "free() was handed a pointer");
  }
  ExpectContained("bad_library_pointer.bc", "/?in=realloc", 500,
                  "realloc() was handed a pointer");
}

TEST_F(ContainmentTest, HeapOverflowStaysInTheUploadsHeap) {
  // Uploads allocate from a heap of their own whose slabs end in guard
  // pages: running off the end of a block faults there, and the server's
  // heap is untouched.
  Start();
  ExpectContained("bad_library_pointer.bc", "/?in=overflow", 500, "SIGSEGV");
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(HttpPost(server_->Url("/update_endpoint"),
                       ReadFile(SamplePath("string.bc")))
                  .status,
              200);
  }
  EXPECT_EQ(Get().body, "\"foobar\"");
  EXPECT_TRUE(server_->Running()) << server_->Output();
}

TEST_F(ContainmentTest, DestructorFreeingABadPointerWhenDropped) {
  Start({"--resident_versions=1"});
  Install("bad_destructor.bc");
  EXPECT_EQ(Get().body, "\"fine until dropped\"");
  Install("string.bc", "");
  Install("string.bc", "");  // Drops version 1, running its destructor.
  std::string log =
      ReadFileOnceItContains(server_->dir() + "/logs/app.log", "destructor");
  EXPECT_NE(log.find("free() was handed a pointer"), std::string::npos) << log;
  EXPECT_EQ(Get().body, "\"foobar\"");
  EXPECT_TRUE(server_->Running()) << server_->Output();
}

TEST_F(ContainmentTest, SameBytesAsAnEarlierVersionGetTheTrialRunToo) {
  Start();
  Install("string.bc");
  Install("bad_library_pointer.bc", "?probe=in%3Dnothing");
  ASSERT_EQ(HttpPost(server_->Url("/rollback?function=foobar"), "").status,
            200);
  // The default trial (no parameters: memcpy from a wild pointer) crashes.
  HttpResult again = HttpPost(server_->Url("/update_endpoint"),
                              ReadFile(SamplePath("bad_library_pointer.bc")));
  EXPECT_EQ(again.status, 422) << again.body;
  EXPECT_NE(again.body.find("trial run"), std::string::npos) << again.body;
  EXPECT_EQ(Get().body, "\"foobar\"");
}

TEST_F(ContainmentTest, RollbackAfterAFaultReturnsToWhatWasLiveBefore) {
  Start();
  Install("string.bc");
  Install("null_deref.bc");
  Install("cube_diff.bc");
  // The same bytes as version 2: version 2 is live again, after version 3.
  Install("null_deref.bc");
  HttpResult fault = Get();
  EXPECT_EQ(fault.status, 500) << fault.body;
  EXPECT_NE(fault.body.find("rolled back to version 3"), std::string::npos)
      << fault.body;
  EXPECT_EQ(Versions()["live_version"].GetInt(), 3);
}

TEST_F(ContainmentTest, EscapingCppExceptionIs500) {
  Start();
  Install("throws.bc");
  HttpResult result = Get();
  EXPECT_EQ(result.status, 500);
  EXPECT_NE(result.body.find("thrown by the upload"), std::string::npos)
      << result.body;
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_TRUE(server_->Running());
}

TEST_F(ContainmentTest, ExceptionLeavingNoexceptIsNamed) {
  Start();
  ExpectContained("throws_through_noexcept.bc", "/?throw=1", 500,
                  "called std::terminate");
}

TEST_F(ContainmentTest, TerminateFromTheCppRuntimeEndsTheCall) {
  Start();
  ExpectContained("exception_out_of_memory.bc", "/?huge=1", 500,
                  "called std::terminate");
}

TEST_F(ContainmentTest, WithoutAutoRollbackEveryCallFailsAndIsLoggedOnce) {
  Start({"--auto_rollback=false"});
  Install("string.bc");
  Install("null_deref.bc");
  for (int i = 0; i < 3; ++i) {
    HttpResult result = Get();
    EXPECT_EQ(result.status, 500) << result.body;
    EXPECT_EQ(result.body.find("rolled back"), std::string::npos);
  }
  EXPECT_EQ(Versions()["live_version"].GetInt(), 2);
  // The app log keeps its lines in order: once the rejection below is
  // there, every line about the calls above is too.
  HttpPost(server_->Url("/update_endpoint"), "not bitcode");
  std::string log = ReadFileOnceItContains(server_->dir() + "/logs/app.log",
                                           "rejected upload");
  size_t first = log.find("contained: function crashed");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("contained: function crashed", first + 1),
            std::string::npos)
      << "one log line per fault, not per request";
}

int NotUploadedCode(const ru_args*, ru_json*) {
  volatile int* nowhere = nullptr;
  return *nowhere;
}

TEST(ContainmentDeathTest, FaultInServerCodeIsNotSwallowed) {
  // The guard contains faults only in code compiled from uploads; this
  // function is the server's own, so its fault must end the process.
  EXPECT_EXIT(
      {
        static ru::CodeMap empty_map;
        ru::InstallCallGuard(&empty_map, 0);
        ru_args args;
        ru_json out;
        ru::GuardOutcome outcome;
        ru::GuardedEndpointCall(&NotUploadedCode, &args, &out, &outcome);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

TEST_F(ContainmentTest, UpdatesUnderLoadNeverFailARequest) {
  Start({"--sync_writes=false"});
  Install("loop.bc");
  Install("two_values.bc");
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> served{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] {
      while (!done) {
        HttpResult result = Get();
        if (result.status != 200 ||
            (result.body != "[0,2,4]" && result.body != "[\"foobar\",5]")) {
          ++bad;
        }
        ++served;
      }
    });
  }
  for (int i = 0; i < 100; ++i) {
    Install(i % 2 == 0 ? "loop.bc" : "two_values.bc");
  }
  done = true;
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(bad.load(), 0) << "of " << served.load() << " requests";
  EXPECT_GT(served.load(), 0);
  EXPECT_TRUE(server_->Running());
}

TEST_F(ContainmentTest, SlowCallFinishesInItsVersionAfterItIsReplaced) {
  // With one resident version, version 1's code is retired as soon as
  // version 2 is live; it may only be freed once the slow call returns.
  Start({"--resident_versions=1", "--threads=4"});
  Install("slow.bc");
  HttpResult slow;
  std::thread caller([&] { slow = Get("/?ms=1500"); });
  usleep(300 * 1000);
  Install("string.bc");
  Install("loop.bc");
  EXPECT_EQ(Get().body, "[0,2,4]");
  caller.join();
  EXPECT_EQ(slow.status, 200) << slow.body;
  EXPECT_EQ(slow.body, "1500") << "version 1 (slow.c) answered";
  EXPECT_TRUE(server_->Running()) << server_->Output();
}

std::string ConstantModule(int value) {
  return "declare void @ru_json_int(ptr, i64)\n"
         "define i32 @foobar(ptr %args, ptr %out) {\n"
         "  call void @ru_json_int(ptr %out, i64 " +
         std::to_string(value) +
         ")\n"
         "  ret i32 0\n"
         "}\n";
}

uint64_t ResidentCodeBytes(ServerProcess& server) {
  rapidjson::Document doc;
  doc.Parse(HttpGet(server.Url("/healthz")).body.c_str());
  return doc["resident_code_bytes"].GetUint64();
}

TEST_F(ContainmentTest, ResidentCodeStaysBoundedOverManyUpdates) {
  Start({"--sync_writes=false", "--resident_versions=4"});
  uint64_t after_100 = 0;
  for (int i = 1; i <= 2000; ++i) {
    HttpResult result =
        HttpPost(server_->Url("/update_endpoint?probe=off"), ConstantModule(i));
    ASSERT_EQ(result.status, 200) << result.body;
    if (i == 100) {
      usleep(200 * 1000);  // Let the reclaimer catch up.
      after_100 = ResidentCodeBytes(*server_);
    }
  }
  EXPECT_EQ(Get().body, "2000");
  usleep(200 * 1000);
  uint64_t after_2000 = ResidentCodeBytes(*server_);
  EXPECT_GT(after_100, 0u);
  // Four resident versions of a tiny function: the same few hundred
  // bytes whether 100 or 2,000 updates arrived.
  EXPECT_LE(after_2000, after_100 * 2) << "after 100: " << after_100;
  EXPECT_LT(after_2000, 64u * 1024u);
}

}  // namespace
}  // namespace ru_test
