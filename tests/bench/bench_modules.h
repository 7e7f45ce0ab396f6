// Uploads for the benchmarks: many modules that differ in one constant, so
// that the server compiles every one of them (identical bytes are
// deduplicated to the existing version without a compile), turned into
// bitcode before any timing starts.

#ifndef RUNTIME_UPDATER_TESTS_BENCH_BENCH_MODULES_H_
#define RUNTIME_UPDATER_TESTS_BENCH_BENCH_MODULES_H_

#include <string>
#include <vector>

namespace ru_bench {

// The value the templates below, and ir_samples/big_function.c, contain
// exactly once as a decimal literal; variants replace it.
constexpr const char kSeedText[] = "1592614637";

// Textual IR of a foobar that writes the integer kSeedText.
std::string TinyEndpointIr();
// Textual IR of a function_for_foobar_to_call that returns kSeedText.
std::string TinyValueIr();

// Returns `ir` with every kSeedText replaced by `seed` and assembled into
// bitcode; fails (false, with `error`) when the IR does not parse or holds
// no kSeedText.
bool SeededBitcode(const std::string& ir, long long seed, std::string* bitcode,
                   std::string* error);

// Textual IR assembled into bitcode.
bool AssembleBitcode(const std::string& ir, std::string* bitcode,
                     std::string* error);

// Textual IR or bitcode from a file, as bitcode.
bool FileAsBitcode(const std::string& path, std::string* bitcode,
                   std::string* error);

// `count` distinct bitcode modules from the template `ir`, seeds
// `first_seed` up. Exits the process with a message if the template is
// unusable, as this runs before any measurement.
std::vector<std::string> SeededVariants(const std::string& ir, int count,
                                        long long first_seed);

// "tiny" (TinyEndpointIr), "value" (TinyValueIr) or a path to a .ll file.
std::string TemplateIr(const std::string& name);

}  // namespace ru_bench

#endif  // RUNTIME_UPDATER_TESTS_BENCH_BENCH_MODULES_H_
