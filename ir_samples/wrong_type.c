/* Rejected: foobar with the wrong type (422). */
double foobar(double x) { return x * 2; }
