// Joint-approval policies (联审联批): which items a case has, who owns each,
// how they depend on each other, their limits, the whole case's limit, who may
// extend what, and the escalation ladder. Policy data, one protobuf text file
// per policy under workflows/policies/approval/ (v1::ApprovalPolicy in
// proto/taizhang/v1/approval_case.proto), so limits that differ per region or
// are cut over time change without code.
//
// A policy names its ladder (workflows/policies/ladders/<ladder>.textproto);
// the loader reads it, checks that its `name` matches, and stores it in
// `ladder_rules`, so a case can keep a complete copy of the rules it was
// opened under. A file may instead give `ladder_rules` inline with `ladder`
// empty.
//
// Errors are INVALID_ARGUMENT naming the file, the line when known and the
// problem ("path:line: item 'x': reason"; parse errors "path:line:col:
// reason"), NOT_FOUND when a file cannot be read. Nothing is returned unless
// the whole file (and, for a directory, every file) is good.
//
// Thread-safety: pure functions; safe to call concurrently.
#ifndef TAIZHANG_WORKFLOWS_APPROVAL_POLICY_H_
#define TAIZHANG_WORKFLOWS_APPROVAL_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "taizhang/v1/approval_case.pb.h"

namespace taizhang::workflows {

// Checks the rules a policy obeys (with the ladder already in
// `ladder_rules`): a name; a case limit of WORKING_DAYS or CALENDAR_DAYS with
// n >= 1; extensions >= 0, and a grantor when one is allowed; yellow >= 0; a
// valid ladder; a supervision office; units with unique names and a head
// post; a lead unit among them; at least one item, each with a well-formed
// unique id, a name, a department among the units, a WORKING_DAYS or
// CALENDAR_DAYS limit with n >= 1, dependencies on other existing items, no
// repeats and no cycles; at least one required item; case_clock_stops_for
// without unspecified or repeated reasons. All problems are reported, joined
// by "; ", as INVALID_ARGUMENT "name: reason" (no lines: see
// ParseApprovalPolicy).
absl::Status ValidateApprovalPolicy(const v1::ApprovalPolicy& policy, const std::string& name);

// Parses a policy from text format, resolves its ladder from `ladders_dir`
// (unless given inline), and validates it; errors carry the line of the
// offending field or item.
absl::StatusOr<v1::ApprovalPolicy> ParseApprovalPolicy(const std::string& name,
                                                       const std::string& text,
                                                       const std::string& ladders_dir);

// Reads the file at `path` and parses it as ParseApprovalPolicy does.
absl::StatusOr<v1::ApprovalPolicy> LoadApprovalPolicy(const std::string& path,
                                                      const std::string& ladders_dir);

// Loads every *.textproto in `dir`, ordered by file name. Two policies with
// the same name are refused (naming both files). NOT_FOUND when `dir` cannot
// be listed or holds no policy.
absl::StatusOr<std::vector<v1::ApprovalPolicy>> LoadApprovalPolicies(
    const std::string& dir, const std::string& ladders_dir);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_APPROVAL_POLICY_H_
