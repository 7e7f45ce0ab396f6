#include "jit/version_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "jit/fault_injection.h"
#include "rapidjson/reader.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace ru {
namespace {

Status ErrnoStatus(const std::string& what) {
  return Status::Internal(what + ": " + std::strerror(errno));
}

// Creates `path` unless it exists; says in `*created` whether it did.
Status MakeDir(const std::string& path, bool* created = nullptr) {
  bool made = ::mkdir(path.c_str(), 0755) == 0;
  if (created != nullptr) *created = made;
  if (made || errno == EEXIST) return Status::Ok();
  return ErrnoStatus("cannot create " + path);
}

Status SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoStatus("cannot open " + path);
  int result = ::fsync(fd);
  ::close(fd);
  if (result != 0) return ErrnoStatus("cannot sync " + path);
  return Status::Ok();
}

bool ReadWholeFile(const std::string& path, std::string* contents) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  contents->clear();
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) {
    contents->append(buffer, n);
  }
  ::close(fd);
  return n == 0;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

// "12.meta" -> 12; anything else -> 0.
int NumberOf(const std::string& file, const std::string& suffix) {
  if (file.size() <= suffix.size() ||
      file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return 0;
  }
  std::string digits = file.substr(0, file.size() - suffix.size());
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  return std::stoi(digits);
}

std::string EncodeRecord(const VersionRecord& record) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("number");
  writer.Int(record.number);
  writer.Key("sha256");
  writer.String(record.sha256.c_str());
  writer.Key("size");
  writer.Uint64(record.size);
  writer.Key("created_unix_ms");
  writer.Int64(record.created_unix_ms);
  writer.Key("compile_ms");
  writer.Double(record.compile_ms);
  writer.Key("message");
  writer.String(record.message.c_str(), record.message.size());
  writer.Key("fault");
  writer.String(record.fault.c_str(), record.fault.size());
  writer.Key("set");
  writer.String(record.set.c_str(), record.set.size());
  writer.Key("set_before");
  writer.String(record.set_before.c_str(), record.set_before.size());
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

// Reads the flat JSON object EncodeRecord writes, with RapidJSON's SAX
// reader: a handler that stores each known key's value.
class RecordReader
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RecordReader> {
 public:
  explicit RecordReader(VersionRecord* record) : record_(record) {}

  bool Key(const char* text, rapidjson::SizeType length, bool) {
    key_.assign(text, length);
    return true;
  }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    std::string value(text, length);
    if (key_ == "sha256") {
      record_->sha256 = value;
      has_sha256_ = true;
    } else if (key_ == "message") {
      record_->message = value;
    } else if (key_ == "fault") {
      record_->fault = value;
    } else if (key_ == "set") {
      record_->set = value;
    } else if (key_ == "set_before") {
      record_->set_before = value;
    }
    return true;
  }
  bool Int(int value) { return Int64(value); }
  bool Uint(unsigned value) { return Int64(value); }
  bool Uint64(uint64_t value) { return Int64(static_cast<int64_t>(value)); }
  bool Int64(int64_t value) {
    if (key_ == "number") {
      record_->number = static_cast<int>(value);
      has_number_ = true;
    } else if (key_ == "size") {
      record_->size = static_cast<uint64_t>(value);
    } else if (key_ == "created_unix_ms") {
      record_->created_unix_ms = value;
    } else if (key_ == "compile_ms") {
      record_->compile_ms = static_cast<double>(value);
    }
    return true;
  }
  bool Double(double value) {
    if (key_ == "compile_ms") record_->compile_ms = value;
    return true;
  }
  bool Default() { return true; }

  bool complete() const { return has_number_ && has_sha256_; }

 private:
  VersionRecord* record_;
  std::string key_;
  bool has_number_ = false;
  bool has_sha256_ = false;
};

bool DecodeRecord(const std::string& text, VersionRecord* record) {
  RecordReader handler(record);
  rapidjson::Reader reader;
  rapidjson::StringStream stream(text.c_str());
  return !reader.Parse(stream, handler).IsError() && handler.complete();
}

}  // namespace

Status VersionStore::Open(const std::string& dir, bool sync,
                          std::unique_ptr<VersionStore>* store) {
  std::unique_ptr<VersionStore> opened(new VersionStore(dir, sync));
  Status status = MakeDir(dir);
  if (status.ok()) status = MakeDir(dir + "/functions");
  if (status.ok()) status = opened->Load();
  if (!status.ok()) return status;
  *store = std::move(opened);
  return Status::Ok();
}

std::string VersionStore::FunctionDir(const std::string& function) const {
  return dir_ + "/functions/" + function;
}

Status VersionStore::Load() {
  for (const std::string& name : ListDir(dir_ + "/functions")) {
    Status status = LoadFunction(name);
    if (!status.ok()) return status;
  }
  return ReplaySwitchJournal();
}

Status VersionStore::ReplaySwitchJournal() {
  ::unlink((dir_ + "/switch.tmp").c_str());
  std::string journal;
  if (!ReadWholeFile(dir_ + "/switch", &journal)) return Status::Ok();
  // The journal was complete (it is renamed into place whole), so the
  // switch it records is finished here.
  std::vector<std::pair<std::string, int>> lives;
  size_t start = 0;
  while (start < journal.size()) {
    size_t end = journal.find('\n', start);
    if (end == std::string::npos) end = journal.size();
    std::string line = journal.substr(start, end - start);
    size_t space = line.find(' ');
    if (space != std::string::npos &&
        functions_.count(line.substr(0, space)) > 0) {
      lives.emplace_back(line.substr(0, space),
                         std::atoi(line.c_str() + space + 1));
    }
    start = end + 1;
  }
  for (const auto& [function, number] : lives) {
    Status status = SetLive(function, number);
    if (!status.ok()) return status;
  }
  ::unlink((dir_ + "/switch").c_str());
  return sync_ ? SyncDir(dir_) : Status::Ok();
}

Status VersionStore::SetLiveMany(
    const std::vector<std::pair<std::string, int>>& lives) {
  std::string journal;
  for (const auto& [function, number] : lives) {
    journal += function + " " + std::to_string(number) + "\n";
  }
  Status status = WriteFile(dir_, "switch", journal);
  if (!status.ok()) return status;
  FaultPoint("switch.journaled");
  for (const auto& [function, number] : lives) {
    status = SetLive(function, number);
    if (!status.ok()) return status;
  }
  ::unlink((dir_ + "/switch").c_str());
  return sync_ ? SyncDir(dir_) : Status::Ok();
}

Status VersionStore::LoadFunction(const std::string& name) {
  std::string dir = FunctionDir(name);
  StoredFunction function;
  function.name = name;
  std::vector<std::string> files = ListDir(dir);
  for (const std::string& file : files) {
    // Leftovers of a write that never completed.
    bool temporary =
        file.size() > 4 && file.compare(file.size() - 4, 4, ".tmp") == 0;
    int bc_number = NumberOf(file, ".bc");
    bool orphan = bc_number > 0 &&
                  std::find(files.begin(), files.end(),
                            std::to_string(bc_number) + ".meta") == files.end();
    if (temporary || orphan) {
      ::unlink((dir + "/" + file).c_str());
      continue;
    }
    int number = NumberOf(file, ".meta");
    if (number == 0) continue;
    std::string text;
    VersionRecord record;
    if (!ReadWholeFile(dir + "/" + file, &text) ||
        !DecodeRecord(text, &record) || record.number != number) {
      // A damaged record is kept on disk for inspection but not used.
      continue;
    }
    function.versions.push_back(record);
  }
  std::sort(function.versions.begin(), function.versions.end(),
            [](const VersionRecord& a, const VersionRecord& b) {
              return a.number < b.number;
            });
  std::string live;
  if (ReadWholeFile(dir + "/live", &live)) {
    function.live = std::atoi(live.c_str());
  }
  std::string state;
  if (ReadWholeFile(dir + "/function", &state)) {
    function.created_at_run_time = true;
    function.removed = state.rfind("removed", 0) == 0;
  }
  functions_[name] = std::move(function);
  return Status::Ok();
}

Status VersionStore::WriteFile(const std::string& dir, const std::string& name,
                               const std::string& contents) const {
  std::string path = dir + "/" + name;
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create " + temporary);
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n =
        ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status status = ErrnoStatus("cannot write " + temporary);
      ::close(fd);
      return status;
    }
    written += n;
  }
  if (sync_ && ::fsync(fd) != 0) {
    Status status = ErrnoStatus("cannot sync " + temporary);
    ::close(fd);
    return status;
  }
  ::close(fd);
  std::string kind =
      name.substr(name.find('.') == std::string::npos ? 0 : name.find('.') + 1);
  FaultPoint(("store.written." + kind).c_str());
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return ErrnoStatus("cannot rename " + temporary);
  }
  FaultPoint(("store.renamed." + kind).c_str());
  return sync_ ? SyncDir(dir) : Status::Ok();
}

Status VersionStore::MakeFunctionDir(const std::string& function) const {
  bool created = false;
  Status status = MakeDir(FunctionDir(function), &created);
  if (status.ok() && created && sync_) status = SyncDir(dir_ + "/functions");
  return status;
}

Status VersionStore::WriteBytes(const std::string& function, int number,
                                const std::string& bytes) const {
  Status status = MakeFunctionDir(function);
  if (!status.ok()) return status;
  return WriteFile(FunctionDir(function), std::to_string(number) + ".bc",
                   bytes);
}

Status VersionStore::AddVersion(const std::string& function,
                                const VersionRecord& record,
                                const std::string& bytes) {
  // The bytes first: the metadata is what makes the version exist.
  Status status = WriteBytes(function, record.number, bytes);
  if (!status.ok()) return status;
  return AddRecord(function, record);
}

Status VersionStore::AddRecord(const std::string& function,
                               const VersionRecord& record) {
  Status status =
      WriteFile(FunctionDir(function), std::to_string(record.number) + ".meta",
                EncodeRecord(record));
  if (!status.ok()) return status;
  StoredFunction& stored = functions_[function];
  stored.name = function;
  stored.versions.push_back(record);
  return Status::Ok();
}

Status VersionStore::UpdateRecord(const std::string& function,
                                  const VersionRecord& record) {
  Status status =
      WriteFile(FunctionDir(function), std::to_string(record.number) + ".meta",
                EncodeRecord(record));
  if (!status.ok()) return status;
  for (VersionRecord& stored : functions_[function].versions) {
    if (stored.number == record.number) stored = record;
  }
  return Status::Ok();
}

Status VersionStore::SetLive(const std::string& function, int number) {
  std::string dir = FunctionDir(function);
  Status status = MakeDir(dir);
  if (status.ok()) {
    status = WriteFile(dir, "live", std::to_string(number) + "\n");
  }
  if (status.ok()) functions_[function].live = number;
  return status;
}

Status VersionStore::SetFunctionState(const std::string& function,
                                      bool removed) {
  std::string dir = FunctionDir(function);
  Status status = MakeFunctionDir(function);
  if (status.ok()) {
    status = WriteFile(dir, "function", removed ? "removed\n" : "endpoint\n");
  }
  if (status.ok()) {
    StoredFunction& stored = functions_[function];
    stored.name = function;
    stored.created_at_run_time = true;
    stored.removed = removed;
  }
  return status;
}

Status VersionStore::ReadBytes(const std::string& function, int number,
                               std::string* bytes) const {
  std::string path =
      FunctionDir(function) + "/" + std::to_string(number) + ".bc";
  if (!ReadWholeFile(path, bytes)) return ErrnoStatus("cannot read " + path);
  return Status::Ok();
}

}  // namespace ru
