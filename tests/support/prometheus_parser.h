// A strict reader of the Prometheus text exposition format (0.0.4), for
// tests that check what GET /metrics serves.

#ifndef RUNTIME_UPDATER_TESTS_SUPPORT_PROMETHEUS_PARSER_H_
#define RUNTIME_UPDATER_TESTS_SUPPORT_PROMETHEUS_PARSER_H_

#include <map>
#include <string>
#include <vector>

namespace ru_test {

struct PrometheusSample {
  std::string name;
  std::map<std::string, std::string> labels;  // Unescaped.
  double value = 0;
};

struct PrometheusScrape {
  std::map<std::string, std::string> types;  // Family name to TYPE.
  std::map<std::string, std::string> helps;  // Family name to HELP, raw.
  std::vector<PrometheusSample> samples;

  // The value of the series, or -1 when it is absent.
  double Value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const;
};

// Reads `text`. Returns false, with `*error` quoting the offending line,
// unless every line is a HELP or TYPE comment or a sample
// `name{label="value",...} value`, names and escapes are valid, every
// sample belongs to a family whose TYPE came first and whose lines are
// together, no series repeats, and every histogram has cumulative buckets
// ending in le="+Inf" equal to its _count.
bool ParsePrometheusText(const std::string& text, PrometheusScrape* scrape,
                         std::string* error);

}  // namespace ru_test

#endif  // RUNTIME_UPDATER_TESTS_SUPPORT_PROMETHEUS_PARSER_H_
