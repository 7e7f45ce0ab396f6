// Summaries of latency samples and the result rows that scripts/bench.sh
// gathers into its table. Header-only: every benchmark program uses it.

#ifndef RUNTIME_UPDATER_TESTS_BENCH_BENCH_STATS_H_
#define RUNTIME_UPDATER_TESTS_BENCH_BENCH_STATS_H_

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace ru_bench {

struct Summary {
  size_t count = 0;
  double p50 = 0;
  double p99 = 0;
  double min = 0;
  double max = 0;
};

// Nearest-rank percentiles: with 50 samples the p99 is the largest one,
// with 100 it is the second largest.
inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

inline Summary Summarize(std::vector<double> samples) {
  Summary summary;
  std::sort(samples.begin(), samples.end());
  summary.count = samples.size();
  if (samples.empty()) return summary;
  summary.p50 = Percentile(samples, 50);
  summary.p99 = Percentile(samples, 99);
  summary.min = samples.front();
  summary.max = samples.back();
  return summary;
}

inline std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

// "p50 1.23, p99 4.56 ms (n=100)"
inline std::string FormatMs(const Summary& summary) {
  return "p50 " + Format("%.2f", summary.p50) + ", p99 " +
         Format("%.2f", summary.p99) +
         " ms (n=" + std::to_string(summary.count) + ")";
}

// One row of the table scripts/bench.sh prints, on standard output:
// ROW <tab> part <tab> measurement <tab> result <tab> baseline <tab>
// target <tab> verdict. The script keeps these lines and nothing else.
inline void PrintRow(const std::string& part, const std::string& measurement,
                     const std::string& result, const std::string& baseline,
                     const std::string& target, const std::string& verdict) {
  std::printf("ROW\t%s\t%s\t%s\t%s\t%s\t%s\n", part.c_str(),
              measurement.c_str(), result.c_str(), baseline.c_str(),
              target.c_str(), verdict.c_str());
  std::fflush(stdout);
}

// "pass", or "MISS by 1.20 ms" when `value` is over `limit`.
inline std::string AtMost(double value, double limit, const char* unit) {
  if (value <= limit) return "pass";
  return "MISS by " + Format("%.2f", value - limit) + " " + unit;
}

}  // namespace ru_bench

#endif  // RUNTIME_UPDATER_TESTS_BENCH_BENCH_STATS_H_
