#include "workflows/alerts.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/calendar.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "taizhang/v1/approval_case.pb.h"
#include "taizhang/v1/meeting.pb.h"
#include "taizhang/v1/problem.pb.h"
#include "taizhang/v1/project.pb.h"
#include "taizhang/v1/supervision.pb.h"
#include "taizhang/v1/task.pb.h"
#include "workflows/backdating.h"
#include "workflows/enum_label.h"
#include "workflows/supervision.h"

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

void AddRecipient(v1::Alert* a, v1::Role role, const std::string& unit,
                  const std::string& person = "") {
  auto* r = a->add_recipients();
  r->set_role(role);
  r->set_unit(unit);
  r->set_person(person);
}

// "<stream>" or "<stream> <subject>": what a person is told is concerned.
std::string Where(const std::string& stream, const std::string& subject) {
  return subject.empty() ? stream : absl::StrCat(stream, " ", subject);
}

v1::Alert FromRung(const v1::SupervisionRungRaised& r) {
  v1::Alert a;
  const bool notice = r.issues() == v1::ISSUE_SUPERVISION_NOTICE ||
                      r.issues() == v1::ISSUE_REMINDER_SLIP ||
                      r.issues() == v1::ISSUE_ASSIGNMENT_SLIP;
  a.set_kind(notice ? v1::ALERT_KIND_NOTICE_ISSUED : v1::ALERT_KIND_RUNG_RAISED);
  const std::string kind = SlipKindLabel(r.issues(), r.slip_colour());
  a.set_title(
      absl::StrCat(r.rung_name(), kind != r.rung_name() ? absl::StrCat("（", kind, "）") : "", ": ",
                   r.matter(), " (", r.slip_number(), ")", r.manual() ? " [督查室交办]" : ""));
  for (const auto& to : r.recipients()) AddRecipient(&a, to.role(), to.unit(), to.person());
  SetTime(a.mutable_due_at(), r.due_at_us());
  a.set_issues(r.issues());
  a.set_slip_colour(r.slip_colour());
  a.set_slip_kind(kind);
  a.set_slip_number(r.slip_number());
  a.set_manual(r.manual());
  a.set_subject(r.subject());
  a.set_payload_json(Json(r));
  return a;
}

v1::Alert FromLight(const v1::SupervisionLightChanged& l, const std::string& stream) {
  v1::Alert a;
  a.set_kind(l.to() == v1::LIGHT_RED ? v1::ALERT_KIND_DEADLINE_PASSED
                                     : v1::ALERT_KIND_LIGHT_CHANGED);
  a.set_light(l.to());
  a.set_title(absl::StrCat(Where(stream, l.subject()), ": ", LightLabel(l.from()), " → ",
                           LightLabel(l.to())));
  AddRecipient(&a, v1::ROLE_SUPERVISION_OFFICE, "");
  a.set_subject(l.subject());
  a.set_payload_json(Json(l));
  return a;
}

// An answered slip goes to the office that verifies and delists it.
v1::Alert FromAnswer(const v1::SupervisionRungAnswered& e) {
  v1::Alert a;
  a.set_kind(v1::ALERT_KIND_RUNG_ANSWERED);
  a.set_title(absl::StrCat("已反馈", e.late() ? "（逾期）" : "", ": ", e.slip_number(), " — ",
                           e.answered_by()));
  AddRecipient(&a, v1::ROLE_SUPERVISION_OFFICE, "");
  a.set_slip_number(e.slip_number());
  a.set_subject(e.subject());
  a.set_payload_json(Json(e));
  return a;
}

v1::Alert FromDelisted(const v1::SupervisionRungDelisted& e) {
  v1::Alert a;
  a.set_kind(v1::ALERT_KIND_RUNG_DELISTED);
  a.set_title(absl::StrCat("已销号: ", e.slip_number()));
  AddRecipient(&a, v1::ROLE_RESPONSIBLE_UNIT, "");
  AddRecipient(&a, v1::ROLE_SUPERVISION_OFFICE, "");
  a.set_slip_number(e.slip_number());
  a.set_subject(e.subject());
  a.set_payload_json(Json(e));
  return a;
}

// An alert with one recipient role, for events that are not supervision's.
v1::Alert Simple(v1::AlertKind kind, std::string title, v1::Role role,
                 const google::protobuf::Message& payload, const std::string& unit = "") {
  v1::Alert a;
  a.set_kind(kind);
  a.set_title(std::move(title));
  AddRecipient(&a, role, unit);
  a.set_payload_json(Json(payload));
  return a;
}

// The set field of an event envelope (its one oneof), or nullptr.
const google::protobuf::Message* SetEvent(const google::protobuf::Message& envelope) {
  const google::protobuf::Descriptor* d = envelope.GetDescriptor();
  if (d->oneof_decl_count() == 0) return nullptr;
  const google::protobuf::Reflection* r = envelope.GetReflection();
  const google::protobuf::FieldDescriptor* f =
      r->GetOneofFieldDescriptor(envelope, d->oneof_decl(0));
  if (f == nullptr || f->message_type() == nullptr) return nullptr;
  return &r->GetMessage(envelope, f);
}

// The supervision events, the same in every aggregate's envelope.
bool Supervision(const google::protobuf::Message& event, const std::string& stream,
                 std::vector<v1::Alert>* out) {
  if (const auto* r = dynamic_cast<const v1::SupervisionRungRaised*>(&event)) {
    out->push_back(FromRung(*r));
  } else if (const auto* l = dynamic_cast<const v1::SupervisionLightChanged*>(&event)) {
    // A light's first judgement as green concerns nobody.
    if (!(l->from() == v1::LIGHT_UNSPECIFIED && l->to() == v1::LIGHT_GREEN)) {
      out->push_back(FromLight(*l, stream));
    }
  } else if (const auto* a = dynamic_cast<const v1::SupervisionRungAnswered*>(&event)) {
    out->push_back(FromAnswer(*a));
  } else if (const auto* d = dynamic_cast<const v1::SupervisionRungDelisted*>(&event)) {
    out->push_back(FromDelisted(*d));
  } else {
    return false;
  }
  return true;
}

// The envelope of a stored event, by its type's prefix.
std::unique_ptr<google::protobuf::Message> EnvelopeFor(const std::string& type) {
  if (type.rfind("case.", 0) == 0) return std::make_unique<v1::ApprovalCaseEvent>();
  if (type.rfind("task.", 0) == 0) return std::make_unique<v1::TaskEvent>();
  if (type.rfind("problem.", 0) == 0) return std::make_unique<v1::ProblemEvent>();
  if (type.rfind("project.", 0) == 0) return std::make_unique<v1::ProjectEvent>();
  if (type.rfind("series.", 0) == 0) return std::make_unique<v1::MeetingSeriesEvent>();
  return nullptr;
}

}  // namespace

const char* LightLabel(v1::Light light) {
  // The labels of the schema, kept for the life of the program.
  static const auto* labels = new std::string[4]{
      "未评", EnumLabel(v1::LIGHT_GREEN), EnumLabel(v1::LIGHT_YELLOW), EnumLabel(v1::LIGHT_RED)};
  const int i = static_cast<int>(light);
  return labels[i >= 1 && i <= 3 ? i : 0].c_str();
}

// A fact keyed in on a later day than it happened (补录): the office sees
// each one, once per command (its first event).
std::optional<v1::Alert> LateEntryAlert(const v1::EventRecord& r) {
  if (r.index_in_append() != 0 || !IsLateEntry(r.occurred_at_us(), r.recorded_at_us()) ||
      r.actor().rfind("system:", 0) == 0) {
    return std::nullopt;
  }
  v1::Alert a;
  a.set_kind(v1::ALERT_KIND_LATE_ENTRY);
  auto day = [](int64_t us) { return engine::FormatDate(engine::DayOfMicros(us)); };
  a.set_title(absl::StrCat("补录: ", r.stream(), " ", r.type(), " 发生于 ", day(r.occurred_at_us()),
                           "，", day(r.recorded_at_us()), " 由 ", r.actor(), " 录入"));
  AddRecipient(&a, v1::ROLE_SUPERVISION_OFFICE, "");
  return a;
}

std::vector<v1::Alert> AlertsFor(const store::RecordedEvent& e) {
  std::vector<v1::Alert> out;
  const std::string& stream = e.record.stream();
  std::unique_ptr<google::protobuf::Message> envelope = EnvelopeFor(e.record.type());
  if (envelope == nullptr || !envelope->ParseFromString(e.record.payload())) return out;
  if (std::optional<v1::Alert> late = LateEntryAlert(e.record)) out.push_back(*std::move(late));
  const google::protobuf::Message* event = SetEvent(*envelope);
  if (event == nullptr || Supervision(*event, stream, &out)) return out;

  // What is not supervision's, per aggregate.
  if (const auto* c = dynamic_cast<const v1::ApprovalCaseEvent*>(envelope.get())) {
    if (c->has_item_deemed_approved()) {
      out.push_back(
          Simple(v1::ALERT_KIND_DEEMED_CONSENT,
                 absl::StrCat(stream, " ", c->item_deemed_approved().item_id(), ": 超时默认"),
                 v1::ROLE_SUPERVISION_OFFICE, c->item_deemed_approved()));
    } else if (c->has_extension_granted()) {
      out.push_back(Simple(v1::ALERT_KIND_EXTENSION_GRANTED, absl::StrCat(stream, ": 延期"),
                           v1::ROLE_RESPONSIBLE_UNIT, c->extension_granted()));
    } else if (c->has_commitment_missed()) {
      const v1::CaseCommitmentMissed& m = c->commitment_missed();
      v1::Alert a = Simple(v1::ALERT_KIND_COMMITMENT_MISSED,
                           absl::StrCat(stream, " ", m.item_id(), ": 容缺承诺逾期 (",
                                        m.enterprise(), ", 承诺 ", m.commitment_date(), ")"),
                           v1::ROLE_SUPERVISION_OFFICE, m);
      AddRecipient(&a, v1::ROLE_RESPONSIBLE_UNIT, m.enterprise());
      SetTime(a.mutable_due_at(), m.missed_at_us());
      a.set_subject(absl::StrCat("commitment/", m.item_id()));
      out.push_back(std::move(a));
    }
  } else if (const auto* t = dynamic_cast<const v1::TaskEvent*>(envelope.get())) {
    if (t->has_extension_granted()) {
      out.push_back(Simple(v1::ALERT_KIND_EXTENSION_GRANTED, absl::StrCat(stream, ": 延期"),
                           v1::ROLE_RESPONSIBLE_UNIT, t->extension_granted()));
    }
  } else if (const auto* p = dynamic_cast<const v1::ProblemEvent*>(envelope.get())) {
    if (p->has_raised()) {
      out.push_back(Simple(v1::ALERT_KIND_PROBLEM_RAISED,
                           absl::StrCat("问题: ", p->raised().title()), v1::ROLE_SUPERVISION_OFFICE,
                           p->raised()));
    }
  }
  return out;
}

}  // namespace taizhang::workflows
