// The project policy, parsed and validated with line numbers, and the free
// functions of months and of the investment judgement.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "engine/ladder.h"
#include "engine/text_proto.h"
#include "google/protobuf/text_format.h"
#include "workflows/project.h"

namespace taizhang::workflows {
namespace {

absl::int128 RoundDiv(absl::int128 num, absl::int128 den) {
  // den > 0; half away from zero.
  if (num >= 0) return (2 * num + den) / (2 * den);
  return -((-2 * num + den) / (2 * den));
}

int32_t ClampBp(absl::int128 v) {
  constexpr int64_t kMax = 2'000'000'000;
  if (v > kMax) return static_cast<int32_t>(kMax);
  if (v < -kMax) return static_cast<int32_t>(-kMax);
  return static_cast<int32_t>(static_cast<int64_t>(v));
}

// ---------------------------------------------------------------------------
// Policy validation with line numbers.

int FieldLine(const google::protobuf::TextFormat::ParseInfoTree* tree,
              std::initializer_list<const char*> path) {
  if (tree == nullptr) return 0;
  const google::protobuf::Descriptor* d = v1::ProjectPolicy::descriptor();
  int line = -1;
  for (const char* name : path) {
    if (tree == nullptr || d == nullptr) break;
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr) break;
    const int l = tree->GetLocation(f, -1).line;
    if (l < 0) break;
    line = l;
    tree = f->message_type() != nullptr ? tree->GetTreeForNested(f, -1) : nullptr;
    d = f->message_type();
  }
  return line + 1;
}

absl::Status Validate(const v1::ProjectPolicy& policy, const std::string& name,
                      const google::protobuf::TextFormat::ParseInfoTree* tree) {
  std::vector<std::string> problems;
  auto add = [&](std::initializer_list<const char*> path, absl::string_view reason) {
    const int line = FieldLine(tree, path);
    problems.push_back(line > 0 ? absl::StrCat(name, ":", line, ": ", reason)
                                : absl::StrCat(name, ": ", reason));
  };
  if (policy.name().empty()) add({"name"}, "name is empty");
  if (!policy.has_investment()) {
    add({"investment"}, "investment is missing: give the investment light rule");
  } else {
    const auto& inv = policy.investment();
    if (inv.measure() == v1::INVESTMENT_GAP_MEASURE_UNSPECIFIED ||
        !v1::InvestmentGapMeasure_IsValid(inv.measure())) {
      add({"investment", "measure"},
          "investment.measure is missing: INVESTMENT_GAP_MEASURE_POINTS or "
          "INVESTMENT_GAP_MEASURE_SHARE_OF_TIME_PROGRESS");
    }
    if (inv.yellow_from_bp() < 1) {
      add({"investment", "yellow_from_bp"},
          absl::StrCat("investment.yellow_from_bp is ", inv.yellow_from_bp(), ", must be >= 1"));
    }
    if (inv.red_above_bp() < inv.yellow_from_bp()) {
      add({"investment", "red_above_bp"},
          absl::StrCat("investment.red_above_bp is ", inv.red_above_bp(),
                       ", must be >= yellow_from_bp (", inv.yellow_from_bp(), ")"));
    }
  }
  if (policy.plan_date_red_from_month() < 1) {
    add({"plan_date_red_from_month"},
        absl::StrCat("plan_date_red_from_month is ", policy.plan_date_red_from_month(),
                     ", must be >= 1"));
  }
  if (policy.node_yellow_working_days() < 0) {
    add({"node_yellow_working_days"}, "node_yellow_working_days must be >= 0");
  }
  if (!policy.has_node_ladder()) {
    add({"node_ladder"}, "node_ladder is missing: give the ladder for late nodes");
  } else if (absl::Status s = engine::ValidateLadder(policy.node_ladder(), "node_ladder");
             !s.ok()) {
    add({"node_ladder"}, s.message());
  }
  const int32_t photo_yellow = policy.photo_yellow_from_month();
  const int32_t photo_red = policy.photo_red_from_month();
  if (photo_yellow != 0 || photo_red != 0) {
    if (photo_yellow < 1) {
      add({"photo_yellow_from_month"},
          absl::StrCat("photo_yellow_from_month is ", photo_yellow,
                       ", must be >= 1 (or both photo months 0: photos not judged)"));
    } else if (photo_red < photo_yellow) {
      add({"photo_red_from_month"},
          absl::StrCat("photo_red_from_month is ", photo_red,
                       ", must be >= photo_yellow_from_month (", photo_yellow, ")"));
    }
  }
  if (policy.has_photo_ladder()) {
    if (absl::Status s = engine::ValidateLadder(policy.photo_ladder(), "photo_ladder"); !s.ok()) {
      add({"photo_ladder"}, s.message());
    }
  }
  if (policy.has_campaign_ladder()) {
    if (absl::Status s = engine::ValidateLadder(policy.campaign_ladder(), "campaign_ladder");
        !s.ok()) {
      add({"campaign_ladder"}, s.message());
    }
  }
  if (policy.campaign_yellow_working_days() < 0) {
    add({"campaign_yellow_working_days"}, "campaign_yellow_working_days must be >= 0");
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace

// ---------------------------------------------------------------------------
// Free functions.

absl::StatusOr<absl::CivilMonth> ParseMonth(absl::string_view text) {
  bool ok = text.size() == 7 && text[4] == '-';
  for (size_t i = 0; ok && i < text.size(); ++i) {
    if (i != 4 && !absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ok = false;
  }
  int year = 0, month = 0;
  if (ok) {
    year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    month = (text[5] - '0') * 10 + (text[6] - '0');
    ok = year >= 1 && month >= 1 && month <= 12;
  }
  if (!ok) return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a month YYYY-MM"));
  return absl::CivilMonth(year, month);
}

std::string FormatMonth(absl::CivilMonth month) {
  return absl::StrFormat("%04d-%02d", month.year(), month.month());
}

absl::Time MonthClose(absl::CivilMonth month) {
  return engine::StartOfDay(absl::CivilDay(month + 1));
}

int32_t RatioBp(int64_t num, int64_t den) {
  return ClampBp(RoundDiv(absl::int128(num) * 10000, absl::int128(den)));
}

v1::ProjectInvestmentJudgement JudgeInvestment(int64_t plan_yuan, int64_t cumulative_yuan,
                                               int month_index,
                                               const v1::InvestmentLightRule& rule) {
  v1::ProjectInvestmentJudgement j;
  j.set_month_index(month_index);
  j.set_plan_yuan(std::max<int64_t>(plan_yuan, 0));
  j.set_cumulative_yuan(cumulative_yuan);
  j.set_time_progress_bp(RatioBp(month_index, 12));
  if (plan_yuan <= 0 || month_index < 1) return j;
  j.set_completion_bp(RatioBp(cumulative_yuan, plan_yuan));
  const absl::int128 p = plan_yuan;
  const absl::int128 behind = absl::int128(month_index) * p - absl::int128(12) * cumulative_yuan;
  const absl::int128 den = rule.measure() == v1::INVESTMENT_GAP_MEASURE_SHARE_OF_TIME_PROGRESS
                               ? absl::int128(month_index) * p
                               : absl::int128(12) * p;
  j.set_gap_bp(ClampBp(RoundDiv(behind * 10000, den)));
  if (rule.measure() == v1::INVESTMENT_GAP_MEASURE_UNSPECIFIED) return j;
  // Exact: gap >= yellow ⇔ behind·10000 >= yellow·den; likewise for red.
  if (behind * 10000 > absl::int128(rule.red_above_bp()) * den) {
    j.set_light(v1::LIGHT_RED);
  } else if (behind * 10000 >= absl::int128(rule.yellow_from_bp()) * den) {
    j.set_light(v1::LIGHT_YELLOW);
  } else {
    j.set_light(v1::LIGHT_GREEN);
  }
  return j;
}

absl::Status ValidateProjectPolicy(const v1::ProjectPolicy& policy, const std::string& name) {
  return Validate(policy, name, nullptr);
}

absl::StatusOr<v1::ProjectPolicy> ParseProjectPolicy(const std::string& name,
                                                     const std::string& text) {
  v1::ProjectPolicy policy;
  RETURN_IF_ERROR(engine::ParseTextProto(name, text, &policy));
  google::protobuf::TextFormat::ParseInfoTree tree;
  google::protobuf::TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::ProjectPolicy located;
  const bool located_ok = parser.ParseFromString(text, &located);
  RETURN_IF_ERROR(Validate(policy, name, located_ok ? &tree : nullptr));
  return policy;
}

absl::StatusOr<v1::ProjectPolicy> LoadProjectPolicy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ParseProjectPolicy(path, buffer.str());
}

}  // namespace taizhang::workflows
