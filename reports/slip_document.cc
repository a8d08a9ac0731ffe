#include "reports/slip_document.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "engine/calendar.h"
#include "reports/bulletin_document.h"
#include "reports/labels.h"
#include "reports/template.h"
#include "workflows/supervision.h"

namespace taizhang::reports {
namespace {

using Data = TemplateData;

Data Bool(bool b) { return Data(b ? Data::type::bool_true : Data::type::bool_false); }

std::string DateOf(int64_t us) {
  if (us == 0) return "";
  return ChineseDate(engine::DayOfMicros(us));
}

std::string DateText(const std::string& yyyy_mm_dd) {
  auto day = engine::ParseDate(yyyy_mm_dd);
  return day.ok() ? ChineseDate(*day) : yyyy_mm_dd;
}

const char* ColourClass(v1::SlipColour colour) {
  switch (colour) {
    case v1::SLIP_COLOUR_BLUE:
      return "blue";
    case v1::SLIP_COLOUR_ORANGE:
      return "orange";
    case v1::SLIP_COLOUR_RED:
      return "red";
    default:
      return "plain";
  }
}

}  // namespace

std::string ActorDisplay(const std::string& actor) {
  if (actor.rfind("system:", 0) == 0) return "系统（按督办规则自动下发）";
  std::vector<std::string> parts = absl::StrSplit(actor, ':');
  if (parts.size() < 2) return actor;
  parts.erase(parts.begin());
  return absl::StrJoin(parts, " ");
}

std::string SlipFilename(const v1::SupervisionRung& rung, const std::string& extension) {
  const auto& r = rung.raised();
  return absl::StrCat(workflows::SlipKindLabel(r.issues(), r.slip_colour()), "-",
                      absl::StrReplaceAll(r.slip_number(), {{"/", "_"}}), ".", extension);
}

absl::StatusOr<std::string> SlipHtml(const SlipDocumentInput& in) {
  const v1::SupervisionRungRaised& r = in.rung.raised();
  Data d;
  const std::string kind = workflows::SlipKindLabel(r.issues(), r.slip_colour());
  d.set("kind", kind);
  d.set("colour", ColourClass(r.slip_colour()));
  d.set("rung_name", r.rung_name());
  d.set("show_rung_name", Bool(!r.rung_name().empty() && r.rung_name() != kind));
  d.set("slip_number", r.slip_number());
  d.set("document_number", r.document_number());
  d.set("has_document_number", Bool(!r.document_number().empty()));
  d.set("matter", r.matter());
  d.set("project_code", r.project_code());
  d.set("project_name", in.project_name);
  d.set("has_project", Bool(!r.project_code().empty()));
  d.set("has_project_name", Bool(!in.project_name.empty()));
  std::string office = in.issuing_office;
  if (office.empty()) office = r.parties().office();
  if (office.empty()) office = kDefaultIssuingOffice;
  d.set("office", office);

  // The addressed units and their heads: the rung's recipients, else the
  // parties it was raised for.
  std::vector<std::string> units, heads;
  for (const auto& to : r.recipients()) {
    if (to.role() == v1::ROLE_RESPONSIBLE_UNIT && !to.unit().empty()) {
      units.push_back(to.unit());
      if (!to.person().empty()) heads.push_back(to.person());
    }
    if (to.role() == v1::ROLE_UNIT_HEAD && !to.person().empty()) {
      heads.push_back(absl::StrCat(to.unit(), " ", to.person()));
    }
  }
  if (units.empty()) units.assign(r.parties().units().begin(), r.parties().units().end());
  if (heads.empty()) {
    for (const auto& h : r.parties().unit_heads()) {
      if (!h.empty()) heads.push_back(h);
    }
  }
  d.set("units", absl::StrJoin(units, "、"));
  d.set("heads", heads.empty() ? std::string("—") : absl::StrJoin(heads, "、"));
  d.set("person", r.parties().unit_person().empty() ? "—" : r.parties().unit_person());
  d.set("leader", r.parties().leader().empty() ? "—" : r.parties().leader());
  d.set("issued_on", DateOf(r.raised_at_us()));
  d.set("issued_by", ActorDisplay(r.issued_by()));
  d.set("due_date", DateText(r.due_date()));
  d.set("has_due_date", Bool(!r.due_date().empty()));
  d.set("month", r.month());
  d.set("has_month", Bool(!r.month().empty()));
  d.set("issue", Label(r.issues()));
  d.set("has_rectification", Bool(!r.rectification_due_on().empty()));
  d.set("rectification_due_on", DateText(r.rectification_due_on()));
  d.set("rectification_days", absl::StrCat(r.rectification_working_days()));
  d.set("provisional", Bool(r.provisional()));
  d.set("answered", Bool(in.rung.answered()));
  d.set("answer", in.rung.answer());
  d.set("answered_on", DateOf(in.rung.answered_at_us()));
  d.set("answered_by", ActorDisplay(in.rung.answered_by()));
  d.set("answered_late", Bool(in.rung.answered_late()));
  d.set("delisted", Bool(in.rung.delisted()));
  d.set("delisted_on", DateOf(in.rung.delisted_at_us()));
  d.set("delisted_by", ActorDisplay(in.rung.delisted_by()));
  d.set("delist_note", in.rung.delist_note());
  return RenderTemplate("slip.html", d);
}

}  // namespace taizhang::reports
