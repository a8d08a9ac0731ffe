// Test support: an exported ledger read back by an independent reader
// (tests/ledger_dump.py: openpyxl for XLSX, Python's csv module for CSV),
// as a protobuf Struct to assert on. Header-only; for tests only. The
// script is found under $TAIZHANG_SOURCE_DIR (set by CTest) and run by
// $TAIZHANG_PYTHON, else /usr/bin/python3 (where Debian installs openpyxl).
#ifndef TAIZHANG_REPORTS_TESTING_LEDGER_DUMP_H_
#define TAIZHANG_REPORTS_TESTING_LEDGER_DUMP_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace taizhang::testing {

// `mode` "xlsx" or "csv"; the file at `path`. INTERNAL with the script's
// output when it fails.
inline absl::StatusOr<google::protobuf::Struct> DumpLedger(const std::string& mode,
                                                           const std::string& path) {
  const char* dir = std::getenv("TAIZHANG_SOURCE_DIR");
  // Debian's python3-openpyxl is the system interpreter's.
  const char* python = std::getenv("TAIZHANG_PYTHON");
  if (python == nullptr)
    python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  const std::string command = absl::StrCat(python, " '", dir != nullptr ? dir : ".",
                                           "/tests/ledger_dump.py' ", mode, " '", path, "' 2>&1");
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return absl::InternalError("cannot run python3");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  if (rc != 0) return absl::InternalError(absl::StrCat("ledger_dump.py failed: ", out));
  google::protobuf::Struct s;
  auto parsed = google::protobuf::util::JsonStringToMessage(out, &s);
  if (!parsed.ok()) return absl::InternalError(absl::StrCat("not JSON: ", out));
  return s;
}

// Field `key` of `s` as a string ("" when absent or not a string).
inline std::string Str(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

// A list of strings (a header row) of `s`.
inline std::vector<std::string> Strings(const google::protobuf::Value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.list_value().values()) out.push_back(e.string_value());
  return out;
}

// A list of lists of strings (rows, fills, CSV records) of `s`.
inline std::vector<std::vector<std::string>> Table(const google::protobuf::Struct& s,
                                                   const std::string& key) {
  std::vector<std::vector<std::string>> out;
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return out;
  for (const auto& row : it->second.list_value().values()) out.push_back(Strings(row));
  return out;
}

}  // namespace taizhang::testing

#endif  // TAIZHANG_REPORTS_TESTING_LEDGER_DUMP_H_
