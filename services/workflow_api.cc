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

}  // namespace taizhang::services
