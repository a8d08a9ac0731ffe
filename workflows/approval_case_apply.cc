// Applying the case's events to its state: pure, used by Apply and to look
// ahead in Decide.
#include <algorithm>
#include <set>
#include <string>

#include "workflows/approval_case_internal.h"

namespace taizhang::workflows::case_internal {

using v1::ApprovalCaseEvent;
using v1::ApprovalCaseState;
using v1::ApprovalItemPolicy;
using v1::CaseClock;
using v1::CaseItem;

namespace {

void EndClock(CaseClock* clock, int64_t at_us, bool late) {
  if (clock->ended_at_us() != 0) return;
  clock->set_ended_at_us(at_us);
  clock->set_late(late);
}

void ApplyItemEvent(ApprovalCaseState* s, const ApprovalCaseEvent& e) {
  switch (e.kind_case()) {
    case ApprovalCaseEvent::kItemSubmitted: {
      const auto& x = e.item_submitted();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_SUBMITTED);
      item->set_round(x.round());
      CaseClock* clock = item->mutable_clock();
      clock->Clear();
      clock->set_start_at_us(x.submitted_at_us());
      *clock->mutable_deadline() = x.deadline();
      clock->set_episode(x.episode());
      clock->set_light(v1::LIGHT_GREEN);
      item->clear_missing_documents();
      item->clear_commitment_date();
      item->clear_commitment_due_at_us();
      item->clear_commitment_missed();
      item->clear_reasons();
      item->set_last_change_at_us(x.submitted_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemAccepted: {
      const auto& x = e.item_accepted();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_ACCEPTED);
      *item->mutable_missing_documents() = x.missing_documents();
      item->set_commitment_date(x.commitment_date());
      item->set_commitment_due_at_us(x.commitment_due_at_us());
      item->set_last_change_at_us(x.accepted_at_us());
      return;
    }
    case ApprovalCaseEvent::kDocumentsSupplied: {
      const auto& x = e.documents_supplied();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      std::set<std::string> supplied(x.documents().begin(), x.documents().end());
      auto* missing = item->mutable_missing_documents();
      missing->erase(std::remove_if(missing->begin(), missing->end(),
                                    [&](const std::string& d) { return supplied.count(d) > 0; }),
                     missing->end());
      return;
    }
    case ApprovalCaseEvent::kItemSuspended: {
      const auto& x = e.item_suspended();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status_before_suspension(item->status());
      item->set_status(v1::APPROVAL_ITEM_STATUS_SUSPENDED);
      CaseClock* clock = item->mutable_clock();
      clock->set_suspended(true);
      clock->set_suspended_on(x.suspended_on());
      clock->set_suspended_at_us(x.suspended_at_us());
      clock->set_suspension_reason(x.reason());
      item->set_last_change_at_us(x.suspended_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemResumed: {
      const auto& x = e.item_resumed();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(item->status_before_suspension());
      item->clear_status_before_suspension();
      CaseClock* clock = item->mutable_clock();
      v1::CaseSuspension* done = clock->add_suspensions();
      done->set_from(clock->suspended_on());
      done->set_to(x.resumed_on());
      done->set_reason(clock->suspension_reason());
      done->set_working_days(x.suspended_working_days());
      clock->set_suspended(false);
      clock->clear_suspended_on();
      clock->clear_suspended_at_us();
      clock->clear_suspension_reason();
      *clock->mutable_deadline() = x.deadline();
      item->set_last_change_at_us(x.resumed_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemReportedUp: {
      const auto& x = e.item_reported_up();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_REPORTED_UP);
      EndClock(item->mutable_clock(), x.reported_at_us(), x.late());
      item->set_last_change_at_us(x.reported_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemApproved: {
      const auto& x = e.item_approved();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_APPROVED);
      item->set_document_number(x.document_number());
      EndClock(item->mutable_clock(), x.approved_at_us(), x.late());
      item->set_last_change_at_us(x.approved_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemRejected: {
      const auto& x = e.item_rejected();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_REJECTED);
      *item->mutable_reasons() = x.reasons();
      EndClock(item->mutable_clock(), x.rejected_at_us(), x.late());
      item->set_last_change_at_us(x.rejected_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemReturned: {
      const auto& x = e.item_returned();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED);
      item->set_returns(item->returns() + 1);
      *item->mutable_reasons() = x.reasons();
      EndClock(item->mutable_clock(), x.returned_at_us(), false);
      item->set_last_change_at_us(x.returned_at_us());
      return;
    }
    case ApprovalCaseEvent::kItemDeemedApproved: {
      const auto& x = e.item_deemed_approved();
      CaseItem* item = FindItem(s, x.item_id());
      if (item == nullptr) return;
      item->set_status(v1::APPROVAL_ITEM_STATUS_DEEMED_APPROVED);
      EndClock(item->mutable_clock(), x.deemed_at_us(), true);
      item->set_last_change_at_us(x.deemed_at_us());
      return;
    }
    case ApprovalCaseEvent::kCommitmentMissed: {
      CaseItem* item = FindItem(s, e.commitment_missed().item_id());
      if (item != nullptr) item->set_commitment_missed(true);
      return;
    }
    default:
      return;
  }
}

}  // namespace

void ApplyCaseEvent(ApprovalCaseState* s, const ApprovalCaseEvent& e) {
  if (ApplyRungEvent(e, s->mutable_rungs())) return;  // supervision: one fold
  switch (e.kind_case()) {
    case ApprovalCaseEvent::kOpened: {
      const auto& x = e.opened();
      s->set_case_id(x.case_id());
      s->set_project_code(x.project_code());
      s->set_project_name(x.project_name());
      s->set_owner(x.owner());
      s->set_responsible_leader(x.responsible_leader());
      *s->mutable_policy() = x.policy();
      s->set_status(v1::APPROVAL_CASE_STATUS_OPEN);
      s->set_opened_at_us(x.opened_at_us());
      CaseClock* clock = s->mutable_clock();
      clock->set_start_at_us(x.opened_at_us());
      *clock->mutable_deadline() = x.deadline();
      clock->set_episode(1);
      clock->set_light(v1::LIGHT_GREEN);
      for (const std::string& id : x.item_ids()) {
        const ApprovalItemPolicy* p = FindItemPolicy(x.policy(), id);
        CaseItem* item = s->add_items();
        item->set_item_id(id);
        item->set_status(v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED);
        if (p != nullptr) {
          item->set_name(p->name());
          item->set_department(p->department());
          item->set_higher_authority(p->higher_authority());
        }
      }
      return;
    }
    case ApprovalCaseEvent::kExtensionGranted: {
      const auto& x = e.extension_granted();
      CaseClock* clock =
          x.item_id().empty() ? s->mutable_clock() : ClockOf(s, ItemSubjectId(x.item_id()));
      if (clock == nullptr) return;
      clock->set_extended(true);
      clock->set_episode(x.episode());
      *clock->mutable_deadline() = x.deadline();
      return;
    }
    case ApprovalCaseEvent::kLightChanged: {
      CaseClock* clock = ClockOf(s, e.light_changed().subject());
      if (clock != nullptr) clock->set_light(e.light_changed().to());
      return;
    }
    case ApprovalCaseEvent::kDeadlineRecomputed: {
      CaseClock* clock = ClockOf(s, e.deadline_recomputed().subject());
      if (clock != nullptr) *clock->mutable_deadline() = e.deadline_recomputed().new_deadline();
      return;
    }
    case ApprovalCaseEvent::kClockStopped: {
      CaseClock* clock = s->mutable_clock();
      clock->set_suspended(true);
      clock->set_suspended_on(e.clock_stopped().stopped_on());
      clock->set_suspended_at_us(e.clock_stopped().stopped_at_us());
      return;
    }
    case ApprovalCaseEvent::kClockResumed: {
      const auto& x = e.clock_resumed();
      CaseClock* clock = s->mutable_clock();
      v1::CaseSuspension* done = clock->add_suspensions();
      done->set_from(clock->suspended_on());
      done->set_to(x.resumed_on());
      done->set_working_days(x.suspended_working_days());
      clock->set_suspended(false);
      clock->clear_suspended_on();
      clock->clear_suspended_at_us();
      *clock->mutable_deadline() = x.deadline();
      return;
    }
    case ApprovalCaseEvent::kCompleted:
      s->set_status(v1::APPROVAL_CASE_STATUS_COMPLETED);
      s->set_closed_at_us(e.completed().completed_at_us());
      EndClock(s->mutable_clock(), e.completed().completed_at_us(), e.completed().late());
      return;
    case ApprovalCaseEvent::kEnded:
      s->set_status(v1::APPROVAL_CASE_STATUS_REJECTED);
      s->set_closed_at_us(e.ended().ended_at_us());
      s->set_ended_by_item(e.ended().item_id());
      *s->mutable_end_reasons() = e.ended().reasons();
      EndClock(s->mutable_clock(), e.ended().ended_at_us(),
               e.ended().ended_at_us() >= s->clock().deadline().due_at_us());
      return;
    case ApprovalCaseEvent::kWithdrawn:
      s->set_status(v1::APPROVAL_CASE_STATUS_WITHDRAWN);
      s->set_closed_at_us(e.withdrawn().withdrawn_at_us());
      EndClock(s->mutable_clock(), e.withdrawn().withdrawn_at_us(), false);
      return;
    default:
      ApplyItemEvent(s, e);
      return;
  }
}

}  // namespace taizhang::workflows::case_internal
