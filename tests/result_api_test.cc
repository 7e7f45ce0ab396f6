// The functions of updateable.h, called as uploaded code would call them,
// including every kind of misuse the header promises to survive.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "jit/call_frame.h"
#include "jit/updateable.h"

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// Runs `body` as if it were an uploaded function and returns the result.
template <typename Body>
ru::CallResult RunAsUpload(Body body, Params params = {}) {
  ru_args args{std::move(params)};
  ru_json out;
  int returned;
  {
    ru::ScopedCallFrame frame(&args, &out);
    returned = body(&args, &out);
  }
  return ru::FinishCall("foobar", returned, &out);
}

void ExpectMisuse(const ru::CallResult& result, const std::string& part) {
  EXPECT_FALSE(result.ok) << "misuse must not produce a body: " << result.body;
  EXPECT_NE(result.error.find(part), std::string::npos)
      << "the error should say what was wrong; got: " << result.error;
}

TEST(ResultApiTest, NothingWrittenIsNull) {
  auto result = RunAsUpload([](const ru_args*, ru_json*) { return 0; });
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.body, "null");
}

TEST(ResultApiTest, NestedValuesAreWrittenAsJson) {
  auto result = RunAsUpload([](const ru_args*, ru_json* out) {
    ru_json_begin_object(out);
    ru_json_key(out, "list");
    ru_json_begin_array(out);
    ru_json_int(out, -5);
    ru_json_double(out, 1.5);
    ru_json_bool(out, 1);
    ru_json_null(out);
    ru_json_string(out, "caf\xc3\xa9 \"q\"");
    ru_json_end_array(out);
    ru_json_key(out, "empty");
    ru_json_begin_object(out);
    ru_json_end_object(out);
    ru_json_end_object(out);
    return 0;
  });
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.body,
            "{\"list\":[-5,1.5,true,null,\"caf\xc3\xa9 \\\"q\\\"\"],"
            "\"empty\":{}}");
}

TEST(ResultApiTest, NullStringIsWrittenAsNull) {
  auto result = RunAsUpload([](const ru_args*, ru_json* out) {
    ru_json_string(out, nullptr);
    return 0;
  });
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.body, "null");
}

TEST(ResultApiTest, FailCopiesTheMessage) {
  auto result = RunAsUpload([](const ru_args*, ru_json* out) {
    char message[] = "This is broken";
    int returned = ru_fail(out, message);
    message[0] = 'X';  // The server must have its own copy.
    return returned;
  });
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "This is broken");
}

TEST(ResultApiTest, NonZeroReturnWithoutMessageFails) {
  auto result = RunAsUpload([](const ru_args*, ru_json*) { return 3; });
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("returned 3"), std::string::npos);
}

TEST(ResultApiTest, KeyOutsideObjectIsMisuse) {
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_key(out, "k");
                 return 0;
               }),
               "key outside an object");
}

TEST(ResultApiTest, ValueWhereKeyIsDueIsMisuse) {
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_begin_object(out);
                 ru_json_int(out, 1);
                 ru_json_end_object(out);
                 return 0;
               }),
               "where an object key is due");
}

TEST(ResultApiTest, UnbalancedNestingIsMisuse) {
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_begin_array(out);
                 ru_json_end_object(out);
                 return 0;
               }),
               "closed an object while an array is open");
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_end_array(out);
                 return 0;
               }),
               "closed an array that is not open");
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_begin_object(out);
                 return 0;
               }),
               "unclosed");
}

TEST(ResultApiTest, SecondTopLevelValueIsMisuse) {
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_int(out, 1);
                 ru_json_int(out, 2);
                 return 0;
               }),
               "second top-level value");
}

TEST(ResultApiTest, NanAndInfinityAreMisuse) {
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_double(out, std::nan(""));
                 return 0;
               }),
               "NaN");
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_double(out, std::numeric_limits<double>::infinity());
                 return 0;
               }),
               "infinity");
}

TEST(ResultApiTest, InvalidUtf8IsMisuse) {
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_string(out, "bad \xff byte");
                 return 0;
               }),
               "not valid UTF-8");
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_begin_object(out);
                 ru_json_key(out, "\xc3");
                 return 0;
               }),
               "not valid UTF-8");
}

TEST(ResultApiTest, ForeignOrNullPointersAreMisuseNotCrashes) {
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json* out) {
                 ru_json_int(nullptr, 1);
                 (void)out;
                 return 0;
               }),
               "not the result");
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json*) {
                 // A pointer that is not the result, as a buggy upload
                 // might pass: never dereferenced.
                 ru_json_int(reinterpret_cast<ru_json*>(0x10), 1);
                 return 0;
               }),
               "not the result");
  ExpectMisuse(RunAsUpload([](const ru_args*, ru_json*) {
                 ru_arg(reinterpret_cast<const ru_args*>(0x10), "x");
                 return 0;
               }),
               "not the args");
}

TEST(ResultApiTest, MisuseStopsFurtherWrites) {
  auto result = RunAsUpload([](const ru_args*, ru_json* out) {
    ru_json_key(out, "k");
    ru_json_int(out, 1);
    ru_json_int(out, 2);
    return 0;
  });
  ExpectMisuse(result, "ru_json_key");
}

TEST(ResultApiTest, ArgumentsInOrderWithRepeats) {
  auto result = RunAsUpload(
      [](const ru_args* args, ru_json* out) {
        EXPECT_EQ(ru_arg_count(args), 3u);
        EXPECT_STREQ(ru_arg(args, "a"), "1") << "ru_arg returns the first";
        EXPECT_EQ(ru_arg(args, "missing"), nullptr);
        EXPECT_EQ(ru_arg(args, nullptr), nullptr);
        EXPECT_STREQ(ru_arg_name(args, 2), "a");
        EXPECT_STREQ(ru_arg_value(args, 2), "3");
        EXPECT_EQ(ru_arg_name(args, 3), nullptr) << "out of range is NULL";
        EXPECT_EQ(ru_arg_value(args, 99), nullptr);
        ru_json_int(out, 0);
        return 0;
      },
      {{"a", "1"}, {"b", "2"}, {"a", "3"}});
  EXPECT_TRUE(result.ok);
}

TEST(ResultApiTest, CallsOutsideACallAreIgnored) {
  // No call in progress on this thread: nothing to write to, no crash.
  ru_json_int(nullptr, 1);
  EXPECT_EQ(ru_arg(nullptr, "x"), nullptr);
  EXPECT_NE(ru_fail(nullptr, "x"), 0);
}

}  // namespace
