#include "services/ledger_export.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "reports/assessment_sheets.h"
#include "reports/csv_writer.h"
#include "reports/labels.h"
#include "reports/ledger_sheets.h"
#include "reports/xlsx_writer.h"
#include "services/assessment_service.h"
#include "services/export_pool.h"
#include "services/field_checks.h"
#include "services/ledger_service.h"
#include "services/list_filter.h"
#include "store/sha256.h"
#include "workflows/ledger_as_of.h"

namespace taizhang::services {
namespace {

// The streams of workflow A on `as_of` that `caller` may read and that pass
// the filters, with their views judged then.
template <class A>
void Select(const workflows::Ledger& ledger, const workflows::LedgerAsOf& as_of,
            const ReadScope& scope, const v1::ListRequest& filter,
            reports::LedgerSelection* selection) {
  const A& aggregate = ledger.workflow<A>().aggregate();
  auto& out = selection->of<A>();
  auto project = [&as_of](const std::string& code) { return as_of.FindProject(code); };
  for (const auto& state : as_of.of<A>()) {
    if (!scope.Reads(state)) continue;
    if (!PassesProjectFilters(filter, workflows::WorkflowTraits<A>::ProjectCode(state), project)) {
      continue;
    }
    auto view = aggregate.View(state, as_of.as_of);
    if (!ApiTraits<A>::Matches(filter, state, view)) continue;
    out.push_back({&state, std::move(view)});
  }
}

// The slips ledger under a unit filter: every stream's rungs narrowed to
// those addressed to `unit` (the states are the export's own copies), the
// streams then chosen without it.
template <class A>
void KeepSlipsOf(const std::string& unit, workflows::LedgerAsOf& as_of) {
  for (auto& state : as_of.of<A>()) {
    if constexpr (!requires { state.mutable_rungs(); }) {
      continue;  // a workflow without rungs (a meeting) has no slips
    } else {
      auto* rungs = state.mutable_rungs();
      for (int i = rungs->size() - 1; i >= 0; --i) {
        const auto& units = rungs->Get(i).raised().parties().units();
        if (std::find(units.begin(), units.end(), unit) == units.end()) rungs->DeleteSubrange(i, 1);
      }
    }
  }
}

template <class... A>
void SelectAll(const workflows::Ledger& ledger, workflows::LedgerAsOf& as_of,
               const ReadScope& scope, v1::LedgerKind kind, reports::LedgerSelection* selection,
               workflows::WorkflowList<A...>) {
  v1::ListRequest streams = selection->filter;
  if (kind == v1::LEDGER_KIND_SLIPS && !streams.unit().empty()) {
    (KeepSlipsOf<A>(streams.unit(), as_of), ...);
    streams.clear_unit();
  }
  (void)std::initializer_list<int>{
      (reports::KindReads<A>(kind) ? Select<A>(ledger, as_of, scope, streams, selection) : void(),
       0)...};
}

// The process's building slots (ledger_export.h).
BuildSlots& Slots() {
  static BuildSlots* slots = new BuildSlots(2);
  return *slots;
}

// The day asked for, or nullopt for today.
absl::StatusOr<std::optional<absl::CivilDay>> DayOf(const std::string& text, absl::CivilDay today) {
  if (text.empty()) return std::nullopt;
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat("as_of: '", text, "' is not a date: expected YYYY-MM-DD"));
  }
  if (day > today) {
    return absl::InvalidArgumentError(absl::StrCat("as_of: ", text, " is after today (",
                                                   absl::FormatCivilTime(today),
                                                   "): the ledger does not stand as of it yet"));
  }
  if (day == today) return std::nullopt;
  return day;
}

}  // namespace

absl::StatusOr<v1::ListRequest> ExportFilter(const Caller& caller, const v1::ListRequest& filter) {
  using workflows::Role;
  const workflows::Principal& p = caller.principal;
  switch (p.role) {
    case Role::kSupervision:
    case Role::kAuditor:
    case Role::kAdmin:
    case Role::kDepartment:
    case Role::kLeader:
    case Role::kEnterprise:
      return filter;
    default:
      return absl::PermissionDeniedError(
          absl::StrCat(caller.actor, " 不能导出台账：督查室、审计、部门、分包领导和企业可以导出"));
  }
}

absl::StatusOr<v1::Document> ExportLedger(const workflows::Ledger& ledger, absl::Time now,
                                          const Caller& caller,
                                          const v1::ExportLedgerRequest& request,
                                          const ExportOptions& options) {
  const std::string kind_name = reports::LedgerKindName(request.kind());
  if (kind_name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("kind: expected ", reports::LedgerKindNames()));
  }
  if (request.format() != v1::DOCUMENT_FORMAT_XLSX && request.format() != v1::DOCUMENT_FORMAT_CSV) {
    return absl::InvalidArgumentError("format: a ledger is exported as XLSX or CSV");
  }
  RETURN_IF_ERROR(CheckEnumFields(request.filter()));
  ASSIGN_OR_RETURN(v1::ListRequest filter, ExportFilter(caller, request.filter()));
  const absl::CivilDay today = absl::ToCivilDay(now, engine::ChinaTime());
  ASSIGN_OR_RETURN(std::optional<absl::CivilDay> day, DayOf(request.as_of(), today));
  std::optional<absl::Time> end;
  if (day.has_value()) end = workflows::EndOfChinaDay(*day);

  BuildSlots::Lease slot(Slots(), options.wait_for_slot);
  if (!slot.ok()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("导出繁忙：已有 ", Slots().limit(), " 份台账正在生成，请稍后再试"));
  }
  reports::Sheet sheet;
  uint64_t through_position = 0;
  const absl::CivilDay sheet_day = day.value_or(today);
  if (request.kind() == v1::LEDGER_KIND_ASSESSMENT ||
      request.kind() == v1::LEDGER_KIND_ASSESSMENT_DETAIL) {
    // The year of the day asked, to that day; the unit filter names one unit.
    v1::AssessmentRequest ask;
    ask.set_year(static_cast<int>(sheet_day.year()));
    ask.set_as_of(request.as_of());
    ask.set_unit(filter.unit());
    ask.set_breakdown(request.kind() == v1::LEDGER_KIND_ASSESSMENT_DETAIL);
    ASSIGN_OR_RETURN(v1::Assessment assessment, AssessmentFor(ledger, now, caller, ask));
    sheet = request.kind() == v1::LEDGER_KIND_ASSESSMENT
                ? reports::AssessmentSheet(assessment, sheet_day)
                : reports::AssessmentDetailSheet(assessment, sheet_day);
    through_position = assessment.through_position();
  } else {
    ASSIGN_OR_RETURN(workflows::LedgerAsOf as_of, workflows::ReadLedgerAsOf(ledger, end, now));
    reports::LedgerSelection selection;
    selection.ledger = &as_of;
    selection.day = sheet_day;
    selection.filter = std::move(filter);
    // The caller's projects as they stood that day, as the rows are.
    const ReadScope scope(caller, as_of.of<workflows::Project>());
    SelectAll(ledger, as_of, scope, request.kind(), &selection, workflows::RegisteredWorkflows{});
    ASSIGN_OR_RETURN(sheet, reports::BuildLedgerSheet(request.kind(), selection));
    through_position = as_of.through_position;
  }

  v1::Document doc;
  const std::string stem =
      absl::StrCat(reports::Label(request.kind()), "-", absl::FormatCivilTime(sheet_day));
  if (request.format() == v1::DOCUMENT_FORMAT_XLSX) {
    ASSIGN_OR_RETURN(*doc.mutable_content(), reports::WriteXlsx(sheet));
    doc.set_filename(absl::StrCat(stem, ".xlsx"));
    doc.set_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  } else {
    *doc.mutable_content() = reports::WriteCsv(sheet);
    doc.set_filename(absl::StrCat(stem, ".csv"));
    doc.set_content_type("text/csv; charset=utf-8");
  }
  doc.set_sha256_hex(store::ToHex(store::Sha256(doc.content())));
  doc.set_through_position(through_position);
  return doc;
}

}  // namespace taizhang::services
