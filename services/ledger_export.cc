#include "services/ledger_export.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "reports/csv_writer.h"
#include "reports/labels.h"
#include "reports/ledger_sheets.h"
#include "reports/xlsx_writer.h"
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

template <class... A>
void SelectAll(const workflows::Ledger& ledger, const workflows::LedgerAsOf& as_of,
               const ReadScope& scope, v1::LedgerKind kind, reports::LedgerSelection* selection,
               workflows::WorkflowList<A...>) {
  (void)std::initializer_list<int>{
      (reports::KindReads<A>(kind) ? Select<A>(ledger, as_of, scope, selection->filter, selection)
                                   : void(),
       0)...};
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

absl::StatusOr<v1::Document> ExportLedger(const workflows::Ledger& ledger, absl::Time now,
                                          const Caller& caller,
                                          const v1::ExportLedgerRequest& request) {
  const std::string kind_name = reports::LedgerKindName(request.kind());
  if (kind_name.empty()) {
    return absl::InvalidArgumentError(
        "kind: expected PROJECTS, CASE_ITEMS, TASKS, PROBLEMS or SLIPS");
  }
  if (request.format() != v1::DOCUMENT_FORMAT_XLSX && request.format() != v1::DOCUMENT_FORMAT_CSV) {
    return absl::InvalidArgumentError("format: a ledger is exported as XLSX or CSV");
  }
  RETURN_IF_ERROR(CheckEnumFields(request.filter()));
  const absl::CivilDay today = absl::ToCivilDay(now, engine::ChinaTime());
  ASSIGN_OR_RETURN(std::optional<absl::CivilDay> day, DayOf(request.as_of(), today));
  std::optional<absl::Time> end;
  if (day.has_value()) end = workflows::EndOfChinaDay(*day);
  ASSIGN_OR_RETURN(workflows::LedgerAsOf as_of, workflows::ReadLedgerAsOf(ledger, end, now));

  reports::LedgerSelection selection;
  selection.ledger = &as_of;
  selection.day = day.value_or(today);
  selection.filter = request.filter();
  const ReadScope scope(caller, ledger);
  SelectAll(ledger, as_of, scope, request.kind(), &selection, workflows::RegisteredWorkflows{});
  ASSIGN_OR_RETURN(reports::Sheet sheet, reports::BuildLedgerSheet(request.kind(), selection));

  v1::Document doc;
  const std::string stem =
      absl::StrCat(reports::Label(request.kind()), "-", absl::FormatCivilTime(selection.day));
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
  doc.set_through_position(as_of.through_position);
  return doc;
}

}  // namespace taizhang::services
