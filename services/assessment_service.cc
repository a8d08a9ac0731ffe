#include "services/assessment_service.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "services/grpc_status.h"
#include "services/server.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/assessment.h"

namespace taizhang::services {
namespace {

using workflows::Role;

absl::StatusOr<absl::CivilDay> Day(const char* field, const std::string& text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", text, "' 不是日期，应为 YYYY-MM-DD"));
  }
  return day;
}

absl::Status CheckReader(const Caller& caller) {
  const workflows::Principal& p = caller.principal;
  if (p.Is(Role::kSupervision) || p.Is(Role::kLeader) || p.Is(Role::kAuditor) ||
      p.Is(Role::kAdmin) || p.Is(Role::kDepartment)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      caller.actor,
      " 不能查看考核结果：督查室、分包领导、审计、管理员可查看全部，部门只能查看本单位"));
}

class AssessmentsService final : public v1::Assessments::Service {
 public:
  AssessmentsService(workflows::Ledger& ledger, Clock& clock, const Authorizer& auth)
      : ledger_(ledger), clock_(clock), auth_(auth) {}

  grpc::Status GetAssessment(grpc::ServerContext* ctx, const v1::AssessmentRequest* request,
                             v1::Assessment* reply) override {
    TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
    TZ_ASSIGN_OR_RETURN_GRPC(*reply, AssessmentFor(ledger_, clock_.Now(), caller, *request));
    return grpc::Status::OK;
  }

 private:
  workflows::Ledger& ledger_;
  Clock& clock_;
  const Authorizer& auth_;
};

}  // namespace

absl::StatusOr<v1::Assessment> AssessmentFor(const workflows::Ledger& ledger, absl::Time now,
                                             const Caller& caller,
                                             const v1::AssessmentRequest& request) {
  RETURN_IF_ERROR(CheckReader(caller));
  std::string unit = request.unit();
  if (caller.principal.Is(Role::kDepartment)) {
    if (!unit.empty() && unit != caller.principal.unit) {
      return absl::PermissionDeniedError(
          absl::StrCat(caller.actor, " 只能查看本单位（", caller.principal.unit, "）的考核结果"));
    }
    unit = caller.principal.unit;
  }
  workflows::AssessmentQuery query;
  if (!request.from().empty() || !request.to().empty()) {
    if (request.year() != 0) return absl::InvalidArgumentError("year, from/to: 只能给出其一");
    ASSIGN_OR_RETURN(query.from, Day("from", request.from()));
    ASSIGN_OR_RETURN(query.to, Day("to", request.to()));
    if (query.from.year() != query.to.year()) {
      return absl::InvalidArgumentError("from, to: 考核期间应在同一年内");
    }
  } else {
    if (request.year() < 2000 || request.year() > 2200) {
      return absl::InvalidArgumentError("year: 必填，2000..2200（或给出 from 和 to）");
    }
    query.from = absl::CivilDay(request.year(), 1, 1);
    query.to = absl::CivilDay(request.year(), 12, 31);
  }
  const absl::CivilDay today = engine::DayOf(now);
  if (!request.as_of().empty()) {
    ASSIGN_OR_RETURN(absl::CivilDay day, Day("as_of", request.as_of()));
    if (day > today) {
      return absl::InvalidArgumentError(absl::StrCat("as_of: ", request.as_of(), " 晚于今天（",
                                                     absl::FormatCivilTime(today), "）"));
    }
    if (day < today) query.as_of = day;
  }
  const v1::AssessmentPolicy* policy =
      ledger.assessment_policies().ForYear(static_cast<int>(query.from.year()));
  if (policy == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("没有适用于 ", query.from.year(), " 年的考核办法（policies/assessment/）"));
  }
  ASSIGN_OR_RETURN(v1::Assessment out, workflows::ComputeAssessment(ledger, *policy, query, now));
  if (!unit.empty()) {
    v1::UnitAssessment kept;
    bool found = false;
    for (auto& u : *out.mutable_units()) {
      if (u.unit() == unit) {
        kept = std::move(u);
        found = true;
      }
    }
    if (!found) {
      return absl::NotFoundError(
          absl::StrCat("单位“", unit, "”不在考核办法“", policy->name(), "”的考核范围内"));
    }
    out.clear_units();
    *out.add_units() = std::move(kept);
  } else if (!request.breakdown()) {
    for (auto& u : *out.mutable_units()) u.clear_counted();
  }
  return out;
}

void AddAssessmentService(TaizhangServer& server, workflows::Ledger& ledger) {
  server.AddService(
      std::make_unique<AssessmentsService>(ledger, server.clock(), server.authorizer()));
}

}  // namespace taizhang::services
