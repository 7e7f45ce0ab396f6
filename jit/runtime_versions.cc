// Runtime: the versions of each function, from upload to live code and
// back from the store: compile, make resident, make live, roll back.

#include <future>

#include "jit/call_guard.h"
#include "jit/fault_injection.h"
#include "jit/runtime_impl.h"
#include "jit/static_destructors.h"
#include "jit/trial_run.h"
#include "jit/upload_error.h"

namespace ru {

void Runtime::Impl::DiscardLocked(const LoadedCode& code) {
  // Never live, so its destructors were never tried (or failed their
  // trial): they are dropped, not run.
  LoadedCode discarded = code;
  discarded.fini = nullptr;
  if (code.dso_handle != nullptr) TakeStaticDestructors(code.dso_handle);
  discarded.dso_handle = nullptr;
  UnloadLocked(discarded);
}

void Runtime::Impl::UnloadLocked(const LoadedCode& code) {
  // Destructors first, under the guard: they are uploaded code too. One
  // that fails is reported; the rest still run.
  auto report = [this](const GuardOutcome& outcome) {
    if (options_.report_warning == nullptr) return;
    std::string message =
        "a static destructor of a dropped version " + DescribeOutcome(outcome);
    options_.report_warning(message.c_str());
  };
  GuardOutcome outcome;
  if (code.fini != nullptr &&
      !GuardedVoidCall(reinterpret_cast<void (*)(void*)>(code.fini), nullptr,
                       &outcome)) {
    report(outcome);
  }
  if (code.dso_handle != nullptr) {
    for (const Destructor& destructor :
         TakeStaticDestructors(code.dso_handle)) {
      GuardOutcome each;
      if (!GuardedVoidCall(destructor.first, destructor.second, &each)) {
        report(each);
      }
    }
  }
  if (auto error = engine_->Unload(code)) {
    // The code stays mapped; that costs memory, not correctness.
    llvm::consumeError(std::move(error));
  }
}

llvm::Expected<LoadedCode> Runtime::Impl::Compile(const Slot& slot, int number,
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
      DiscardLocked(*code_or_err);  // Constructors did not finish.
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

Status Runtime::Impl::EnsureResident(Slot& slot, int number, bool* recompiled) {
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

  for (const auto& [slot, number] : changes) {
    int was = slot->live.load(std::memory_order_relaxed);
    if (was != number) slot->previous_live = was;
  }
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
  // The same bytes as an existing version: that version, not a new one,
  // after the same trial run a new one would get (also when it failed
  // while live before: it keeps that mark).
  for (const Version& version : target.versions) {
    if (reviving || version.record.sha256 != result->sha256) continue;
    int existing = version.record.number;
    result->version = existing;
    if (existing == slot->live.load(std::memory_order_relaxed)) {
      result->compile_ms = MillisecondsSince(start);
      return Status::Ok();
    }
    bool recompiled;
    Status status = EnsureResident(*slot, existing, &recompiled);
    Version& again = slot->versions[existing - 1];
    bool tried = again.tried && again.tried_with == request.probe_params &&
                 again.record.fault.empty();
    if (status.ok() && request.probe && !tried) {
      Clock::time_point stage = Clock::now();
      status = TrialRun(again.code, slot->endpoint, request.probe_params,
                        options_.probe_timeout_ms);
      result->trial_ms = MillisecondsSince(stage);
      if (status.ok()) {
        again.tried = true;
        again.tried_with = request.probe_params;
      }
    }
    if (status.ok() && !request.dry_run) {
      status = MakeLive({{slot, existing}});
    }
    result->compile_ms = MillisecondsSince(start);
    return status;
  }

  int number = static_cast<int>(target.versions.size()) + 1;
  // The bytes are stored while they compile. A function that does not
  // exist yet gets its directory only once the upload is accepted.
  std::string bytes(request.bytes.data(), request.bytes.size());
  std::future<Status> bytes_written;
  if (!creating && !request.dry_run) {
    bytes_written = std::async(std::launch::async, [&] {
      return store_->WriteBytes(target.name, number, bytes);
    });
  }
  Clock::time_point stage = Clock::now();
  auto code_or_err = Compile(target, number, request.bytes);
  if (!code_or_err) return ToStatus(code_or_err.takeError(), "compiling");
  result->compile_stage_ms = MillisecondsSince(stage);
  VersionRecord record;
  record.number = number;
  record.sha256 = result->sha256;
  record.size = request.bytes.size();
  record.created_unix_ms = UnixMillisNow();
  record.message = request.message;
  if (request.probe) {
    stage = Clock::now();
    Status trial = TrialRun(*code_or_err, target.endpoint, request.probe_params,
                            options_.probe_timeout_ms);
    result->trial_ms = MillisecondsSince(stage);
    if (!trial.ok()) {
      DiscardLocked(*code_or_err);
      return trial;
    }
  }
  record.compile_ms = MillisecondsSince(start);
  result->version = record.number;
  result->compile_ms = record.compile_ms;
  if (request.dry_run) {
    DiscardLocked(*code_or_err);
    return Status::Ok();
  }

  // Durable first: a 200 must never be sent for a version a crash could
  // lose.
  stage = Clock::now();
  Status status;
  if (creating) {
    status = CreateFunction(request.function, &slot);
  } else if (reviving) {
    status = store_->SetFunctionState(slot->name, false);
  }
  if (!status.ok()) {
    DiscardLocked(*code_or_err);
    return status;
  }
  if (reviving) slot->removed.store(false);
  status = bytes_written.valid()
               ? bytes_written.get()
               : store_->WriteBytes(slot->name, number, bytes);
  if (status.ok()) status = store_->AddRecord(slot->name, record);
  if (!status.ok()) {
    DiscardLocked(*code_or_err);
    return status;
  }
  slot->versions.push_back(
      Version{record, *code_or_err, request.probe, request.probe_params});
  result->created = true;
  result->store_ms = MillisecondsSince(stage);
  FaultPoint("update.recorded");
  stage = Clock::now();
  bool recompiled;
  status = Activate(*slot, record.number, &recompiled);
  result->switch_ms = MillisecondsSince(stage);
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
                            slot->name +
                            " is missing from the state "
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

}  // namespace ru
