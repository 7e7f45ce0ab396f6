// Runtime: the versions of each function, from upload to live code and
// back from the store. Calls are in runtime_calls.cc, reports in
// runtime_info.cc.

#include <cctype>
#include <chrono>

#include "jit/call_guard.h"
#include "jit/compile_helper.h"
#include "jit/static_destructors.h"
#include "jit/trial_run.h"
#include "jit/fault_injection.h"
#include "jit/offered_symbols.h"
#include "jit/runtime_impl.h"
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

const FunctionSignature kEndpointSignature = {
    "i32(ptr,ptr)", "int (const ru_args *, ru_json *)"};
const FunctionSignature kValueSignature = {"i64()", "int64_t (void)"};

using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Sha256Hex(std::string_view bytes) {
  auto digest = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return llvm::toHex(digest, /*LowerCase=*/true);
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
  offered_["__ru_pinned_target"] = reinterpret_cast<void*>(&RuPinnedTarget);

  if (options_.compile_in_process) {
    auto compiler_or_err = ObjectCompiler::Create(options_.codegen_opt_level);
    if (!compiler_or_err) {
      return ToStatus(compiler_or_err.takeError(), "cannot set up LLVM");
    }
    compiler_ = std::move(*compiler_or_err);
  } else {
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
  status = AddSlot("function_for_foobar_to_call", kValueSignature, false,
                   reinterpret_cast<void*>(&BuiltinFunctionForFoobarToCall),
                   &added);
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
                              const FunctionSignature& signature,
                              bool endpoint, void* builtin, Slot** added) {
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
  auto index = std::make_unique<SlotIndex>(current != nullptr ? *current
                                                              : SlotIndex());
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

void Runtime::Impl::UnloadLocked(const LoadedCode& code) {
  // Destructors first, under the guard: they are uploaded code too.
  GuardOutcome outcome;
  if (code.fini != nullptr) {
    GuardedVoidCall(reinterpret_cast<void (*)(void*)>(code.fini), nullptr,
                    &outcome);
  }
  if (code.dso_handle != nullptr) {
    for (const Destructor& destructor :
         TakeStaticDestructors(code.dso_handle)) {
      GuardOutcome each;
      GuardedVoidCall(destructor.first, destructor.second, &each);
    }
  }
  if (auto error = engine_->Unload(code)) {
    // The code stays mapped; that costs memory, not correctness.
    llvm::consumeError(std::move(error));
  }
}

llvm::Expected<LoadedCode> Runtime::Impl::Compile(const Slot& slot,
                                                  int number,
                                                  std::string_view bytes) {
  CompileSpec spec;
  spec.function = slot.name;
  spec.signature = slot.signature;
  spec.max_global_bytes = options_.max_global_bytes;
  for (const auto& entry : offered_) spec.offered.insert(entry.first);
  CompiledObject object;
  if (auto error = compiler_->Compile(
          llvm::StringRef(bytes.data(), bytes.size()), spec, &object)) {
    return std::move(error);
  }

  auto code_or_err = engine_->Load(object, slot.name, Tag(slot, number));
  if (!code_or_err) return code_or_err.takeError();
  if (code_or_err->init != nullptr) {
    GuardOutcome outcome;
    if (!GuardedVoidCall(reinterpret_cast<void (*)(void*)>(code_or_err->init),
                         nullptr, &outcome)) {
      LoadedCode failed = *code_or_err;
      failed.fini = nullptr;  // Constructors did not finish.
      UnloadLocked(failed);
      return UnprocessableError("a static constructor of the module " +
                                DescribeOutcome(outcome));
    }
  }
  return code_or_err;
}

void* Runtime::Impl::Target(const Slot& slot, int number) const {
  return number == 0 ? slot.builtin : slot.versions[number - 1].code.address;
}

void Runtime::Impl::SwitchStub(Slot& slot, int number) {
  if (!slot.trampolined) {
    if (auto error = engine_->Retarget(slot.name, Target(slot, number))) {
      // The local stubs manager only fails for an unknown name, and every
      // slot has its stub.
      llvm::consumeError(std::move(error));
    }
  }
  PublishTable({{&slot, number}});
  slot.live.store(number, std::memory_order_release);
}

void Runtime::Impl::Touch(Slot& slot, int number) {
  slot.resident.remove(number);
  slot.resident.push_back(number);
}

void Runtime::Impl::EvictBeyondLimit(Slot& slot) {
  size_t limit = std::max(1, options_.resident_versions);
  int live = slot.live.load(std::memory_order_relaxed);
  for (auto it = slot.resident.begin();
       slot.resident.size() > limit && it != slot.resident.end();) {
    if (*it == live) {
      ++it;
      continue;
    }
    Version& old = slot.versions[*it - 1];
    reclaimer_->Retire(old.code);
    old.code = LoadedCode();
    it = slot.resident.erase(it);
  }
}

Status Runtime::Impl::EnsureResident(Slot& slot, int number,
                                     bool* recompiled) {
  *recompiled = false;
  if (number == 0) return Status::Ok();
  if (slot.versions[number - 1].code.dylib == nullptr) {
    std::string bytes;
    Status status = store_->ReadBytes(slot.name, number, &bytes);
    if (!status.ok()) return status;
    if (Sha256Hex(bytes) != slot.versions[number - 1].record.sha256) {
      return Status::Internal("the stored bytes of version " +
                              std::to_string(number) +
                              " do not match their sha256");
    }
    auto code_or_err = Compile(slot, number, bytes);
    if (!code_or_err) return ToStatus(code_or_err.takeError(), "recompiling");
    slot.versions[number - 1].code = *code_or_err;
    *recompiled = true;
  }
  Touch(slot, number);
  return Status::Ok();
}

Status Runtime::Impl::MakeLive(
    const std::vector<std::pair<Slot*, int>>& changes) {
  Status status;
  if (changes.size() == 1) {
    status = store_->SetLive(changes[0].first->name, changes[0].second);
  } else {
    std::vector<std::pair<std::string, int>> lives;
    for (const auto& [slot, number] : changes) {
      lives.emplace_back(slot->name, number);
    }
    status = store_->SetLiveMany(lives);
  }
  if (!status.ok()) return status;

  if (changes.size() == 1) {
    SwitchStub(*changes[0].first, changes[0].second);
  } else {
    // Members switch together: their stubs lead to trampolines, and one
    // table holds all their new targets.
    for (const auto& change : changes) {
      status = EnsureTrampoline(*change.first);
      if (!status.ok()) return status;
    }
    PublishTable(changes);
    for (const auto& [slot, number] : changes) {
      slot->live.store(number, std::memory_order_release);
    }
  }
  for (const auto& change : changes) EvictBeyondLimit(*change.first);
  return Status::Ok();
}

Status Runtime::Impl::Activate(Slot& slot, int number, bool* recompiled) {
  Status status = EnsureResident(slot, number, recompiled);
  if (!status.ok()) return status;
  return MakeLive({{&slot, number}});
}

Status Runtime::Impl::Update(const UpdateRequest& request,
                             UpdateResult* result) {
  Clock::time_point start = Clock::now();
  std::lock_guard<std::mutex> lock(update_mutex_);
  if (!request.more_functions.empty()) return UpdateSet(request, result);
  Slot* slot = FindSlot(request.function);
  // A new name, or one removed before: the upload (re)creates an endpoint
  // function, once it has compiled.
  bool creating = slot == nullptr;
  bool reviving = slot != nullptr && slot->removed.load();
  if (creating) {
    Status status = CheckNewName(request.function);
    if (!status.ok()) return status;
  }
  Slot pending;
  if (creating) {
    pending.name = request.function;
    pending.signature = kEndpointSignature;
    pending.endpoint = true;
    pending.index = static_cast<uint32_t>(slots_by_index_.size());
  }
  const Slot& target = creating ? pending : *slot;

  result->sha256 = Sha256Hex(request.bytes);
  result->dry_run = request.dry_run;
  result->created = false;

  result->function = target.name;
  // The same bytes as an existing version: that version, not a new one.
  for (const Version& version : target.versions) {
    if (reviving || version.record.sha256 != result->sha256) continue;
    result->version = version.record.number;
    if (request.dry_run ||
        version.record.number == slot->live.load(std::memory_order_relaxed)) {
      result->compile_ms = MillisecondsSince(start);
      return Status::Ok();
    }
    bool recompiled;
    Status status = Activate(*slot, version.record.number, &recompiled);
    result->compile_ms = MillisecondsSince(start);
    return status;
  }

  int number = static_cast<int>(target.versions.size()) + 1;
  auto code_or_err = Compile(target, number, request.bytes);
  if (!code_or_err) return ToStatus(code_or_err.takeError(), "compiling");
  VersionRecord record;
  record.number = number;
  record.sha256 = result->sha256;
  record.size = request.bytes.size();
  record.created_unix_ms = UnixMillisNow();
  record.message = request.message;
  if (request.probe) {
    Status trial = TrialRun(code_or_err->address, target.endpoint,
                            request.probe_params, options_.probe_timeout_ms);
    if (!trial.ok()) {
      UnloadLocked(*code_or_err);
      return trial;
    }
  }
  record.compile_ms = MillisecondsSince(start);
  result->version = record.number;
  result->compile_ms = record.compile_ms;
  if (request.dry_run) {
    UnloadLocked(*code_or_err);
    return Status::Ok();
  }

  // Durable first: a 200 must never be sent for a version a crash could
  // lose.
  Status status;
  if (creating) {
    status = CreateFunction(request.function, &slot);
  } else if (reviving) {
    status = store_->SetFunctionState(slot->name, false);
  }
  if (!status.ok()) {
    UnloadLocked(*code_or_err);
    return status;
  }
  if (reviving) slot->removed.store(false);
  status = store_->AddVersion(
      slot->name, record, std::string(request.bytes.data(),
                                       request.bytes.size()));
  if (!status.ok()) {
    UnloadLocked(*code_or_err);
    return status;
  }
  slot->versions.push_back(Version{record, *code_or_err});
  result->created = true;
  FaultPoint("update.recorded");
  bool recompiled;
  status = Activate(*slot, record.number, &recompiled);
  if (status.ok()) FaultPoint("update.live");
  return status;
}

Status Runtime::Impl::Rollback(const std::string& function, int version,
                               RollbackResult* result) {
  Slot* slot = FindSlot(function);
  if (slot == nullptr || slot->removed.load()) return UnknownFunction(function);
  Clock::time_point start = Clock::now();
  std::lock_guard<std::mutex> lock(update_mutex_);

  int live = slot->live.load(std::memory_order_relaxed);
  int target = version;
  if (version < 0) {
    if (live == 0) {
      return Status::Conflict("nothing to roll back to: " + slot->name +
                              " runs its built-in version");
    }
    // For a version made by a set update, UndoSet below decides.
    target = live - 1;
  } else if (version > static_cast<int>(slot->versions.size())) {
    return Status::NotFound(slot->name + " has no version " +
                            std::to_string(version) + "; the newest is " +
                            std::to_string(slot->versions.size()));
  } else if (version == live) {
    return Status::Conflict("version " + std::to_string(version) + " of " +
                            slot->name + " is already live");
  }
  if (target > 0 && slot->versions[target - 1].record.sha256.empty()) {
    return Status::Conflict("version " + std::to_string(target) + " of " +
                            slot->name + " is missing from the state "
                            "directory");
  }

  result->function = slot->name;
  result->from = live;
  result->to = target;
  // A version made by an update of several functions: the others go back
  // with it.
  std::vector<std::pair<Slot*, int>> changes =
      UndoSet(*slot, version < 0 ? -1 : target);
  Status status;
  if (changes.empty()) {
    status = Activate(*slot, target, &result->recompiled);
  } else {
    for (const auto& [member, number] : changes) {
      bool recompiled = false;
      status = EnsureResident(*member, number, &recompiled);
      if (!status.ok()) break;
      if (member == slot) {
        result->to = number;
        result->recompiled = recompiled;
      }
    }
    if (status.ok()) status = MakeLive(changes);
  }
  result->ms = MillisecondsSince(start);
  if (status.ok()) FaultPoint("rollback.live");
  return status;
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
