// A ledger exported (Reports.ExportLedger, the HTTP route /export/..., the
// `taizhang export` command, all through ExportLedger below): the ledger as
// it stood at the end of a China day (workflows/ledger_as_of.h), filtered as
// the List RPCs filter (list_filter.h and ApiTraits<A>::Matches), limited to
// the caller's rows (the scope below), as a Sheet (reports/ledger_sheets.h)
// written as XLSX or CSV (reports/xlsx_writer.h, reports/csv_writer.h).
//
// The scope (docs/ledgers.md, "Who reads what"), one rule for every ledger,
// now or as of a past day, judged on the ledger as it stood that day (so a
// past day's export depends on the log through that day alone, and the
// same day exported again gives the same rows):
//   - the office (supervision), auditors and admin: every row;
//   - a department: every row, as the List RPCs give it (ReadScope);
//   - a leader (分包领导): the projects it was responsible for that day, their
//     cases, tasks and problems, and those naming it as their leader; the
//     slips raised on them (ReadScope);
//   - an enterprise: its projects, its cases and the problems it raised, the
//     tasks of its projects; the slips raised on them (ReadScope);
//   - a screen token (refused before, by the Authorizer) or any other role:
//     PERMISSION_DENIED.
// A unit filter on the slips ledger keeps the slips addressed to that unit.
//
// At most two ledgers are built at once in the process, whichever door asks
// (as at most two PDFs print, reports/pdf.h); a third waits up to
// ExportOptions::wait_for_slot for one to finish, then is RESOURCE_EXHAUSTED.
//
// The day:
//   - empty, or today (China time, by the server's clock): the projections
//     now, judged now;
//   - a past "YYYY-MM-DD": the events recorded by the end of that day
//     (23:59:59.999999 China time), judged then;
//   - a later day is refused: the ledger does not yet stand as of it.
//
// Thread-safety: ExportLedger may be called from any thread (it reads the
// projections or scans the log into its own states).
#ifndef TAIZHANG_SERVICES_LEDGER_EXPORT_H_
#define TAIZHANG_SERVICES_LEDGER_EXPORT_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth.h"
#include "taizhang/v1/api_reports.pb.h"
#include "workflows/ledger.h"

namespace taizhang::services {

struct ExportOptions {
  absl::Duration wait_for_slot = absl::Seconds(20);
};

// The document of `request` for `caller` at the server's `now`.
// INVALID_ARGUMENT for an unknown kind or format (XLSX and CSV only), a
// malformed date, a day after today or a filter enum the schema does not
// know; PERMISSION_DENIED outside the caller's scope (above);
// RESOURCE_EXHAUSTED when no building slot came free in time; DATA_LOSS when
// the log cannot be read; INTERNAL when the workbook cannot be written.
absl::StatusOr<v1::Document> ExportLedger(const workflows::Ledger& ledger, absl::Time now,
                                          const Caller& caller,
                                          const v1::ExportLedgerRequest& request,
                                          const ExportOptions& options = {});

// The filter `caller` exports under: `filter` as asked. PERMISSION_DENIED,
// in Chinese, for a role that exports nothing.
absl::StatusOr<v1::ListRequest> ExportFilter(const Caller& caller, const v1::ListRequest& filter);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LEDGER_EXPORT_H_
