/* Hands a wild pointer to a C library function: ?in=memcpy (the default),
 * strlen, strcmp, strdup, snprintf (as a "%s" argument), sprintf (as the
 * destination), strtol, qsort or bsearch (as the array), qsort_readonly
 * (an array in read-only memory), free, realloc, double_free (a block freed
 * twice), free_inside (a pointer into the middle of a block) or overflow
 * (1 MiB written from the start of a 64-byte block), or as the output of
 * modf, frexp, sincos, time, clock_gettime or rand_r. The fault would
 * happen inside the C library, on the upload's behalf; it is contained
 * (500). */
#define _GNU_SOURCE /* sincos */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "updateable.h"

static int compare_ints(const void *a, const void *b) {
  int x = *(const int *)a;
  int y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Orders elements by where they are, never reading them. */
static int compare_places(const void *a, const void *b) {
  return (a < b) - (a > b);
}

static const int kConstants[4] = {4, 3, 2, 1};

int foobar(const ru_args *args, ru_json *out) {
  const char *in = ru_arg(args, "in");
  if (in == 0) in = "memcpy";
  /* Derived from the request, so the compiler cannot see it is wild. */
  char *wild = (char *)(uintptr_t)(16 + ru_arg_count(args) * 0);
  char buffer[64] = "x";
  long result = 0;
  if (strcmp(in, "memcpy") == 0) {
    memcpy(buffer, wild, sizeof(buffer) - ru_arg_count(args));
  } else if (strcmp(in, "strlen") == 0) {
    result = (long)strlen(wild);
  } else if (strcmp(in, "strcmp") == 0) {
    result = strcmp(buffer, wild);
  } else if (strcmp(in, "snprintf") == 0) {
    result = snprintf(buffer, sizeof(buffer), "%s", wild);
  } else if (strcmp(in, "strdup") == 0) {
    char *copy = strdup(wild);
    result = copy[0];
    free(copy);
  } else if (strcmp(in, "sprintf") == 0) {
    result = sprintf(wild, "%d", 42);
  } else if (strcmp(in, "strtol") == 0) {
    result = strtol(wild, 0, 10);
  } else if (strcmp(in, "qsort") == 0) {
    qsort(wild, 8, sizeof(int), compare_places);
  } else if (strcmp(in, "qsort_readonly") == 0) {
    /* The cast is the upload's lie: qsort would write to the constants. */
    qsort((void *)kConstants, 4 - ru_arg_count(args) * 0, sizeof(int),
          compare_ints);
  } else if (strcmp(in, "free") == 0) {
    free(wild);
  } else if (strcmp(in, "realloc") == 0) {
    result = realloc(wild, 64) != 0;
  } else if (strcmp(in, "double_free") == 0) {
    /* volatile: the compiler may not drop the allocation. */
    char *volatile block = malloc(32 + ru_arg_count(args));
    free(block);
    free(block);
  } else if (strcmp(in, "free_inside") == 0) {
    char *volatile block = malloc(32 + ru_arg_count(args));
    free(block + 16);
  } else if (strcmp(in, "overflow") == 0) {
    char *volatile block = malloc(64 + ru_arg_count(args));
    memset(block, 'x', (1 << 20) + ru_arg_count(args));
    free(block);
  } else if (strcmp(in, "modf") == 0) {
    result = (long)modf(2.5 + ru_arg_count(args), (double *)wild);
  } else if (strcmp(in, "frexp") == 0) {
    result = (long)frexp(2.5 + ru_arg_count(args), (int *)wild);
  } else if (strcmp(in, "sincos") == 0) {
    double cosine = 0;
    sincos(0.5 + ru_arg_count(args), (double *)wild, &cosine);
    result = (long)cosine;
  } else if (strcmp(in, "time") == 0) {
    result = (long)time((time_t *)wild);
  } else if (strcmp(in, "clock_gettime") == 0) {
    result = clock_gettime(CLOCK_MONOTONIC, (struct timespec *)wild);
  } else if (strcmp(in, "rand_r") == 0) {
    result = rand_r((unsigned *)wild);
  } else if (strcmp(in, "bsearch") == 0) {
    int key = 3;
    result = bsearch(&key, wild, 8, sizeof(int), compare_ints) != 0;
  }
  ru_json_int(out, result + buffer[0]);
  return 0;
}
