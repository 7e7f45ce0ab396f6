#include "tests/bench/bench_modules.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "llvm/AsmParser/Parser.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace ru_bench {
namespace {

std::string ToBitcode(const llvm::Module& module) {
  std::string bitcode;
  llvm::raw_string_ostream stream(bitcode);
  llvm::WriteBitcodeToFile(module, stream);
  stream.flush();
  return bitcode;
}

std::string Describe(const llvm::SMDiagnostic& diagnostic) {
  std::string text;
  llvm::raw_string_ostream stream(text);
  diagnostic.print("", stream);
  return stream.str();
}

}  // namespace

std::string TinyEndpointIr() {
  return std::string(
             "declare void @ru_json_int(ptr, i64)\n"
             "define i32 @foobar(ptr %args, ptr %out) {\n"
             "  call void @ru_json_int(ptr %out, i64 ") +
         kSeedText +
         ")\n"
         "  ret i32 0\n"
         "}\n";
}

std::string TinyValueIr() {
  return std::string(
             "define i64 @function_for_foobar_to_call() {\n"
             "  ret i64 ") +
         kSeedText +
         "\n"
         "}\n";
}

bool SeededBitcode(const std::string& ir, long long seed, std::string* bitcode,
                   std::string* error) {
  std::string text = ir;
  std::string replacement = std::to_string(seed);
  size_t replaced = 0;
  for (size_t at = text.find(kSeedText); at != std::string::npos;
       at = text.find(kSeedText, at + replacement.size())) {
    text.replace(at, sizeof(kSeedText) - 1, replacement);
    ++replaced;
  }
  if (replaced == 0) {
    *error = std::string("the template does not contain ") + kSeedText;
    return false;
  }

  return AssembleBitcode(text, bitcode, error);
}

bool AssembleBitcode(const std::string& ir, std::string* bitcode,
                     std::string* error) {
  llvm::LLVMContext context;
  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> module =
      llvm::parseAssemblyString(ir, diagnostic, context);
  if (module == nullptr) {
    *error = Describe(diagnostic);
    return false;
  }
  *bitcode = ToBitcode(*module);
  return true;
}

bool FileAsBitcode(const std::string& path, std::string* bitcode,
                   std::string* error) {
  llvm::LLVMContext context;
  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> module =
      llvm::parseIRFile(path, diagnostic, context);
  if (module == nullptr) {
    *error = path + ": " + Describe(diagnostic);
    return false;
  }
  *bitcode = ToBitcode(*module);
  return true;
}

std::vector<std::string> SeededVariants(const std::string& ir, int count,
                                        long long first_seed) {
  std::vector<std::string> variants;
  variants.reserve(count);
  for (int i = 0; i < count; ++i) {
    std::string bitcode;
    std::string error;
    if (!SeededBitcode(ir, first_seed + i, &bitcode, &error)) {
      std::fprintf(stderr, "cannot make upload variants: %s\n", error.c_str());
      std::exit(2);
    }
    variants.push_back(std::move(bitcode));
  }
  return variants;
}

std::string TemplateIr(const std::string& name) {
  if (name == "tiny") return TinyEndpointIr();
  if (name == "value") return TinyValueIr();
  std::ifstream file(name);
  if (!file) {
    std::fprintf(stderr, "cannot read template %s\n", name.c_str());
    std::exit(2);
  }
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace ru_bench
