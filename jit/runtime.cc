#include "jit/runtime.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>

#include "jit/call_frame.h"
#include "jit/code_epoch.h"
#include "jit/code_reclaimer.h"
#include "jit/engine.h"
#include "jit/module_checker.h"
#include "jit/offered_symbols.h"
#include "jit/updateable.h"
#include "jit/upload_error.h"
#include "jit/upload_reader.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/TargetSelect.h"

namespace ru {
namespace {

// The versions every function has before its first update.
int BuiltinFoobar(const ru_args*, ru_json*) { return 0; }
int64_t BuiltinFunctionForFoobarToCall() { return 1; }

using EndpointFn = int (*)(const ru_args*, ru_json*);

const FunctionSignature kEndpointSignature = {
    "i32(ptr,ptr)", "int (const ru_args *, ru_json *)"};
const FunctionSignature kValueSignature = {"i64()", "int64_t (void)"};

struct Version {
  int number = 0;
  std::string sha256;
  size_t size = 0;
  double compile_ms = 0;
  LoadedCode code;  // Empty once the machine code has been freed.
};

// One updatable function: its stub and its versions.
struct Slot {
  std::string name;
  FunctionSignature signature;
  bool endpoint = false;
  void* stub = nullptr;
  std::vector<Version> versions;    // Guarded by the update mutex.
  std::deque<int> resident;         // Version numbers with code loaded.
  std::atomic<int> live_version{0};  // 0: the built-in one.
};

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

class Runtime::Impl {
 public:
  explicit Impl(const RuntimeOptions& options) : options_(options) {}

  Status Init();
  Status Update(const std::string& function, std::string_view bytes,
                UpdateResult* result);
  Status CallEndpoint(const std::string& function, QueryParams params,
                      EndpointResult* result);
  std::vector<std::string> FunctionNames() const;

  ~Impl() {
    // The reclaimer unloads through the engine, so it stops first.
    reclaimer_.reset();
  }

 private:
  Status AddSlot(const std::string& name, const FunctionSignature& signature,
                 bool endpoint, void* builtin);
  // Frees `code` now. Requires update_mutex_.
  void UnloadLocked(const LoadedCode& code);

  RuntimeOptions options_;
  std::unique_ptr<Engine> engine_;
  std::map<std::string, void*> offered_;
  // Slots are created during Init and never removed, so lookups need no
  // lock; their version lists are guarded by update_mutex_.
  std::map<std::string, std::unique_ptr<Slot>> slots_;
  std::mutex update_mutex_;
  std::unique_ptr<CodeReclaimer> reclaimer_;
};

Status Runtime::Impl::Init() {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  std::vector<std::string> missing;
  offered_ = CollectOfferedSymbols(options_.extra_symbols, &missing);

  auto level = static_cast<llvm::CodeGenOptLevel>(
      std::clamp(options_.codegen_opt_level, 0, 3));
  auto engine_or_err = Engine::Create(offered_, level);
  if (!engine_or_err) {
    return ToStatus(engine_or_err.takeError(), "cannot start the JIT");
  }
  engine_ = std::move(*engine_or_err);

  Status status = AddSlot("foobar", kEndpointSignature, true,
                          reinterpret_cast<void*>(&BuiltinFoobar));
  if (!status.ok()) return status;
  status = AddSlot("function_for_foobar_to_call", kValueSignature, false,
                   reinterpret_cast<void*>(&BuiltinFunctionForFoobarToCall));
  if (!status.ok()) return status;

  reclaimer_ = std::make_unique<CodeReclaimer>(
      [this](const LoadedCode& code) {
        std::lock_guard<std::mutex> lock(update_mutex_);
        UnloadLocked(code);
      });
  return Status::Ok();
}

Status Runtime::Impl::AddSlot(const std::string& name,
                              const FunctionSignature& signature,
                              bool endpoint, void* builtin) {
  auto slot = std::make_unique<Slot>();
  slot->name = name;
  slot->signature = signature;
  slot->endpoint = endpoint;
  auto stub_or_err = engine_->AddStub(name, builtin);
  if (!stub_or_err) {
    return ToStatus(stub_or_err.takeError(), "cannot create stub " + name);
  }
  slot->stub = *stub_or_err;
  offered_[name] = slot->stub;
  slots_[name] = std::move(slot);
  return Status::Ok();
}

void Runtime::Impl::UnloadLocked(const LoadedCode& code) {
  if (auto error = engine_->Unload(code)) {
    // The code stays mapped; that costs memory, not correctness.
    llvm::consumeError(std::move(error));
  }
}

std::vector<std::string> Runtime::Impl::FunctionNames() const {
  std::vector<std::string> names;
  for (const auto& entry : slots_) names.push_back(entry.first);
  return names;
}

Status Runtime::Impl::Update(const std::string& function,
                             std::string_view bytes, UpdateResult* result) {
  auto it = slots_.find(function);
  if (it == slots_.end()) {
    std::string known;
    for (const auto& entry : slots_) {
      known += (known.empty() ? "" : ", ") + entry.first;
    }
    return Status::NotFound("unknown function '" +
                            SanitizeForClient(function, 100) +
                            "'; updatable functions: " + known);
  }
  Slot& slot = *it->second;
  auto start = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(update_mutex_);

  auto context = std::make_unique<llvm::LLVMContext>();
  auto diagnostics = std::make_shared<std::string>();
  CaptureDiagnostics(*context, diagnostics);
  llvm::StringRef data(bytes.data(), bytes.size());
  auto module_or_err = ReadUpload(data, *context);
  if (!module_or_err) {
    return ToStatus(module_or_err.takeError(), "reading the upload");
  }

  ModuleRequirements requirements;
  requirements.function = slot.name;
  requirements.signature = slot.signature;
  requirements.triple = engine_->triple();
  requirements.data_layout = engine_->data_layout();
  requirements.is_offered = [this](llvm::StringRef name) {
    return offered_.count(name.str()) > 0;
  };
  requirements.max_global_bytes = options_.max_global_bytes;
  if (auto error = CheckModule(**module_or_err, requirements)) {
    return ToStatus(std::move(error), "checking the upload");
  }

  auto code_or_err = engine_->Load(
      llvm::orc::ThreadSafeModule(std::move(*module_or_err),
                                  std::move(context)),
      slot.name);
  if (!code_or_err) return ToStatus(code_or_err.takeError(), "compiling");
  if (!diagnostics->empty()) {
    UnloadLocked(*code_or_err);
    return Status::Unprocessable("code generation failed: " +
                                 SanitizeForClient(*diagnostics));
  }

  if (auto error = engine_->Retarget(slot.name, code_or_err->address)) {
    UnloadLocked(*code_or_err);
    return ToStatus(std::move(error), "switching the stub");
  }

  Version version;
  version.number = slot.versions.empty() ? 1 : slot.versions.back().number + 1;
  auto digest = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  version.sha256 = llvm::toHex(digest, /*LowerCase=*/true);
  version.size = bytes.size();
  version.code = *code_or_err;
  version.compile_ms = MillisecondsSince(start);
  slot.versions.push_back(version);
  slot.live_version.store(version.number, std::memory_order_release);

  // Keep the newest few versions loaded; older code is freed once no call
  // can still be inside it.
  slot.resident.push_back(version.number);
  while (static_cast<int>(slot.resident.size()) >
         std::max(1, options_.resident_versions)) {
    Version& old = slot.versions[slot.resident.front() - 1];
    slot.resident.pop_front();
    reclaimer_->Retire(old.code);
    old.code = LoadedCode();
  }

  result->function = slot.name;
  result->version = version.number;
  result->sha256 = version.sha256;
  result->compile_ms = version.compile_ms;
  return Status::Ok();
}

Status Runtime::Impl::CallEndpoint(const std::string& function,
                                   QueryParams params,
                                   EndpointResult* result) {
  auto it = slots_.find(function);
  if (it == slots_.end() || !it->second->endpoint) {
    return Status::NotFound("no endpoint function '" +
                            SanitizeForClient(function, 100) + "'");
  }
  Slot& slot = *it->second;

  ru_args args{std::move(params)};
  ru_json out;
  int returned;
  {
    CodeReadSection section;
    result->version = slot.live_version.load(std::memory_order_acquire);
    ScopedCallFrame frame(&args, &out);
    returned = reinterpret_cast<EndpointFn>(slot.stub)(&args, &out);
  }
  CallResult call = FinishCall(slot.name.c_str(), returned, &out);
  result->ok = call.ok;
  result->body = std::move(call.body);
  result->error = std::move(call.error);
  return Status::Ok();
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() = default;

Status Runtime::Create(const RuntimeOptions& options,
                       std::unique_ptr<Runtime>* runtime) {
  auto impl = std::make_unique<Impl>(options);
  Status status = impl->Init();
  if (!status.ok()) return status;
  runtime->reset(new Runtime(std::move(impl)));
  return Status::Ok();
}

std::vector<std::string> Runtime::FunctionNames() const {
  return impl_->FunctionNames();
}

Status Runtime::Update(const std::string& function, std::string_view bytes,
                       UpdateResult* result) {
  return impl_->Update(function, bytes, result);
}

Status Runtime::CallEndpoint(const std::string& function, QueryParams params,
                             EndpointResult* result) {
  return impl_->CallEndpoint(function, std::move(params), result);
}

}  // namespace ru
