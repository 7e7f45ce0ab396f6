#include "http/version_json.h"

#include <ctime>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace ru {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, const char* key, const std::string& value) {
  writer.Key(key);
  writer.String(value.c_str(), value.size());
}

// "2026-12-03T17:40:00.123Z"
std::string IsoTime(int64_t unix_ms) {
  std::time_t seconds = unix_ms / 1000;
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char with_ms[48];
  std::snprintf(with_ms, sizeof(with_ms), "%s.%03dZ", text,
                static_cast<int>(unix_ms % 1000));
  return with_ms;
}

void WriteFunction(Writer& writer, const FunctionInfo& function) {
  writer.StartObject();
  WriteString(writer, "name", function.name);
  WriteString(writer, "type", function.type);
  writer.Key("endpoint");
  writer.Bool(function.endpoint);
  writer.Key("removed");
  writer.Bool(function.removed);
  writer.Key("live_version");
  writer.Int(function.live_version);
  writer.Key("versions");
  writer.StartArray();
  for (const VersionInfo& version : function.versions) {
    writer.StartObject();
    writer.Key("version");
    writer.Int(version.number);
    WriteString(writer, "sha256", version.sha256);
    writer.Key("size");
    writer.Uint64(version.size);
    WriteString(writer, "created", IsoTime(version.created_unix_ms));
    writer.Key("compile_ms");
    writer.Double(version.compile_ms);
    WriteString(writer, "message", version.message);
    writer.Key("live");
    writer.Bool(version.live);
    writer.Key("resident");
    writer.Bool(version.resident);
    writer.Key("fault");
    if (version.fault.empty()) {
      writer.Null();
    } else {
      writer.String(version.fault.c_str(), version.fault.size());
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
}

std::string Text(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string FunctionsJson(const std::vector<FunctionInfo>& functions) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("functions");
  writer.StartArray();
  for (const FunctionInfo& function : functions)
    WriteFunction(writer, function);
  writer.EndArray();
  writer.EndObject();
  return Text(buffer);
}

std::string FunctionJson(const FunctionInfo& function) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  WriteFunction(writer, function);
  return Text(buffer);
}

std::string UpdateJson(const UpdateResult& result) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  WriteString(writer, "Success", result.dry_run ? "Checked" : "Updated");
  WriteString(writer, "function", result.function);
  writer.Key("version");
  writer.Int(result.version);
  WriteString(writer, "sha256", result.sha256);
  writer.Key("compile_ms");
  writer.Double(result.compile_ms);
  writer.Key("created");
  writer.Bool(result.created);
  writer.Key("dry_run");
  writer.Bool(result.dry_run);
  writer.EndObject();
  return Text(buffer);
}

std::string RollbackJson(const RollbackResult& result) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  WriteString(writer, "Success", "Rolled back");
  WriteString(writer, "function", result.function);
  writer.Key("from");
  writer.Int(result.from);
  writer.Key("version");
  writer.Int(result.to);
  writer.Key("recompiled");
  writer.Bool(result.recompiled);
  writer.Key("ms");
  writer.Double(result.ms);
  writer.EndObject();
  return Text(buffer);
}

}  // namespace ru
