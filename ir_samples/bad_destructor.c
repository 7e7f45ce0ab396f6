/* A destructor that frees a pointer malloc never gave out: glibc would
 * abort the server when the version is dropped. The trial run runs
 * destructors too, so this upload is refused (422); uploaded with
 * ?probe=off, the server's free sees the pointer is not the upload's and
 * the destructor fails instead, when the version is dropped. */
#include <stdlib.h>

#include "updateable.h"

__attribute__((destructor)) static void Release(void) {
  free((void *)(size_t)ru_arg_count(NULL) + 16);
}

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_string(out, "fine until dropped");
  return 0;
}
