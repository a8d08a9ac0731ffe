// A ledger exported (Reports.ExportLedger, the HTTP route /export/..., the
// `taizhang export` command): the ledger as it stood at the end of a China
// day (workflows/ledger_as_of.h), filtered as the List RPCs filter
// (list_filter.h and ApiTraits<A>::Matches), limited to what the caller may
// read (ReadScope), as a Sheet (reports/ledger_sheets.h) written as XLSX or
// CSV (reports/xlsx_writer.h, reports/csv_writer.h).
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

// The document of `request` for `caller` at the server's `now`.
// INVALID_ARGUMENT for an unknown kind or format (XLSX and CSV only), a
// malformed date, a day after today or a filter enum the schema does not
// know; DATA_LOSS when the log cannot be read; INTERNAL when the workbook
// cannot be written.
absl::StatusOr<v1::Document> ExportLedger(const workflows::Ledger& ledger, absl::Time now,
                                          const Caller& caller,
                                          const v1::ExportLedgerRequest& request);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LEDGER_EXPORT_H_
