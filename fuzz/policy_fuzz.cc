// The text-format policies an operator writes (workflows/policies): the
// first byte picks the kind, the rest is its text. Each parser refuses what
// is not a policy with INVALID_ARGUMENT (or NOT_FOUND for a ladder it names
// that is not there) and a message naming where, and never crashes.
#include <algorithm>
#include <filesystem>

#include "engine/ladder.h"
#include "fuzz/fuzz_target.h"
#include "workflows/approval_policy.h"
#include "workflows/assessment_policy.h"
#include "workflows/attachments.h"
#include "workflows/project.h"
#include "workflows/task_policy.h"

namespace taizhang::fuzz {
namespace {

namespace fs = std::filesystem;

// The kinds, by the folder their files are shipped in.
constexpr const char* kKinds[] = {"tasks",   "approval", "assessment", "attachments",
                                  "ladders", "visits",   "investment"};
constexpr size_t kKindCount = sizeof(kKinds) / sizeof(kKinds[0]);

std::string LaddersDir() {
  const char* source = std::getenv("TAIZHANG_SOURCE_DIR");
  return (fs::path(source != nullptr ? source : ".") / "workflows" / "policies" / "ladders")
      .string();
}

std::vector<std::string> PolicySeeds(const std::string& source_dir) {
  std::vector<std::string> out;
  for (size_t k = 0; k < kKindCount; ++k) {
    const fs::path dir = fs::path(source_dir) / "workflows" / "policies" / kKinds[k];
    std::error_code error;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, error)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      out.push_back(std::string(1, static_cast<char>(k)) + ReadSeedFile(f.string()));
    }
  }
  return out;
}

void Refused(const absl::Status& s) {
  FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument ||
             s.code() == absl::StatusCode::kNotFound);
  FUZZ_CHECK(!s.message().empty());
}

template <typename T>
void Check(const absl::StatusOr<T>& parsed) {
  if (!parsed.ok()) Refused(parsed.status());
}

}  // namespace

TAIZHANG_FUZZ_TARGET(policy, PolicySeeds) {
  if (size == 0) return;
  static const std::string ladders = LaddersDir();
  const std::string text(AsText(data + 1, size - 1));
  const std::string name = "fuzz.textproto";
  switch (data[0] % kKindCount) {
    case 0:
      Check(workflows::ParseTaskPolicy(name, text, ladders));
      break;
    case 1:
      Check(workflows::ParseApprovalPolicy(name, text, ladders));
      break;
    case 2:
      Check(workflows::ParseAssessmentPolicy(name, text));
      break;
    case 3:
      Check(workflows::ParseAttachmentPolicy(name, text));
      break;
    case 4:
      Check(engine::ParseLadder(name, text));
      break;
    case 5:
      Check(workflows::ParseVisitPolicy(name, text));
      break;
    default:
      Check(workflows::ParseProjectPolicy(name, text));
      break;
  }
}

}  // namespace taizhang::fuzz
