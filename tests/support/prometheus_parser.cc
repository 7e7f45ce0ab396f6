#include "tests/support/prometheus_parser.h"

#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>

namespace ru_test {
namespace {

const std::regex kMetricName("[a-zA-Z_:][a-zA-Z0-9_:]*");
const std::regex kLabelName("[a-zA-Z_][a-zA-Z0-9_]*");

bool ParseValue(const std::string& text, double* value) {
  if (text == "+Inf") {
    *value = INFINITY;
  } else if (text == "-Inf") {
    *value = -INFINITY;
  } else if (text == "NaN") {
    *value = NAN;
  } else {
    char* end = nullptr;
    *value = std::strtod(text.c_str(), &end);
    return !text.empty() && *end == '\0' &&
           text.find_first_of("iInN") == std::string::npos;
  }
  return true;
}

// Parses `name{labels} value` into `*sample`; false on any deviation.
bool ParseSample(const std::string& line, PrometheusSample* sample) {
  size_t pos = line.find_first_of("{ ");
  if (pos == std::string::npos) return false;
  sample->name = line.substr(0, pos);
  if (!std::regex_match(sample->name, kMetricName)) return false;
  if (line[pos] == '{') {
    ++pos;
    while (pos < line.size() && line[pos] != '}') {
      size_t equals = line.find('=', pos);
      if (equals == std::string::npos) return false;
      std::string label = line.substr(pos, equals - pos);
      if (!std::regex_match(label, kLabelName)) return false;
      pos = equals + 1;
      if (pos >= line.size() || line[pos] != '"') return false;
      ++pos;
      std::string value;
      for (;;) {
        if (pos >= line.size()) return false;
        char c = line[pos++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos >= line.size()) return false;
          char escaped = line[pos++];
          if (escaped == 'n') {
            value += '\n';
          } else if (escaped == '\\' || escaped == '"') {
            value += escaped;
          } else {
            return false;
          }
        } else {
          value += c;
        }
      }
      if (!sample->labels.emplace(label, value).second) return false;
      if (pos < line.size() && line[pos] == ',') ++pos;
    }
    if (pos >= line.size()) return false;
    ++pos;  // '}'
  }
  if (pos >= line.size() || line[pos] != ' ') return false;
  std::string rest = line.substr(pos + 1);
  // An optional timestamp follows the value.
  size_t space = rest.find(' ');
  if (space != std::string::npos) {
    std::string timestamp = rest.substr(space + 1);
    if (timestamp.empty() ||
        timestamp.find_first_not_of("-0123456789") != std::string::npos) {
      return false;
    }
    rest = rest.substr(0, space);
  }
  return ParseValue(rest, &sample->value);
}

// The family a sample belongs to: histograms add suffixes to its name.
std::string FamilyOf(const std::string& name,
                     const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    size_t length = std::string(suffix).size();
    if (name.size() > length &&
        name.compare(name.size() - length, length, suffix) == 0) {
      std::string base = name.substr(0, name.size() - length);
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

std::string SeriesKey(const std::string& name,
                      const std::map<std::string, std::string>& labels,
                      const std::string& skip = "") {
  std::string key = name;
  for (const auto& [label, value] : labels) {
    if (label != skip) key += "\x1f" + label + "=" + value;
  }
  return key;
}

bool CheckHistograms(const PrometheusScrape& scrape, std::string* error) {
  // Per histogram series (labels without le): buckets in order, count.
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  std::map<std::string, double> counts;
  for (const PrometheusSample& sample : scrape.samples) {
    std::string family = FamilyOf(sample.name, scrape.types);
    if (family == sample.name) continue;
    std::string key = SeriesKey(family, sample.labels, "le");
    if (sample.name == family + "_bucket") {
      auto le = sample.labels.find("le");
      double bound;
      if (le == sample.labels.end() || !ParseValue(le->second, &bound)) {
        *error = "bucket without a valid le: " + sample.name;
        return false;
      }
      buckets[key].emplace_back(bound, sample.value);
    } else if (sample.name == family + "_count") {
      counts[key] = sample.value;
    }
  }
  for (const auto& [key, list] : buckets) {
    for (size_t i = 1; i < list.size(); ++i) {
      if (list[i].first <= list[i - 1].first ||
          list[i].second < list[i - 1].second) {
        *error = "buckets not increasing or not cumulative: " + key;
        return false;
      }
    }
    if (list.empty() || !std::isinf(list.back().first)) {
      *error = "histogram without le=\"+Inf\": " + key;
      return false;
    }
    auto count = counts.find(key);
    if (count == counts.end() || count->second != list.back().second) {
      *error = "histogram _count differs from its +Inf bucket: " + key;
      return false;
    }
  }
  return true;
}

}  // namespace

double PrometheusScrape::Value(
    const std::string& name,
    const std::map<std::string, std::string>& labels) const {
  for (const PrometheusSample& sample : samples) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return -1;
}

bool ParsePrometheusText(const std::string& text, PrometheusScrape* scrape,
                         std::string* error) {
  static const std::set<std::string> kTypes = {"counter", "gauge", "histogram",
                                               "summary", "untyped"};
  std::set<std::string> finished;  // Families whose lines have ended.
  std::set<std::string> series;
  std::string current;
  if (!text.empty() && text.back() != '\n') {
    *error = "the text does not end with a newline";
    return false;
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    start = end + 1;
    *error = "line: " + line;
    if (line.empty()) continue;

    if (line[0] == '#') {
      std::smatch match;
      static const std::regex kComment("# (HELP|TYPE) (\\S+) ?(.*)");
      if (!std::regex_match(line, match, kComment)) continue;
      std::string name = match[2];
      if (!std::regex_match(name, kMetricName)) return false;
      if (name != current) {
        if (!current.empty()) finished.insert(current);
        if (finished.count(name)) return false;
        current = name;
      }
      if (match[1] == "TYPE") {
        if (!kTypes.count(match[3]) || scrape->types.count(name)) return false;
        scrape->types[name] = match[3];
      } else {
        if (scrape->helps.count(name)) return false;
        scrape->helps[name] = match[3];
      }
      continue;
    }

    PrometheusSample sample;
    if (!ParseSample(line, &sample)) return false;
    std::string family = FamilyOf(sample.name, scrape->types);
    if (!scrape->types.count(family)) {
      *error = "sample before its TYPE line: " + line;
      return false;
    }
    if (family != current) {
      *error = "lines of family " + family + " are not together: " + line;
      return false;
    }
    if (!series.insert(SeriesKey(sample.name, sample.labels)).second) {
      *error = "series repeated: " + line;
      return false;
    }
    scrape->samples.push_back(std::move(sample));
  }
  error->clear();
  return CheckHistograms(*scrape, error);
}

}  // namespace ru_test
