// LogSettings: where the server's two logs go and how they are kept, read
// from the environment variables of the original project, each of which a
// command-line flag overrides:
//
//   variable       flag             default     meaning
//   LOG_TYPE       --log_type       rotate      stream, watched or rotate
//   LOG_LEVEL      --log_level      INFO        DEBUG, INFO, WARNING, ERROR
//                                               or CRITICAL (app log only)
//   LOG_DIR        --log_dir        logs        directory of both files
//   APP_LOG_NAME   --app_log_name   app.log     the server's own log
//   WWW_LOG_NAME   --www_log_name   www.log     the access log; empty: off
//   LOG_MAX_BYTES  --log_max_bytes  100000000   rotate: size of one file
//   LOG_COPIES     --log_copies     5           rotate: numbered copies kept
//
// --log_dir is glog's own flag.

#ifndef RUNTIME_UPDATER_HTTP_LOG_SETTINGS_H_
#define RUNTIME_UPDATER_HTTP_LOG_SETTINGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace ru {

enum class LogMode {
  kStream,   // Both logs to standard error.
  kWatched,  // A file, reopened when it is moved away or deleted.
  kRotate,   // A file of at most max_bytes, then numbered copies.
};

struct LogSettings {
  LogMode mode = LogMode::kRotate;
  // glog's minimum severity: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL.
  int min_severity = 0;
  // glog's --v: 1 under DEBUG, so that per-request detail shows.
  int verbosity = 0;
  std::string dir = "logs";
  std::string app_log_name = "app.log";
  std::string www_log_name = "www.log";  // Empty: no access log.
  uint64_t max_bytes = 100000000;
  int copies = 5;

  std::string AppLogPath() const { return dir + "/" + app_log_name; }
  std::string WwwLogPath() const { return dir + "/" + www_log_name; }
};

// The text of one setting, by its environment variable and flag names, or
// nothing when it was not given.
using SettingLookup = std::function<std::optional<std::string>(
    const char* variable, const char* flag)>;

// Reads and checks every setting. On an invalid value returns false and
// sets `*error` to a message that names the setting, e.g.
// "LOG_TYPE (--log_type) must be stream, watched or rotate, got 'foo'";
// `*settings` is then unspecified.
bool ResolveLogSettings(const SettingLookup& lookup, LogSettings* settings,
                        std::string* error);

// One line for the server's log, e.g. "rotate: logs/app.log and
// logs/www.log, 5 copies of at most 100000000 bytes".
std::string DescribeLogSettings(const LogSettings& settings);

// The lookup the server uses: the flag when it was given on the command
// line, else the environment variable when it is set (even to "").
std::optional<std::string> FlagOrEnvironment(const char* variable,
                                             const char* flag);

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_LOG_SETTINGS_H_
