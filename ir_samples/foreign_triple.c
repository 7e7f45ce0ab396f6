/* sample-flags: --target=aarch64-linux-gnu -ffreestanding
 * Rejected: compiled for another architecture (422). */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_int(out, 64);
  return 0;
}
