#include "http/log_settings.h"

#include <gflags/gflags.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace ru {
namespace {

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return text;
}

// "LOG_TYPE (--log_type)": how every message names a setting, so that the
// operator finds it whichever way it was given.
std::string Name(const char* variable, const char* flag) {
  return std::string(variable) + " (--" + flag + ")";
}

// Digits only, within [min, max].
bool ParseCount(const std::string& text, uint64_t min, uint64_t max,
                uint64_t* value) {
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *value = std::stoull(text);
  return *value >= min && *value <= max;
}

// A name inside the log directory, not a path.
bool IsFileName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

bool ResolveLogSettings(const SettingLookup& lookup, LogSettings* settings,
                        std::string* error) {
  *settings = LogSettings();

  if (auto text = lookup("LOG_TYPE", "log_type")) {
    if (*text == "stream") {
      settings->mode = LogMode::kStream;
    } else if (*text == "watched") {
      settings->mode = LogMode::kWatched;
    } else if (*text == "rotate") {
      settings->mode = LogMode::kRotate;
    } else {
      *error = Name("LOG_TYPE", "log_type") +
               " must be stream, watched or rotate, got '" + *text + "'";
      return false;
    }
  }

  if (auto text = lookup("LOG_LEVEL", "log_level")) {
    // The original's level names (Python's), mapped onto glog's severities.
    std::string level = Upper(*text);
    if (level == "DEBUG") {
      settings->verbosity = 1;
    } else if (level == "INFO") {
    } else if (level == "WARNING") {
      settings->min_severity = 1;
    } else if (level == "ERROR") {
      settings->min_severity = 2;
    } else if (level == "CRITICAL") {
      settings->min_severity = 3;
    } else {
      *error = Name("LOG_LEVEL", "log_level") +
               " must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got '" +
               *text + "'";
      return false;
    }
  }

  if (auto text = lookup("LOG_DIR", "log_dir")) {
    if (text->empty()) {
      *error = Name("LOG_DIR", "log_dir") + " must name a directory, got ''";
      return false;
    }
    settings->dir = *text;
  }

  if (auto text = lookup("APP_LOG_NAME", "app_log_name")) {
    if (!IsFileName(*text)) {
      *error = Name("APP_LOG_NAME", "app_log_name") +
               " must be a file name without '/', got '" + *text + "'";
      return false;
    }
    settings->app_log_name = *text;
  }

  if (auto text = lookup("WWW_LOG_NAME", "www_log_name")) {
    if (!text->empty() && !IsFileName(*text)) {
      *error = Name("WWW_LOG_NAME", "www_log_name") +
               " must be a file name without '/' (or empty for no access "
               "log), got '" +
               *text + "'";
      return false;
    }
    settings->www_log_name = *text;
  }
  if (settings->mode != LogMode::kStream &&
      settings->www_log_name == settings->app_log_name) {
    *error = Name("WWW_LOG_NAME", "www_log_name") + " and " +
             Name("APP_LOG_NAME", "app_log_name") + " must differ, both are '" +
             settings->app_log_name + "'";
    return false;
  }

  if (auto text = lookup("LOG_MAX_BYTES", "log_max_bytes")) {
    uint64_t value;
    if (!ParseCount(*text, 1, uint64_t{1} << 62, &value)) {
      *error = Name("LOG_MAX_BYTES", "log_max_bytes") +
               " must be a whole number of bytes, at least 1, got '" + *text +
               "'";
      return false;
    }
    settings->max_bytes = value;
  }

  if (auto text = lookup("LOG_COPIES", "log_copies")) {
    uint64_t value;
    if (!ParseCount(*text, 0, 1000, &value)) {
      *error = Name("LOG_COPIES", "log_copies") +
               " must be a whole number from 0 to 1000, got '" + *text + "'";
      return false;
    }
    settings->copies = static_cast<int>(value);
  }
  return true;
}

std::string DescribeLogSettings(const LogSettings& settings) {
  if (settings.mode == LogMode::kStream) {
    return settings.www_log_name.empty()
               ? "stream: standard error, no access log"
               : "stream: both to standard error";
  }
  std::string text =
      settings.mode == LogMode::kWatched ? "watched: " : "rotate: ";
  text += settings.AppLogPath();
  text += settings.www_log_name.empty() ? ", no access log"
                                        : " and " + settings.WwwLogPath();
  if (settings.mode == LogMode::kRotate) {
    text += ", " + std::to_string(settings.copies) + " copies of at most " +
            std::to_string(settings.max_bytes) + " bytes";
  }
  return text;
}

std::optional<std::string> FlagOrEnvironment(const char* variable,
                                             const char* flag) {
  gflags::CommandLineFlagInfo info;
  if (gflags::GetCommandLineFlagInfo(flag, &info) && !info.is_default) {
    return info.current_value;
  }
  if (const char* value = std::getenv(variable)) return std::string(value);
  return std::nullopt;
}

}  // namespace ru
