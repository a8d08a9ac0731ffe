// The API side of each registered workflow (workflows/workflow_registry.h):
// the proto types its RPCs carry, who may read one of its states beyond the
// callers that read everything, and how a list request filters it. The
// Ledger service's Execute, Get and List handlers, the typed command
// services and ReadScope are one template each over these traits.
//
// Registering the API of an aggregate type A (besides its WorkflowTraits):
//
//   template <>
//   struct ApiTraits<workflows::A> {
//     using Reply = v1::AReply;                 // state, view, result
//     using ListResponse = v1::ListAsResponse;  // repeated View
//     static v1::AView* Add(ListResponse*);     // the list's next element
//     // Whether a leader or an enterprise that is not responsible for the
//     // state's project still reads it (because it names them).
//     static bool ReadsAsParty(const workflows::Principal&, const A::State&);
//     // The list filters of `request` beyond the project ones (region,
//     // stage, project_code), which ListOf applies to every type.
//     static bool Matches(const v1::ListRequest&, const A::State&, const A::View&);
//   };
//
// and, in service.proto and ledger_service.h, its RPCs: one-line overrides
// that call the templates (the generated service classes want one virtual
// per RPC), and its group in the command line (services/ledger_cli.cc).
//
// The traits are stateless: every function may be called from any thread.
#ifndef TAIZHANG_SERVICES_WORKFLOW_API_H_
#define TAIZHANG_SERVICES_WORKFLOW_API_H_

#include <string>
#include <vector>

#include "taizhang/v1/service.pb.h"
#include "workflows/ledger.h"
#include "workflows/principal.h"
#include "workflows/workflow_registry.h"

namespace taizhang::services {

template <class A>
struct ApiTraits;

template <>
struct ApiTraits<workflows::ApprovalCase> {
  using Reply = v1::CaseReply;
  using ListResponse = v1::ListCasesResponse;
  static v1::ApprovalCaseView* Add(ListResponse* r) { return r->add_cases(); }
  // Its owner; a leader, the cases it is responsible for.
  static bool ReadsAsParty(const workflows::Principal& p, const v1::ApprovalCaseState& s);
  // The unit and the light of the case or of any of its items.
  static bool Matches(const v1::ListRequest& r, const v1::ApprovalCaseState& s,
                      const v1::ApprovalCaseView& v);
};

template <>
struct ApiTraits<workflows::Task> {
  using Reply = v1::TaskReply;
  using ListResponse = v1::ListTasksResponse;
  static v1::TaskView* Add(ListResponse* r) { return r->add_tasks(); }
  // A leader, the tasks it is responsible for.
  static bool ReadsAsParty(const workflows::Principal& p, const v1::TaskState& s);
  static bool Matches(const v1::ListRequest& r, const v1::TaskState& s, const v1::TaskView& v);
};

template <>
struct ApiTraits<workflows::Problem> {
  using Reply = v1::ProblemReply;
  using ListResponse = v1::ListProblemsResponse;
  static v1::ProblemView* Add(ListResponse* r) { return r->add_problems(); }
  // A leader, the problems it is responsible for; an enterprise, those it
  // raised.
  static bool ReadsAsParty(const workflows::Principal& p, const v1::ProblemState& s);
  static bool Matches(const v1::ListRequest& r, const v1::ProblemState& s,
                      const v1::ProblemView& v);
};

template <>
struct ApiTraits<workflows::Project> {
  using Reply = v1::ProjectReply;
  using ListResponse = v1::ListProjectsResponse;
  static v1::ProjectView* Add(ListResponse* r) { return r->add_projects(); }
  // Only through its own project (ReadScope).
  static bool ReadsAsParty(const workflows::Principal&, const v1::ProjectState&) { return false; }
  static bool Matches(const v1::ListRequest& r, const v1::ProjectState& s,
                      const v1::ProjectView& v);
};

// Meeting series: read by every role that reads everything.
template <>
struct ApiTraits<workflows::MeetingSeries> {
  using Reply = v1::MeetingSeriesReply;
  using ListResponse = v1::ListMeetingSeriesResponse;
  static v1::MeetingSeriesView* Add(ListResponse* r) { return r->add_series(); }
  static bool ReadsAsParty(const workflows::Principal&, const v1::MeetingSeriesState&) {
    return false;
  }
  // The light (a missed last period is red).
  static bool Matches(const v1::ListRequest& r, const v1::MeetingSeriesState& s,
                      const v1::MeetingSeriesView& v);
};

// Meetings: a leader reads those naming it (chair or a matter's leader), a
// leader or an enterprise those discussing its projects (ProjectCodes).
template <>
struct ApiTraits<workflows::Meeting> {
  using Reply = v1::MeetingReply;
  using ListResponse = v1::ListMeetingsResponse;
  static v1::MeetingView* Add(ListResponse* r) { return r->add_meetings(); }
  static bool ReadsAsParty(const workflows::Principal& p, const v1::MeetingState& s);
  // The projects discussed and those of its matters.
  static std::vector<std::string> ProjectCodes(const v1::MeetingState& s);
  // A unit present or responsible for a matter; the series; overdue_only: a
  // matter late and open.
  static bool Matches(const v1::ListRequest& r, const v1::MeetingState& s,
                      const v1::MeetingView& v);
  // The view is the meeting's full record, from its matters' tasks.
  static v1::MeetingView FullView(const workflows::Ledger& ledger, const v1::MeetingState& s,
                                  absl::Time now) {
    return ledger.MeetingRecordOf(s, now);
  }
};

// Start campaigns: read by every role that reads everything, a leader or
// an enterprise those listing its projects (ProjectCodes).
template <>
struct ApiTraits<workflows::Campaign> {
  using Reply = v1::CampaignReply;
  using ListResponse = v1::ListCampaignsResponse;
  static v1::CampaignView* Add(ListResponse* r) { return r->add_campaigns(); }
  static bool ReadsAsParty(const workflows::Principal&, const v1::CampaignState&) { return false; }
  static std::vector<std::string> ProjectCodes(const v1::CampaignState& s) {
    return {s.campaign().project_codes().begin(), s.campaign().project_codes().end()};
  }
  // unit: the declaring office or a listed project's lead unit;
  // overdue_only: a project not started after the day.
  static bool Matches(const v1::ListRequest& r, const v1::CampaignState& s,
                      const v1::CampaignView& v);
  // The view is the campaign's record, from its projects' streams.
  static v1::CampaignView FullView(const workflows::Ledger& ledger, const v1::CampaignState& s,
                                   absl::Time now) {
    return ledger.CampaignRecordOf(s, now);
  }
};

// The view of `state` a reply carries: ApiTraits<A>::FullView when A has
// one (a view that reads other streams), else the aggregate's own.
template <class A>
auto ViewOf(const workflows::Ledger& ledger, const typename A::State& state, absl::Time now) {
  if constexpr (requires { ApiTraits<A>::FullView(ledger, state, now); }) {
    return ApiTraits<A>::FullView(ledger, state, now);
  } else {
    return ledger.workflow<A>().aggregate().View(state, now);
  }
}

// The project codes a state of A names besides its own
// (WorkflowTraits<A>::ProjectCode): ApiTraits<A>::ProjectCodes when A has it.
template <class A>
std::vector<std::string> OtherProjectCodes(const typename A::State& state) {
  if constexpr (requires { ApiTraits<A>::ProjectCodes(state); }) {
    return ApiTraits<A>::ProjectCodes(state);
  } else {
    return {};
  }
}

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_WORKFLOW_API_H_
