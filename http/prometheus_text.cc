#include "http/prometheus_text.h"

#include <charconv>
#include <cmath>

namespace ru {

void PrometheusText::Family(const std::string& name, const char* type,
                            const std::string& help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  // HELP escapes backslash and newline only; quotes stay as they are.
  for (char c : help) {
    if (c == '\\') {
      text_ += "\\\\";
    } else if (c == '\n') {
      text_ += "\\n";
    } else {
      text_ += c;
    }
  }
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void PrometheusText::Sample(const std::string& name, const Labels& labels,
                            double value) {
  AppendSeries(name, labels);
  text_ += ' ';
  text_ += FormatValue(value);
  text_ += '\n';
}

void PrometheusText::Histogram(const std::string& name, const Labels& labels,
                               const std::vector<double>& bounds,
                               const std::vector<uint64_t>& counts,
                               double sum) {
  Labels with_le = labels;
  with_le.emplace_back("le", "");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    if (i < counts.size()) cumulative += counts[i];
    with_le.back().second = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
    Sample(name + "_bucket", with_le, static_cast<double>(cumulative));
  }
  Sample(name + "_sum", labels, sum);
  Sample(name + "_count", labels, static_cast<double>(cumulative));
}

void PrometheusText::AppendSeries(const std::string& name,
                                  const Labels& labels) {
  text_ += name;
  if (labels.empty()) return;
  text_ += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text_ += ',';
    text_ += labels[i].first;
    text_ += "=\"";
    text_ += EscapeLabelValue(labels[i].second);
    text_ += '"';
  }
  text_ += '}';
}

std::string PrometheusText::FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  auto [end, error] = std::to_chars(text, text + sizeof(text), value);
  (void)error;  // 32 characters always hold the shortest form of a double.
  return std::string(text, end);
}

std::string PrometheusText::EscapeLabelValue(const std::string& value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace ru
