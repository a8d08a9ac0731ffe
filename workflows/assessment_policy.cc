// The assessment rule loaded and checked, each error with its file and line.
#include "workflows/assessment_policy.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/text_proto.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"

namespace taizhang::workflows {
namespace {

using Tree = google::protobuf::TextFormat::ParseInfoTree;

bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

int LineOf(const Tree* tree, const google::protobuf::Message& message, const char* field,
           int index) {
  if (tree == nullptr) return 0;
  const auto* f = message.GetDescriptor()->FindFieldByName(field);
  if (f == nullptr) return 0;
  return tree->GetLocation(f, f->is_repeated() ? index : -1).line + 1;  // 0: not written
}

// Where `field` of an element (index-th of `parent_field` in `parent`) is
// written, or the element itself when the field is not.
struct Element {
  const Tree* tree;  // the parent's
  const google::protobuf::Message& parent;
  const char* parent_field;
  int index;
  const google::protobuf::Message& element;

  const Tree* own() const {
    if (tree == nullptr) return nullptr;
    const auto* f = parent.GetDescriptor()->FindFieldByName(parent_field);
    return f == nullptr ? nullptr : tree->GetTreeForNested(f, index);
  }
  int Line(const char* field, int field_index = -1) const {
    const int line = LineOf(own(), element, field, field_index);
    return line > 0 ? line : LineOf(tree, parent, parent_field, index);
  }
};

// Collects "name:line: path: reason" for one file.
class Problems {
 public:
  explicit Problems(std::string name) : name_(std::move(name)) {}
  void Add(int line, const std::string& path, const std::string& reason) {
    messages_.push_back(line > 0 ? absl::StrCat(name_, ":", line, ": ", path, ": ", reason)
                                 : absl::StrCat(name_, ": ", path, ": ", reason));
  }
  bool empty() const { return messages_.empty(); }
  absl::Status status() const { return absl::InvalidArgumentError(absl::StrJoin(messages_, "; ")); }

 private:
  std::string name_;
  std::vector<std::string> messages_;
};

bool InCentiSteps(double points) {
  return std::fabs(points * 100 - std::round(points * 100)) < 1e-6;
}

void CheckGroups(const v1::AssessmentPolicy& p, const Tree* t, Problems& out) {
  if (p.groups().empty()) out.Add(LineOf(t, p, "id", -1), "groups", "at least one group of units");
  std::set<std::string> units;
  for (int i = 0; i < p.groups_size(); ++i) {
    const v1::UnitGroup& g = p.groups(i);
    const Element e{t, p, "groups", i, g};
    const std::string at = absl::StrCat("groups[", i, "]");
    if (Blank(g.name())) out.Add(e.Line("name"), at + ".name", "required, e.g. 县区");
    if (g.kind() == v1::UNIT_KIND_UNSPECIFIED) {
      out.Add(e.Line("kind"), at + ".kind", "required: UNIT_KIND_COUNTY or UNIT_KIND_DEPARTMENT");
    }
    if (g.units().empty()) out.Add(e.Line("units", 0), at + ".units", "at least one unit");
    for (int u = 0; u < g.units_size(); ++u) {
      const std::string where = absl::StrCat(at, ".units[", u, "]");
      if (Blank(g.units(u))) out.Add(e.Line("units", u), where, "a unit's name, not blank");
      if (!units.insert(g.units(u)).second) {
        out.Add(e.Line("units", u), where, absl::StrCat("'", g.units(u), "' is assessed twice"));
      }
    }
    for (const auto& [field, value, max] :
         {std::tuple<const char*, int, int>{"advanced_count", g.advanced_count(), 1 << 20},
          {"advanced_share_percent", g.advanced_share_percent(), 100},
          {"last_count", g.last_count(), 1 << 20},
          {"last_share_percent", g.last_share_percent(), 100}}) {
      if (value < 0 || value > max) {
        out.Add(e.Line(field), absl::StrCat(at, ".", field),
                max == 100 ? "out of range 0..100" : "must not be negative");
      }
    }
  }
}

void CheckIndicators(const v1::AssessmentPolicy& p, const Tree* t, std::set<std::string>& ids,
                     Problems& out) {
  if (p.indicators().empty())
    out.Add(LineOf(t, p, "id", -1), "indicators", "at least one indicator");
  int64_t full = 0;
  for (int i = 0; i < p.indicators_size(); ++i) {
    const v1::Indicator& x = p.indicators(i);
    const Element e{t, p, "indicators", i, x};
    const std::string at = absl::StrCat("indicators[", i, "]");
    if (Blank(x.id())) {
      out.Add(e.Line("id"), at + ".id", "required");
    } else if (!ids.insert(x.id()).second) {
      out.Add(e.Line("id"), at + ".id", absl::StrCat("'", x.id(), "' is used twice"));
    }
    if (Blank(x.name())) out.Add(e.Line("name"), at + ".name", "required");
    if (x.kind() == v1::INDICATOR_KIND_UNSPECIFIED)
      out.Add(e.Line("kind"), at + ".kind", "required");
    if (x.weight() < 1 || x.weight() > 1000) {
      out.Add(e.Line("weight"), at + ".weight", "out of range 1..1000");
    }
    full += x.weight();
    if (x.no_data() == v1::NO_DATA_RULE_UNSPECIFIED) {
      out.Add(e.Line("no_data"), at + ".no_data",
              "required: NO_DATA_EXCLUDED, NO_DATA_FULL_MARKS or NO_DATA_ZERO");
    }
    const bool on_time = x.kind() == v1::INDICATOR_KIND_ON_TIME_RATE;
    if (on_time && x.subjects().empty()) {
      out.Add(e.Line("subjects", 0), at + ".subjects", "an on-time indicator names its subjects");
    }
    if (!on_time && !x.subjects().empty()) {
      out.Add(e.Line("subjects", 0), at + ".subjects",
              "only an on-time indicator selects subjects");
    }
    for (int s = 0; s < x.subjects_size(); ++s) {
      if (Blank(x.subjects(s).stream_prefix())) {
        out.Add(e.Line("subjects", s), absl::StrCat(at, ".subjects[", s, "].stream_prefix"),
                "required, e.g. \"task/\"");
      }
    }
  }
  if (ToCenti(p.min_score()) < 0 || (full > 0 && ToCenti(p.min_score()) >= full * 100)) {
    out.Add(LineOf(t, p, "min_score", -1), "min_score", "out of range 0..full marks");
  }
}

void CheckDeductions(const v1::AssessmentPolicy& p, const Tree* t, std::set<std::string>& ids,
                     Problems& out) {
  for (int i = 0; i < p.deductions_size(); ++i) {
    const v1::Deduction& d = p.deductions(i);
    const Element e{t, p, "deductions", i, d};
    const std::string at = absl::StrCat("deductions[", i, "]");
    auto add = [&](const char* field, const std::string& reason) {
      out.Add(e.Line(field), absl::StrCat(at, ".", field), reason);
    };
    if (Blank(d.id())) {
      add("id", "required");
    } else if (!ids.insert(d.id()).second) {
      add("id", absl::StrCat("'", d.id(), "' is used twice"));
    }
    if (Blank(d.name())) add("name", "required");
    if (d.kind() == v1::DEDUCTION_KIND_UNSPECIFIED) add("kind", "required");
    if (d.kind() == v1::DEDUCTION_KIND_RUNG_RAISED && d.issue() == v1::ISSUE_UNSPECIFIED) {
      add("issue", "required for a rung deduction, e.g. ISSUE_LISTING");
    }
    if (d.points_each() <= 0 || !InCentiSteps(d.points_each())) {
      add("points_each", "more than 0, in steps of 0.01");
    }
    if (d.max_points() != 0 &&
        (d.max_points() < d.points_each() || !InCentiSteps(d.max_points()))) {
      add("max_points", "0 (no cap) or at least points_each, in steps of 0.01");
    }
  }
}

}  // namespace

int64_t ToCenti(double points) { return static_cast<int64_t>(std::floor(points * 100 + 0.5)); }

const v1::AssessmentPolicy* AssessmentPolicies::ForYear(int year) const {
  for (const auto& p : policies_) {
    if (year >= p.from_year() && (p.to_year() == 0 || year <= p.to_year())) return &p;
  }
  return nullptr;
}

const v1::AssessmentPolicy* AssessmentPolicies::ById(const std::string& id) const {
  for (const auto& p : policies_) {
    if (p.id() == id) return &p;
  }
  return nullptr;
}

absl::StatusOr<v1::AssessmentPolicy> ParseAssessmentPolicy(const std::string& name,
                                                           const std::string& text) {
  v1::AssessmentPolicy policy;
  RETURN_IF_ERROR(engine::ParseTextProto(name, text, &policy));
  Tree tree;
  google::protobuf::TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::AssessmentPolicy located;
  const Tree* t = parser.ParseFromString(text, &located) ? &tree : nullptr;
  Problems out(name);
  if (Blank(policy.id())) out.Add(LineOf(t, policy, "id", -1), "id", "required");
  if (Blank(policy.name())) out.Add(LineOf(t, policy, "name", -1), "name", "required");
  if (policy.from_year() < 2000 || policy.from_year() > 2200) {
    out.Add(LineOf(t, policy, "from_year", -1), "from_year", "required, 2000..2200");
  }
  if (policy.to_year() != 0 && (policy.to_year() < policy.from_year() || policy.to_year() > 2200)) {
    out.Add(LineOf(t, policy, "to_year", -1), "to_year", "0 (open-ended) or from_year..2200");
  }
  CheckGroups(policy, t, out);
  std::set<std::string> ids;
  CheckIndicators(policy, t, ids, out);
  CheckDeductions(policy, t, ids, out);
  if (!out.empty()) return out.status();
  return policy;
}

absl::StatusOr<AssessmentPolicies> LoadAssessmentPolicies(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return AssessmentPolicies();
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".textproto") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<v1::AssessmentPolicy> policies;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
    std::stringstream buffer;
    buffer << in.rdbuf();
    ASSIGN_OR_RETURN(v1::AssessmentPolicy p, ParseAssessmentPolicy(path, buffer.str()));
    for (const auto& q : policies) {
      if (q.id() == p.id()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": id: '", p.id(), "' is the id of another rule"));
      }
      const int p_to = p.to_year() == 0 ? 1 << 30 : p.to_year();
      const int q_to = q.to_year() == 0 ? 1 << 30 : q.to_year();
      if (p.from_year() <= q_to && q.from_year() <= p_to) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": from_year: its years overlap those of rule '", q.id(), "'"));
      }
    }
    policies.push_back(std::move(p));
  }
  return AssessmentPolicies(std::move(policies));
}

}  // namespace taizhang::workflows
