/* A ~200-line foobar for the update-latency benchmark (scripts/bench.sh):
 * summarises a list of numbers given as ?values=3,1,4,1,5 (or a built-in
 * list) with statistics, a histogram, runs, primes and a text rendering.
 * GET / answers an object with those fields.
 *
 * RU_BENCH_SEED appears once in the compiled IR as a literal; the
 * benchmark replaces it to make each upload a distinct module. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "updateable.h"

#ifndef RU_BENCH_SEED
#define RU_BENCH_SEED 1592614637
#endif

#define MAX_VALUES 256
#define BUCKETS 8

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a;
  double y = *(const double *)b;
  return (x > y) - (x < y);
}

int foobar(const ru_args *args, ru_json *out) {
  double values[MAX_VALUES];
  double sorted[MAX_VALUES];
  int histogram[BUCKETS];
  char text[512];
  size_t count = 0;

  /* Parse ?values=..., or fall back to a fixed sequence. */
  const char *list = ru_arg(args, "values");
  if (list != NULL && *list != '\0') {
    const char *p = list;
    while (*p != '\0' && count < MAX_VALUES) {
      char *end = NULL;
      double v = strtod(p, &end);
      if (end == p) {
        return ru_fail(out, "values must be numbers separated by commas");
      }
      values[count++] = v;
      p = end;
      while (*p == ',' || *p == ' ') ++p;
    }
  } else {
    unsigned state = 12345u;
    for (count = 0; count < 64; ++count) {
      state = state * 1103515245u + 12345u;
      values[count] = (double)((state >> 16) % 1000) / 10.0;
    }
  }
  if (count == 0) return ru_fail(out, "no values");

  /* Order statistics. */
  memcpy(sorted, values, count * sizeof(double));
  qsort(sorted, count, sizeof(double), compare_doubles);
  double minimum = sorted[0];
  double maximum = sorted[count - 1];
  double median = count % 2 == 1
                      ? sorted[count / 2]
                      : (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0;
  double q1 = sorted[count / 4];
  double q3 = sorted[(3 * count) / 4 < count ? (3 * count) / 4 : count - 1];

  /* Moments, with Welford's update for a stable variance. */
  double mean = 0.0;
  double m2 = 0.0;
  double sum = 0.0;
  double sum_abs = 0.0;
  for (size_t i = 0; i < count; ++i) {
    double delta = values[i] - mean;
    mean += delta / (double)(i + 1);
    m2 += delta * (values[i] - mean);
    sum += values[i];
    sum_abs += fabs(values[i]);
  }
  double variance = count > 1 ? m2 / (double)(count - 1) : 0.0;
  double deviation = sqrt(variance);
  double skew = 0.0;
  double kurtosis = 0.0;
  if (deviation > 0.0) {
    for (size_t i = 0; i < count; ++i) {
      double z = (values[i] - mean) / deviation;
      skew += z * z * z;
      kurtosis += z * z * z * z;
    }
    skew /= (double)count;
    kurtosis = kurtosis / (double)count - 3.0;
  }

  /* Geometric and harmonic means of the positive values. */
  double log_sum = 0.0;
  double inverse_sum = 0.0;
  size_t positive = 0;
  for (size_t i = 0; i < count; ++i) {
    if (values[i] > 0.0) {
      log_sum += log(values[i]);
      inverse_sum += 1.0 / values[i];
      ++positive;
    }
  }
  double geometric = positive > 0 ? exp(log_sum / (double)positive) : 0.0;
  double harmonic = inverse_sum > 0.0 ? (double)positive / inverse_sum : 0.0;

  /* Histogram over [minimum, maximum]. */
  memset(histogram, 0, sizeof(histogram));
  double width = (maximum - minimum) / BUCKETS;
  for (size_t i = 0; i < count; ++i) {
    int bucket = width > 0.0 ? (int)((values[i] - minimum) / width) : 0;
    if (bucket >= BUCKETS) bucket = BUCKETS - 1;
    if (bucket < 0) bucket = 0;
    histogram[bucket]++;
  }
  int mode_bucket = 0;
  for (int b = 1; b < BUCKETS; ++b) {
    if (histogram[b] > histogram[mode_bucket]) mode_bucket = b;
  }

  /* Runs: the longest strictly rising and falling stretches. */
  size_t rising = 1;
  size_t falling = 1;
  size_t longest_rise = 1;
  size_t longest_fall = 1;
  size_t crossings = 0;
  for (size_t i = 1; i < count; ++i) {
    rising = values[i] > values[i - 1] ? rising + 1 : 1;
    falling = values[i] < values[i - 1] ? falling + 1 : 1;
    if (rising > longest_rise) longest_rise = rising;
    if (falling > longest_fall) longest_fall = falling;
    if ((values[i] - mean) * (values[i - 1] - mean) < 0.0) ++crossings;
  }

  /* How many of the values, rounded, are prime. */
  size_t primes = 0;
  for (size_t i = 0; i < count; ++i) {
    long n = lround(values[i]);
    if (n < 2) continue;
    int prime = 1;
    for (long d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = 0;
        break;
      }
    }
    primes += (size_t)prime;
  }

  /* A text rendering of the histogram, e.g. "3|##  ". */
  size_t used = 0;
  for (int b = 0; b < BUCKETS && used + 40 < sizeof(text); ++b) {
    int written = snprintf(text + used, sizeof(text) - used, "%s%d|",
                           b == 0 ? "" : " ", histogram[b]);
    if (written < 0) break;
    used += (size_t)written;
    for (int k = 0; k < histogram[b] && k < 20 && used + 2 < sizeof(text);
         ++k) {
      text[used++] = '#';
    }
    text[used] = '\0';
  }

  /* Outliers by Tukey's fences. */
  double spread = q3 - q1;
  size_t outliers = 0;
  for (size_t i = 0; i < count; ++i) {
    if (values[i] < q1 - 1.5 * spread || values[i] > q3 + 1.5 * spread) {
      ++outliers;
    }
  }

  ru_json_begin_object(out);
  ru_json_key(out, "count");
  ru_json_int(out, (int64_t)count);
  ru_json_key(out, "sum");
  ru_json_double(out, sum);
  ru_json_key(out, "mean_abs");
  ru_json_double(out, sum_abs / (double)count);
  ru_json_key(out, "min");
  ru_json_double(out, minimum);
  ru_json_key(out, "q1");
  ru_json_double(out, q1);
  ru_json_key(out, "median");
  ru_json_double(out, median);
  ru_json_key(out, "q3");
  ru_json_double(out, q3);
  ru_json_key(out, "max");
  ru_json_double(out, maximum);
  ru_json_key(out, "mean");
  ru_json_double(out, mean);
  ru_json_key(out, "stddev");
  ru_json_double(out, deviation);
  ru_json_key(out, "skew");
  ru_json_double(out, skew);
  ru_json_key(out, "kurtosis");
  ru_json_double(out, kurtosis);
  ru_json_key(out, "geometric_mean");
  ru_json_double(out, geometric);
  ru_json_key(out, "harmonic_mean");
  ru_json_double(out, harmonic);
  ru_json_key(out, "histogram");
  ru_json_begin_array(out);
  for (int b = 0; b < BUCKETS; ++b) ru_json_int(out, histogram[b]);
  ru_json_end_array(out);
  ru_json_key(out, "mode_bucket");
  ru_json_int(out, mode_bucket);
  ru_json_key(out, "longest_rise");
  ru_json_int(out, (int64_t)longest_rise);
  ru_json_key(out, "longest_fall");
  ru_json_int(out, (int64_t)longest_fall);
  ru_json_key(out, "mean_crossings");
  ru_json_int(out, (int64_t)crossings);
  ru_json_key(out, "primes");
  ru_json_int(out, (int64_t)primes);
  ru_json_key(out, "outliers");
  ru_json_int(out, (int64_t)outliers);
  ru_json_key(out, "chart");
  ru_json_string(out, text);
  ru_json_key(out, "build");
  ru_json_int(out, RU_BENCH_SEED);
  ru_json_end_object(out);
  return 0;
}
