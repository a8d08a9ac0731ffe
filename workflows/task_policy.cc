// The task policy: its own fields checked with the line of each, and the
// ladders it names loaded.
#include "workflows/task_policy.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "engine/ladder.h"
#include "engine/text_proto.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "workflows/task_internal.h"

namespace taizhang::workflows {
namespace {

using task_internal::Blank;

bool IsLadderNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// (field, reason) pairs for a policy's own fields.
std::vector<std::pair<std::string, std::string>> PolicyProblems(const v1::TaskPolicy& policy) {
  std::vector<std::pair<std::string, std::string>> out;
  if (Blank(policy.name())) out.emplace_back("name", "required");
  for (const auto& [field, ladder] :
       {std::pair<const char*, const std::string*>{"task_ladder", &policy.task_ladder()},
        {"problem_ladder", &policy.problem_ladder()}}) {
    if (ladder->empty()) {
      out.emplace_back(field, "required: the name of a ladder in policies/ladders/");
    } else if (!std::all_of(ladder->begin(), ladder->end(), IsLadderNameChar) || *ladder == "." ||
               *ladder == "..") {
      out.emplace_back(
          field, absl::StrCat("'", *ladder, "' is not a ladder name (letters, digits, _ - .)"));
    }
  }
  if (policy.task_yellow_working_days() < 0) {
    out.emplace_back("task_yellow_working_days",
                     absl::StrCat(policy.task_yellow_working_days(), ", must be >= 0"));
  }
  if (policy.problem_yellow_working_days() < 0) {
    out.emplace_back("problem_yellow_working_days",
                     absl::StrCat(policy.problem_yellow_working_days(), ", must be >= 0"));
  }
  const v1::DeadlineRule& limit = policy.problem_default_limit();
  if (!policy.has_problem_default_limit()) {
    out.emplace_back("problem_default_limit", "required (e.g. { kind: WORKING_DAYS n: 5 })");
  } else if (absl::Status s = engine::ValidateRule(limit); !s.ok()) {
    out.emplace_back("problem_default_limit", std::string(s.message()));
  } else if (limit.kind() != v1::DeadlineRule::WORKING_DAYS &&
             limit.kind() != v1::DeadlineRule::CALENDAR_DAYS) {
    out.emplace_back("problem_default_limit", "must be WORKING_DAYS or CALENDAR_DAYS");
  } else if (limit.n() < 1) {
    out.emplace_back("problem_default_limit", "n must be >= 1");
  }
  return out;
}

int PolicyLine(const google::protobuf::TextFormat::ParseInfoTree* tree, const std::string& field) {
  if (tree == nullptr) return 0;
  const google::protobuf::FieldDescriptor* f = v1::TaskPolicy::descriptor()->FindFieldByName(field);
  if (f == nullptr) return 0;
  return tree->GetLocation(f, -1).line + 1;  // 0 when not written
}

std::string Where(const std::string& name, int line) {
  return line > 0 ? absl::StrCat(name, ":", line) : name;
}

absl::Status PolicyStatus(const v1::TaskPolicy& policy, const std::string& name,
                          const google::protobuf::TextFormat::ParseInfoTree* tree) {
  std::vector<std::string> messages;
  for (const auto& [field, reason] : PolicyProblems(policy)) {
    messages.push_back(
        absl::StrCat(Where(name, PolicyLine(tree, field)), ": ", field, ": ", reason));
  }
  if (messages.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(messages, "; "));
}

absl::StatusOr<v1::Ladder> LoadNamedLadder(const std::string& where, const std::string& field,
                                           const std::string& ladder_name,
                                           const std::string& ladders_dir) {
  const std::string path = absl::StrCat(ladders_dir, "/", ladder_name, ".textproto");
  absl::StatusOr<v1::Ladder> ladder = engine::LoadLadder(path);
  if (!ladder.ok()) {
    return absl::Status(ladder.status().code(), absl::StrCat(where, ": ", field, " '", ladder_name,
                                                             "': ", ladder.status().message()));
  }
  if (ladder->name() != ladder_name) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", field, " '", ladder_name, "': ",
                                                   path, " names itself '", ladder->name(), "'"));
  }
  return ladder;
}

}  // namespace

// ---------------------------------------------------------------------------
// Policy.

absl::Status ValidateTaskPolicy(const v1::TaskPolicy& policy, const std::string& name) {
  return PolicyStatus(policy, name, nullptr);
}

absl::StatusOr<TaskPolicyFiles> ParseTaskPolicy(const std::string& name, const std::string& text,
                                                const std::string& ladders_dir) {
  TaskPolicyFiles files;
  RETURN_IF_ERROR(engine::ParseTextProto(name, text, &files.policy));
  google::protobuf::TextFormat::ParseInfoTree tree;
  google::protobuf::TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::TaskPolicy located;
  const bool located_ok = parser.ParseFromString(text, &located);
  const google::protobuf::TextFormat::ParseInfoTree* t = located_ok ? &tree : nullptr;
  RETURN_IF_ERROR(PolicyStatus(files.policy, name, t));
  ASSIGN_OR_RETURN(files.task_ladder,
                   LoadNamedLadder(Where(name, PolicyLine(t, "task_ladder")), "task_ladder",
                                   files.policy.task_ladder(), ladders_dir));
  ASSIGN_OR_RETURN(files.problem_ladder,
                   LoadNamedLadder(Where(name, PolicyLine(t, "problem_ladder")), "problem_ladder",
                                   files.policy.problem_ladder(), ladders_dir));
  return files;
}

absl::StatusOr<TaskPolicyFiles> LoadTaskPolicy(const std::string& path,
                                               const std::string& ladders_dir) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ParseTaskPolicy(path, buffer.str(), ladders_dir);
}

}  // namespace taizhang::workflows
