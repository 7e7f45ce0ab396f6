// Runtime: several functions updated as one set, switched together and
// undone together; the live table and trampolines that make a request see
// all old or all new versions of a set (live_table.h).

#include <chrono>
#include <set>

#include "jit/fault_injection.h"
#include "jit/runtime_impl.h"
#include "jit/trial_run.h"
#include "jit/upload_error.h"

namespace ru {
namespace {

// Textual IR of the trampoline of slot `index`: fetch the target from the
// pinned table, then jump to it with the caller's arguments.
std::string TrampolineIR(const FunctionSignature& signature, uint32_t index) {
  std::string fetch = "  %t = call ptr @__ru_pinned_target(i32 " +
                      std::to_string(index) + ")\n";
  std::string header = "declare ptr @__ru_pinned_target(i32)\n";
  if (signature.llvm == "i64()") {
    return header + "define i64 @__ru_trampoline() {\n" + fetch +
           "  %r = musttail call i64 %t()\n  ret i64 %r\n}\n";
  }
  return header + "define i32 @__ru_trampoline(ptr %a, ptr %b) {\n" + fetch +
         "  %r = musttail call i32 %t(ptr %a, ptr %b)\n  ret i32 %r\n}\n";
}

std::string Join(const std::vector<std::pair<Slot*, int>>& versions) {
  std::string text;
  for (const auto& [slot, number] : versions) {
    if (!text.empty()) text += ' ';
    text += slot->name + "@" + std::to_string(number);
  }
  return text;
}

}  // namespace

void Runtime::Impl::PublishTable(
    const std::vector<std::pair<Slot*, int>>& changes) {
  const LiveTable* current = current_live_table.load(std::memory_order_acquire);
  auto table = std::make_unique<LiveTable>();
  table->targets.resize(slots_by_index_.size(), nullptr);
  for (size_t i = 0; i < slots_by_index_.size(); ++i) {
    table->targets[i] = current != nullptr && i < current->targets.size()
                            ? current->targets[i]
                            : slots_by_index_[i]->builtin;
  }
  for (const auto& [slot, number] : changes) {
    table->targets[slot->index] = Target(*slot, number);
  }
  current_live_table.store(table.release(), std::memory_order_release);
  if (current != nullptr) {
    reclaimer_->Retire(std::unique_ptr<const LiveTable>(current));
  }
}

Status Runtime::Impl::EnsureTrampoline(Slot& slot) {
  if (slot.trampolined) return Status::Ok();
  if (trusted_compiler_ == nullptr) {
    auto compiler_or_err = ObjectCompiler::Create(options_.codegen_opt_level);
    if (!compiler_or_err) {
      return ToStatus(compiler_or_err.takeError(), "setting up trampolines");
    }
    trusted_compiler_ = std::move(*compiler_or_err);
  }
  CompileSpec spec;
  spec.function = "__ru_trampoline";
  spec.signature = slot.signature;
  spec.max_global_bytes = 0;
  spec.offered = {"__ru_pinned_target"};
  CompiledObject object;
  if (auto error = trusted_compiler_->Compile(
          TrampolineIR(slot.signature, slot.index), spec, &object)) {
    return ToStatus(std::move(error), "compiling a trampoline");
  }
  auto code_or_err = engine_->Load(object, "__ru_trampoline", Tag(slot, 0));
  if (!code_or_err) return ToStatus(code_or_err.takeError(), "trampoline");
  // The table already leads where the stub does, so this changes nothing
  // for calls until the next table is published.
  PublishTable({{&slot, slot.live.load(std::memory_order_relaxed)}});
  if (auto error = engine_->Retarget(slot.name, code_or_err->address)) {
    return ToStatus(std::move(error), "switching to the trampoline");
  }
  slot.trampoline = *code_or_err;
  slot.trampolined = true;
  return Status::Ok();
}

std::vector<std::pair<Slot*, int>> Runtime::Impl::UndoSet(const Slot& slot,
                                                          int number) {
  std::vector<std::pair<Slot*, int>> changes;
  int live = slot.live.load(std::memory_order_relaxed);
  if (live == 0) return changes;
  const std::string& before = slot.versions[live - 1].record.set_before;
  size_t start = 0;
  while (start < before.size()) {
    size_t end = before.find(' ', start);
    if (end == std::string::npos) end = before.size();
    std::string entry = before.substr(start, end - start);
    size_t at = entry.rfind('@');
    Slot* member =
        at == std::string::npos ? nullptr : FindSlot(entry.substr(0, at));
    if (member != nullptr) {
      int target = std::atoi(entry.c_str() + at + 1);
      if (member == &slot && number >= 0) target = number;
      changes.emplace_back(member, target);
    }
    start = end + 1;
  }
  return changes;
}

Status Runtime::Impl::UpdateSet(const UpdateRequest& request,
                                UpdateResult* result) {
  Clock::time_point start = Clock::now();
  std::vector<std::string> names = {request.function};
  names.insert(names.end(), request.more_functions.begin(),
               request.more_functions.end());
  if (std::set<std::string>(names.begin(), names.end()).size() !=
      names.size()) {
    return Status::BadInput("a function is named twice in the set");
  }

  // Members that exist, and names that the upload will create.
  std::vector<Slot*> slots;
  for (const std::string& name : names) {
    Slot* slot = FindSlot(name);
    if (slot == nullptr) {
      Status status = CheckNewName(name);
      if (!status.ok()) return status;
    }
    slots.push_back(slot);
  }

  // Every member is checked and compiled before anything changes: one
  // module, loaded once per member so that each version owns its code.
  CompileSpec spec;
  spec.max_global_bytes = options_.max_global_bytes;
  for (const auto& entry : offered_) spec.offered.insert(entry.first);
  for (size_t i = 0; i < names.size(); ++i) {
    FunctionSignature signature =
        slots[i] != nullptr ? slots[i]->signature : kEndpointSignature;
    if (i == 0) {
      spec.function = names[i];
      spec.signature = signature;
    } else {
      spec.more_functions.emplace_back(names[i], signature);
    }
  }
  CompiledObject object;
  if (auto error = compiler_->Compile(
          llvm::StringRef(request.bytes.data(), request.bytes.size()), spec,
          &object)) {
    return ToStatus(std::move(error), "compiling");
  }
  std::vector<LoadedCode> loaded;
  auto unload_all = [&] {
    for (const LoadedCode& code : loaded) DiscardLocked(code);
  };
  // New functions get the next slot indexes, in the order created below.
  uint64_t next_index = slots_by_index_.size();
  for (size_t i = 0; i < names.size(); ++i) {
    int number = slots[i] != nullptr
                     ? static_cast<int>(slots[i]->versions.size()) + 1
                     : 1;
    uint64_t tag =
        slots[i] != nullptr ? Tag(*slots[i], number) : (next_index++ << 32) | 1;
    auto code_or_err = engine_->Load(object, names[i], tag);
    if (!code_or_err) {
      unload_all();
      return ToStatus(code_or_err.takeError(), "linking");
    }
    loaded.push_back(*code_or_err);
    if (request.probe && (slots[i] == nullptr || slots[i]->endpoint)) {
      Status trial = TrialRun(*code_or_err, true, request.probe_params,
                              options_.probe_timeout_ms);
      if (!trial.ok()) {
        unload_all();
        return Status::Unprocessable(names[i] + ": " + trial.message());
      }
    }
  }

  result->function = names[0];
  result->sha256 = Sha256Hex(request.bytes);
  result->dry_run = request.dry_run;
  result->version =
      slots[0] != nullptr ? static_cast<int>(slots[0]->versions.size()) + 1 : 1;
  result->compile_ms = MillisecondsSince(start);
  if (request.dry_run) {
    unload_all();
    return Status::Ok();
  }

  // Create the new functions, record every member's version durably, then
  // switch them all at once.
  std::vector<std::pair<Slot*, int>> before, after;
  for (size_t i = 0; i < names.size(); ++i) {
    Status status;
    if (slots[i] == nullptr) {
      status = CreateFunction(names[i], &slots[i]);
    } else if (slots[i]->removed.load()) {
      status = store_->SetFunctionState(names[i], false);
      if (status.ok()) slots[i]->removed.store(false);
    }
    if (!status.ok()) {
      unload_all();
      return status;
    }
    before.emplace_back(slots[i], slots[i]->live.load());
    after.emplace_back(slots[i],
                       static_cast<int>(slots[i]->versions.size()) + 1);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    VersionRecord record;
    record.number = after[i].second;
    record.sha256 = result->sha256;
    record.size = request.bytes.size();
    record.created_unix_ms = UnixMillisNow();
    record.compile_ms = result->compile_ms;
    record.message = request.message;
    record.set = Join(after);
    record.set_before = Join(before);
    Status status = store_->AddVersion(
        names[i], record,
        std::string(request.bytes.data(), request.bytes.size()));
    if (!status.ok()) {
      // Versions recorded so far stay in the history, not live.
      for (size_t j = i; j < loaded.size(); ++j) DiscardLocked(loaded[j]);
      return status;
    }
    slots[i]->versions.push_back(Version{record, loaded[i]});
    Touch(*slots[i], record.number);
  }
  FaultPoint("set.recorded");
  result->created = true;
  return MakeLive(after);
}

}  // namespace ru
