#include "services/ledger_cli.h"

#include <grpcpp/impl/client_unary_call.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "reports/labels.h"
#include "services/china_time.h"
#include "services/text_table.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "taizhang/v1/service.pb.h"
#include "workflows/supervision.h"

namespace taizhang::services {

using reports::DaysLeft;
using reports::Label;
using reports::LightLabel;
using reports::ShortName;
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::TimeUtil;

// Days left, or nothing when there is no deadline.
std::string Left(int64_t days, bool has_deadline = true) {
  return has_deadline ? DaysLeft(days) : "";
}

// Basis points as a percentage with two decimals: 2253 -> "22.53%".
std::string Percent(int32_t bp) {
  const int32_t a = bp < 0 ? -bp : bp;
  return absl::StrCat(bp < 0 ? "-" : "", a / 100, ".", absl::Dec(a % 100, absl::kZeroPad2), "%");
}

std::string Due(const std::string& date, bool provisional) {
  return provisional && !date.empty() ? date + "*" : date;
}

// --- FIELD=VALUE ---

absl::Status SetScalar(const std::string& assignment, const std::string& text, Message* message,
                       const FieldDescriptor* f) {
  const google::protobuf::Reflection* r = message->GetReflection();
  const bool rep = f->is_repeated();
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(assignment, ": ", why));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      rep ? r->AddString(message, f, text) : r->SetString(message, f, text);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("not a 32-bit integer");
      rep ? r->AddInt32(message, f, v) : r->SetInt32(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("not an integer");
      rep ? r->AddInt64(message, f, v) : r->SetInt64(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("not a non-negative 32-bit integer");
      rep ? r->AddUInt32(message, f, v) : r->SetUInt32(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("not a non-negative integer");
      rep ? r->AddUInt64(message, f, v) : r->SetUInt64(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(text, &v)) return bad("not a number");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        rep ? r->AddFloat(message, f, static_cast<float>(v))
            : r->SetFloat(message, f, static_cast<float>(v));
      } else {
        rep ? r->AddDouble(message, f, v) : r->SetDouble(message, f, v);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!absl::SimpleAtob(text, &v)) return bad("expected true or false");
      rep ? r->AddBool(message, f, v) : r->SetBool(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* type = f->enum_type();
      const std::string upper = absl::AsciiStrToUpper(text);
      const EnumValueDescriptor* value = type->FindValueByName(upper);
      std::vector<std::string> names;
      for (int i = 0; value == nullptr && i < type->value_count(); ++i) {
        if (ShortName(type->value(i)) == upper) value = type->value(i);
      }
      if (value == nullptr) {
        for (int i = 0; i < type->value_count(); ++i) names.push_back(ShortName(type->value(i)));
        return bad(absl::StrCat("expected one of ", absl::StrJoin(names, ", ")));
      }
      rep ? r->AddEnum(message, f, value) : r->SetEnum(message, f, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  if (f->message_type() == google::protobuf::Timestamp::descriptor() && !rep) {
    auto t = ParseChinaDateOrTime(text, assignment);
    if (!t.ok()) return t.status();
    r->MutableMessage(message, f)
        ->CopyFrom(TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*t)));
    return absl::OkStatus();
  }
  return bad(absl::StrCat(f->name(), " is a message: name one of its fields (", f->name(),
                          ".<field>=...) or give the action as --body JSON"));
}

std::string FieldNames(const Descriptor* d) {
  if (d->field_count() == 0) return "none";
  std::vector<std::string> names;
  for (int i = 0; i < d->field_count(); ++i) names.push_back(d->field(i)->name());
  return absl::StrJoin(names, ", ");
}

// --- calling a method by its descriptor ---

// A unary call to any method of the API with the messages as the generic
// protobuf type; the serialisation is protobuf's, as for generated stubs.
grpc::Status CallMethod(CliContext& ctx, const google::protobuf::MethodDescriptor* method,
                        const Message& request, Message* reply) {
  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  return grpc::internal::BlockingUnaryCall<Message, Message>(ctx.Channel().get(), rpc, &call,
                                                             request, reply);
}

// A new message of the generated type `d`.
Message* NewMessage(const Descriptor* d) {
  return google::protobuf::MessageFactory::generated_factory()->GetPrototype(d)->New();
}

// --- views as text ---

// A rung as the office names it, with where it stands: "督办通知单（已反馈）".
std::string RungText(const v1::SupervisionRung& r) {
  std::string name = r.raised().rung_name().empty()
                         ? workflows::SlipKindLabel(r.raised().issues(), r.raised().slip_colour())
                         : r.raised().rung_name();
  const char* where = r.delisted() ? "（已销号）" : r.answered() ? "（已反馈）" : "";
  return absl::StrCat(name, where);
}

std::string CaseTable(const v1::ApprovalCaseView& v) {
  std::string out =
      absl::StrCat("案件 ", v.case_id(), "  ", v.project_name(), " (", v.project_code(), ")\n",
                   "业主 ", v.owner(), "  政策 ", v.policy(), "  状态 ", Label(v.status()));
  if (v.has_clock()) {
    absl::StrAppend(&out, "\n时限 ", v.clock().start_date(), " → ",
                    Due(v.clock().due_date(), v.clock().provisional()), "  剩余 ",
                    Left(v.clock().calendar_days_left()), " 天  ", LightLabel(v.clock().light()),
                    v.clock().suspended() ? "  (补正中, 计时暂停)" : "");
  }
  absl::StrAppend(&out, "\n");
  TextTable items({"事项", "名称", "部门", "状态", "期限", "剩余工作日", "灯", "督办"},
                  {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
                   TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kRight});
  for (const v1::CaseItemView& item : v.items()) {
    std::vector<std::string> rungs;
    for (const auto& r : item.rungs()) rungs.push_back(RungText(r));
    const bool clocked = item.has_clock();
    items.AddRow({item.item_id(), item.name(), item.department(), Label(item.status()),
                  clocked ? Due(item.clock().due_date(), item.clock().provisional()) : "",
                  clocked ? Left(item.clock().working_days_left()) : "",
                  clocked ? LightLabel(item.clock().light()) : "", absl::StrJoin(rungs, "、")});
  }
  return absl::StrCat(out, items.Render());
}

std::string CaseRows(const std::vector<const v1::ApprovalCaseView*>& cases) {
  TextTable t({"案件", "项目代码", "项目", "状态", "期限", "剩余天数", "灯", "逾期事项"});
  for (const v1::ApprovalCaseView* v : cases) {
    int late = 0;
    for (const auto& item : v->items()) late += item.has_clock() && item.clock().overdue();
    t.AddRow({v->case_id(), v->project_code(), v->project_name(), Label(v->status()),
              Due(v->clock().due_date(), v->clock().provisional()),
              v->has_clock() ? Left(v->clock().calendar_days_left()) : "",
              LightLabel(v->clock().light()), late > 0 ? absl::StrCat(late) : ""});
  }
  return t.Render();
}

std::string TaskTable(const std::vector<const v1::TaskView*>& tasks) {
  TextTable t(
      {"任务", "项目代码", "名称", "责任单位", "状态", "期限", "剩余工作日", "灯", "进度", "督办"},
      {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
       TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
       TextTable::Align::kRight, TextTable::Align::kLeft, TextTable::Align::kRight,
       TextTable::Align::kRight});
  for (const v1::TaskView* v : tasks) {
    std::string due = v->due_pending()
                          ? absl::StrCat("待 ", absl::StrJoin(v->waiting_for(), ","), " 完成")
                          : Due(v->due_date(), v->provisional());
    t.AddRow({v->task_id(), v->project_code(), v->title(),
              absl::StrJoin(v->responsible_units(), "、"), Label(v->status()), due,
              v->due_pending() ? "" : Left(v->working_days_left(), v->has_deadline()),
              LightLabel(v->light()), absl::StrCat(v->percent(), "%"),
              v->open_rungs() > 0 ? absl::StrCat(v->open_rungs()) : ""});
  }
  return t.Render();
}

std::string ProblemTable(const std::vector<const v1::ProblemView*>& problems) {
  TextTable t(
      {"问题", "项目代码", "问题描述", "责任单位", "状态", "期限", "剩余工作日", "灯", "督办"},
      {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
       TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
       TextTable::Align::kRight, TextTable::Align::kLeft, TextTable::Align::kRight});
  for (const v1::ProblemView* v : problems) {
    t.AddRow({v->problem_id(), v->project_code(), v->title(), v->unit(), Label(v->status()),
              Due(v->due_date(), v->provisional()),
              Left(v->working_days_left(), !v->due_date().empty()), LightLabel(v->light()),
              v->open_rungs() > 0 ? absl::StrCat(v->open_rungs()) : ""});
  }
  return t.Render();
}

std::string ProjectTable(const std::vector<const v1::ProjectView*>& projects) {
  TextTable t({"项目代码", "名称", "阶段", "灯", "月份", "投资完成", "时间进度", "应开工未开工",
               "应竣工未竣工", "督办"});
  for (const v1::ProjectView* v : projects) {
    const v1::ProjectMonthResult& m = v->latest_month();
    const auto& inv = m.investment();
    std::string done = inv.plan_yuan() > 0 ? Percent(inv.completion_bp()) : "";
    std::string time = inv.plan_yuan() > 0 ? Percent(inv.time_progress_bp()) : "";
    t.AddRow({v->code(), v->name(), Label(v->stage()), LightLabel(v->light()), m.month(), done,
              time, v->start_overdue() ? "是" : "", v->finish_overdue() ? "是" : "",
              v->open_slips_size() > 0 ? absl::StrCat(v->open_slips_size()) : ""});
  }
  return t.Render();
}

std::string ProjectDetail(const v1::ProjectView& v) {
  std::string out = ProjectTable({&v});
  if (v.nodes_size() == 0) return out;
  TextTable nodes({"节点", "名称", "期限", "责任单位", "完成", "剩余工作日", "灯"});
  for (const auto& n : v.nodes()) {
    nodes.AddRow({n.node_id(), n.name(), n.due_on(), n.responsible_unit(), n.done() ? "是" : "",
                  n.done() ? "" : Left(n.working_days_left()), LightLabel(n.light())});
  }
  return absl::StrCat(out, "\n", nodes.Render());
}

std::string SeriesTable(const std::vector<const v1::MeetingSeriesView*>& series) {
  TextTable t({"会议系列", "名称", "类型", "频次", "督查室", "已开", "已判期数", "未按期", "本期",
               "本期已开", "灯", "督办"});
  for (const v1::MeetingSeriesView* v : series) {
    t.AddRow({v->series_id(), v->name(), Label(v->kind()), v->rhythm_text(), v->office(),
              absl::StrCat(v->meetings()), absl::StrCat(v->periods_closed()),
              absl::StrCat(v->periods_missed()),
              absl::StrCat(v->current_period_start(), "至", v->current_period_end()),
              v->current_period_held() ? "是" : "否", LightLabel(v->light()),
              v->open_rungs() > 0 ? absl::StrCat(v->open_rungs()) : ""});
  }
  return t.Render();
}

std::string MeetingRows(const std::vector<const v1::MeetingView*>& meetings) {
  TextTable t({"会议", "名称", "类型", "召开日期", "商定事项", "已完成", "按时", "逾期", "未完成",
               "遗留事项"});
  for (const v1::MeetingView* v : meetings) {
    t.AddRow({v->meeting_id(), v->title(), Label(v->kind()), v->held_on(),
              absl::StrCat(v->matters_total()), absl::StrCat(v->matters_done()),
              absl::StrCat(v->matters_on_time()), absl::StrCat(v->matters_late()),
              absl::StrCat(v->matters_open()), absl::StrCat(v->carried_over_size())});
  }
  return t.Render();
}

std::string MatterTable(const google::protobuf::RepeatedPtrField<v1::MatterView>& matters) {
  TextTable t({"事项", "会议", "商定事项", "责任单位", "期限", "状态", "完成日期", "灯", "督办"});
  for (const v1::MatterView& m : matters) {
    t.AddRow({m.task_id(), m.held_on(), m.text(), absl::StrJoin(m.responsible_units(), "、"),
              m.due_date(), Label(m.status()), m.done_on(), LightLabel(m.light()),
              m.rungs() > 0 ? absl::StrCat(m.rungs()) : ""});
  }
  return t.Render();
}

std::string MeetingDetail(const v1::MeetingView& v) {
  std::string out = absl::StrCat(MeetingRows({&v}), "\n商定事项\n", MatterTable(v.matters()));
  if (v.carried_over_size() > 0) {
    absl::StrAppend(&out, "\n以往会议未完成事项\n", MatterTable(v.carried_over()));
  }
  return out;
}

std::string CampaignRows(const std::vector<const v1::CampaignView*>& campaigns) {
  TextTable t({"集中开工", "名称", "类型", "开工日期", "项目", "按期开工", "逾期开工", "逾期未开工",
               "待开工", "未登记", "当日开工率", "现开工率"});
  for (const v1::CampaignView* v : campaigns) {
    t.AddRow({v->campaign_id(), v->name(), Label(v->kind()), v->day(),
              absl::StrCat(v->projects_total()), absl::StrCat(v->started_on_time()),
              absl::StrCat(v->started_late()), absl::StrCat(v->not_started()),
              absl::StrCat(v->pending()), absl::StrCat(v->unregistered()),
              Percent(v->start_rate_on_day_bp()), Percent(v->start_rate_now_bp())});
  }
  return t.Render();
}

std::string CampaignDetail(const v1::CampaignView& v) {
  TextTable t({"项目代码", "项目名称", "牵头单位", "开工日期", "状态", "灯", "督办", "未回复"});
  for (const v1::CampaignProjectView& p : v.projects()) {
    t.AddRow({p.project_code(), p.project_name(), p.lead_unit(), p.started_on(), Label(p.status()),
              LightLabel(p.light()), p.rungs() > 0 ? absl::StrCat(p.rungs()) : "",
              p.open_rungs() > 0 ? absl::StrCat(p.open_rungs()) : ""});
  }
  return absl::StrCat(CampaignRows({&v}), "\n项目\n", t.Render());
}

// What a command wrote, for people: "wrote ItemApproved at 12 (version 7)".
std::string ResultLine(const std::string& kind, const std::string& id, const v1::CommandResult& r,
                       const std::string& request_id) {
  std::string line = absl::StrCat(kind, " ", id, ": ");
  if (r.duplicate()) {
    absl::StrAppend(&line, "already done by request ", request_id, " (nothing new written)");
  } else if (r.first_position() == 0) {
    absl::StrAppend(&line, "nothing to record");
  } else {
    absl::StrAppend(&line, absl::StrJoin(r.event_types(), ", "), " at position ",
                    r.first_position() == r.last_position()
                        ? absl::StrCat(r.first_position())
                        : absl::StrCat(r.first_position(), "..", r.last_position()));
  }
  return absl::StrCat(line, "  (version ", r.version(), ", request ", request_id, ")\n");
}

// --- groups ---

// One group of subcommands per workflow (the services' aggregates). Adding
// a workflow to the command line is one more row of kGroups.
struct Group {
  const char* name;         // the subcommand: case, task, ...
  const char* description;  // its help
  const char* service;      // taizhang.v1.Approval, ...
  const char* id_name;      // CASE_ID, ...
  const char* one;          // Case: the Ledger's GetCase, ExecuteCase
  const char* many;         // Cases: the Ledger's ListCases
  const char* view_id;      // the view's id field: case_id, ..., code
  // The views of a list as a table; one view in full (show, state, replies).
  std::string (*list)(const std::vector<const Message*>& views);
  std::string (*detail)(const Message& view);
};

// The renderers of one view type, as a Group holds them.
template <class View, std::string (*Table)(const std::vector<const View*>&)>
std::string Rows(const std::vector<const Message*>& views) {
  std::vector<const View*> typed;
  for (const Message* m : views) typed.push_back(static_cast<const View*>(m));
  return Table(typed);
}
template <class View, std::string (*Table)(const std::vector<const View*>&)>
std::string OneRow(const Message& view) {
  return Table({static_cast<const View*>(&view)});
}
template <class View, std::string (*Detail)(const View&)>
std::string Full(const Message& view) {
  return Detail(static_cast<const View&>(view));
}

const Group kGroups[] = {
    {"case", "joint-approval cases (联审联批): list, show and every action", "taizhang.v1.Approval",
     "CASE_ID", "Case", "Cases", "case_id", Rows<v1::ApprovalCaseView, CaseRows>,
     Full<v1::ApprovalCaseView, CaseTable>},
    {"task", "tasks with deadlines: list, show and every action", "taizhang.v1.Tasks", "TASK_ID",
     "Task", "Tasks", "task_id", Rows<v1::TaskView, TaskTable>, OneRow<v1::TaskView, TaskTable>},
    {"problem", "the problem ledger (问题台账): list, show and every action",
     "taizhang.v1.Problems", "PROBLEM_ID", "Problem", "Problems", "problem_id",
     Rows<v1::ProblemView, ProblemTable>, OneRow<v1::ProblemView, ProblemTable>},
    {"project", "projects (项目台账): list, show and every action", "taizhang.v1.Projects", "CODE",
     "Project", "Projects", "code", Rows<v1::ProjectView, ProjectTable>,
     Full<v1::ProjectView, ProjectDetail>},
    {"series", "meeting series (周调度会, 例会 ...): their rhythm, missed periods, rungs",
     "taizhang.v1.Meetings", "SERIES_ID", "MeetingSeries", "MeetingSeries", "series_id",
     Rows<v1::MeetingSeriesView, SeriesTable>, OneRow<v1::MeetingSeriesView, SeriesTable>},
    {"meeting",
     "meetings (调度会, 例会, 推进会) and their decided matters (商定事项; each matter is a task)",
     "taizhang.v1.Meetings", "MEETING_ID", "Meeting", "Meetings", "meeting_id",
     Rows<v1::MeetingView, MeetingRows>, Full<v1::MeetingView, MeetingDetail>},
    {"campaign",
     "start campaigns (集中开工): the day, each project's start, the start rates, late starters",
     "taizhang.v1.Campaigns", "CAMPAIGN_ID", "Campaign", "Campaigns", "campaign_id",
     Rows<v1::CampaignView, CampaignRows>, Full<v1::CampaignView, CampaignDetail>},
};

// The Ledger service's method `name` (GetCase, ListTasks, ...), or null.
const google::protobuf::MethodDescriptor* LedgerMethod(const std::string& name) {
  const auto* ledger =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("taizhang.v1.Ledger");
  return ledger == nullptr ? nullptr : ledger->FindMethodByName(name);
}

// A reply of the group's workflow (CaseReply, ...) for people: the result
// line, then the view in full.
std::string ReplyText(const Group& g, const Message& reply, const std::string& request_id) {
  const Descriptor* d = reply.GetDescriptor();
  const FieldDescriptor* view = d->FindFieldByName("view");
  const FieldDescriptor* result = d->FindFieldByName("result");
  if (view == nullptr || result == nullptr ||
      result->message_type() != v1::CommandResult::descriptor()) {
    return reply.DebugString();
  }
  const google::protobuf::Reflection* r = reply.GetReflection();
  const Message& v = r->GetMessage(reply, view);
  const FieldDescriptor* id = v.GetDescriptor()->FindFieldByName(g.view_id);
  return ResultLine(g.name, id == nullptr ? "" : v.GetReflection()->GetString(v, id),
                    static_cast<const v1::CommandResult&>(r->GetMessage(reply, result)),
                    request_id) +
         g.detail(v);
}

struct CommandFlags {
  std::string id;
  std::vector<std::string> fields;
  std::string body;
  std::string request_id;
  int64_t expected_version = -1;
  std::string occurred_at;
  std::vector<std::string> files;
};

// The media type a file's name declares (the server checks it against the
// bytes): .jpg/.jpeg, .png, .pdf; "" for another.
std::string DeclaredMediaType(const std::string& path) {
  const std::string lower = absl::AsciiStrToLower(path);
  if (absl::EndsWith(lower, ".jpg") || absl::EndsWith(lower, ".jpeg")) return "image/jpeg";
  if (absl::EndsWith(lower, ".png")) return "image/png";
  if (absl::EndsWith(lower, ".pdf")) return "application/pdf";
  return "";
}

// Reads `paths` into the request's `files` (attachment.proto).
absl::Status AddFiles(const std::vector<std::string>& paths, Message* request) {
  const FieldDescriptor* files = request->GetDescriptor()->FindFieldByName("files");
  if (files == nullptr) return absl::OkStatus();
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("--file ", path, ": 无法打开"));
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto* file = static_cast<v1::Attachment*>(request->GetReflection()->AddMessage(request, files));
    const size_t slash = path.find_last_of('/');
    file->set_name(slash == std::string::npos ? path : path.substr(slash + 1));
    file->set_media_type(DeclaredMediaType(path));
    file->set_bytes(bytes.str());
  }
  return absl::OkStatus();
}

void AddCommand(CLI::App& group, CliContext& ctx, const Group& g,
                const google::protobuf::MethodDescriptor* method) {
  const FieldDescriptor* action = method->input_type()->FindFieldByNumber(3);
  const std::string name = absl::StrReplaceAll(action->name(), {{"_", "-"}});
  auto* cmd = group.add_subcommand(
      name, absl::StrCat(method->name(), " (fields: ", FieldNames(action->message_type()), ")"));
  auto* f = &ctx.Own<CommandFlags>();
  cmd->add_option(g.id_name, f->id, "the stream's id")->required();
  cmd->add_option("FIELD=VALUE", f->fields,
                  "fields of the action, dotted for nested ones, repeated for lists");
  cmd->add_option("--body", f->body, "the whole action as JSON (then FIELD=VALUE adds to it)");
  cmd->add_option("--request-id", f->request_id,
                  "idempotency key; retry a failed call with the id it printed");
  cmd->add_option("--expected-version", f->expected_version,
                  "refuse (ABORTED) unless the stream is at this version");
  cmd->add_option("--occurred-at", f->occurred_at,
                  "when it happened, if keyed in later: YYYY-MM-DD or RFC 3339");
  if (method->input_type()->FindFieldByName("files") != nullptr) {
    cmd->add_option("--file", f->files,
                    "a photo or document to attach (.jpg, .png, .pdf), repeated for more");
  }
  cmd->callback([&ctx, &g, f, method, action] {
    google::protobuf::MessageFactory* factory =
        google::protobuf::MessageFactory::generated_factory();
    std::unique_ptr<Message> request(factory->GetPrototype(method->input_type())->New());
    std::unique_ptr<Message> reply(factory->GetPrototype(method->output_type())->New());
    const google::protobuf::Reflection* r = request->GetReflection();
    Message* body = r->MutableMessage(request.get(), action);
    if (!f->body.empty()) {
      auto parsed = google::protobuf::util::JsonStringToMessage(f->body, body);
      if (!parsed.ok()) return ctx.Fail(absl::StrCat("--body: ", parsed.message().as_string()), 2);
    }
    if (absl::Status s = SetFields(f->fields, body); !s.ok()) {
      return ctx.Fail(std::string(s.message()), 2);
    }
    if (absl::Status s = AddFiles(f->files, request.get()); !s.ok()) {
      return ctx.Fail(std::string(s.message()), 2);
    }
    const FieldDescriptor* id_field = method->input_type()->FindFieldByNumber(2);
    r->SetString(request.get(), id_field, f->id);
    // The action's own copy of the id (CreateTask.task_id, RegisterProject's
    // info.code, ...) defaults to the one given.
    for (auto [path, name] : {std::pair<const char*, std::string>{"", id_field->name()},
                              std::pair<const char*, std::string>{"info", "code"}}) {
      Message* at = body;
      if (*path != '\0') {
        const FieldDescriptor* sub = at->GetDescriptor()->FindFieldByName(path);
        if (sub == nullptr || sub->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
            sub->is_repeated()) {
          continue;
        }
        at = at->GetReflection()->MutableMessage(at, sub);
      }
      const FieldDescriptor* own = at->GetDescriptor()->FindFieldByName(name);
      if (own != nullptr && own->type() == FieldDescriptor::TYPE_STRING && !own->is_repeated() &&
          at->GetReflection()->GetString(*at, own).empty()) {
        at->GetReflection()->SetString(at, own, f->id);
      }
    }
    auto* header = static_cast<v1::CommandHeader*>(
        r->MutableMessage(request.get(), method->input_type()->FindFieldByNumber(1)));
    header->set_request_id(f->request_id.empty() ? NewRequestId() : f->request_id);
    if (f->expected_version >= 0) header->set_expected_version(f->expected_version);
    if (!f->occurred_at.empty()) {
      auto t = ParseChinaDateOrTime(f->occurred_at, "--occurred-at");
      if (!t.ok()) return ctx.Fail(std::string(t.status().message()), 2);
      *header->mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*t));
    }
    grpc::Status status = CallMethod(ctx, method, *request, reply.get());
    if (!status.ok()) {
      ctx.Fail(status);
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
          status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        std::fprintf(ctx.err,
                     "taizhang: it may or may not have been recorded; retry with "
                     "--request-id %s\n",
                     header->request_id().c_str());
      }
      return;
    }
    if (ctx.json) return ctx.PrintJson(*reply);
    ctx.Print(ReplyText(g, *reply, header->request_id()));
  });
}

struct ListFlags {
  std::string unit;
  std::string light;
  bool overdue = false;
  std::string region;
  std::string project;
  std::string stage;
  std::string series;
};

void AddListAndShow(CLI::App& group, CliContext& ctx, const Group& g) {
  auto* list =
      group.add_subcommand("list", absl::StrCat("the ", g.name, "s you may read, filtered"));
  auto* lf = &ctx.Own<ListFlags>();
  list->add_option("--unit", lf->unit, "a responsible unit / department");
  list->add_option("--light", lf->light, "green, yellow or red");
  list->add_flag("--overdue", lf->overdue, "only what is past a limit now");
  list->add_option("--project", lf->project, "of one project (its code)");
  list->add_option("--region", lf->region, "the project code's 6-digit region, e.g. 530115");
  list->add_option("--stage", lf->stage,
                   "the project's stage, e.g. reserve_agreement, new_start, under_construction");
  list->add_option("--series", lf->series, "meetings of one series");
  list->callback([&ctx, &g, lf] {
    v1::ListRequest request;
    request.set_series_id(lf->series);
    request.set_unit(lf->unit);
    request.set_overdue_only(lf->overdue);
    request.set_region(lf->region);
    request.set_project_code(lf->project);
    if (!lf->light.empty()) {
      v1::Light light;
      if (!v1::Light_Parse("LIGHT_" + absl::AsciiStrToUpper(lf->light), &light) ||
          light == v1::LIGHT_UNSPECIFIED) {
        return ctx.Fail(absl::StrCat("--light ", lf->light, ": expected green, yellow or red"), 2);
      }
      request.set_light(light);
    }
    if (!lf->stage.empty()) {
      v1::ProjectInfo scratch;  // any message with a ProjectStage field
      v1::ProjectStage stage = v1::PROJECT_STAGE_UNSPECIFIED;
      if (absl::Status st = SetFields({"initial_stage=" + lf->stage}, &scratch); !st.ok()) {
        return ctx.Fail(absl::StrCat("--stage ", lf->stage, ": ",
                                     st.message().substr(st.message().find(": ") + 2)),
                        2);
      }
      stage = scratch.initial_stage();
      request.set_stage(stage);
    }
    const auto* method = LedgerMethod(absl::StrCat("List", g.many));
    if (method == nullptr) return ctx.Fail(absl::StrCat("internal: no List", g.many), 70);
    std::unique_ptr<Message> reply(NewMessage(method->output_type()));
    grpc::Status status = CallMethod(ctx, method, request, reply.get());
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(*reply);
    // The response's one field: the views.
    const FieldDescriptor* views = method->output_type()->field(0);
    std::vector<const Message*> rows;
    const google::protobuf::Reflection* r = reply->GetReflection();
    for (int i = 0; i < r->FieldSize(*reply, views); ++i) {
      rows.push_back(&r->GetRepeatedMessage(*reply, views, i));
    }
    ctx.Print(g.list(rows));
  });

  auto* show =
      group.add_subcommand("show", absl::StrCat("one ", g.name, ": state, deadlines, lights"));
  auto* id = &ctx.Own<std::string>();
  show->add_option(g.id_name, *id, "its id")->required();
  show->callback([&ctx, &g, id] {
    const auto* method = LedgerMethod(absl::StrCat("Get", g.one));
    if (method == nullptr) return ctx.Fail(absl::StrCat("internal: no Get", g.one), 70);
    v1::GetRequest request;
    request.set_id(*id);
    std::unique_ptr<Message> reply(NewMessage(method->output_type()));
    grpc::Status status = CallMethod(ctx, method, request, reply.get());
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(*reply);
    std::string text = ReplyText(g, *reply, "");
    ctx.Print(text.substr(text.find('\n') + 1));  // without the result line
  });
}

// The project group's photo library (the Photos service): the typed
// record-image-progress, and `photo` (an attachment of a project or a task
// read back into a file).
void AddPhotoCommands(CLI::App& group, CliContext& ctx, const Group& g) {
  const auto* photos =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("taizhang.v1.Photos");
  if (photos == nullptr) return;
  for (int i = 0; i < photos->method_count(); ++i) {
    const auto* action = photos->method(i)->input_type()->FindFieldByNumber(3);
    if (action != nullptr && action->message_type() != nullptr) {
      AddCommand(group, ctx, g, photos->method(i));
    }
  }
  auto* cmd = group.add_subcommand(
      "photo", "an attachment (photo or document) of a project, or of a task with --task");
  struct Flags {
    std::string code, sha256, task, out;
  };
  auto* f = &ctx.Own<Flags>();
  cmd->add_option("CODE", f->code, "the project's code (empty with --task)");
  cmd->add_option("SHA256", f->sha256, "the attachment's digest (64 hex digits)")->required();
  cmd->add_option("--task", f->task, "a task's attachment instead of a project's");
  cmd->add_option("--out", f->out, "write the bytes to this file")->required();
  cmd->callback([&ctx, f] {
    v1::GetAttachmentRequest request;
    if (f->task.empty()) request.set_project_code(f->code);
    request.set_task_id(f->task);
    request.set_sha256(f->sha256);
    v1::Photos::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::GetAttachmentResponse r;
    grpc::Status status = stub.GetAttachment(&call, request, &r);
    if (!status.ok()) return ctx.Fail(status);
    std::ofstream out(f->out, std::ios::binary | std::ios::trunc);
    out << r.bytes();
    out.close();
    if (!out) return ctx.Fail(absl::StrCat("--out ", f->out, ": 无法写入"), 1);
    if (ctx.json) {
      r.clear_bytes();
      return ctx.PrintJson(r);
    }
    ctx.Print(absl::StrCat(r.attachment().name(), "（", r.attachment().media_type(), "，",
                           r.attachment().size(), " 字节）已写入 ", f->out, "\n"));
  });
}

void AddState(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "state", "a stream's state as of a position or a recorded time, rebuilt from its events");
  struct Flags {
    std::string stream;
    uint64_t position = 0;
    std::string at;
  };
  auto* f = &ctx.Own<Flags>();
  cmd->add_option("STREAM", f->stream, "case/<id>, task/<id>, problem/<id> or project/<code>")
      ->required();
  auto* position = cmd->add_option("--position", f->position, "the events up to this position");
  cmd->add_option("--at", f->at, "the events recorded by then: YYYY-MM-DD or RFC 3339")
      ->excludes(position);
  cmd->callback([&ctx, f] {
    v1::StateAsOfRequest request;
    request.set_stream(f->stream);
    request.set_position(f->position);
    if (!f->at.empty()) {
      auto t = ParseChinaDateOrTime(f->at, "--at");
      if (!t.ok()) return ctx.Fail(std::string(t.status().message()), 2);
      *request.mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*t));
    }
    v1::Ledger::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::StateAsOfResponse r;
    grpc::Status status = stub.GetStateAsOf(&call, request, &r);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(r);
    std::string out = absl::StrCat(
        r.stream(), " as of position ", r.position(), " (version ", r.version(), "), judged at ",
        FormatChina(absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(r.as_of()))), "\n");
    for (const Group& g : kGroups) {
      const auto* get = LedgerMethod(absl::StrCat("Get", g.one));
      const FieldDescriptor* view =
          get == nullptr ? nullptr : get->output_type()->FindFieldByName("view");
      if (view == nullptr) continue;
      std::unique_ptr<Message> v(NewMessage(view->message_type()));
      if (r.view().UnpackTo(v.get())) {
        absl::StrAppend(&out, g.detail(*v));
        break;
      }
    }
    ctx.Print(out);
  });
}

}  // namespace

absl::Status SetFields(const std::vector<std::string>& assignments, Message* out) {
  // On a copy, so that a refused assignment leaves `out` as it was.
  std::unique_ptr<Message> copy(out->New());
  copy->CopyFrom(*out);
  Message* message = copy.get();
  for (const std::string& a : assignments) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("'", a, "': expected FIELD=VALUE"));
    }
    const std::string value = a.substr(eq + 1);
    Message* at = message;
    const FieldDescriptor* f = nullptr;
    for (absl::string_view part : absl::StrSplit(a.substr(0, eq), '.')) {
      if (f != nullptr) {
        if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
          return absl::InvalidArgumentError(
              absl::StrCat(a, ": ", f->name(),
                           f->is_repeated() ? " is a list of messages: give it with --body JSON"
                                            : " has no fields"));
        }
        at = at->GetReflection()->MutableMessage(at, f);
      }
      f = at->GetDescriptor()->FindFieldByName(std::string(part));
      if (f == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(a, ": ", at->GetDescriptor()->name(), " has no field '", part,
                         "' (fields: ", FieldNames(at->GetDescriptor()), ")"));
      }
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        f->message_type() != google::protobuf::Timestamp::descriptor()) {
      return absl::InvalidArgumentError(
          absl::StrCat(a, ": ", f->name(), " is a message (fields: ", FieldNames(f->message_type()),
                       "): set them as ", f->name(), ".<field>=..."));
    }
    RETURN_IF_ERROR(SetScalar(a, value, at, f));
  }
  out->CopyFrom(*message);
  return absl::OkStatus();
}

void AddLedgerCommands(CLI::App& app, CliContext& ctx) {
  // service.proto has no messages, so nothing else pulls its descriptors out
  // of the static library: loading its table (what a generated message's
  // descriptor() does) links them in and registers them.
  google::protobuf::internal::AssignDescriptors(&descriptor_table_taizhang_2fv1_2fservice_2eproto);
  for (const Group& g : kGroups) {
    auto* group = app.add_subcommand(g.name, g.description);
    group->require_subcommand(1);
    AddListAndShow(*group, ctx, g);
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(g.service);
    if (service == nullptr) {
      ctx.Fail(absl::StrCat("internal: no descriptor of service ", g.service), 70);
      continue;
    }
    // A service may serve two groups (Meetings: series and meetings): each
    // takes the methods that reply with its own type.
    for (int i = 0; i < service->method_count(); ++i) {
      if (service->method(i)->output_type()->name() != absl::StrCat(g.one, "Reply")) continue;
      AddCommand(*group, ctx, g, service->method(i));
    }
    if (std::string(g.name) == "project") AddPhotoCommands(*group, ctx, g);
  }
  AddState(app, ctx);
}

}  // namespace taizhang::services
