// Runtime: setting up, the table of functions (created, found, removed),
// restoring from the store, and the public methods. Versions are in
// runtime_versions.cc, calls in runtime_calls.cc, sets in runtime_sets.cc,
// reports in runtime_info.cc.

#include <cctype>
#include <chrono>

#include "jit/call_guard.h"
#include "jit/compile_helper.h"
#include "jit/fault_injection.h"
#include "jit/offered_symbols.h"
#include "jit/runtime_impl.h"
#include "jit/static_destructors.h"
#include "jit/trial_run.h"
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
// What a removed function's stub leads to, for callers that still hold
// its name.
int RemovedEndpoint(const ru_args*, ru_json* out) {
  return ru_fail(out, "this function was removed");
}

}  // namespace

Runtime::Impl::~Impl() {
  // The reclaimer unloads through the engine, so it stops first.
  reclaimer_.reset();
  engine_.reset();
  InstallCallGuard(nullptr, 0);
}

Status Runtime::Impl::Init(std::vector<std::string>* notes) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  ArmFaultPoint(options_.crash_at);
  Status status =
      VersionStore::Open(options_.state_dir, options_.sync_writes, &store_);
  if (!status.ok()) return status;

  std::vector<std::string> missing;
  offered_ = CollectOfferedSymbols(options_.extra_symbols, &missing);
  for (const std::string& name : missing) {
    notes->push_back("offered symbol " + name +
                     " is not defined in this process; uploads cannot use it");
  }

  // C++ uploads register the destructors of their static objects with
  // the runtime, to be run when their version is dropped.
  offered_["__cxa_atexit"] =
      reinterpret_cast<void*>(&RuRegisterStaticDestructor);
  offered_["_ZSt9terminatev"] = reinterpret_cast<void*>(&RuTerminate);
  offered_["__stack_chk_fail"] = reinterpret_cast<void*>(&RuStackSmashed);
  offered_["__ru_pinned_target"] = reinterpret_cast<void*>(&RuPinnedTarget);

  if (options_.compile_in_process) {
    auto compiler_or_err = ObjectCompiler::Create(options_.codegen_opt_level);
    if (!compiler_or_err) {
      return ToStatus(compiler_or_err.takeError(), "cannot set up LLVM");
    }
    compiler_ = std::move(*compiler_or_err);
  } else {
    if (options_.helper_executable.empty()) {
      return Status::Internal(
          "no compile helper binary given (RuntimeOptions::helper_executable)");
    }
    HelperLimits limits;
    limits.memory_mb = options_.helper_memory_mb;
    limits.timeout_ms = options_.helper_timeout_ms;
    auto helper = std::make_unique<CompileHelper>(
        options_.helper_executable, options_.codegen_opt_level, limits);
    if (auto error = helper->Start()) {
      return ToStatus(std::move(error), "cannot start the compile helper");
    }
    compiler_ = std::move(helper);
  }

  code_map_ = std::make_unique<CodeMap>();
  InstallCallGuard(code_map_.get(), options_.call_timeout_ms);
  SetUnsafeInterruptReporter(options_.report_warning);
  auto engine_or_err = Engine::Create(offered_, code_map_.get());
  if (!engine_or_err) {
    return ToStatus(engine_or_err.takeError(), "cannot start the JIT");
  }
  engine_ = std::move(*engine_or_err);

  reclaimer_ = std::make_unique<CodeReclaimer>([this](const LoadedCode& code) {
    std::lock_guard<std::mutex> lock(update_mutex_);
    UnloadLocked(code);
  });

  std::lock_guard<std::mutex> lock(update_mutex_);
  Slot* added;
  status = AddSlot("foobar", kEndpointSignature, true,
                   reinterpret_cast<void*>(&BuiltinFoobar), &added);
  if (!status.ok()) return status;
  status =
      AddSlot("function_for_foobar_to_call", kValueSignature, false,
              reinterpret_cast<void*>(&BuiltinFunctionForFoobarToCall), &added);
  if (!status.ok()) return status;

  // Functions created by uploads first, so that any restored version can
  // call any of them.
  for (const auto& [name, stored] : store_->functions()) {
    if (!stored.created_at_run_time || FindSlot(name) != nullptr) continue;
    status = AddSlot(name, kEndpointSignature, true,
                     reinterpret_cast<void*>(&RemovedEndpoint), &added);
    if (!status.ok()) return status;
    added->created_at_run_time = true;
    added->removed.store(stored.removed);
  }
  for (const auto& [name, stored] : store_->functions()) {
    Slot* slot = FindSlot(name);
    if (slot == nullptr) {
      notes->push_back("state directory holds versions of " + name +
                       ", which is not an updatable function; ignored");
      continue;
    }
    if (slot->removed.load()) {
      notes->push_back(name + " was removed; its history is kept");
      for (const VersionRecord& record : stored.versions) {
        slot->versions.push_back(Version{record, LoadedCode()});
      }
      continue;
    }
    Restore(*slot, stored, notes);
  }
  return Status::Ok();
}

void Runtime::Impl::Restore(Slot& slot, const StoredFunction& stored,
                            std::vector<std::string>* notes) {
  for (const VersionRecord& record : stored.versions) {
    // Numbers must be dense; a gap (a damaged record) keeps a placeholder
    // that can never be activated.
    while (static_cast<int>(slot.versions.size()) + 1 < record.number) {
      Version missing;
      missing.record.number = static_cast<int>(slot.versions.size()) + 1;
      missing.record.fault = "record missing or damaged in the state directory";
      slot.versions.push_back(missing);
    }
    if (static_cast<int>(slot.versions.size()) + 1 == record.number) {
      slot.versions.push_back(Version{record, LoadedCode()});
    }
  }

  int wanted = std::min<int>(stored.live, slot.versions.size());
  for (int number = wanted; number > 0; --number) {
    bool recompiled = false;
    Status status = slot.versions[number - 1].record.sha256.empty()
                        ? Status::Internal("the version's record is missing")
                        : Activate(slot, number, &recompiled);
    if (status.ok()) {
      slot.previous_live = -1;  // What was live before the restart is unknown.
      notes->push_back("restored " + slot.name + " version " +
                       std::to_string(number) + " of " +
                       std::to_string(slot.versions.size()));
      return;
    }
    notes->push_back("stored version " + std::to_string(number) + " of " +
                     slot.name + " does not load (" + status.message() +
                     "); trying its predecessor");
  }
  if (wanted > 0) {
    notes->push_back(slot.name + " runs its built-in version");
    if (Status status = store_->SetLive(slot.name, 0); !status.ok()) {
      notes->push_back("cannot record that: " + status.message());
    }
  }
}

Status Runtime::Impl::AddSlot(const std::string& name,
                              const FunctionSignature& signature, bool endpoint,
                              void* builtin, Slot** added) {
  auto slot = std::make_unique<Slot>();
  slot->name = name;
  slot->signature = signature;
  slot->endpoint = endpoint;
  slot->builtin = builtin;
  slot->index = static_cast<uint32_t>(slots_by_index_.size());
  auto stub_or_err = engine_->AddStub(name, builtin);
  if (!stub_or_err) {
    return ToStatus(stub_or_err.takeError(), "cannot create stub " + name);
  }
  slot->stub = *stub_or_err;
  offered_[name] = slot->stub;

  // Publish a new index with the slot in it.
  const SlotIndex* current = index_.load(std::memory_order_acquire);
  auto index =
      std::make_unique<SlotIndex>(current != nullptr ? *current : SlotIndex());
  (*index)[name] = slot.get();
  index_.store(index.get(), std::memory_order_release);
  indexes_.push_back(std::move(index));
  *added = slot.get();
  slots_by_index_.push_back(std::move(slot));
  PublishTable({{*added, 0}});
  return Status::Ok();
}

Slot* Runtime::Impl::FindSlot(const std::string& name) const {
  const SlotIndex* index = index_.load(std::memory_order_acquire);
  if (index == nullptr) return nullptr;
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

Status Runtime::Impl::CheckNewName(const std::string& name) const {
  bool identifier = !name.empty() && name.size() <= 64 &&
                    !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      identifier = false;
    }
  }
  if (!identifier) {
    return Status::BadInput(
        "'" + SanitizeForClient(name, 80) +
        "' is not a valid function name: use a C identifier (letters, "
        "digits and '_', not starting with a digit, at most 64 characters)");
  }
  if (offered_.count(name) > 0 || name.rfind("__", 0) == 0 ||
      name.rfind("ru_", 0) == 0 || IsOfferedLibraryPattern(name)) {
    return Status::Conflict("'" + name +
                            "' is the name of a function the server offers "
                            "to uploads; choose another");
  }
  return Status::Ok();
}

Status Runtime::Impl::CreateFunction(const std::string& name, Slot** slot) {
  Status status = store_->SetFunctionState(name, false);
  if (!status.ok()) return status;
  status = AddSlot(name, kEndpointSignature, true,
                   reinterpret_cast<void*>(&RemovedEndpoint), slot);
  if (status.ok()) (*slot)->created_at_run_time = true;
  return status;
}

Status Runtime::Impl::RemoveFunction(const std::string& function) {
  Slot* slot = FindSlot(function);
  if (slot == nullptr || slot->removed.load()) {
    return UnknownFunction(function);
  }
  if (!slot->created_at_run_time) {
    return Status::Conflict(slot->name +
                            " is one of the server's own functions and "
                            "cannot be removed; roll it back instead");
  }
  std::lock_guard<std::mutex> lock(update_mutex_);
  Status status = store_->SetFunctionState(slot->name, true);
  if (status.ok()) status = store_->SetLive(slot->name, 0);
  if (!status.ok()) return status;
  slot->removed.store(true);
  SwitchStub(*slot, 0);
  for (int number : slot->resident) {
    reclaimer_->Retire(slot->versions[number - 1].code);
    slot->versions[number - 1].code = LoadedCode();
  }
  slot->resident.clear();
  return status;
}

Status Runtime::Impl::UnknownFunction(const std::string& name) const {
  std::string known;
  if (const SlotIndex* index = index_.load(std::memory_order_acquire)) {
    for (const auto& [known_name, slot] : *index) {
      if (slot->removed.load()) continue;
      known += (known.empty() ? "" : ", ") + known_name;
    }
  }
  return Status::NotFound("unknown function '" + SanitizeForClient(name, 100) +
                          "'; updatable functions: " + known);
}

int RunCompileHelperProcess(int fd, int opt_level, int64_t memory_mb,
                            int64_t timeout_ms) {
  return RunCompileHelper(fd, opt_level, memory_mb, timeout_ms);
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() = default;

Status Runtime::Create(const RuntimeOptions& options,
                       std::unique_ptr<Runtime>* runtime,
                       std::vector<std::string>* notes) {
  auto impl = std::make_unique<Impl>(options);
  Status status = impl->Init(notes);
  if (!status.ok()) return status;
  runtime->reset(new Runtime(std::move(impl)));
  return Status::Ok();
}

std::vector<std::string> Runtime::FunctionNames() const {
  std::vector<std::string> names;
  for (const FunctionInfo& info : impl_->DescribeFunctions()) {
    names.push_back(info.name);
  }
  return names;
}

Status Runtime::Update(const UpdateRequest& request, UpdateResult* result) {
  return impl_->Update(request, result);
}

Status Runtime::RemoveFunction(const std::string& function) {
  return impl_->RemoveFunction(function);
}

Status Runtime::Rollback(const std::string& function, int version,
                         RollbackResult* result) {
  return impl_->Rollback(function, version, result);
}

Status Runtime::CallEndpoint(const std::string& function, QueryParams params,
                             EndpointResult* result) {
  return impl_->CallEndpoint(function, std::move(params), result);
}

uint64_t Runtime::ResidentCodeBytes() const {
  return impl_->ResidentCodeBytes();
}

std::vector<FunctionInfo> Runtime::DescribeFunctions() const {
  return impl_->DescribeFunctions();
}

Status Runtime::DescribeFunction(const std::string& function,
                                 FunctionInfo* info) const {
  return impl_->DescribeFunction(function, info);
}

Status Runtime::VersionBytes(const std::string& function, int version,
                             std::string* bytes) const {
  return impl_->VersionBytes(function, version, bytes);
}

}  // namespace ru
