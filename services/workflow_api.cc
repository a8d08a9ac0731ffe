#include "services/workflow_api.h"

namespace taizhang::services {
namespace {

using workflows::Principal;
using workflows::Role;

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& s) {
  for (const auto& x : list) {
    if (x == s) return true;
  }
  return false;
}

// The light and overdue filters for a view with one light.
bool LightAndOverdue(const v1::ListRequest& r, v1::Light light, bool overdue) {
  if (r.light() != v1::LIGHT_UNSPECIFIED && light != r.light()) return false;
  return !r.overdue_only() || overdue;
}

}  // namespace

bool ApiTraits<workflows::ApprovalCase>::ReadsAsParty(const Principal& p,
                                                      const v1::ApprovalCaseState& s) {
  return p.Is(Role::kLeader) ? s.responsible_leader() == p.unit : s.owner() == p.unit;
}

bool ApiTraits<workflows::ApprovalCase>::Matches(const v1::ListRequest& r,
                                                 const v1::ApprovalCaseState&,
                                                 const v1::ApprovalCaseView& v) {
  bool unit_ok = r.unit().empty(), light_ok = r.light() == v1::LIGHT_UNSPECIFIED;
  bool overdue = v.clock().overdue();
  if (!light_ok && v.clock().light() == r.light()) light_ok = true;
  for (const auto& item : v.items()) {
    if (item.department() == r.unit()) unit_ok = true;
    if (r.light() != v1::LIGHT_UNSPECIFIED && item.clock().light() == r.light()) light_ok = true;
    overdue |= item.clock().overdue();
  }
  return unit_ok && light_ok && (!r.overdue_only() || overdue);
}

bool ApiTraits<workflows::Task>::ReadsAsParty(const Principal& p, const v1::TaskState& s) {
  return p.Is(Role::kLeader) && s.responsible_leader() == p.unit;
}

bool ApiTraits<workflows::Task>::Matches(const v1::ListRequest& r, const v1::TaskState&,
                                         const v1::TaskView& v) {
  if (!r.unit().empty() && !Contains(v.responsible_units(), r.unit())) return false;
  return LightAndOverdue(r, v.light(), v.overdue());
}

bool ApiTraits<workflows::Problem>::ReadsAsParty(const Principal& p, const v1::ProblemState& s) {
  if (p.Is(Role::kLeader)) return s.responsible_leader() == p.unit;
  return s.source().kind() == v1::PROBLEM_SOURCE_KIND_ENTERPRISE && s.source().name() == p.unit;
}

bool ApiTraits<workflows::Problem>::Matches(const v1::ListRequest& r, const v1::ProblemState&,
                                            const v1::ProblemView& v) {
  if (!r.unit().empty() && v.unit() != r.unit()) return false;
  return LightAndOverdue(r, v.light(), v.overdue());
}

bool ApiTraits<workflows::Project>::Matches(const v1::ListRequest& r, const v1::ProjectState& s,
                                            const v1::ProjectView& v) {
  if (!r.unit().empty() && s.info().lead_unit() != r.unit()) return false;
  return LightAndOverdue(r, v.light(), v.start_overdue() || v.finish_overdue());
}

bool ApiTraits<workflows::MeetingSeries>::Matches(const v1::ListRequest& r,
                                                  const v1::MeetingSeriesState&,
                                                  const v1::MeetingSeriesView& v) {
  if (!r.unit().empty() && v.office() != r.unit()) return false;
  return LightAndOverdue(r, v.light(), v.light() == v1::LIGHT_RED);
}

bool ApiTraits<workflows::Meeting>::ReadsAsParty(const Principal& p, const v1::MeetingState& s) {
  if (!p.Is(Role::kLeader)) return false;
  if (s.meeting().chair() == p.unit) return true;
  for (const auto& m : s.meeting().matters()) {
    if (m.leader() == p.unit) return true;
  }
  return false;
}

std::vector<std::string> ApiTraits<workflows::Meeting>::ProjectCodes(const v1::MeetingState& s) {
  std::vector<std::string> out(s.meeting().projects_discussed().begin(),
                               s.meeting().projects_discussed().end());
  for (const auto& m : s.meeting().matters()) {
    if (!m.project_code().empty()) out.push_back(m.project_code());
  }
  return out;
}

bool ApiTraits<workflows::Meeting>::Matches(const v1::ListRequest& r, const v1::MeetingState& s,
                                            const v1::MeetingView& v) {
  if (!r.series_id().empty() && s.meeting().series_id() != r.series_id()) return false;
  if (!r.unit().empty()) {
    bool named = false;
    for (const auto& u : s.meeting().units_present()) named |= u == r.unit();
    for (const auto& m : s.meeting().matters()) {
      for (const auto& u : m.responsible_units()) named |= u == r.unit();
    }
    if (!named) return false;
  }
  if (r.overdue_only()) {
    for (const auto& m : v.matters()) {
      if (m.status() == v1::MATTER_STATUS_OVERDUE) return true;
    }
    return false;
  }
  return true;
}

bool ApiTraits<workflows::Campaign>::Matches(const v1::ListRequest& r, const v1::CampaignState& s,
                                             const v1::CampaignView& v) {
  if (!r.unit().empty()) {
    bool named = s.campaign().office() == r.unit();
    for (const auto& p : v.projects()) named |= p.lead_unit() == r.unit();
    if (!named) return false;
  }
  if (r.overdue_only()) return v.not_started() > 0;
  return true;
}

}  // namespace taizhang::services
