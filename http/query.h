// Decoding of a request's query string into ordered parameters.

#ifndef RUNTIME_UPDATER_HTTP_QUERY_H_
#define RUNTIME_UPDATER_HTTP_QUERY_H_

#include <string>
#include <string_view>

#include "jit/runtime.h"

namespace ru {

// Splits `raw` ("a=1&b=x%20y&a=2") at '&' into name and value pairs in
// their order, repeats kept, each percent-decoded with '+' as a space. A
// parameter without '=' has an empty value; empty parts are skipped; a
// malformed escape such as "%zz" is kept as it is.
QueryParams ParseQuery(std::string_view raw);

// Percent-decodes `text`, '+' as a space.
std::string DecodeQueryComponent(std::string_view text);

// The first value of `name` in `params`, or `fallback`.
std::string QueryValue(const QueryParams& params, const std::string& name,
                       const std::string& fallback = "");

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_QUERY_H_
