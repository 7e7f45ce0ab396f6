/* Calls through a pointer that leads to no code: by default into the
 * unmapped first page, with ?to=data into the module's own constant data,
 * which is not executable. The faulting instruction lies outside every
 * piece of code in the process; the fault is still the upload's doing and
 * is contained (500). */
#include <stdint.h>
#include <string.h>

#include "updateable.h"

static const unsigned char not_code[16] = {0xc3};

int foobar(const ru_args *args, ru_json *out) {
  const char *to = ru_arg(args, "to");
  uintptr_t target = 0x1b8;
  if (to != 0 && strcmp(to, "data") == 0) target = (uintptr_t)not_code;
  void (*jump)(void) = (void (*)(void))target;
  jump();
  ru_json_string(out, "came back");
  return 0;
}
