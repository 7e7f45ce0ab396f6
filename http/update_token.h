// The bearer token that every state-changing request must carry. It comes
// from the environment variable RUNTIME_UPDATER_TOKEN, or from the file
// named by --token_file; with neither, the server makes a random one on
// first start and keeps it in the state directory, readable only by its
// owner.

#ifndef RUNTIME_UPDATER_HTTP_UPDATE_TOKEN_H_
#define RUNTIME_UPDATER_HTTP_UPDATE_TOKEN_H_

#include <string>

#include "jit/status.h"

namespace ru {

struct UpdateToken {
  std::string value;
  // Where it came from, for the log (never the token itself).
  std::string origin;
};

// Finds or creates the token as described above. `token_file` may be
// empty; `state_dir` must exist.
Status LoadUpdateToken(const std::string& token_file,
                       const std::string& state_dir, UpdateToken* token);

// True when `header` (the Authorization header's value, or null) is
// "Bearer <token>". Takes the same time for every wrong token of a given
// length, and does not reveal the token's length through early exits.
bool AuthorizationMatches(const std::string* header, const std::string& token);

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_UPDATE_TOKEN_H_
