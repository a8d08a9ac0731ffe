#include "workflows/alerts.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "taizhang/v1/approval_case.pb.h"
#include "taizhang/v1/problem.pb.h"
#include "taizhang/v1/project.pb.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::workflows {
namespace {

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(m, &out, options).ok()) return "{}";
  return out;
}

void SetTime(google::protobuf::Timestamp* t, int64_t us) {
  if (us > 0) *t = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(us);
}

// Rung messages of every aggregate share these field names.
template <class R>
v1::Alert FromRung(const R& r, const std::string& matter) {
  v1::Alert a;
  bool notice = r.issues() == v1::ISSUE_SUPERVISION_NOTICE || r.issues() == v1::ISSUE_REMINDER_SLIP;
  a.set_kind(notice ? v1::ALERT_KIND_NOTICE_ISSUED : v1::ALERT_KIND_RUNG_RAISED);
  a.set_title(absl::StrCat(r.rung_name(), ": ", matter, " (", r.slip_number(), ")"));
  for (const auto& to : r.recipients()) {
    auto* out = a.add_recipients();
    out->set_role(to.role());
    out->set_unit(to.unit());
    out->set_person(to.person());
  }
  SetTime(a.mutable_due_at(), r.due_at_us());
  a.set_payload_json(Json(r));
  return a;
}

template <class L>
v1::Alert FromLight(const L& l, const std::string& matter) {
  v1::Alert a;
  a.set_kind(l.to() == v1::LIGHT_RED ? v1::ALERT_KIND_DEADLINE_PASSED
                                     : v1::ALERT_KIND_LIGHT_CHANGED);
  a.set_light(l.to());
  a.set_title(absl::StrCat(matter, ": ", LightLabel(l.from()), " → ", LightLabel(l.to())));
  a.add_recipients()->set_role(v1::ROLE_SUPERVISION_OFFICE);
  a.set_payload_json(Json(l));
  return a;
}

// An alert with one recipient role, for events that are not rungs or lights.
v1::Alert Simple(v1::AlertKind kind, std::string title, v1::Role role,
                 const google::protobuf::Message& payload) {
  v1::Alert a;
  a.set_kind(kind);
  a.set_title(std::move(title));
  a.add_recipients()->set_role(role);
  a.set_payload_json(Json(payload));
  return a;
}

// A light's first judgement as green concerns nobody.
template <class L>
bool Worth(const L& l) {
  return !(l.from() == v1::LIGHT_UNSPECIFIED && l.to() == v1::LIGHT_GREEN);
}

}  // namespace

const char* LightLabel(v1::Light light) {
  switch (light) {
    case v1::LIGHT_GREEN:
      return "绿灯";
    case v1::LIGHT_YELLOW:
      return "黄灯";
    case v1::LIGHT_RED:
      return "红灯";
    default:
      return "未评";
  }
}

std::vector<v1::Alert> AlertsFor(const store::RecordedEvent& e) {
  std::vector<v1::Alert> out;
  const std::string& type = e.record.type();
  const std::string& stream = e.record.stream();
  if (type.rfind("case.", 0) == 0) {
    v1::ApprovalCaseEvent ev;
    if (!ev.ParseFromString(e.record.payload())) return out;
    if (ev.has_rung_raised()) {
      out.push_back(FromRung(ev.rung_raised(), ev.rung_raised().matter()));
    } else if (ev.has_light_changed() && Worth(ev.light_changed())) {
      const auto& l = ev.light_changed();
      std::string what = l.item_id().empty() ? stream : absl::StrCat(stream, " ", l.item_id());
      out.push_back(FromLight(l, what));
    } else if (ev.has_item_deemed_approved()) {
      out.push_back(
          Simple(v1::ALERT_KIND_DEEMED_CONSENT,
                 absl::StrCat(stream, " ", ev.item_deemed_approved().item_id(), ": 超时默认"),
                 v1::ROLE_SUPERVISION_OFFICE, ev.item_deemed_approved()));
    } else if (ev.has_extension_granted()) {
      out.push_back(Simple(v1::ALERT_KIND_EXTENSION_GRANTED, absl::StrCat(stream, ": 延期"),
                           v1::ROLE_RESPONSIBLE_UNIT, ev.extension_granted()));
    }
  } else if (type.rfind("task.", 0) == 0) {
    v1::TaskEvent ev;
    if (!ev.ParseFromString(e.record.payload())) return out;
    if (ev.has_rung_raised()) out.push_back(FromRung(ev.rung_raised(), ev.rung_raised().matter()));
    if (ev.has_light_changed() && Worth(ev.light_changed())) {
      out.push_back(FromLight(ev.light_changed(), stream));
    }
    if (ev.has_extension_granted()) {
      out.push_back(Simple(v1::ALERT_KIND_EXTENSION_GRANTED, absl::StrCat(stream, ": 延期"),
                           v1::ROLE_RESPONSIBLE_UNIT, ev.extension_granted()));
    }
  } else if (type.rfind("problem.", 0) == 0) {
    v1::ProblemEvent ev;
    if (!ev.ParseFromString(e.record.payload())) return out;
    if (ev.has_rung_raised()) out.push_back(FromRung(ev.rung_raised(), ev.rung_raised().matter()));
    if (ev.has_light_changed() && Worth(ev.light_changed())) {
      out.push_back(FromLight(ev.light_changed(), stream));
    }
    if (ev.has_raised()) {
      out.push_back(Simple(v1::ALERT_KIND_PROBLEM_RAISED,
                           absl::StrCat("问题: ", ev.raised().title()), v1::ROLE_SUPERVISION_OFFICE,
                           ev.raised()));
    }
  } else if (type.rfind("project.", 0) == 0) {
    v1::ProjectEvent ev;
    if (!ev.ParseFromString(e.record.payload())) return out;
    if (ev.has_rung_raised()) out.push_back(FromRung(ev.rung_raised(), ev.rung_raised().subject()));
    if (ev.has_light_changed() && Worth(ev.light_changed())) {
      out.push_back(FromLight(ev.light_changed(), stream));
    }
  }
  return out;
}

}  // namespace taizhang::workflows
