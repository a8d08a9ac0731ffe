#include "services/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/files.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "services/china_time.h"

namespace taizhang::services {
namespace {

class Errors : public google::protobuf::io::ErrorCollector {
 public:
  explicit Errors(std::string name) : name_(std::move(name)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    list.push_back(absl::StrCat(name_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  std::vector<std::string> list;

 private:
  std::string name_;
};

void Resolve(const std::filesystem::path& base, std::string* path) {
  if (path->empty()) return;
  std::filesystem::path p(*path);
  if (p.is_relative()) *path = (base / p).lexically_normal().string();
}

}  // namespace

absl::StatusOr<v1::ServerConfig> LoadServerConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the configuration file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  v1::ServerConfig config;
  Errors errors(path);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(buffer.str(), &config) || !errors.list.empty()) {
    if (errors.list.empty()) errors.list.push_back(path + ": cannot parse");
    return absl::InvalidArgumentError(absl::StrJoin(errors.list, "; "));
  }
  std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  Resolve(base, config.mutable_data_dir());
  Resolve(base, config.mutable_tokens_file());
  Resolve(base, config.mutable_policies_dir());
  Resolve(base, config.mutable_tls_cert());
  Resolve(base, config.mutable_tls_key());
  Resolve(base, config.mutable_client_ca());
  Resolve(base, config.mutable_signing_key());
  Resolve(base, config.mutable_previous_signing_key());
  return config;
}

absl::StatusOr<ClockMode> ParseClockMode(const std::string& text) {
  if (text == "system") return ClockMode::kSystem;
  if (text == "manual") return ClockMode::kManual;
  return absl::InvalidArgumentError(
      absl::StrCat("clock: '", text, "' is neither 'system' nor 'manual'"));
}

absl::Status ApplyServerConfig(const v1::ServerConfig& c, ServerOptions* o) {
  if (!c.listen().empty()) o->listen = c.listen();
  if (!c.http_listen().empty()) o->http_listen = c.http_listen();
  if (!c.data_dir().empty()) o->data_dir = c.data_dir();
  if (!c.tokens_file().empty()) o->tokens_file = c.tokens_file();
  if (!c.policies_dir().empty()) o->policies_dir = c.policies_dir();
  if (!c.tls_cert().empty()) o->tls_cert = c.tls_cert();
  if (!c.tls_key().empty()) o->tls_key = c.tls_key();
  if (!c.client_ca().empty()) o->client_ca = c.client_ca();
  if (c.allow_insecure_remote()) o->allow_insecure_remote = true;
  if (!c.clock().empty()) {
    auto mode = ParseClockMode(c.clock());
    if (!mode.ok()) return mode.status();
    o->clock = *mode;
  }
  if (!c.clock_start().empty()) {
    auto start = ParseChinaDateOrTime(c.clock_start(), "clock_start");
    if (!start.ok()) return start.status();
    o->manual_start = *start;
  }
  if (c.shutdown_grace_seconds() != 0)
    o->shutdown_grace = absl::Seconds(c.shutdown_grace_seconds());
  if (c.verify_tail() != 0) o->verify_tail = c.verify_tail();
  if (c.verify_all()) o->verify_all = true;
  if (c.has_text_limits()) o->text_limits = c.text_limits();
  if (c.has_reports()) o->reports = c.reports();
  if (!c.signing_key().empty()) o->signing_key = c.signing_key();
  if (!c.previous_signing_key().empty()) o->previous_signing_key = c.previous_signing_key();
  if (c.accept_unendorsed_signing_key()) o->accept_unendorsed_signing_key = true;
  if (c.has_sign_every_records()) o->sign_every_records = c.sign_every_records();
  if (c.has_sign_every_minutes()) o->sign_every = absl::Minutes(c.sign_every_minutes());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ShippedPoliciesDir(const std::string& argv0) {
  auto dir = InstalledDataDir(argv0, "policies");
  if (!dir.ok()) {
    return absl::NotFoundError(absl::StrCat("no policies: the shipped ones are ",
                                            dir.status().message(),
                                            "; give --policies-dir DIR, or --log-only to serve "
                                            "the log alone"));
  }
  return dir;
}

}  // namespace taizhang::services
