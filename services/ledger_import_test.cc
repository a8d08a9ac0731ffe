// Applying an import on a real Ledger: a command refused while applying (the
// ledger moved after the plan was made) stops the apply, is reported by its
// row, and the rest of the file is finished by importing it again, each
// command once.
//
// The ledger here is opened and started only later, so that its projections
// (what the plan reads) do not follow the log at first: a project registered
// straight into the log is then unknown to the plan and refused when applied,
// as it would be when another client registers it between a plan and its
// apply.
#include "services/ledger_import.h"

#include <unistd.h>

#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/event_log.h"
#include "workflows/principal.h"

namespace taizhang::services {
namespace {

using ::testing::HasSubstr;

std::string SourceDir() {
  const char* dir = std::getenv("TAIZHANG_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

constexpr char kOffice[] = "supervision:督查室";

std::string Code(int i) { return absl::StrFormat("2025-530115-47-01-%06d", 200000 + i); }

class ImportApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("tz_import_", getpid(), "_", std::random_device()()))
               .string();
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    workflows::LedgerOptions options;
    options.policies_dir = SourceDir() + "/workflows/policies";
    auto ledger = workflows::Ledger::Open(*log_, clock_, options);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    auto principal = workflows::ParseActor(kOffice);
    ASSERT_TRUE(principal.ok());
    caller_ = Caller{*principal, kOffice};
  }
  void TearDown() override {
    ledger_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A project ledger of `n` rows (data from row 2).
  static std::string File(int n) {
    std::string out =
        "项目代码,项目名称,建设单位,牵头单位,分包领导,项目级别,总投资（万元）,"
        "2025年计划投资（万元）\n";
    for (int i = 0; i < n; ++i) {
      absl::StrAppend(&out, Code(i), ",项目", i, ",业主,自然资源局,张副区长,市重点,1000,100\n");
    }
    return out;
  }
  absl::Status Import(const std::string& content, v1::ImportLedgerResponse* reply) {
    v1::ImportLedgerRequest request;
    request.set_kind(v1::LEDGER_KIND_PROJECTS);
    request.set_content(content);
    request.set_apply(true);
    return ImportLedger(*ledger_, clock_, caller_, v1::TextLimits(), request, reply);
  }
  // The stream's version in the log (0: none).
  uint64_t Version(int i) {
    auto loaded = ledger_->workflow<workflows::Project>().store().Load(
        workflows::WorkflowOf<workflows::Project>::Stream(Code(i)));
    return loaded.ok() ? loaded->version : 0;
  }

  ManualClock clock_{absl::FromCivil(absl::CivilHour(2025, 3, 1, 10), engine::ChinaTime())};
  std::string dir_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<workflows::Ledger> ledger_;
  Caller caller_;
};

TEST_F(ImportApplyTest, ARefusalWhileApplyingIsReportedByRowAndTheRetryFinishesOnce) {
  constexpr int kRows = 60;
  constexpr int kTaken = 40;  // registered by someone else after the plan
  v1::ProjectCommand other;
  v1::ProjectInfo* info = other.mutable_register_()->mutable_info();
  info->set_code(Code(kTaken));
  info->set_name("另一个项目");
  info->set_level(v1::PROJECT_LEVEL_MUNICIPAL);
  info->set_owner("业主");
  info->set_lead_unit("自然资源局");
  info->set_responsible_leader("张副区长");
  info->set_total_investment_yuan(10000000);
  info->set_plan_year(2025);
  ASSERT_TRUE(
      ledger_->ExecuteProject(Code(kTaken), other, {.request_id = "other", .actor = kOffice}).ok());

  v1::ImportLedgerResponse reply;
  absl::Status applied = Import(File(kRows), &reply);
  ASSERT_FALSE(applied.ok());
  EXPECT_THAT(applied.message(), HasSubstr(absl::StrCat("第 ", kTaken + 2, " 行写入时被拒绝")));
  EXPECT_THAT(applied.message(), HasSubstr(absl::StrCat("（共 ", kRows, " 条）")));
  EXPECT_THAT(applied.message(), HasSubstr("再次导入同一文件会补全其余"));
  // Every row before the refused one was written, once; the refused project
  // is still the other one's; no command was started after the refusal was
  // known beyond those already under way (at most 16).
  for (int i = 0; i < kTaken; ++i) EXPECT_EQ(Version(i), 1u) << i;
  EXPECT_EQ(Version(kTaken), 1u);
  int after = 0;
  for (int i = kTaken + 1; i < kRows; ++i) after += Version(i) > 0;
  EXPECT_LE(after, 16);

  // The ledger started, its projections follow the log. The same file
  // without the taken row (as the office would fix it): what was written is
  // unchanged, the rest is written, each command once.
  ASSERT_TRUE(ledger_->Start().ok());
  ledger_->runtime().Quiesce();
  std::string fixed = File(kRows);
  const std::string taken_row =
      absl::StrCat(Code(kTaken), ",项目", kTaken, ",业主,自然资源局,张副区长,市重点,1000,100\n");
  fixed.erase(fixed.find(taken_row), taken_row.size());
  v1::ImportLedgerResponse retry;
  ASSERT_TRUE(Import(fixed, &retry).ok());
  EXPECT_TRUE(retry.applied());
  EXPECT_EQ(retry.unchanged(), kTaken + after);
  EXPECT_EQ(retry.created(), kRows - 1 - kTaken - after);
  for (int i = 0; i < kRows; ++i) EXPECT_EQ(Version(i), 1u) << i;
  // And again: nothing to write.
  v1::ImportLedgerResponse again;
  ASSERT_TRUE(Import(fixed, &again).ok());
  EXPECT_EQ(again.unchanged(), kRows - 1);
  EXPECT_EQ(again.created() + again.changed() + again.errors(), 0);
}

}  // namespace
}  // namespace taizhang::services
