/* The absolute cube of the difference of two query values:
 * GET /?x=3&y=1 answers 8. Missing values count as 0. */
#include <math.h>
#include <stdlib.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *x = ru_arg(args, "x");
  const char *y = ru_arg(args, "y");
  double difference = (x ? atof(x) : 0) - (y ? atof(y) : 0);
  ru_json_int(out, (int64_t)pow(fabs(difference), 3));
  return 0;
}
