#include "http/update_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ru {
namespace {

std::string Trim(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  return end == std::string::npos ? "" : text.substr(0, end + 1);
}

Status ReadToken(const std::string& path, std::string* value) {
  std::ifstream in(path);
  if (!in) {
    return Status::Internal("cannot read token file " + path + ": " +
                            std::strerror(errno));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  *value = Trim(contents.str());
  if (value->empty())
    return Status::Internal("token file " + path + " is empty");
  return Status::Ok();
}

Status CreateToken(const std::string& path, std::string* value) {
  unsigned char random[32];
  int source = ::open("/dev/urandom", O_RDONLY);
  if (source < 0 || ::read(source, random, sizeof(random)) !=
                        static_cast<ssize_t>(sizeof(random))) {
    if (source >= 0) ::close(source);
    return Status::Internal("cannot read /dev/urandom");
  }
  ::close(source);
  static const char kHex[] = "0123456789abcdef";
  value->clear();
  for (unsigned char byte : random) {
    value->push_back(kHex[byte >> 4]);
    value->push_back(kHex[byte & 15]);
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return Status::Internal("cannot create token file " + path + ": " +
                            std::strerror(errno));
  }
  std::string line = *value + "\n";
  bool written = ::write(fd, line.data(), line.size()) ==
                 static_cast<ssize_t>(line.size());
  ::fsync(fd);
  ::close(fd);
  if (!written) return Status::Internal("cannot write token file " + path);
  return Status::Ok();
}

}  // namespace

Status LoadUpdateToken(const std::string& token_file,
                       const std::string& state_dir, UpdateToken* token) {
  if (const char* env = std::getenv("RUNTIME_UPDATER_TOKEN");
      env != nullptr && *env != '\0') {
    token->value = Trim(env);
    token->origin = "the environment variable RUNTIME_UPDATER_TOKEN";
    return Status::Ok();
  }
  if (!token_file.empty()) {
    token->origin = "the file " + token_file;
    return ReadToken(token_file, &token->value);
  }
  std::string path = state_dir + "/token";
  token->origin = "the file " + path;
  struct stat info;
  if (::stat(path.c_str(), &info) == 0) return ReadToken(path, &token->value);
  Status status = CreateToken(path, &token->value);
  if (status.ok()) token->origin += " (created now)";
  return status;
}

bool AuthorizationMatches(const std::string* header, const std::string& token) {
  static const char kScheme[] = "Bearer ";
  const size_t scheme_length = sizeof(kScheme) - 1;
  if (header == nullptr || header->size() < scheme_length ||
      strncasecmp(header->c_str(), kScheme, scheme_length) != 0) {
    return false;
  }
  // Compare every byte of the expected token, whatever the offered one
  // is, so that timing says nothing about how much of it was right.
  const std::string offered = header->substr(scheme_length);
  unsigned char difference = offered.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    unsigned char byte = i < offered.size() ? offered[i] : 0;
    difference |= byte ^ static_cast<unsigned char>(token[i]);
  }
  return difference == 0;
}

}  // namespace ru
