// The bulletin and the slip as HTML documents, and the bulletin's charts:
// every section and label there, the figures as people read them, hostile
// text escaped, and each chart well-formed XML with one bar per unit.
#include "reports/bulletin_document.h"

#include <expat.h>

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/slip_document.h"
#include "reports/svg_chart.h"

namespace taizhang::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kHostile[] = "<script>alert('x')</script>&";

v1::BulletinInvestment Investment(int64_t plan, int64_t done, int32_t bp, v1::Light light) {
  v1::BulletinInvestment i;
  i.set_annual_plan_yuan(plan);
  i.set_completed_yuan(done);
  if (plan > 0) i.set_completion_bp(bp);
  i.set_time_progress_bp(6667);
  i.set_light(light);
  return i;
}

// A bulletin for 2019-08 with seven units (one without a plan), a hostile
// unit and project name, a listed project and the units' supervision.
v1::Bulletin Sample() {
  v1::Bulletin b;
  b.set_month("2019-08");
  b.set_year(2019);
  b.set_month_index(8);
  b.set_through_position(4242);
  b.set_project_count(12);
  b.set_total_investment_yuan(3583465000000);
  for (int s = v1::PROJECT_STAGE_RESERVE_AGREEMENT; s <= v1::PROJECT_STAGE_COMPLETED; ++s) {
    auto* c = b.add_stages();
    c->set_stage(static_cast<v1::ProjectStage>(s));
    c->set_count(s);
  }
  b.mutable_starts()->set_planned_in_year(308);
  b.mutable_starts()->set_done_of_planned_in_year(215);
  b.mutable_starts()->set_annual_rate_bp(6981);
  b.mutable_completions()->set_planned_in_year(10);
  b.mutable_completions()->set_done_of_planned_in_year(4);
  b.mutable_completions()->set_annual_rate_bp(4000);
  *b.mutable_investment() = Investment(460699000000, 356805000000, 7745, v1::LIGHT_GREEN);
  auto* level = b.add_by_level();
  level->set_level(v1::PROJECT_LEVEL_PROVINCIAL);
  level->set_project_count(3);
  level->mutable_starts()->set_planned_in_year(33);
  level->mutable_starts()->set_done_of_planned_in_year(27);
  level->mutable_starts()->set_annual_rate_bp(8182);
  *level->mutable_investment() = Investment(100, 50, 5000, v1::LIGHT_YELLOW);
  const std::vector<std::string> units = {"高新区", "天府新区", kHostile,  "温江区",
                                          "双流区", "郫都区",   "无计划局"};
  for (size_t i = 0; i < units.size(); ++i) {
    auto* u = b.add_unit_ranking();
    u->set_rank(static_cast<int32_t>(i + 1));
    u->set_unit(units[i]);
    u->set_project_count(3);
    const bool planned = i + 1 < units.size();
    *u->mutable_investment() =
        Investment(planned ? 1000 : 0, 900 - 100 * static_cast<int64_t>(i),
                   9000 - 1000 * static_cast<int32_t>(i), i < 3 ? v1::LIGHT_GREEN : v1::LIGHT_RED);
    u->set_green(i < 3 ? 2 : 0);
    u->set_red(i < 3 ? 0 : 2);
  }
  auto* listed = b.add_listed();
  listed->set_code("2019-510100-47-01-000216");
  listed->set_name(kHostile);
  listed->set_lead_unit("温江区");
  listed->set_responsible_leader("县领导3");
  listed->add_reasons(v1::BULLETIN_LIST_REASON_NOT_STARTED_AS_PLANNED);
  listed->add_reasons(v1::BULLETIN_LIST_REASON_RED_LIGHT);
  listed->set_light(v1::LIGHT_RED);
  auto* s = b.add_unit_supervision();
  s->set_unit("区自然资源局");
  s->set_overdue_tasks(2);
  s->set_rungs_in_month(3);
  s->set_listings_in_month(1);
  s->set_open_rungs(2);
  s->set_late_entries_in_month(1);
  return b;
}

BulletinDocumentInfo Info() {
  BulletinDocumentInfo info;
  info.issuing_office = "成都市重点项目推进办公室";
  info.issued_on = absl::CivilDay(2019, 9, 5);
  info.document_number = "成重推〔2019〕8号";
  return info;
}

TEST(BulletinDocumentTest, MeetingsSectionOnlyWithMeetingFigures) {
  auto without = BulletinHtml(Sample(), Info());
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_THAT(*without, Not(HasSubstr("会议商定事项落实情况")));
  v1::Bulletin b = Sample();
  auto* m = b.add_meetings();
  m->set_meeting_id("w45");
  m->set_title("第45周调度会");
  m->set_kind(v1::MEETING_KIND_WEEKLY_DISPATCH);
  m->set_held_on("2019-08-09");
  m->set_matters(3);
  m->set_done(2);
  m->set_late(1);
  m->set_open(1);
  auto* u = b.add_unit_matters();
  u->set_unit("区住建局");
  u->set_open(2);
  u->set_overdue(1);
  u->set_done_in_month(4);
  auto html = BulletinHtml(b, Info());
  ASSERT_TRUE(html.ok()) << html.status();
  for (const char* text : {"七、会议商定事项落实情况", "本月召开调度会议1次，商定事项3项",
                           "尚有未完成商定事项2项次，其中逾期1项次", "第45周调度会", "周调度会",
                           "2019-08-09", "区住建局"}) {
    EXPECT_THAT(*html, HasSubstr(text)) << text;
  }
  EXPECT_THAT(*html, Not(HasSubstr("MEETING_KIND")));
}

TEST(BulletinDocumentTest, AssessmentSectionOnlyWithARanking) {
  auto without = BulletinHtml(Sample(), Info());
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_THAT(*without, Not(HasSubstr("考核排名")));
  v1::Bulletin b = Sample();
  v1::BulletinAssessment* a = b.mutable_assessment();
  a->set_policy_id("luohe-2020");
  a->set_policy_name("重点项目建设工作年终考核办法");
  a->set_from("2019-01-01");
  a->set_to("2019-08-31");
  auto unit = [&](const char* name, int rank, int64_t score, v1::AssessmentStanding standing) {
    v1::BulletinAssessmentUnit* u = a->add_units();
    u->set_group("县区");
    u->set_unit(name);
    u->set_rank(rank);
    u->set_score_centi(score);
    u->set_standing(standing);
    return u;
  };
  unit("温江区", 1, 9550, v1::ASSESSMENT_STANDING_ADVANCED);
  unit("郫都区", 2, 8000, v1::ASSESSMENT_STANDING_UNSPECIFIED);
  v1::BulletinAssessmentUnit* last = unit("双流区", 3, 6125, v1::ASSESSMENT_STANDING_LAST);
  last->set_deducted_centi(700);
  auto* d1 = last->add_top_deductions();
  d1->set_name("约谈");
  d1->set_count(1);
  d1->set_points_centi(300);
  auto* d2 = last->add_top_deductions();
  d2->set_name("挂牌督办");
  d2->set_count(2);
  d2->set_points_centi(400);
  v1::BulletinAssessmentUnit* none = unit("新津区", 0, 0, v1::ASSESSMENT_STANDING_UNSPECIFIED);
  none->set_unscored(true);
  auto html = BulletinHtml(b, Info());
  ASSERT_TRUE(html.ok()) << html.status();
  for (const char* text :
       {"七、重点项目建设工作考核排名", "按《重点项目建设工作年终考核办法》",
        "2019年1月1日至2019年8月31日", "先进单位：温江区；末位单位：双流区", "95.50", "61.25",
        "约谈1次，扣3.00分；挂牌督办2次，扣4.00分", "无可考核数据", "先进", "末位"}) {
    EXPECT_THAT(*html, HasSubstr(text)) << text;
  }
  EXPECT_THAT(*html, Not(HasSubstr("ASSESSMENT_STANDING")));
}

TEST(BulletinDocumentTest, ReadsAsATongbaoWithEverySection) {
  auto html = BulletinHtml(Sample(), Info());
  ASSERT_TRUE(html.ok()) << html.status();
  for (const char* text :
       {"重点项目推进情况通报（2019年8月）", "成重推〔2019〕8号", "成都市重点项目推进办公室",
        "2019年9月5日", "现将2019年1—8月", "一、总体情况", "二、分级情况", "三、单位排名",
        "四、点名项目", "五、督办情况",
        // 总体情况: the document's own sentences, with the figures.
        "纳入台账的重点项目12个，总投资35834.65亿元", "年度计划投资4606.99亿元",
        "完成投资3568.05亿元，占年度计划的77.45%", "时间进度66.67%", "快于时间进度10.78个百分点",
        "计划新开工项目308个，已开工215个，开工率69.81%", "竣工率40.00%",
        // Labels, never enum names.
        "储备（签订投资协议）", "省重点", "应开工未开工、亮红灯", "红灯", "绿灯", "黄灯",
        // The ranking's ends.
        "先进单位：高新区、天府新区、", "后进单位：温江区、双流区、郫都区",
        // Supervision, with late entries.
        "区自然资源局", "本月共下发督办3件次，其中挂牌督办1件次", "本月补录1项",
        "数据截至日志位置 4242", "未发布",
        // Print CSS: A4 and page numbers in the bottom margin.
        "size: A4", "@bottom-center", "counter(pages)"}) {
    EXPECT_THAT(*html, HasSubstr(text)) << text;
  }
  for (const char* enum_name : {"PROJECT_STAGE_", "LIGHT_RED", "PROJECT_LEVEL_", "BULLETIN_LIST"}) {
    EXPECT_THAT(*html, Not(HasSubstr(enum_name))) << enum_name;
  }
  // 无计划局 has no plan: ranked last, neither 先进 nor 后进.
  EXPECT_THAT(*html, Not(HasSubstr("郫都区、无计划局")));
}

TEST(BulletinDocumentTest, EscapesTextFromTheFigures) {
  auto html = BulletinHtml(Sample(), Info());
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, Not(HasSubstr("<script>")));
  EXPECT_THAT(*html, HasSubstr("&lt;script&gt;alert("));
  // The charts (unescaped markup this code made) escape it as well.
  EXPECT_THAT(InvestmentChart(Sample()),
              HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"));
}

TEST(BulletinDocumentTest, PublishedDocumentsPrintTheirDigest) {
  BulletinDocumentInfo info = Info();
  info.published = true;
  info.figures_sha256 = std::string(64, 'a');
  auto html = BulletinHtml(Sample(), info);
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, HasSubstr("已发布，数据摘要（SHA-256）"));
  EXPECT_THAT(*html, HasSubstr(std::string(64, 'a')));
  EXPECT_THAT(*html, Not(HasSubstr("未发布")));
}

TEST(BulletinDocumentTest, AnEmptyMonthStillReads) {
  v1::Bulletin b;
  b.set_month("2026-11");
  b.set_year(2026);
  b.set_month_index(11);
  auto html = BulletinHtml(b, Info());
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, HasSubstr("重点项目推进情况通报（2026年11月）"));
  EXPECT_THAT(*html, HasSubstr("本月无点名项目"));
  EXPECT_THAT(*html, HasSubstr("本月无逾期事项和督办"));
  EXPECT_THAT(*html, HasSubstr("无年度计划"));
}

TEST(BulletinDocumentTest, MoneyInYiAndDates) {
  EXPECT_EQ(FormatYi(356805000000), "3568.05");
  EXPECT_EQ(FormatYi(133830000000), "1338.30");
  EXPECT_EQ(FormatYi(0), "0.00");
  EXPECT_EQ(FormatYi(499999), "0.00");
  EXPECT_EQ(FormatYi(500000), "0.01");  // half away from zero
  EXPECT_EQ(FormatYi(-1500000), "-0.02");
  EXPECT_EQ(FormatRate(true, 6981), "69.81%");
  EXPECT_EQ(FormatRate(true, 0), "0.00%");
  EXPECT_EQ(FormatRate(false, 6981), "—");
  EXPECT_EQ(ChineseDate(absl::CivilDay(2026, 12, 1)), "2026年12月1日");
  EXPECT_EQ(BulletinFilename(Sample(), "pdf"), "重点项目推进情况通报-2019-08.pdf");
}

// Parses `svg` with expat; counts elements by name and class ("rect.bar").
struct Parsed {
  bool ok = false;
  std::string error;
  std::map<std::string, int> counts;
  std::string text;  // every text node, concatenated
};

Parsed ParseXml(const std::string& svg) {
  Parsed p;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &p);
  XML_SetStartElementHandler(parser, [](void* data, const XML_Char* name, const XML_Char** attrs) {
    auto* p = static_cast<Parsed*>(data);
    std::string key = name;
    for (int i = 0; attrs[i] != nullptr; i += 2) {
      if (std::string(attrs[i]) == "class") key += "." + std::string(attrs[i + 1]);
    }
    ++p->counts[key];
  });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* s, int len) {
    static_cast<Parsed*>(data)->text.append(s, len);
  });
  p.ok = XML_Parse(parser, svg.data(), static_cast<int>(svg.size()), 1) == XML_STATUS_OK;
  if (!p.ok) p.error = XML_ErrorString(XML_GetErrorCode(parser));
  XML_ParserFree(parser);
  return p;
}

TEST(SvgChartTest, InvestmentChartHasOneBarPerUnitAndTheTimeLine) {
  const v1::Bulletin b = Sample();
  const Parsed p = ParseXml(InvestmentChart(b));
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.counts.at("svg.chart"), 1);
  EXPECT_EQ(p.counts.at("rect.bar"), b.unit_ranking_size());
  EXPECT_THAT(p.text, HasSubstr("时间进度 66.67%"));
  EXPECT_THAT(p.text, HasSubstr("90.00%"));  // the first unit's bar
  EXPECT_THAT(p.text, HasSubstr("无计划"));
  EXPECT_THAT(p.text, HasSubstr(kHostile));  // as text, after unescaping
}

TEST(SvgChartTest, LightsChartStacksEachUnitsLights) {
  const Parsed p = ParseXml(LightsChart(Sample()));
  ASSERT_TRUE(p.ok) << p.error;
  // Seven units with two projects of one light each: one segment each,
  // plus three legend keys.
  EXPECT_EQ(p.counts.at("rect.bar"), 7);
  EXPECT_EQ(p.counts.at("rect.legend"), 3);
  EXPECT_THAT(p.text, HasSubstr("绿灯"));
  EXPECT_THAT(p.text, HasSubstr("3个（1个未评）"));
}

TEST(SvgChartTest, RankingChartMarksTheFirstAndTheLast) {
  const Parsed p = ParseXml(RankingChart(Sample()));
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.counts.at("rect.bar"), 6);  // the units with a plan
  std::string text = p.text;
  int advanced = 0, lagging = 0;
  for (size_t at = 0; (at = text.find("先进", at)) != std::string::npos; ++at) ++advanced;
  for (size_t at = 0; (at = text.find("后进", at)) != std::string::npos; ++at) ++lagging;
  EXPECT_EQ(advanced, 3);
  EXPECT_EQ(lagging, 3);
  EXPECT_THAT(text, HasSubstr("第1名 高新区"));
  EXPECT_EQ(RankingGroupSize(6), 3);
  EXPECT_EQ(RankingGroupSize(5), 1);
  EXPECT_EQ(RankingGroupSize(1), 0);
}

TEST(SvgChartTest, NoUnitsIsStillAChart) {
  v1::Bulletin b;
  for (const std::string& svg : {InvestmentChart(b), LightsChart(b), RankingChart(b)}) {
    const Parsed p = ParseXml(svg);
    ASSERT_TRUE(p.ok) << p.error;
    EXPECT_EQ(p.counts.count("rect.bar"), 0u);
  }
}

v1::SupervisionRung RedSlip() {
  v1::SupervisionRung rung;
  auto* r = rung.mutable_raised();
  r->set_slip_number("task/wuyue-plot5/1/red");
  r->set_rung_name("红色催办单");
  r->set_issues(v1::ISSUE_REMINDER_SLIP);
  r->set_slip_colour(v1::SLIP_COLOUR_RED);
  r->set_matter(kHostile);
  r->set_due_date("2020-07-15");
  r->set_raised_at_us(1595606400000000);  // 2020-07-25 00:00 China time
  r->set_rectification_working_days(3);
  r->set_rectification_due_on("2020-07-29");
  r->set_project_code("2020-530115-72-01-000001");
  r->set_issued_by("supervision:区政府目督办");
  r->set_document_number("晋督〔2020〕7号");
  auto* to = r->add_recipients();
  to->set_role(v1::ROLE_RESPONSIBLE_UNIT);
  to->set_unit("昆阳街道办");
  to->set_person("李主任");
  r->mutable_parties()->add_units("昆阳街道办");
  r->mutable_parties()->set_leader("区政府分管领导");
  r->mutable_parties()->set_office("区政府目督办");
  return rung;
}

TEST(SlipDocumentTest, ASlipReadsWithItsNumberUnitAndLimit) {
  SlipDocumentInput in;
  in.rung = RedSlip();
  in.project_name = "晋宁吾悦广场";
  auto html = SlipHtml(in);
  ASSERT_TRUE(html.ok()) << html.status();
  for (const char* text :
       {"<h1>红色催办单</h1>", "slip red", "编号：task/wuyue-plot5/1/red", "文号：晋督〔2020〕7号",
        "昆阳街道办", "李主任", "区政府分管领导", "晋宁吾悦广场（2020-530115-72-01-000001）",
        "2020年7月25日", "2020年7月29日（3个工作日）", "已超过时限（2020年7月15日）",
        "区政府目督办", "尚未回复", "未销号", "size: A4"}) {
    EXPECT_THAT(*html, HasSubstr(text)) << text;
  }
  EXPECT_THAT(*html, Not(HasSubstr("<script>")));
  EXPECT_THAT(*html, Not(HasSubstr("ISSUE_")));
}

TEST(SlipDocumentTest, AnAnsweredAndDelistedSlip) {
  SlipDocumentInput in;
  in.rung = RedSlip();
  in.rung.mutable_raised()->set_issues(v1::ISSUE_SUPERVISION_NOTICE);
  in.rung.mutable_raised()->set_slip_colour(v1::SLIP_COLOUR_UNSPECIFIED);
  in.rung.mutable_raised()->set_rung_name("督办通知单");
  in.rung.set_answered(true);
  in.rung.set_answer("已完成征地");
  in.rung.set_answered_by("department:昆阳街道办:王科长");
  in.rung.set_answered_at_us(1595865600000000);  // 2020-07-28
  in.rung.set_delisted(true);
  in.rung.set_delisted_by("supervision:区政府目督办");
  in.rung.set_delisted_at_us(1595952000000000);  // 2020-07-29
  auto html = SlipHtml(in);
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, HasSubstr("<h1>督办通知单</h1>"));
  EXPECT_THAT(*html, HasSubstr("已完成征地（昆阳街道办 王科长，2020年7月28日）"));
  EXPECT_THAT(*html, HasSubstr("已销号（区政府目督办，2020年7月29日）"));
  EXPECT_EQ(SlipFilename(in.rung, "pdf"), "督办通知单-task_wuyue-plot5_1_red.pdf");
  EXPECT_EQ(ActorDisplay("system:scheduler"), "系统（按督办规则自动下发）");
}

TEST(BulletinDocumentTest, CampaignsSectionWithTheYearsTallyAndLateStarters) {
  auto without = BulletinHtml(Sample(), Info());
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_THAT(*without, Not(HasSubstr("集中开工情况")));
  v1::Bulletin b = Sample();
  auto* c = b.add_campaigns();
  c->set_campaign_id("cd-2019-3");
  c->set_name("产业功能区重大项目集中开工");
  c->set_kind(v1::CAMPAIGN_KIND_INDUSTRIAL_ZONE);
  c->set_day("2019-08-18");
  c->set_projects(3);
  c->set_started_on_time(2);
  c->set_not_started(1);
  c->set_start_rate_on_day_bp(6666);
  c->set_start_rate_now_bp(6666);
  auto* late = c->add_late_starters();
  late->set_project_code("2019-510112-70-01-000003");
  late->set_project_name("航空动力产业园");
  late->set_lead_unit("龙泉驿区发改局");
  late->set_status(v1::CAMPAIGN_START_STATUS_NOT_STARTED);
  v1::BulletinCampaignYear* y = b.mutable_campaign_year();
  y->set_campaigns(2);
  y->set_projects(5);
  y->set_started(4);
  auto* k = y->add_by_kind();
  k->set_kind(v1::CAMPAIGN_KIND_PROVINCIAL);
  k->set_campaigns(1);
  k = y->add_by_kind();
  k->set_kind(v1::CAMPAIGN_KIND_INDUSTRIAL_ZONE);
  k->set_campaigns(1);
  auto html = BulletinHtml(b, Info());
  ASSERT_TRUE(html.ok()) << html.status();
  for (const char* text :
       {"七、集中开工情况", "本年已举办集中开工活动2次（省级集中开工1次、产业功能区集中开工1次）",
        "列入项目5个，截至月底已开工4个",
        "产业功能区重大项目集中开工（产业功能区集中开工，2019-08-18）",
        "列入项目3个，按期开工2个，开工率66.66%", "航空动力产业园", "逾期未开工"}) {
    EXPECT_THAT(*html, HasSubstr(text)) << text;
  }
  EXPECT_THAT(*html, Not(HasSubstr("CAMPAIGN_")));
  // With meetings too, the sections are numbered on in order.
  auto* m = b.add_meetings();
  m->set_meeting_id("w33");
  m->set_held_on("2019-08-16");
  auto both = BulletinHtml(b, Info());
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_THAT(*both, HasSubstr("七、会议商定事项落实情况"));
  EXPECT_THAT(*both, HasSubstr("八、集中开工情况"));
  EXPECT_LT(both->find("七、会议商定事项落实情况"), both->find("八、集中开工情况"));
}

}  // namespace
}  // namespace taizhang::reports
