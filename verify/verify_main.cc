// taizhang-verify: checks a copy of a Taizhang log away from any server
// (verify/verify.h). For auditors (审计, 纪检):
//
//   taizhang-verify BACKUP_DIR --key 服务器公钥.pem [--anchor 检查点.json]...
//                   [--through POSITION] [--policies DIR] [--no-replay] [--json]
//   taizhang-verify --bundle 导出包.tzb --key 服务器公钥.pem [same options]
//
// Exit status: 0 when everything checks, 1 when something does not (each
// finding is printed with its position), 2 for a wrong command line.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/files.h"
#include "google/protobuf/util/json_util.h"
#include "proof/ed25519.h"
#include "verify/verify.h"

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "taizhang-verify: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "taizhang-verify: 离线核验台账日志的副本（哈希链、默克尔树、签名、通报、重放与状态摘要）"};
  std::string dir, bundle;
  std::vector<std::string> key_files, anchor_files;
  std::string policies;
  uint64_t through = 0;
  bool no_replay = false;
  bool json = false;
  auto* dir_option = app.add_option("dir", dir, "the copy of the log (a backup directory)");
  app.add_option("--bundle", bundle,
                 "an export bundle (taizhang bundle export) instead of a copy of the log")
      ->excludes(dir_option);
  app.add_option("--key", key_files,
                 "the public key of the server that signed the log (PEM file, or 64 hex digits); "
                 "repeatable");
  app.add_option(
      "--anchor", anchor_files,
      "a checkpoint kept outside the log (the JSON `taizhang checkpoint --json` prints); "
      "repeatable");
  app.add_option("--through", through, "replay through this position (default: the head)");
  app.add_option("--policies", policies,
                 "the policies the server ran (default: the ones installed with this program)");
  app.add_flag("--no-replay", no_replay, "check the chain, the tree and the signatures only");
  app.add_flag("--json", json, "print the report as one JSON object (the same exit status)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (dir.empty() && bundle.empty()) return Usage("give the copy of the log, or --bundle FILE");
  taizhang::verify::CheckOptions options;
  options.dir = dir;
  options.through = through;
  for (const std::string& k : key_files) {
    std::string text = k;
    if (std::filesystem::exists(k) && !ReadFile(k, &text)) return Usage("cannot read " + k);
    auto key = taizhang::proof::ParsePublicKey(text);
    if (!key.ok()) return Usage(k + ": " + std::string(key.status().message()));
    options.public_keys.push_back(*key);
  }
  for (const std::string& f : anchor_files) {
    std::string text;
    if (!ReadFile(f, &text)) return Usage("cannot read " + f);
    // One checkpoint per line (as the CLI prints them), or one object.
    std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
    if (lines.size() > 1 && absl::StripAsciiWhitespace(lines[0]) == "{") lines = {text};
    for (const std::string& line : lines) {
      taizhang::v1::Checkpoint c;
      google::protobuf::util::JsonParseOptions jo;
      jo.ignore_unknown_fields = true;
      auto s = google::protobuf::util::JsonStringToMessage(line, &c, jo);
      if (!s.ok()) return Usage(f + ": not a checkpoint: " + std::string(s.message()));
      options.anchors.push_back(c);
    }
  }
  if (!no_replay) {
    options.policies_dir =
        policies.empty() ? taizhang::InstalledDataDir(argv[0], "policies").value_or("") : policies;
    if (options.policies_dir.empty()) {
      return Usage("no policies installed beside the program: give --policies DIR or --no-replay");
    }
  }
  taizhang::verify::Report report;
  if (!bundle.empty()) {
    taizhang::verify::BundleOptions b;
    b.file = bundle;
    b.public_keys = options.public_keys;
    b.anchors = options.anchors;
    b.policies_dir = options.policies_dir;
    b.through = options.through;
    report = taizhang::verify::CheckBundle(b);
  } else {
    report = taizhang::verify::Check(options);
  }
  const std::string out =
      json ? taizhang::verify::ReportJson(report) : taizhang::verify::Describe(report);
  std::fputs(out.c_str(), stdout);
  return report.ok ? 0 : 1;
}
