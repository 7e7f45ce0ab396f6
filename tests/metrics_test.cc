// GET /metrics and GET /healthz: the text format itself, then a real
// server whose counters must move as requests, updates and crashes happen.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/prometheus_text.h"
#include "rapidjson/document.h"
#include "tests/support/http_client.h"
#include "tests/support/prometheus_parser.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

using ru::PrometheusText;

TEST(PrometheusTextTest, EscapesLabelValuesAndHelpSoTheyParseBack) {
  PrometheusText text;
  text.Family("ru_example_total", "counter", "Help with \\ and\nnewline.");
  std::string nasty = "a \"quoted\" \\ back\nslash";
  text.Sample("ru_example_total", {{"function", nasty}}, 3);
  PrometheusScrape scrape;
  std::string error;
  ASSERT_TRUE(ParsePrometheusText(text.text(), &scrape, &error))
      << error << "\n"
      << text.text();
  EXPECT_EQ(scrape.Value("ru_example_total", {{"function", nasty}}), 3);
  EXPECT_EQ(scrape.helps["ru_example_total"], "Help with \\\\ and\\nnewline.");
}

TEST(PrometheusTextTest, HistogramBucketsAreCumulativeWithInfAndCount) {
  PrometheusText text;
  text.Family("ru_example_seconds", "histogram", "Example.");
  text.Histogram("ru_example_seconds", {{"function", "f"}}, {0.001, 0.5, 2},
                 {1, 0, 2, 4}, 12.5);
  EXPECT_EQ(text.text(),
            "# HELP ru_example_seconds Example.\n"
            "# TYPE ru_example_seconds histogram\n"
            "ru_example_seconds_bucket{function=\"f\",le=\"0.001\"} 1\n"
            "ru_example_seconds_bucket{function=\"f\",le=\"0.5\"} 1\n"
            "ru_example_seconds_bucket{function=\"f\",le=\"2\"} 3\n"
            "ru_example_seconds_bucket{function=\"f\",le=\"+Inf\"} 7\n"
            "ru_example_seconds_sum{function=\"f\"} 12.5\n"
            "ru_example_seconds_count{function=\"f\"} 7\n");
  PrometheusScrape scrape;
  std::string error;
  EXPECT_TRUE(ParsePrometheusText(text.text(), &scrape, &error)) << error;
}

TEST(PrometheusTextTest, ValuesReadBackExactly) {
  EXPECT_EQ(PrometheusText::FormatValue(0), "0");
  EXPECT_EQ(PrometheusText::FormatValue(123456789), "123456789");
  EXPECT_EQ(PrometheusText::FormatValue(0.25), "0.25");
  EXPECT_EQ(PrometheusText::FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(std::stod(PrometheusText::FormatValue(1e-6)), 1e-6);
}

TEST(PrometheusParserTest, RejectsWhatTheFormatForbids) {
  PrometheusScrape scrape;
  std::string error;
  for (const char* bad : {
           "ru_x 1\n",                                  // No TYPE.
           "# TYPE ru_x counter\nru_x{a=\"b} 1\n",      // Open quote.
           "# TYPE ru_x counter\nru_x{a=\"\\q\"} 1\n",  // Bad escape.
           "# TYPE ru_x counter\nru_x one\n",           // Not a number.
           "# TYPE ru_x counter\nru_x 1\nru_x 2\n",     // Repeated.
           "# TYPE ru_x counter\nru_x 1",               // No newline.
           "# TYPE ru_x histogram\nru_x_bucket{le=\"1\"} 2\n"
           "ru_x_count 2\n",  // No +Inf.
       }) {
    scrape = PrometheusScrape();
    EXPECT_FALSE(ParsePrometheusText(bad, &scrape, &error)) << bad;
  }
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start(&error)) << error;
  }

  PrometheusScrape Scrape() {
    HttpResult result = HttpGet(server_.Url("/metrics"));
    EXPECT_EQ(result.status, 200);
    EXPECT_NE(result.headers.find("text/plain; version=0.0.4"),
              std::string::npos)
        << result.headers;
    PrometheusScrape scrape;
    std::string error;
    EXPECT_TRUE(ParsePrometheusText(result.body, &scrape, &error))
        << error << "\n"
        << result.body;
    return scrape;
  }

  long Upload(const std::string& body, const std::string& query = "") {
    return HttpPost(server_.Url("/update_endpoint" + query), body).status;
  }

  long Get() { return HttpGet(server_.Url("/")).status; }

  ServerProcess server_;
};

TEST_F(MetricsTest, CountersMoveWithRequestsUpdatesAndCrashes) {
  PrometheusScrape before = Scrape();
  EXPECT_EQ(before.types["ru_http_requests_total"], "counter");
  EXPECT_EQ(before.types["ru_function_call_duration_seconds"], "histogram");
  EXPECT_EQ(before.Value("ru_function_live_version", {{"function", "foobar"}}),
            0);

  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(), 200);
  EXPECT_EQ(Upload(ReadFile(SamplePath("string.bc"))), 200);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(Get(), 200);
  EXPECT_EQ(Upload("not bitcode"), 400);
  EXPECT_EQ(Upload(ReadFile(SamplePath("null_deref.bc")), "?probe=off"), 200);
  EXPECT_EQ(Get(), 500) << "version 2 crashes and is rolled back";
  EXPECT_EQ(Get(), 200);

  PrometheusScrape after = Scrape();
  auto calls = [&](const char* name, const char* version) {
    return after.Value(name, {{"function", "foobar"}, {"version", version}});
  };
  EXPECT_EQ(after.Value("ru_http_requests_total",
                        {{"route", "/"}, {"status", "200"}}),
            6);
  EXPECT_EQ(after.Value("ru_http_requests_total",
                        {{"route", "/"}, {"status", "500"}}),
            1);
  EXPECT_EQ(after.Value("ru_http_requests_total",
                        {{"route", "/update_endpoint"}, {"status", "400"}}),
            1);
  EXPECT_EQ(after.Value("ru_http_requests_total",
                        {{"route", "/metrics"}, {"status", "200"}}),
            1)
      << "the first scrape";
  EXPECT_EQ(after.Value("ru_updates_total",
                        {{"function", "foobar"}, {"result", "created"}}),
            2);
  EXPECT_EQ(after.Value("ru_updates_total",
                        {{"function", "foobar"}, {"result", "bad_input"}}),
            1);
  EXPECT_EQ(after.Value("ru_update_compile_duration_seconds_count"), 2);
  EXPECT_EQ(calls("ru_function_calls_total", "0"), 3);
  EXPECT_EQ(calls("ru_function_calls_total", "1"), 3);
  EXPECT_EQ(calls("ru_function_calls_total", "2"), 1);
  EXPECT_EQ(calls("ru_function_crashes_total", "2"), 1);
  EXPECT_EQ(calls("ru_function_crashes_total", "1"), 0);
  EXPECT_EQ(after.Value("ru_function_call_duration_seconds_count",
                        {{"function", "foobar"}}),
            7);
  EXPECT_EQ(after.Value("ru_function_live_version", {{"function", "foobar"}}),
            1)
      << "rolled back after the crash";
  EXPECT_EQ(after.Value("ru_rollbacks_total",
                        {{"function", "foobar"}, {"trigger", "fault"}}),
            1)
      << "the automatic rollback is counted";
  EXPECT_GT(after.Value("ru_jit_resident_code_bytes"), 0);
  EXPECT_GT(after.Value("process_resident_memory_bytes"), 1 << 20);
}

TEST_F(MetricsTest, FailuresAndRollbacksAreCounted) {
  EXPECT_EQ(Upload(ReadFile(SamplePath("string.bc"))), 200);
  EXPECT_EQ(Upload(ReadFile(SamplePath("broken.bc"))), 200);
  EXPECT_EQ(Get(), 500);
  EXPECT_EQ(HttpPost(server_.Url("/rollback"), "").status, 200);
  PrometheusScrape scrape = Scrape();
  EXPECT_EQ(scrape.Value("ru_function_call_errors_total",
                         {{"function", "foobar"}, {"version", "2"}}),
            1);
  EXPECT_EQ(scrape.Value("ru_rollbacks_total",
                         {{"function", "foobar"}, {"trigger", "request"}}),
            1);
}

TEST_F(MetricsTest, ClientChosenNamesDoNotBecomeLabels) {
  EXPECT_EQ(Upload("x", "?function=made_up_1"), 400);
  EXPECT_EQ(Upload("x", "?function=made_up_2"), 400);
  HttpGet(server_.Url("/no/such/path"));
  PrometheusScrape scrape = Scrape();
  EXPECT_EQ(scrape.Value("ru_updates_total",
                         {{"function", "-"}, {"result", "bad_input"}}),
            2);
  EXPECT_EQ(scrape.Value("ru_http_requests_total",
                         {{"route", "other"}, {"status", "404"}}),
            1);
}

TEST_F(MetricsTest, UnreadableRequestsAreCounted) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server_.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  const char garbage[] = "NOT HTTP AT ALL\r\n\r\n";
  ASSERT_GT(write(fd, garbage, sizeof(garbage) - 1), 0);
  char reply[512];
  EXPECT_GT(read(fd, reply, sizeof(reply)), 0);
  close(fd);
  EXPECT_EQ(Scrape().Value("ru_http_requests_total",
                           {{"route", "-"}, {"status", "400"}}),
            1);
}

TEST_F(MetricsTest, HealthzAnswersUptimeAndLiveFunctions) {
  EXPECT_EQ(Upload(ReadFile(SamplePath("string.bc"))), 200);
  HttpResult result = HttpGet(server_.Url("/healthz"));
  EXPECT_EQ(result.status, 200);
  rapidjson::Document doc;
  doc.Parse(result.body.c_str());
  ASSERT_TRUE(doc.IsObject()) << result.body;
  EXPECT_GE(doc["uptime_seconds"].GetDouble(), 0);
  EXPECT_EQ(doc["live_functions"].GetInt(), 1);
  EXPECT_EQ(HttpPost(server_.Url("/metrics"), "").status, 405);
}

}  // namespace
}  // namespace ru_test
