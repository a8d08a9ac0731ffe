#include "reports/ledger_columns.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "reports/labels.h"

namespace taizhang::reports::internal {
namespace {

struct FieldSpec {
  Field field;
  bool projects;                           // a column of the project ledger
  bool tasks;                              // a column of the task ledger
  bool required;                           // the ledger must have the column
  std::vector<absl::string_view> headers;  // the canonical one first
};

// The mapping; docs/import.md lists the same.
const std::vector<FieldSpec>& Specs() {
  static const auto* const specs = new std::vector<FieldSpec>{
      {Field::kIgnored, true, true, false, {"序号"}},
      {Field::kProjectCode,
       true,
       true,
       true,
       {"项目代码", "项目编码", "统一项目代码", "项目统一代码", "投资项目代码", "代码"}},
      {Field::kProjectName, true, false, true, {"项目名称", "名称", "项目"}},
      {Field::kOwner,
       true,
       false,
       true,
       {"建设单位", "业主", "业主单位", "项目业主", "建设业主", "项目单位", "项目业主单位"}},
      {Field::kLeadUnit,
       true,
       false,
       true,
       {"牵头单位", "责任单位", "牵头责任单位", "主责单位", "牵头部门", "责任部门"}},
      {Field::kLeadPerson, true, false, false, {"责任人", "具体责任人", "联系人"}},
      {Field::kLeadUnitHead,
       true,
       false,
       false,
       {"责任单位主要负责人", "单位主要负责人", "主要负责人", "单位负责人"}},
      {Field::kResponsibleLeader,
       true,
       false,
       true,
       {"分包领导", "包抓领导", "联系领导", "分管领导", "责任领导", "包保领导", "挂包领导",
        "县级领导"}},
      {Field::kResponsibleLeader,
       false,
       true,
       false,
       {"分包领导", "包抓领导", "联系领导", "分管领导", "责任领导", "包保领导", "挂包领导",
        "县级领导"}},
      {Field::kLevel, true, false, true, {"项目级别", "级别", "项目类别", "重点项目级别"}},
      {Field::kRegion,
       true,
       false,
       false,
       {"所属区域", "区域", "区县", "所属区县", "所在区县", "所属区", "所在地区"}},
      {Field::kIndustry,
       true,
       false,
       false,
       {"行业", "所属行业", "行业类别", "产业类别", "产业类型", "项目类型"}},
      {Field::kTotalInvestment, true, false, true, {"总投资", "项目总投资", "计划总投资"}},
      {Field::kPlanYear, true, false, false, {"年度", "计划年度", "年份"}},
      {Field::kAnnualPlan,
       true,
       false,
       false,
       {"年度计划投资", "年度计划", "本年计划投资", "年计划投资", "本年度计划投资", "年度投资计划",
        "计划投资"}},
      {Field::kPlannedStart, true, false, false, {"计划开工", "计划开工时间", "计划开工日期"}},
      {Field::kPlannedFinish,
       true,
       false,
       false,
       {"计划竣工", "计划竣工时间", "计划竣工日期", "计划完工", "计划完工时间"}},
      {Field::kStage, true, false, false, {"阶段", "项目阶段", "建设阶段", "当前阶段", "项目状态"}},
      {Field::kStartedOn,
       true,
       false,
       false,
       {"开工日期", "实际开工", "实际开工时间", "实际开工日期", "开工时间"}},
      {Field::kCountyLeader, true, false, false, {"县领导"}},
      {Field::kTownMember, true, false, false, {"镇班子成员"}},
      {Field::kDepartmentCadre, true, false, false, {"部门干部"}},
      {Field::kSupervisionOffice,
       true,
       true,
       false,
       {"督办单位", "督查单位", "督查室", "督办部门"}},
      {Field::kTaskId, false, true, false, {"任务编号", "任务代码", "任务ID", "编号"}},
      {Field::kTaskTitle,
       false,
       true,
       true,
       {"任务名称", "任务", "任务内容", "工作任务", "任务事项", "事项", "具体事项", "工作内容"}},
      {Field::kTaskDescription,
       false,
       true,
       false,
       {"任务描述", "具体要求", "工作要求", "目标要求"}},
      {Field::kResponsibleUnits,
       false,
       true,
       true,
       {"责任单位", "牵头单位", "主责单位", "责任部门", "牵头部门"}},
      {Field::kResponsiblePerson, false, true, false, {"责任人", "具体责任人", "联系人"}},
      {Field::kDeadline,
       false,
       true,
       false,
       {"时限", "完成时限", "办结时限", "完成时间", "截止日期", "截止时间", "时间节点",
        "完成期限"}},
      {Field::kDeadlineRule, false, true, false, {"时限规则", "办理时限"}},
      {Field::kDeadlineStart, false, true, false, {"起算日期", "起算日", "开始日期"}},
      {Field::kRemark, false, true, false, {"备注"}},
      // A task ledger names the project; the code is what counts.
      {Field::kIgnored, false, true, false, {"项目名称"}},
      // What an exported project ledger adds, computed from the log.
      {Field::kIgnored,
       true,
       false,
       false,
       {"累计完成投资", "填报截至", "投资完成率", "时间进度", "亮灯", "项目进展", "应开工未开工",
        "应竣工未竣工", "督办情况", "备注"}},
  };
  return *specs;
}

bool InLedger(const FieldSpec& s, v1::LedgerKind kind) {
  return kind == v1::LEDGER_KIND_PROJECTS ? s.projects : s.tasks;
}

// A header reduced to what it names: no spaces or line breaks, no '*'
// marks, no parenthesised parts (their unit is kept), no "2024年" prefix
// (its year is kept).
struct NormalHeader {
  std::string name;
  std::optional<MoneyUnit> unit;
  int year = 0;
};

NormalHeader Normalise(absl::string_view header) {
  std::string s = absl::StrReplaceAll(header, {{"\u3000", ""},
                                               {"\r", ""},
                                               {"\n", ""},
                                               {"\t", ""},
                                               {" ", ""},
                                               {"*", ""},
                                               {"＊", ""},
                                               {"(", "（"},
                                               {")", "）"},
                                               {"：", ""},
                                               {":", ""}});
  NormalHeader out;
  auto unit_of = [](absl::string_view t) -> std::optional<MoneyUnit> {
    if (absl::StrContains(t, "亿元")) return MoneyUnit::kYiYuan;
    if (absl::StrContains(t, "万元")) return MoneyUnit::kWanYuan;
    if (t == "元") return MoneyUnit::kYuan;
    return std::nullopt;
  };
  // Parenthesised parts: "总投资（万元）", "建设（业主）单位".
  for (;;) {
    size_t open = s.find("（");
    if (open == std::string::npos) break;
    size_t close = s.find("）", open);
    if (close == std::string::npos) break;
    absl::string_view inner(s.data() + open + 3, close - open - 3);
    if (auto u = unit_of(inner)) out.unit = u;
    s.erase(open, close + 3 - open);
  }
  for (absl::string_view suffix : {"亿元", "万元", "/元"}) {
    if (absl::EndsWith(s, suffix) && s.size() > suffix.size()) {
      out.unit = unit_of(suffix == "/元" ? "元" : suffix);
      s.resize(s.size() - suffix.size());
      if (absl::EndsWith(s, "/")) s.pop_back();
    }
  }
  // "2024年计划投资", "2024年度计划投资".
  if (s.size() > 7 && absl::ascii_isdigit(s[0]) && absl::ascii_isdigit(s[1]) &&
      absl::ascii_isdigit(s[2]) && absl::ascii_isdigit(s[3]) && s.compare(4, 3, "年") == 0) {
    int year = 0;
    if (absl::SimpleAtoi(s.substr(0, 4), &year)) out.year = year;
    s.erase(0, 7);
    if (absl::StartsWith(s, "度")) s = absl::StrCat("年度", s.substr(3));
  }
  out.name = std::move(s);
  return out;
}

const FieldSpec* SpecOf(const std::string& name, v1::LedgerKind kind) {
  for (const FieldSpec& s : Specs()) {
    if (!InLedger(s, kind)) continue;
    for (absl::string_view h : s.headers) {
      if (h == name) return &s;
    }
  }
  return nullptr;
}

std::vector<Field> Identifying(v1::LedgerKind kind) {
  if (kind == v1::LEDGER_KIND_PROJECTS) return {Field::kProjectCode, Field::kProjectName};
  return {Field::kProjectCode, Field::kTaskTitle};
}

std::string Synonyms(const FieldSpec& s) {
  std::string out(s.headers[0]);
  if (s.headers.size() > 1) {
    std::vector<absl::string_view> rest(s.headers.begin() + 1, s.headers.end());
    absl::StrAppend(&out, "（或 ", absl::StrJoin(rest, "、"), "）");
  }
  return out;
}

absl::Status Invalid(absl::string_view what) { return absl::InvalidArgumentError(what); }

// Full-width digits and punctuation as ASCII.
std::string Halfwidth(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"０", "0"},
                                    {"１", "1"},
                                    {"２", "2"},
                                    {"３", "3"},
                                    {"４", "4"},
                                    {"５", "5"},
                                    {"６", "6"},
                                    {"７", "7"},
                                    {"８", "8"},
                                    {"９", "9"},
                                    {"．", "."},
                                    {"，", ","},
                                    {"－", "-"},
                                    {"／", "/"}});
}

}  // namespace

const Column* HeaderRow::Find(Field field) const {
  for (const Column& c : columns) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

const char* CanonicalHeader(Field field) {
  for (const FieldSpec& s : Specs()) {
    if (s.field == field) return s.headers[0].data();
  }
  return "";
}

absl::StatusOr<HeaderRow> FindHeaderRow(const SheetTable& table, v1::LedgerKind kind,
                                        std::vector<v1::ImportProblem>* notes) {
  const std::vector<Field> identifying = Identifying(kind);
  for (size_t r = 0; r < table.rows.size() && r < 50; ++r) {
    const SheetRow& row = table.rows[r];
    HeaderRow header;
    header.row = row.number;
    std::vector<std::pair<int, std::string>> unknown;
    for (size_t c = 0; c < row.cells.size(); ++c) {
      const std::string written = TrimCell(row.cells[c]);
      if (written.empty()) continue;
      NormalHeader n = Normalise(written);
      const FieldSpec* spec = SpecOf(n.name, kind);
      if (spec == nullptr) {
        unknown.emplace_back(static_cast<int>(c), written);
        continue;
      }
      Column col;
      col.index = static_cast<int>(c);
      col.field = spec->field;
      col.header = absl::StrReplaceAll(written, {{"\r", ""}, {"\n", ""}});
      col.unit = n.unit.value_or(MoneyUnit::kWanYuan);
      col.year = n.year;
      header.columns.push_back(std::move(col));
    }
    bool found = true;
    for (Field f : identifying) found = found && header.Find(f) != nullptr;
    if (!found) continue;

    // The header row: two columns for one fact, or a required one missing,
    // make the file unreadable as a ledger.
    for (size_t i = 0; i < header.columns.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        const Column& a = header.columns[j];
        const Column& b = header.columns[i];
        if (a.field == b.field && a.field != Field::kIgnored) {
          return Invalid(absl::StrCat("第 ", row.number, " 行（表头）：列“", a.header, "”和“",
                                      b.header, "”都表示“", CanonicalHeader(a.field),
                                      "”，只能保留一列"));
        }
      }
    }
    std::vector<std::string> missing;
    for (const FieldSpec& s : Specs()) {
      if (InLedger(s, kind) && s.required && header.Find(s.field) == nullptr) {
        missing.push_back(Synonyms(s));
      }
    }
    if (!missing.empty()) {
      return Invalid(absl::StrCat("第 ", row.number, " 行（表头）缺少必需的列：",
                                  absl::StrJoin(missing, "；")));
    }
    for (const auto& [index, text] : unknown) {
      v1::ImportProblem* note = &notes->emplace_back();
      note->set_row(row.number);
      note->set_column(text);
      note->set_message("未识别的列，不导入（已忽略）");
    }
    return header;
  }
  std::vector<std::string> wanted;
  for (Field f : identifying) {
    for (const FieldSpec& s : Specs()) {
      if (s.field == f && InLedger(s, kind)) {
        wanted.push_back(Synonyms(s));
        break;
      }
    }
  }
  return Invalid(absl::StrCat(
      "找不到表头：前 50 行中没有一行同时含有 ", absl::StrJoin(wanted, " 和 "),
      kind == v1::LEDGER_KIND_PROJECTS ? "（这是项目台账吗？）" : "（这是任务台账吗？）"));
}

std::string TrimCell(absl::string_view text) {
  std::string s(absl::StripAsciiWhitespace(text));
  for (;;) {
    bool changed = false;
    for (absl::string_view sp : {"\u3000", "\u00a0"}) {
      if (absl::StartsWith(s, sp)) {
        s.erase(0, sp.size());
        changed = true;
      }
      if (absl::EndsWith(s, sp)) {
        s.resize(s.size() - sp.size());
        changed = true;
      }
    }
    std::string stripped(absl::StripAsciiWhitespace(s));
    if (stripped != s) {
      s = std::move(stripped);
      changed = true;
    }
    if (!changed) return s;
  }
}

absl::StatusOr<Money> ParseAmount(absl::string_view text, MoneyUnit unit) {
  const std::string written = TrimCell(text);
  std::string s = Halfwidth(written);
  for (absl::string_view sign : {"¥", "￥"}) {
    if (absl::StartsWith(s, sign)) {
      s = TrimCell(absl::string_view(s).substr(sign.size()));
      break;
    }
  }
  for (auto [suffix, u] : {std::pair<absl::string_view, MoneyUnit>{"亿元", MoneyUnit::kYiYuan},
                           {"万元", MoneyUnit::kWanYuan},
                           {"元", MoneyUnit::kYuan},
                           {"亿", MoneyUnit::kYiYuan},
                           {"万", MoneyUnit::kWanYuan}}) {
    if (absl::EndsWith(s, suffix)) {
      s.resize(s.size() - suffix.size());
      s = TrimCell(s);
      unit = u;
      break;
    }
  }
  const char* unit_name = unit == MoneyUnit::kYiYuan ? "亿元"
                          : unit == MoneyUnit::kYuan ? "元"
                                                     : "万元";
  const int scale_digits = unit == MoneyUnit::kYiYuan ? 8 : unit == MoneyUnit::kWanYuan ? 4 : 0;
  const std::string bad =
      absl::StrCat("“", written, "”不是金额（", unit_name, "，如 29350.5；只写数字）");
  const std::string ambiguous =
      absl::StrCat("“", written,
                   "”有歧义：千位分隔符（逗号或空格）只能每三位一个、写在小数点之前（如 "
                   "29,350.5），请改为不带分隔符的数字");
  // A space inside the number separates thousands as a comma does.
  s = absl::StrReplaceAll(s, {{" ", ","}, {"\u3000", ","}, {"\u00a0", ","}});
  if (s.empty()) return Invalid(bad);
  if (s[0] == '-') return Invalid(absl::StrCat("“", written, "”是负数，金额不能为负"));
  if (s[0] == '+') s.erase(0, 1);
  const size_t dot = s.find('.');
  if (dot != std::string::npos && s.find('.', dot + 1) != std::string::npos) {
    return Invalid(absl::StrContains(s, ',') ? ambiguous : bad);
  }
  std::string whole = s.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (absl::StrContains(frac, ',')) return Invalid(ambiguous);
  if (absl::StrContains(whole, ',')) {
    const std::vector<std::string> groups = absl::StrSplit(whole, ',');
    for (size_t i = 0; i < groups.size(); ++i) {
      const size_t n = groups[i].size();
      if (i == 0 ? (n < 1 || n > 3) : n != 3) return Invalid(ambiguous);
    }
    whole = absl::StrReplaceAll(whole, {{",", ""}});
  }
  if (whole.empty() && frac.empty()) return Invalid(bad);
  for (char c : whole + frac) {
    if (!absl::ascii_isdigit(c)) return Invalid(bad);
  }
  const int written_decimals = static_cast<int>(frac.size());
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (frac.size() > static_cast<size_t>(scale_digits)) {
    return Invalid(
        absl::StrCat("“", written, "”精确到元：", unit_name, "最多 ", scale_digits, " 位小数"));
  }
  Money out;
  for (int i = std::max(written_decimals, 2); i < scale_digits; ++i) out.precision_yuan *= 10;
  frac.append(scale_digits - frac.size(), '0');
  std::string digits = whole + frac;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return out;
  if (digits.size() > 18 || !absl::SimpleAtoi(digits, &out.yuan)) {
    return Invalid(absl::StrCat("“", written, "”数额过大"));
  }
  return out;
}

absl::StatusOr<int64_t> ParseMoney(absl::string_view text, MoneyUnit unit) {
  absl::StatusOr<Money> m = ParseAmount(text, unit);
  if (!m.ok()) return m.status();
  return m->yuan;
}

bool SameAtPrecision(const Money& written, int64_t yuan) {
  const int64_t p = written.precision_yuan;
  if (p <= 1) return yuan == written.yuan;
  const int64_t half = p / 2;
  const int64_t rounded = yuan >= 0 ? (yuan + half) / p * p : -((-yuan + half) / p * p);
  return rounded == written.yuan;
}

std::string FormatWanYuan(int64_t yuan) {
  std::string s = absl::StrCat(yuan / 10000);
  int64_t frac = yuan % 10000;
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d", static_cast<int>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    absl::StrAppend(&s, ".", f);
  }
  return s;
}

absl::StatusOr<std::string> ParseDay(absl::string_view text) {
  const std::string written = TrimCell(text);
  std::string s = Halfwidth(written);
  const std::string bad =
      absl::StrCat("“", written, "”不是日期（写作 2020-07-15、2020/7/15 或 2020年7月15日）");
  // A time of day after the day ("2025-04-01 00:00:00", "2025-04-01T08:00").
  if (size_t cut = s.find_first_of(" T"); cut != std::string::npos && cut >= 8) s.resize(cut);
  const bool digits =
      !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
  // An Excel serial whose cell lost its date format (45748 is 2025-04-01).
  if (digits && s.size() == 5) {
    int serial = 0;
    if (absl::SimpleAtoi(s, &serial) && serial >= 36526) {  // 2000-01-01 on
      const absl::CivilDay day = absl::CivilDay(1899, 12, 30) + serial;
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(day.year()), day.month(),
                    day.day());
      return std::string(buf);
    }
  }
  std::vector<std::string> parts;
  if (s.size() == 8 &&
      std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    parts = {s.substr(0, 4), s.substr(4, 2), s.substr(6, 2)};
  } else {
    std::string t = absl::StrReplaceAll(
        s, {{"年", "-"}, {"月", "-"}, {"日", ""}, {"号", ""}, {"/", "-"}, {".", "-"}});
    while (!t.empty() && t.back() == '-') t.pop_back();
    parts = absl::StrSplit(t, '-');
  }
  if (parts.size() == 2) {
    return Invalid(absl::StrCat("“", written, "”只写到月，请写到日（如 2020-07-15）"));
  }
  if (parts.size() != 3) return Invalid(bad);
  int y = 0, m = 0, d = 0;
  if (parts[0].size() != 4 || parts[1].empty() || parts[1].size() > 2 || parts[2].empty() ||
      parts[2].size() > 2 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
      !absl::SimpleAtoi(parts[2], &d)) {
    return Invalid(bad);
  }
  absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d || y < 1900 || y > 2200) {
    return Invalid(absl::StrCat("“", written, "”不是存在的日期"));
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return std::string(buf);
}

absl::StatusOr<int> ParseYear(absl::string_view text) {
  std::string s = Halfwidth(TrimCell(text));
  if (absl::EndsWith(s, "年度")) s.resize(s.size() - 6);
  if (absl::EndsWith(s, "年")) s.resize(s.size() - 3);
  int y = 0;
  if (!absl::SimpleAtoi(s, &y) || y < 2000 || y > 2200) {
    return Invalid(absl::StrCat("“", TrimCell(text), "”不是 2000—2200 之间的年份"));
  }
  return y;
}

absl::StatusOr<v1::ProjectLevel> ParseLevel(absl::string_view text) {
  const std::string written = TrimCell(text);
  if (const auto* v = ParseEnumValue(v1::ProjectLevel_descriptor(), written);
      v != nullptr && v->number() != v1::PROJECT_LEVEL_UNSPECIFIED) {
    return static_cast<v1::ProjectLevel>(v->number());
  }
  std::string s = absl::StrReplaceAll(
      written,
      {{"(", ""}, {")", ""}, {"（", ""}, {"）", ""}, {"项目", ""}, {"级", ""}, {"重点", ""}});
  if (s == "省") return v1::PROJECT_LEVEL_PROVINCIAL;
  if (s == "市") return v1::PROJECT_LEVEL_MUNICIPAL;
  if (s == "区县" || s == "区" || s == "县") return v1::PROJECT_LEVEL_DISTRICT;
  return Invalid(absl::StrCat("“", written, "”不是项目级别（省重点、市重点 或 区（县）重点）"));
}

absl::StatusOr<v1::ProjectStage> ParseStage(absl::string_view text) {
  const std::string written = TrimCell(text);
  std::string s = absl::StrReplaceAll(written, {{"(", "（"}, {")", "）"}});
  if (const auto* v = ParseEnumValue(v1::ProjectStage_descriptor(), s);
      v != nullptr && v->number() != v1::PROJECT_STAGE_UNSPECIFIED) {
    return static_cast<v1::ProjectStage>(v->number());
  }
  static const auto* const kSynonyms = new std::map<std::string, v1::ProjectStage>{
      {"储备", v1::PROJECT_STAGE_RESERVE_AGREEMENT},
      {"前期", v1::PROJECT_STAGE_RESERVE_AGREEMENT},
      {"签订投资协议", v1::PROJECT_STAGE_RESERVE_AGREEMENT},
      {"编制项目建议书及可研", v1::PROJECT_STAGE_RESERVE_FEASIBILITY},
      {"办理立项用地规划许可", v1::PROJECT_STAGE_RESERVE_LAND_PLANNING},
      {"初步设计及施工图设计", v1::PROJECT_STAGE_RESERVE_DESIGN},
      {"施工前准备", v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION},
      {"开工", v1::PROJECT_STAGE_NEW_START},
      {"续建", v1::PROJECT_STAGE_UNDER_CONSTRUCTION},
      {"建设中", v1::PROJECT_STAGE_UNDER_CONSTRUCTION},
      {"竣工", v1::PROJECT_STAGE_COMPLETED},
      {"已竣工", v1::PROJECT_STAGE_COMPLETED},
  };
  if (auto it = kSynonyms->find(s); it != kSynonyms->end()) return it->second;
  return Invalid(
      absl::StrCat("“", written, "”不是项目阶段（如 储备（签订投资协议）、新开工、在建、续建）"));
}

absl::StatusOr<v1::DeadlineRule> ParseDeadlineRule(absl::string_view text) {
  const std::string written = TrimCell(text);
  std::string s = absl::StrReplaceAll(Halfwidth(written), {{" ", ""}, {"个", ""}, {"内", ""}});
  v1::DeadlineRule rule;
  if (s == "无时限" || s == "无" || s == "长期" || s == "持续推进" || s == "长期坚持") {
    rule.set_kind(v1::DeadlineRule::NONE);
    return rule;
  }
  struct Suffix {
    absl::string_view text;
    v1::DeadlineRule::Kind kind;
  };
  for (const Suffix& suffix : {Suffix{"工作日", v1::DeadlineRule::WORKING_DAYS},
                               Suffix{"自然日", v1::DeadlineRule::CALENDAR_DAYS},
                               Suffix{"日", v1::DeadlineRule::CALENDAR_DAYS},
                               Suffix{"天", v1::DeadlineRule::CALENDAR_DAYS}}) {
    if (!absl::EndsWith(s, suffix.text)) continue;
    int n = 0;
    if (absl::SimpleAtoi(s.substr(0, s.size() - suffix.text.size()), &n) && n >= 0 && n <= 3650) {
      rule.set_kind(suffix.kind);
      rule.set_n(n);
      return rule;
    }
  }
  absl::StatusOr<std::string> day = ParseDay(written);
  if (day.ok()) {
    rule.set_kind(v1::DeadlineRule::FIXED_DATE);
    rule.set_fixed_date(*day);
    return rule;
  }
  return Invalid(absl::StrCat("“", written,
                              "”不是时限（写一个日期如 2020-07-15，或 15个工作日、30个自然日、"
                              "无时限）"));
}

std::vector<std::string> SplitUnits(absl::string_view text) {
  std::string s = absl::StrReplaceAll(
      text, {{"、", ","}, {"，", ","}, {"；", ","}, {";", ","}, {"/", ","}, {"\n", ","}});
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    std::string t = TrimCell(part);
    if (!t.empty()) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace taizhang::reports::internal
