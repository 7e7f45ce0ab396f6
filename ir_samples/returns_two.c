/* A new version of the server's own function_for_foobar_to_call. Upload it
 * with ?function=function_for_foobar_to_call; a live foobar that calls it
 * (call_server.c) then answers 2. */
#include "updateable.h"

int64_t function_for_foobar_to_call(void) { return 2; }
