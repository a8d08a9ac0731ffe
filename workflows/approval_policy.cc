#include "workflows/approval_policy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/deadline_rule.h"
#include "engine/ladder.h"
#include "engine/text_proto.h"
#include "google/protobuf/text_format.h"

namespace taizhang::workflows {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// Finds the line (1-based) where a field of the policy, or of one of its
// items, was written; 0 when unknown (the policy did not come from text).
class Locator {
 public:
  explicit Locator(const TextFormat::ParseInfoTree* tree) : tree_(tree) {}

  int Field(const std::string& field) const {
    if (tree_ == nullptr) return 0;
    const FieldDescriptor* fd = Policy()->FindFieldByName(field);
    if (fd == nullptr) return 0;
    return Line(tree_->GetLocation(fd, fd->is_repeated() ? 0 : -1));
  }

  // The line of `field` in item #index, or of the item itself.
  int Item(int index, const std::string& field = "") const {
    if (tree_ == nullptr) return 0;
    const FieldDescriptor* items = Policy()->FindFieldByName("items");
    const int item_line = Line(tree_->GetLocation(items, index));
    if (field.empty()) return item_line;
    const TextFormat::ParseInfoTree* nested = tree_->GetTreeForNested(items, index);
    const FieldDescriptor* fd = v1::ApprovalItemPolicy::descriptor()->FindFieldByName(field);
    if (nested == nullptr || fd == nullptr) return item_line;
    const int line = Line(nested->GetLocation(fd, fd->is_repeated() ? 0 : -1));
    return line > 0 ? line : item_line;
  }

  int Unit(int index) const {
    if (tree_ == nullptr) return 0;
    return Line(tree_->GetLocation(Policy()->FindFieldByName("units"), index));
  }

 private:
  static const Descriptor* Policy() { return v1::ApprovalPolicy::descriptor(); }
  static int Line(const google::protobuf::TextFormat::ParseLocation& l) {
    return l.line >= 0 ? l.line + 1 : 0;
  }
  const TextFormat::ParseInfoTree* tree_;
};

class Problems {
 public:
  explicit Problems(std::string name) : name_(std::move(name)) {}
  void Add(int line, const std::string& what) {
    problems_.push_back(line > 0 ? absl::StrCat(name_, ":", line, ": ", what)
                                 : absl::StrCat(name_, ": ", what));
  }
  absl::Status Status() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
  }

 private:
  std::string name_;
  std::vector<std::string> problems_;
};

// "name:line" when the line is known, else "name".
std::string Where(const std::string& name, int line) {
  return line > 0 ? absl::StrCat(name, ":", line) : name;
}

bool WellFormedItemId(const std::string& id) {
  if (id.empty() || !absl::ascii_islower(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return absl::ascii_islower(u) || absl::ascii_isdigit(u) || c == '_';
  });
}

// A counted limit: WORKING_DAYS or CALENDAR_DAYS, n >= 1. Empty when good.
std::string LimitProblem(const v1::DeadlineRule& rule) {
  if (rule.kind() != v1::DeadlineRule::WORKING_DAYS &&
      rule.kind() != v1::DeadlineRule::CALENDAR_DAYS) {
    return "must be WORKING_DAYS or CALENDAR_DAYS";
  }
  absl::Status valid = engine::ValidateRule(rule);
  if (!valid.ok()) return std::string(valid.message());
  if (rule.n() < 1) return absl::StrCat("n is ", rule.n(), ", must be >= 1");
  return "";
}

void CheckItems(const v1::ApprovalPolicy& p, const std::set<std::string>& units, const Locator& at,
                Problems* problems) {
  if (p.items().empty()) problems->Add(0, "items: at least one is required");
  std::map<std::string, int> index;
  bool any_required = false;
  for (int i = 0; i < p.items_size(); ++i) {
    const v1::ApprovalItemPolicy& item = p.items(i);
    const std::string label = absl::StrCat("item '", item.id(), "' (#", i + 1, ")");
    if (!WellFormedItemId(item.id())) {
      problems->Add(at.Item(i, "id"), absl::StrCat(label,
                                                   ": id must be a lower-case letter, "
                                                   "then lower-case letters, digits, '_'"));
    } else if (!index.emplace(item.id(), i).second) {
      problems->Add(at.Item(i, "id"),
                    absl::StrCat(label, ": id repeats item #", index[item.id()] + 1));
    }
    if (item.name().empty()) problems->Add(at.Item(i), absl::StrCat(label, ": name is required"));
    if (units.count(item.department()) == 0) {
      problems->Add(at.Item(i, "department"),
                    absl::StrCat(label, ": department '", item.department(),
                                 "' is not one of the policy's units"));
    }
    if (std::string why = LimitProblem(item.limit()); !why.empty()) {
      problems->Add(at.Item(i, "limit"), absl::StrCat(label, ": limit ", why));
    }
    if (item.extension_working_days() < 0) {
      problems->Add(at.Item(i, "extension_working_days"),
                    absl::StrCat(label, ": extension_working_days must be >= 0"));
    }
    if (item.extension_working_days() > 0 &&
        p.item_extension_grantor() == v1::APPROVAL_EXTENSION_GRANTOR_UNSPECIFIED) {
      problems->Add(at.Item(i, "extension_working_days"),
                    absl::StrCat(label,
                                 ": allows an extension but the policy names no "
                                 "item_extension_grantor"));
    }
    any_required = any_required || item.required();
  }
  if (!p.items().empty() && !any_required) problems->Add(0, "items: at least one must be required");

  // Dependencies: existing, not self, not repeated, no cycle.
  for (int i = 0; i < p.items_size(); ++i) {
    const v1::ApprovalItemPolicy& item = p.items(i);
    std::set<std::string> seen;
    for (const std::string& dep : item.depends_on()) {
      const std::string label = absl::StrCat("item '", item.id(), "': depends_on '", dep, "'");
      if (dep == item.id()) {
        problems->Add(at.Item(i, "depends_on"), absl::StrCat(label,
                                                             ": an item cannot wait for "
                                                             "itself"));
      } else if (index.count(dep) == 0) {
        problems->Add(at.Item(i, "depends_on"), absl::StrCat(label, ": no such item"));
      } else if (!seen.insert(dep).second) {
        problems->Add(at.Item(i, "depends_on"), absl::StrCat(label, ": repeated"));
      }
    }
  }
  // Depth-first search for a cycle (0 new, 1 on the path, 2 done).
  std::vector<int> mark(p.items_size(), 0);
  std::vector<std::string> path;
  std::function<bool(int)> visit = [&](int i) -> bool {
    mark[i] = 1;
    path.push_back(p.items(i).id());
    for (const std::string& dep : p.items(i).depends_on()) {
      auto it = index.find(dep);
      if (it == index.end() || it->second == i) continue;
      if (mark[it->second] == 1) {
        path.push_back(dep);
        return true;
      }
      if (mark[it->second] == 0 && visit(it->second)) return true;
    }
    path.pop_back();
    mark[i] = 2;
    return false;
  };
  for (int i = 0; i < p.items_size(); ++i) {
    if (mark[i] == 0 && visit(i)) {
      problems->Add(at.Item(i, "depends_on"), absl::StrCat("items: dependencies form a cycle: ",
                                                           absl::StrJoin(path, " -> ")));
      break;
    }
  }
}

absl::Status Validate(const v1::ApprovalPolicy& p, const std::string& name, const Locator& at) {
  Problems problems(name);
  if (p.name().empty()) problems.Add(0, "name is required");
  if (std::string why = LimitProblem(p.case_limit()); !why.empty()) {
    problems.Add(at.Field("case_limit"), absl::StrCat("case_limit ", why));
  }
  if (p.case_extension_working_days() < 0) {
    problems.Add(at.Field("case_extension_working_days"),
                 "case_extension_working_days must be >= 0");
  }
  if (p.case_extension_working_days() > 0 &&
      p.case_extension_grantor() == v1::APPROVAL_EXTENSION_GRANTOR_UNSPECIFIED) {
    problems.Add(at.Field("case_extension_working_days"),
                 "a case extension is allowed but case_extension_grantor is not set");
  }
  if (p.yellow_working_days() < 0) {
    problems.Add(at.Field("yellow_working_days"), "yellow_working_days must be >= 0");
  }
  if (absl::Status ladder = engine::ValidateLadder(p.ladder_rules(), "ladder"); !ladder.ok()) {
    problems.Add(at.Field(p.ladder().empty() ? "ladder_rules" : "ladder"),
                 std::string(ladder.message()));
  }
  if (p.has_commitment_ladder_rules()) {
    if (absl::Status ladder =
            engine::ValidateLadder(p.commitment_ladder_rules(), "commitment_ladder");
        !ladder.ok()) {
      problems.Add(
          at.Field(p.commitment_ladder().empty() ? "commitment_ladder_rules" : "commitment_ladder"),
          std::string(ladder.message()));
    }
  }
  if (p.supervision_office().empty()) problems.Add(0, "supervision_office is required");

  std::set<std::string> units;
  for (int i = 0; i < p.units_size(); ++i) {
    const v1::ApprovalUnit& u = p.units(i);
    if (u.name().empty()) {
      problems.Add(at.Unit(i), absl::StrCat("unit #", i + 1, ": name is required"));
    } else if (!units.insert(u.name()).second) {
      problems.Add(at.Unit(i), absl::StrCat("unit '", u.name(), "': listed twice"));
    }
    if (u.head().empty()) {
      problems.Add(at.Unit(i), absl::StrCat("unit '", u.name(),
                                            "': head (the post of its head, "
                                            "e.g. 局长) is required"));
    }
  }
  if (units.count(p.lead_unit()) == 0) {
    problems.Add(at.Field("lead_unit"),
                 absl::StrCat("lead_unit '", p.lead_unit(), "' is not one of the policy's units"));
  }
  CheckItems(p, units, at, &problems);

  std::set<int> reasons;
  for (int r : p.case_clock_stops_for()) {
    if (r == v1::APPROVAL_SUSPENSION_REASON_UNSPECIFIED ||
        !v1::ApprovalSuspensionReason_IsValid(r)) {
      problems.Add(at.Field("case_clock_stops_for"), "case_clock_stops_for: unspecified reason");
    } else if (!reasons.insert(r).second) {
      problems.Add(at.Field("case_clock_stops_for"),
                   absl::StrCat("case_clock_stops_for: ",
                                v1::ApprovalSuspensionReason_Name(
                                    static_cast<v1::ApprovalSuspensionReason>(r)),
                                " repeated"));
    }
  }
  return problems.Status();
}

}  // namespace

absl::Status ValidateApprovalPolicy(const v1::ApprovalPolicy& policy, const std::string& name) {
  return Validate(policy, name, Locator(nullptr));
}

absl::StatusOr<v1::ApprovalPolicy> ParseApprovalPolicy(const std::string& name,
                                                       const std::string& text,
                                                       const std::string& ladders_dir) {
  v1::ApprovalPolicy policy;
  absl::Status parsed = engine::ParseTextProto(name, text, &policy);
  if (!parsed.ok()) return parsed;
  // Parse again to learn where each field was written.
  TextFormat::ParseInfoTree tree;
  TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::ApprovalPolicy located;
  const bool located_ok = parser.ParseFromString(text, &located);
  const Locator at(located_ok ? &tree : nullptr);

  const bool inline_ladder = policy.has_ladder_rules();
  if (inline_ladder && !policy.ladder().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(name, at.Field("ladder_rules")),
                     ": give either ladder (a file name) or ladder_rules (inline), not both"));
  }
  if (!inline_ladder) {
    if (policy.ladder().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": ladder is required (a file under ", ladders_dir, ")"));
    }
    const std::string path =
        (std::filesystem::path(ladders_dir) / (policy.ladder() + ".textproto")).string();
    absl::StatusOr<v1::Ladder> ladder = engine::LoadLadder(path);
    if (!ladder.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(Where(name, at.Field("ladder")), ": ladder '",
                                                     policy.ladder(),
                                                     "': ", ladder.status().message()));
    }
    if (ladder->name() != policy.ladder()) {
      return absl::InvalidArgumentError(absl::StrCat(Where(name, at.Field("ladder")), ": ladder '",
                                                     policy.ladder(), "': the file's name is '",
                                                     ladder->name(), "'"));
    }
    *policy.mutable_ladder_rules() = *std::move(ladder);
  }
  if (!policy.commitment_ladder().empty() && !policy.has_commitment_ladder_rules()) {
    const std::string path =
        (std::filesystem::path(ladders_dir) / (policy.commitment_ladder() + ".textproto")).string();
    absl::StatusOr<v1::Ladder> ladder = engine::LoadLadder(path);
    if (!ladder.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(name, at.Field("commitment_ladder")), ": commitment_ladder '",
                       policy.commitment_ladder(), "': ", ladder.status().message()));
    }
    if (ladder->name() != policy.commitment_ladder()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(name, at.Field("commitment_ladder")), ": commitment_ladder '",
                       policy.commitment_ladder(), "': the file's name is '", ladder->name(), "'"));
    }
    *policy.mutable_commitment_ladder_rules() = *std::move(ladder);
  }
  absl::Status valid = Validate(policy, name, at);
  if (!valid.ok()) return valid;
  return policy;
}

absl::StatusOr<v1::ApprovalPolicy> LoadApprovalPolicy(const std::string& path,
                                                      const std::string& ladders_dir) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ParseApprovalPolicy(path, buffer.str(), ladders_dir);
}

absl::StatusOr<std::vector<v1::ApprovalPolicy>> LoadApprovalPolicies(
    const std::string& dir, const std::string& ladders_dir) {
  std::error_code ec;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".textproto") paths.push_back(entry.path().string());
  }
  if (ec) return absl::NotFoundError(absl::StrCat(dir, ": cannot list: ", ec.message()));
  if (paths.empty()) return absl::NotFoundError(absl::StrCat(dir, ": no *.textproto policy"));
  std::sort(paths.begin(), paths.end());
  std::vector<v1::ApprovalPolicy> out;
  std::map<std::string, std::string> by_name;
  for (const std::string& path : paths) {
    absl::StatusOr<v1::ApprovalPolicy> policy = LoadApprovalPolicy(path, ladders_dir);
    if (!policy.ok()) return policy.status();
    auto [it, fresh] = by_name.emplace(policy->name(), path);
    if (!fresh) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": policy '", policy->name(), "' is already defined in ", it->second));
    }
    out.push_back(*std::move(policy));
  }
  return out;
}

}  // namespace taizhang::workflows
