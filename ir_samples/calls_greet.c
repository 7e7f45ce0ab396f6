/* foobar calling another updatable function, greet (created by an upload):
 * the call goes through greet's stub and so reaches its live version. */
#include "updateable.h"

int greet(const ru_args *args, ru_json *out);

int foobar(const ru_args *args, ru_json *out) {
  return greet(args, out);
}
