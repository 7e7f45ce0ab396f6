// PrometheusText: writes the Prometheus text exposition format (version
// 0.0.4), which every Prometheus-compatible scraper reads. Debian 12
// packages no client library, and the server needs only this much:
//
//   # HELP ru_updates_total Uploads by function and result.
//   # TYPE ru_updates_total counter
//   ru_updates_total{function="foobar",result="created"} 3
//
// The caller passes valid metric and label names (ours are constants);
// label values and help texts may hold anything and are escaped.

#ifndef RUNTIME_UPDATER_HTTP_PROMETHEUS_TEXT_H_
#define RUNTIME_UPDATER_HTTP_PROMETHEUS_TEXT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ru {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  static constexpr const char kContentType[] =
      "text/plain; version=0.0.4; charset=utf-8";

  // Starts a metric family with its HELP and TYPE lines; `type` is
  // "counter", "gauge" or "histogram". Samples of the family follow.
  void Family(const std::string& name, const char* type,
              const std::string& help);

  void Sample(const std::string& name, const Labels& labels, double value);

  // A histogram's samples: name_bucket{...,le="..."} for each bound and
  // +Inf, cumulative, then name_sum and name_count. `counts` holds one
  // count per bound and one above the last, not cumulative.
  void Histogram(const std::string& name, const Labels& labels,
                 const std::vector<double>& bounds,
                 const std::vector<uint64_t>& counts, double sum);

  const std::string& text() const { return text_; }

  // Shortest text that reads back as `value`: "3", "0.25", "1e-06",
  // "+Inf", "NaN".
  static std::string FormatValue(double value);
  // Escapes '\', '"' and newline as the format requires.
  static std::string EscapeLabelValue(const std::string& value);

 private:
  void AppendSeries(const std::string& name, const Labels& labels);

  std::string text_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_PROMETHEUS_TEXT_H_
