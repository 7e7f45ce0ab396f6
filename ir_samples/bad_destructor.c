/* A destructor that frees a pointer malloc never gave out: it would abort
 * the server inside the C library when the version is dropped, where no
 * guard can help. The trial run runs destructors too, so this upload is
 * refused (422). */
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
