// Runtime: calling uploaded code, and what follows when a call crashes or
// runs out of time.

#include "jit/call_frame.h"
#include "jit/call_guard.h"
#include "jit/client_text.h"
#include "jit/code_epoch.h"
#include "jit/runtime_impl.h"

namespace ru {
namespace {

using EndpointFn = int (*)(const ru_args*, ru_json*);

}  // namespace

Status Runtime::Impl::CallEndpoint(const std::string& function,
                                   QueryParams params, EndpointResult* result) {
  Slot* slot = FindSlot(function);
  if (slot == nullptr || !slot->endpoint || slot->removed.load()) {
    return Status::NotFound("no endpoint function '" +
                            SanitizeForClient(function, 100) + "'");
  }
  CallRecorder::Scope recording(&call_recorder_, slot->index, result);

  ru_args args{std::move(params)};
  ru_json out;
  GuardOutcome outcome;
  int returned;
  {
    CodeReadSection section;
    PinnedTable pinned;
    result->version = slot->live.load(std::memory_order_acquire);
    ScopedCallFrame frame(&args, &out);
    returned =
        GuardedEndpointCall(reinterpret_cast<EndpointFn>(slot->stub),
                            UploadArgsHandle(), UploadOutHandle(), &outcome);
  }

  switch (outcome.kind) {
    case GuardOutcome::Kind::kReturned: {
      CallResult call = FinishCall(slot->name.c_str(), returned, &out);
      result->outcome = call.ok ? EndpointResult::Outcome::kOk
                                : EndpointResult::Outcome::kFailed;
      result->body = std::move(call.body);
      result->error = std::move(call.error);
      return Status::Ok();
    }
    case GuardOutcome::Kind::kThrew:
      result->outcome = EndpointResult::Outcome::kFailed;
      result->error = "function threw a C++ exception that it did not catch";
      if (!outcome.detail.empty()) {
        result->error += ": " + SanitizeForClient(outcome.detail, 300);
      }
      return Status::Ok();
    case GuardOutcome::Kind::kCrashed:
    case GuardOutcome::Kind::kTimedOut:
      break;
  }

  // The faulting instruction tells which function and version failed; a
  // fault while the server read memory the upload pointed it at belongs
  // to the endpoint that was called.
  Slot* culprit = slot;
  int number = result->version;
  if (outcome.tag_known) {
    uint32_t index = static_cast<uint32_t>(outcome.tag >> 32);
    std::lock_guard<std::mutex> lock(update_mutex_);
    if (index < slots_by_index_.size()) {
      culprit = slots_by_index_[index].get();
    }
    number = static_cast<int>(outcome.tag & 0xffffffffu);
  }
  std::string where = culprit->name + " version " + std::to_string(number);
  std::string reason;
  if (outcome.kind == GuardOutcome::Kind::kCrashed) {
    result->outcome = EndpointResult::Outcome::kCrashed;
    reason = "crashed: " + DescribeSignal(outcome) + " in " + where;
  } else {
    result->outcome = EndpointResult::Outcome::kTimedOut;
    reason = "timed out: " + where + " ran past the limit of " +
             std::to_string(options_.call_timeout_ms) +
             " ms and was interrupted";
  }
  bool first = false;
  std::string aftermath =
      number > 0 ? HandleFault(*culprit, number, reason, &first) : "";
  result->error = "function " + reason + aftermath;
  if (first) result->fault_report = result->error;
  return Status::Ok();
}

std::string Runtime::Impl::HandleFault(Slot& slot, int number,
                                       const std::string& reason, bool* first) {
  std::lock_guard<std::mutex> lock(update_mutex_);
  if (number < 1 || number > static_cast<int>(slot.versions.size())) {
    return "";
  }
  Version& version = slot.versions[number - 1];
  std::string aftermath;
  *first = version.record.fault.empty();
  if (*first) {
    version.record.fault = reason;
    Status status = store_->UpdateRecord(slot.name, version.record);
    if (!status.ok()) {
      aftermath += "; the fault could not be recorded: " + status.message();
    }
  }
  if (!options_.auto_rollback ||
      slot.live.load(std::memory_order_relaxed) != number) {
    return aftermath;
  }

  // The version that was live before, if it is known and has not failed
  // itself; else the newest version before the faulty one that has not.
  auto good = [&slot](int candidate) {
    return candidate == 0 ||
           (slot.versions[candidate - 1].record.fault.empty() &&
            !slot.versions[candidate - 1].record.sha256.empty());
  };
  int target = number - 1;
  while (target > 0 && !good(target)) --target;
  int before = slot.previous_live;
  if (before >= 0 && before != number &&
      before <= static_cast<int>(slot.versions.size()) && good(before)) {
    target = before;
  }
  bool recompiled;
  std::vector<std::pair<Slot*, int>> changes = UndoSet(slot, -1);
  Status status;
  if (changes.empty()) {
    status = Activate(slot, target, &recompiled);
  } else {
    for (const auto& [member, number] : changes) {
      status = EnsureResident(*member, number, &recompiled);
      if (!status.ok()) break;
      if (member == &slot) target = number;
    }
    if (status.ok()) status = MakeLive(changes);
  }
  if (status.ok()) {
    ++automatic_rollbacks_[slot.name];
    aftermath += "; rolled back to version " + std::to_string(target);
    *first = true;
  } else {
    aftermath += "; rolling back to version " + std::to_string(target) +
                 " failed: " + status.message();
  }
  return aftermath;
}

}  // namespace ru
