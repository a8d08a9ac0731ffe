// The five ledgers (台账) an office keeps, as Sheets (sheet.h), from the
// states and views of a LedgerAsOf (workflows/ledger_as_of.h) that the
// caller has already filtered and scoped (services/ledger_export.h):
//
//   LEDGER_KIND_PROJECTS    重点项目台账: one row per project, money in 万元
//   LEDGER_KIND_CASE_ITEMS  联审联批台账: one row per item of each case
//   LEDGER_KIND_TASKS       任务台账
//   LEDGER_KIND_PROBLEMS    问题台账
//   LEDGER_KIND_SLIPS       督办单台账: one row per rung raised on any stream
//   LEDGER_KIND_MATTERS     商定事项台账: one row per decided matter of a meeting
//   LEDGER_KIND_MEETINGS    会议台账: one row per meeting, with its matters' counts
//   LEDGER_KIND_VISITS      走访台账: one row per visit of each project
//   LEDGER_KIND_RATINGS     服务评价台账: one row per rating of a service contact
//   LEDGER_KIND_CAMPAIGNS   集中开工台账: one row per project of each start campaign
//
// Their columns, in order, are listed in docs/ledgers.md; every value a person
// reads is a label (reports::Label), never an enum name. Rows come in the
// order of the selection (by stream id), numbered 序号 1, 2, ...
//
// Thread-safety: BuildLedgerSheet is pure.
#ifndef TAIZHANG_REPORTS_LEDGER_SHEETS_H_
#define TAIZHANG_REPORTS_LEDGER_SHEETS_H_

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "reports/sheet.h"
#include "taizhang/v1/api_reports.pb.h"
#include "workflows/ledger_as_of.h"
#include "workflows/workflow_registry.h"

namespace taizhang::reports {

// The view type of aggregate A (TaskView for Task, ...).
template <class A>
using ViewOf =
    decltype(std::declval<const A&>().View(std::declval<const typename A::State&>(), absl::Time()));

// One stream on the ledger: its state then and its view judged then.
template <class A>
struct Selected {
  const typename A::State* state;  // owned by the LedgerAsOf
  ViewOf<A> view;
};

template <class L>
struct SelectedOfList;
template <class... A>
struct SelectedOfList<workflows::WorkflowList<A...>> {
  using type = std::tuple<std::vector<Selected<A>>...>;
};

// What a ledger shows.
struct LedgerSelection {
  const workflows::LedgerAsOf* ledger = nullptr;  // every stream then (names of projects)
  absl::CivilDay day;                             // the China day it stands as of
  // The filters asked for: a case's rows are those of its items that match
  // the unit (department), light and overdue filters given.
  v1::ListRequest filter;
  // The streams that passed the filters and the caller's scope, per
  // workflow; only those the kind reads (KindReads) need be filled.
  SelectedOfList<workflows::RegisteredWorkflows>::type selected;

  template <class A>
  const std::vector<Selected<A>>& of() const {
    return std::get<std::vector<Selected<A>>>(selected);
  }
  template <class A>
  std::vector<Selected<A>>& of() {
    return std::get<std::vector<Selected<A>>>(selected);
  }
};

// Whether ledger `kind` reads the streams of workflow A (the slips read all).
template <class A>
bool KindReads(v1::LedgerKind kind) {
  if (kind == v1::LEDGER_KIND_SLIPS) return true;
  if constexpr (std::is_same_v<A, workflows::Project>) {
    // The campaigns ledger's rows are every campaign's projects, as the
    // selected projects' views (judged then) give them.
    return kind == v1::LEDGER_KIND_PROJECTS || kind == v1::LEDGER_KIND_VISITS ||
           kind == v1::LEDGER_KIND_RATINGS || kind == v1::LEDGER_KIND_CAMPAIGNS;
  }
  if constexpr (std::is_same_v<A, workflows::ApprovalCase>) {
    return kind == v1::LEDGER_KIND_CASE_ITEMS;
  }
  if constexpr (std::is_same_v<A, workflows::Task>) {
    // The matters ledger's rows are the matters' tasks, named by their meetings.
    return kind == v1::LEDGER_KIND_TASKS || kind == v1::LEDGER_KIND_MATTERS;
  }
  if constexpr (std::is_same_v<A, workflows::Problem>) return kind == v1::LEDGER_KIND_PROBLEMS;
  // The meetings ledger's rows are the meetings.
  if constexpr (std::is_same_v<A, workflows::Meeting>) {
    return kind == v1::LEDGER_KIND_MATTERS || kind == v1::LEDGER_KIND_MEETINGS;
  }
  return false;
}

// The ledger `kind` of `selection`. INVALID_ARGUMENT for an unknown kind.
absl::StatusOr<Sheet> BuildLedgerSheet(v1::LedgerKind kind, const LedgerSelection& selection);

// The kind a person or a URL names: "projects", "cases", "tasks", "problems",
// "slips", "matters", "meetings", "visits", "ratings", "campaigns", "assessment",
// "assessment-detail" (or the enum's name). LEDGER_KIND_UNSPECIFIED when none.
v1::LedgerKind ParseLedgerKind(const std::string& text);
// "projects", "cases", ... ("" for an unknown kind).
std::string LedgerKindName(v1::LedgerKind kind);
// Every kind's name, for messages: "projects, cases, ... or assessment-detail".
std::string LedgerKindNames();

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_LEDGER_SHEETS_H_
