/* Treats the opaque pointers it is handed as memory: ?touch=out writes
 * into the result, ?touch=args reads the arguments, and the default writes
 * 64 bytes past the result. The pointers are handles into memory no one
 * may access, so each faults as the upload's crash (500) and the server's
 * own objects stay untouched. */
#include <string.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *touch = ru_arg(args, "touch");
  volatile long *target = (volatile long *)out + 8;
  if (touch != 0 && strcmp(touch, "out") == 0) target = (volatile long *)out;
  if (touch != 0 && strcmp(touch, "args") == 0) {
    ru_json_int(out, *(const volatile long *)args);
    return 0;
  }
  *target = 0x4141414141414141;
  ru_json_int(out, 1);
  return 0;
}
