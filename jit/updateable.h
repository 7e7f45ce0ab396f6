/*
 * updateable.h: the contract between runtime-updater and the code you upload.
 *
 * runtime-updater is an HTTP server whose functions can be replaced while it
 * runs. You write a C file that includes this header and defines one of the
 * updatable functions below, compile it to LLVM bitcode and POST it:
 *
 *   clang-19 -c -emit-llvm -O2 -I<repo>/jit my_foobar.c -o my_foobar.bc
 *   curl --data-binary @my_foobar.bc http://127.0.0.1:5000/update_endpoint
 *
 * The server compiles the bitcode to machine code inside its own process and
 * switches the function over; the next request runs your code.
 *
 * What your code may call: the functions declared in this header, the
 * updatable functions (they always reach their live version), and a curated
 * part of the C library and libm (string and memory functions, snprintf,
 * strtol and friends, malloc and free, the math functions). Anything else,
 * such as system() or fopen(), makes the upload fail with a message naming
 * the symbol.
 *
 * Threads: the server calls your function from several threads at once.
 * Keep state in locals, or protect it yourself.
 */
#ifndef RUNTIME_UPDATER_UPDATEABLE_H_
#define RUNTIME_UPDATER_UPDATEABLE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The query parameters of the request, percent-decoded ("%41" is "A", "+" is
 * a space), in the order they appear in the request target, repeats
 * included. Owned by the server; valid only during the call. */
typedef struct ru_args ru_args;

/* The JSON value your function returns. You build it with the ru_json_
 * calls below; the server owns it and sends it as the response body. */
typedef struct ru_json ru_json;

/* The value of the first parameter called `name`, or NULL if there is none.
 * "?x" and "?x=" both give "". */
const char *ru_arg(const ru_args *args, const char *name);
/* The number of parameters, repeats counted. */
size_t ru_arg_count(const ru_args *args);
/* The name and value of the i-th parameter; NULL when i is out of range. */
const char *ru_arg_name(const ru_args *args, size_t i);
const char *ru_arg_value(const ru_args *args, size_t i);

/* Writing the result. Write exactly one top-level value; arrays and objects
 * nest as in JSON, and inside an object each value follows its ru_json_key.
 * Strings must be UTF-8; they are copied. A NULL string is written as null.
 * Writing nothing at all returns null.
 *
 * Misuse (a key outside an object, a value where a key is due, unbalanced
 * nesting, two top-level values, NaN or infinity, invalid UTF-8) never
 * crashes the server: the request answers HTTP 500 with an error saying
 * what was wrong, and further ru_json_ calls in that call are ignored. */
void ru_json_null(ru_json *out);
void ru_json_bool(ru_json *out, int value);
void ru_json_int(ru_json *out, int64_t value);
void ru_json_double(ru_json *out, double value);
void ru_json_string(ru_json *out, const char *utf8);
void ru_json_begin_array(ru_json *out);
void ru_json_end_array(ru_json *out);
void ru_json_begin_object(ru_json *out);
void ru_json_key(ru_json *out, const char *utf8);
void ru_json_end_object(ru_json *out);

/* Makes the request answer HTTP 500 with {"error": message} (the message is
 * copied) and returns a non-zero value, so that `return ru_fail(out, "...")`
 * reads naturally. */
int ru_fail(ru_json *out, const char *message);

/* The updatable functions. */

/* GET / calls foobar with the request's parameters. Return 0 for success;
 * any other value answers HTTP 500 (with the message given to ru_fail, or a
 * generic one). Until the first update it writes nothing and so returns
 * null. Update it with POST /update_endpoint (the default function). */
int foobar(const ru_args *args, ru_json *out);

/* A function of the server that your code may call. It returns 1 until it
 * is updated itself (POST /update_endpoint?function=function_for_foobar_to_call
 * with a module defining `int64_t function_for_foobar_to_call(void)`); calls
 * from a live foobar then reach the new version. */
int64_t function_for_foobar_to_call(void);

#ifdef __cplusplus
}
#endif

#endif /* RUNTIME_UPDATER_UPDATEABLE_H_ */
