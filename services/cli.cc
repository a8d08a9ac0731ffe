#include "services/cli.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "reports/labels.h"
#include "services/china_time.h"
#include "services/text_table.h"
#include "store/merkle.h"
#include "store/sha256.h"
#include "taizhang/v1/calendar.pb.h"
#include "taizhang/v1/record.pb.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {
namespace {

using google::protobuf::util::TimeUtil;

std::string Time(const google::protobuf::Timestamp& t, bool seconds = false) {
  return ChinaTimeOf(t, seconds);
}

bool ReadPem(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

// "responsible_unit" / "ROLE_RESPONSIBLE_UNIT" -> v1::Role.
bool ParseRecipientRole(const std::string& text, v1::Role* role) {
  std::string name = absl::AsciiStrToUpper(text);
  if (name.rfind("ROLE_", 0) != 0) name = "ROLE_" + name;
  return v1::Role_Parse(name, role) && *role != v1::ROLE_UNSPECIFIED;
}

// 责任单位, 督查室, ... and 督办升级, 超期, ...: the schema's labels.
std::string RoleLabel(int role) { return reports::Label(static_cast<v1::Role>(role)); }
std::string KindLabel(v1::AlertKind kind) { return reports::Label(kind); }

// --- subcommands ---

void AddVerify(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("verify", "recompute the hash chain on the server");
  auto* from = &ctx.Own<uint64_t>();
  auto* to = &ctx.Own<uint64_t>();
  cmd->add_option("--from", *from, "first position (default: 1)");
  cmd->add_option("--to", *to, "last position (default: the head)");
  cmd->callback([&ctx, from, to] {
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::VerifyRequest request;
    request.set_from_position(*from);
    request.set_to_position(*to);
    v1::VerifyResponse response;
    grpc::Status status = stub.Verify(&call, request, &response);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) {
      ctx.PrintJson(response);
    } else if (response.ok() && response.checked() == 0) {
      ctx.Print("哈希链完好：无可核验的记录（日志或所给范围为空）\n");
    } else if (response.ok()) {
      ctx.Print(absl::StrCat("哈希链完好：第 ", response.from_position(), "–",
                             response.to_position(), " 条（", response.checked(), " 条记录）\n",
                             "链摘要    ", response.digest().empty() ? "-" : response.digest(),
                             "\n",
                             response.merkle_root().empty()
                                 ? ""
                                 : absl::StrCat("默克尔根  ", response.merkle_root(), "\n")));
    } else {
      ctx.Print(
          absl::StrCat("哈希链断裂于第 ", response.first_bad(), " 条：", response.problem(), "\n"));
    }
    if (!response.ok()) ctx.exit_code = 1;
  });
}

// Hex of 32 bytes, or "" when `hex` is not one.
std::string HashFromHex(const std::string& hex) {
  std::string bytes;
  if (!store::FromHex(hex, &bytes) || bytes.size() != 32) return "";
  return bytes;
}

std::vector<std::string> HashesFromHex(const google::protobuf::RepeatedPtrField<std::string>& hex) {
  std::vector<std::string> out;
  for (const std::string& h : hex) out.push_back(HashFromHex(h));
  return out;
}

// Checks `--root`-style options: empty, or 64 hex digits.
bool HeldRootOk(CliContext& ctx, const std::string& option, const std::string& held) {
  if (held.empty() || !HashFromHex(held).empty()) return true;
  ctx.Fail(absl::StrCat(option, "：应为树根的 64 位十六进制数字"), 2);
  return false;
}

// `taizhang tree head|prove|consistency`: the Merkle tree's roots and proofs.
// Every proof is checked here, on the caller's machine, against the root the
// server gives and, when given, against a root the caller already holds (one
// written down earlier, or printed in a bulletin): a server that rewrote its
// log cannot answer both.
void AddTree(CLI::App& app, CliContext& ctx) {
  auto* tree = app.add_subcommand("tree", "the Merkle tree over the log: roots and proofs");
  tree->require_subcommand(1);

  auto* head = tree->add_subcommand("head", "the tree's root at the head or at a size");
  auto* head_size = &ctx.Own<std::optional<uint64_t>>();
  head->add_option("--size", *head_size, "records in the tree (default: the head)");
  head->callback([&ctx, head_size] {
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::GetTreeHeadRequest request;
    if (head_size->has_value()) request.set_size(**head_size);
    v1::TreeHead response;
    grpc::Status status = stub.GetTreeHead(&call, request, &response);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(response);
    ctx.Print(absl::StrCat("默克尔树  ", response.size(), " 条记录（分区 ", response.partition(),
                           "）\n树根      ", response.root(), "\n"));
    if (response.size() > 0) {
      ctx.Print(absl::StrCat("链摘要    ", response.chain_digest(), "\n记录于    ",
                             Time(response.recorded_at(), /*seconds=*/true), "\n"));
    }
  });

  auto* prove = tree->add_subcommand("prove", "prove that the record at a position is in the log");
  auto* position = &ctx.Own<uint64_t>();
  auto* prove_size = &ctx.Own<std::optional<uint64_t>>();
  auto* held_root = &ctx.Own<std::string>();
  prove->add_option("POSITION", *position, "the record's position")->required();
  prove->add_option("--size", *prove_size, "the tree's size (default: the head)");
  prove->add_option("--root", *held_root, "a root you hold for that size (hex): check against it");
  prove->callback([&ctx, position, prove_size, held_root] {
    if (!HeldRootOk(ctx, "--root", *held_root)) return;
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ProveInclusionRequest request;
    request.set_position(*position);
    if (prove_size->has_value()) request.set_size(**prove_size);
    v1::InclusionProof response;
    grpc::Status status = stub.ProveInclusion(&call, request, &response);
    if (!status.ok()) return ctx.Fail(status);
    // A proof for another position or size than the one asked is no proof of it.
    const bool asked = response.position() == *position &&
                       (!prove_size->has_value() || response.size() == **prove_size);
    v1::EventRecord record;
    const bool decoded = asked && record.ParseFromString(response.record()) &&
                         record.position() == response.position();
    const bool proven =
        decoded && store::merkle::VerifyInclusion(response.position() - 1, response.size(),
                                                  store::merkle::LeafHash(response.record()),
                                                  HashesFromHex(response.path()),
                                                  HashFromHex(response.root()));
    const bool held_ok = held_root->empty() || absl::AsciiStrToLower(*held_root) == response.root();
    if (ctx.json) {
      ctx.PrintJson(response);
    } else if (!asked) {
      ctx.Print(absl::StrCat("未能证明：服务器答的是第 ", response.position(), " 条记录在 ",
                             response.size(), " 条记录的树中，不是所问的\n"));
    } else if (!decoded) {
      ctx.Print(
          absl::StrCat("未能证明：服务器给出的记录不是第 ", response.position(), " 条记录\n"));
    } else if (!proven) {
      ctx.Print(absl::StrCat("未能证明：证明路径不能由第 ", response.position(), " 条记录通到树根 ",
                             response.root(), "\n"));
    } else {
      ctx.Print(absl::StrCat("第 ", record.position(), " 条记录（", record.stream(), " 第 ",
                             record.version(), " 版，", record.type(), "）在 ", response.size(),
                             " 条记录的树中\n树根  ", response.root(), "\n证明  ",
                             response.path_size(), " 个哈希，已在本机核验\n"));
      if (!held_root->empty()) {
        ctx.Print(held_ok ? "树根与你持有的一致\n"
                          : absl::StrCat("与你持有的树根不同：", *held_root, "\n"));
      }
    }
    if (!proven || !held_ok) ctx.exit_code = 1;
  });

  auto* consistency = tree->add_subcommand(
      "consistency", "prove that the log of a later size extends the log of an earlier one");
  auto* first = &ctx.Own<uint64_t>();
  auto* second = &ctx.Own<std::optional<uint64_t>>();
  auto* first_root = &ctx.Own<std::string>();
  auto* second_root = &ctx.Own<std::string>();
  consistency->add_option("FIRST", *first, "the earlier size")->required();
  consistency->add_option("--second", *second, "the later size (default: the head)");
  consistency->add_option("--first-root", *first_root,
                          "the root you hold for the earlier size (hex)");
  consistency->add_option("--second-root", *second_root,
                          "the root you hold for the later size (hex)");
  consistency->callback([&ctx, first, second, first_root, second_root] {
    if (!HeldRootOk(ctx, "--first-root", *first_root) ||
        !HeldRootOk(ctx, "--second-root", *second_root)) {
      return;
    }
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ProveConsistencyRequest request;
    request.set_first(*first);
    if (second->has_value()) request.set_second(**second);
    v1::ConsistencyProof response;
    grpc::Status status = stub.ProveConsistency(&call, request, &response);
    if (!status.ok()) return ctx.Fail(status);
    const bool asked =
        response.first() == *first && (!second->has_value() || response.second() == **second);
    const bool proven =
        asked && store::merkle::VerifyConsistency(
                     response.first(), response.second(), HashFromHex(response.first_root()),
                     HashFromHex(response.second_root()), HashesFromHex(response.path()));
    std::vector<std::string> differ;
    if (!first_root->empty() && absl::AsciiStrToLower(*first_root) != response.first_root()) {
      differ.push_back(
          absl::StrCat("前一棵树的根是 ", response.first_root(), "，不是你持有的 ", *first_root));
    }
    if (!second_root->empty() && absl::AsciiStrToLower(*second_root) != response.second_root()) {
      differ.push_back(
          absl::StrCat("后一棵树的根是 ", response.second_root(), "，不是你持有的 ", *second_root));
    }
    if (ctx.json) {
      ctx.PrintJson(response);
    } else if (!asked) {
      ctx.Print(absl::StrCat("未能证明：服务器答的是 ", response.first(), " 条与 ",
                             response.second(), " 条记录的两棵树，不是所问的\n"));
    } else if (!proven) {
      ctx.Print(absl::StrCat("未能证明：", response.second(), " 条记录的树是 ", response.first(),
                             " 条记录的树的延续\n"));
    } else {
      ctx.Print(absl::StrCat(
          response.second(), " 条记录的树是 ", response.first(), " 条记录的树的延续：前 ",
          response.first(), " 条未被改动、删除或重排\n树根（", response.first(), " 条）  ",
          response.first_root(), "\n树根（", response.second(), " 条）  ", response.second_root(),
          "\n证明  ", response.path_size(), " 个哈希，已在本机核验\n"));
    }
    for (const std::string& d : differ) ctx.Print(absl::StrCat("不同：", d, "\n"));
    if (!proven || !differ.empty()) ctx.exit_code = 1;
  });
}

void AddHistory(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("history", "the events of one stream, oldest first");
  auto* stream = &ctx.Own<std::string>();
  auto* from = &ctx.Own<uint64_t>();
  cmd->add_option("STREAM", *stream, "e.g. case/<id>, task/<id>, project/<code>")->required();
  cmd->add_option("--from", *from, "first version (default: 1)");
  cmd->callback([&ctx, stream, from] {
    v1::Audit::Stub stub(ctx.Channel());
    TextTable table({"version", "position", "type", "occurred", "recorded", "actor"},
                    {TextTable::Align::kRight, TextTable::Align::kRight});
    v1::ReadStreamRequest request;
    request.set_stream(*stream);
    request.set_from_version(*from);
    request.set_page_size(500);
    for (;;) {
      grpc::ClientContext call;
      ctx.Prepare(&call);
      v1::ReadStreamResponse response;
      grpc::Status status = stub.ReadStream(&call, request, &response);
      if (!status.ok()) return ctx.Fail(status);
      for (const v1::AuditEvent& e : response.events()) {
        if (ctx.json) {
          ctx.PrintJson(e);
          continue;
        }
        table.AddRow({absl::StrCat(e.version()), absl::StrCat(e.position()), e.type(),
                      Time(e.occurred_at()),
                      Time(e.recorded_at()) + (e.late_entry() ? " 补录" : ""), e.actor()});
      }
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    if (!ctx.json) ctx.Print(table.Render());
  });
}

void AddLog(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("log", "the global log from a position, in order");
  auto* from = &ctx.Own<uint64_t>();
  auto* to = &ctx.Own<uint64_t>();
  cmd->add_option("--from", *from, "first position (default: 1)");
  cmd->add_option("--to", *to, "last position (default: the head)");
  cmd->callback([&ctx, from, to] {
    v1::Audit::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call, /*streaming=*/true);
    v1::ReadLogRequest request;
    request.set_from_position(*from);
    request.set_to_position(*to);
    request.set_page_size(500);
    auto reader = stub.ReadLog(&call, request);
    TextTable table({"position", "stream", "version", "type", "recorded", "actor"},
                    {TextTable::Align::kRight, TextTable::Align::kLeft, TextTable::Align::kRight});
    v1::ReadLogResponse page;
    while (reader->Read(&page)) {
      for (const v1::AuditEvent& e : page.events()) {
        if (ctx.json) {
          ctx.PrintJson(e);
          continue;
        }
        table.AddRow({absl::StrCat(e.position()), e.stream(), absl::StrCat(e.version()), e.type(),
                      Time(e.recorded_at()) + (e.late_entry() ? " 补录" : ""), e.actor()});
      }
    }
    grpc::Status status = reader->Finish();
    if (!status.ok()) return ctx.Fail(status);
    if (!ctx.json) ctx.Print(table.Render());
  });
}

void AddAlerts(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("alerts", "alerts from the log; --follow keeps listening");
  struct Flags {
    bool follow = false;
    uint64_t from = 0;
    std::vector<std::string> roles;
    std::string unit;
  };
  auto* f = &ctx.Own<Flags>();
  cmd->add_flag("--follow", f->follow, "keep streaming new alerts until interrupted");
  cmd->add_option("--from", f->from,
                  "last position already handled (exclusive; default 0: from the start)");
  cmd->add_option("--role", f->roles,
                  "recipient role: responsible_unit, unit_head, supervision_office, "
                  "responsible_leader (repeatable)");
  cmd->add_option("--unit", f->unit, "recipient unit, e.g. 自然资源局");
  cmd->callback([&ctx, f] {
    v1::FollowAlertsRequest request;
    request.set_from_position(f->from);
    request.set_until_head(!f->follow);
    request.set_unit(f->unit);
    for (const std::string& r : f->roles) {
      v1::Role role;
      if (!ParseRecipientRole(r, &role)) {
        return ctx.Fail(absl::StrCat("--role ", r,
                                     ": expected responsible_unit, unit_head, "
                                     "supervision_office or responsible_leader"),
                        2);
      }
      request.add_roles(role);
    }
    v1::Supervision::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call, /*streaming=*/true);
    auto reader = stub.FollowAlerts(&call, request);
    v1::Alert alert;
    while (reader->Read(&alert)) {
      if (ctx.json) {
        ctx.PrintJson(alert);
      } else {
        std::vector<std::string> to;
        for (const auto& r : alert.recipients()) {
          std::vector<std::string> who = {RoleLabel(r.role())};
          if (!r.unit().empty()) who.push_back(r.unit());
          if (!r.person().empty()) who.push_back(r.person());
          to.push_back(absl::StrJoin(who, " "));
        }
        std::string line = absl::StrCat(PadLeft(absl::StrCat(alert.position()), 7), "  ",
                                        PadRight(Time(alert.occurred_at()), 16), "  ",
                                        PadRight(KindLabel(alert.kind()), 10), "  ", alert.title());
        if (!to.empty()) absl::StrAppend(&line, "  → ", absl::StrJoin(to, "、"));
        if (alert.has_due_at()) absl::StrAppend(&line, "  期限 ", Time(alert.due_at()));
        ctx.Print(line + "\n");
      }
      std::fflush(ctx.out);
    }
    grpc::Status status = reader->Finish();
    if (!status.ok()) return ctx.Fail(status);
  });
}

void AddClock(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("clock", "move a manual clock (servers run with --clock=manual)");
  cmd->require_subcommand(1);
  auto* advance = cmd->add_subcommand("advance", "move the clock forward by a duration");
  auto* set = cmd->add_subcommand("set", "move the clock forward to a date or time");
  auto* duration = &ctx.Own<std::string>();
  auto* date = &ctx.Own<std::string>();
  advance->add_option("DURATION", *duration, "e.g. 3d, 36h, 1d12h, 90m, 2w")->required();
  set->add_option("DATE", *date, "YYYY-MM-DD (midnight China time) or RFC 3339")->required();
  auto run = [&ctx](const v1::AdvanceClockRequest& request) {
    v1::Admin::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::AdvanceClockResponse response;
    grpc::Status status = stub.AdvanceClock(&call, request, &response);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(response);
    ctx.Print(absl::StrCat("clock: ", Time(response.previous(), true), " → ",
                           Time(response.now(), true), " (China time)\n"));
  };
  advance->callback([&ctx, duration, run] {
    auto d = ParseHumanDuration(*duration);
    if (!d.ok()) return ctx.Fail(std::string(d.status().message()), 2);
    v1::AdvanceClockRequest request;
    *request.mutable_by() = TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(*d));
    run(request);
  });
  set->callback([&ctx, date, run] {
    auto t = ParseChinaDateOrTime(*date, "DATE");
    if (!t.ok()) return ctx.Fail(std::string(t.status().message()), 2);
    v1::AdvanceClockRequest request;
    *request.mutable_to() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*t));
    run(request);
  });
}

void AddInfo(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("info", "what the server is and where its log stands");
  cmd->callback([&ctx] {
    v1::Admin::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ServerInfoResponse r;
    grpc::Status status = stub.ServerInfo(&call, v1::ServerInfoRequest(), &r);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(r);
    ctx.Print(absl::StrCat("version       ", r.version(), "\n",        //
                           "head          ", r.head_position(), "\n",  //
                           "digest        ", r.head_digest().empty() ? "-" : r.head_digest(),
                           "\n",  //
                           "clock         ",
                           r.clock_mode() == v1::CLOCK_MODE_MANUAL ? "manual" : "system", "\n",
                           "now           ", Time(r.now(), true), " (China time)\n",  //
                           "started       ", Time(r.started_at(), true), "\n",        //
                           "partition     ", r.partition(), "\n",                     //
                           "you are       ", r.caller(), "\n"));
  });
}

void AddBackup(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("backup", "an online copy of the log on the server's machine");
  auto* dir = &ctx.Own<std::string>();
  cmd->add_option("DIR", *dir, "absolute path on the server; must not exist")->required();
  auto* copy = &ctx.Own<bool>();
  cmd->add_flag("--copy", *copy,
                "copy every file (for another disk or filesystem), sync it and read it back "
                "verified; without it the files are hard links on the log's filesystem");
  cmd->callback([&ctx, dir, copy] {
    v1::Admin::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::BackupRequest request;
    request.set_dir(*dir);
    request.set_copy(*copy);
    v1::BackupResponse response;
    grpc::Status status = stub.Backup(&call, request, &response);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(response);
    std::string text = response.position() == 0
                           ? absl::StrCat("backup of the empty log in ", response.dir(), "\n")
                           : absl::StrCat("backup of positions 1..", response.position(), " in ",
                                          response.dir(), "\n");
    if (response.copied()) {
      absl::StrAppend(&text, "copied: ", response.files(), " files, ", response.bytes(),
                      " bytes, synced and read back verified\n", "chain  ",
                      response.chain_digest().empty() ? "(empty)" : response.chain_digest(), "\n",
                      "root   ", response.root(), "\n");
    }
    ctx.Print(text);
  });
}

void AddCalendar(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("calendar", "working-day calendars of the running server");
  cmd->require_subcommand(1);
  auto* load = cmd->add_subcommand(
      "load", "load one year (cn-YYYY.textproto) and recompute the deadlines it moves");
  auto* file = &ctx.Own<std::string>();
  auto* amend = &ctx.Own<bool>();
  load->add_option("FILE", *file, "calendar file (text-format taizhang.v1.CalendarYear)")
      ->required();
  load->add_flag("--amend", *amend,
                 "the year is already in use and its notice was amended: replace it");
  load->callback([&ctx, file, amend] {
    std::ifstream in(*file, std::ios::binary);
    if (!in) return ctx.Fail(absl::StrCat(*file, ": cannot be read"));
    std::stringstream text;
    text << in.rdbuf();
    v1::Admin::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::LoadCalendarRequest request;
    request.set_name(std::filesystem::path(*file).filename().string());
    request.set_text(text.str());
    request.set_amend(*amend);
    v1::LoadCalendarResponse r;
    grpc::Status status = stub.LoadCalendar(&call, request, &r);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(r);
    if (!r.changed()) {
      return ctx.Print(absl::StrCat("year ", r.year(), " is already in use with these days (",
                                    r.digest().substr(0, 12), "…): nothing changed\n"));
    }
    ctx.Print(absl::StrCat(
        r.amendment() ? "amended year " : "loaded year ", r.year(), ": ", r.digest().substr(0, 12),
        "…", r.amendment() ? absl::StrCat(" (was ", r.previous_digest().substr(0, 12), "…)") : "",
        " at position ", r.position(), "; ", r.recomputed_deadlines(),
        " deadline(s) recomputed\n"));
  });

  auto* list = cmd->add_subcommand(
      "list", "every calendar year the server has taken into use, oldest first (calendar/cn)");
  list->callback([&ctx] {
    v1::Audit::Stub stub(ctx.Channel());
    std::vector<v1::AuditEvent> events;
    v1::ReadStreamRequest request;
    request.set_stream("calendar/cn");
    request.set_page_size(500);
    for (;;) {
      grpc::ClientContext call;
      ctx.Prepare(&call);
      v1::ReadStreamResponse response;
      grpc::Status status = stub.ReadStream(&call, request, &response);
      if (!status.ok()) return ctx.Fail(status);
      for (const v1::AuditEvent& e : response.events()) events.push_back(e);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    std::map<int, size_t> last;  // year -> index of its last event: the one in use
    std::vector<v1::CalendarYearLoaded> loads(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      v1::CalendarEvent e;
      if (e.ParseFromString(events[i].payload())) loads[i] = e.year_loaded();
      last[loads[i].data().year()] = i;
    }
    TextTable table(
        {"year", "version", "in use", "change", "origin", "via", "position", "recorded"},
        {TextTable::Align::kRight});
    for (size_t i = 0; i < events.size(); ++i) {
      const v1::CalendarYearLoaded& l = loads[i];
      if (ctx.json) {
        ctx.PrintJson(l);
        continue;
      }
      table.AddRow(
          {absl::StrCat(l.data().year()), l.digest().substr(0, 12),
           last[l.data().year()] == i ? "yes" : "",
           l.amendment() ? absl::StrCat("amends ", l.previous_digest().substr(0, 12)) : "new year",
           l.origin(), l.via(), absl::StrCat(events[i].position()), Time(events[i].recorded_at())});
    }
    if (!ctx.json) ctx.Print(table.Render());
  });
}

}  // namespace

std::string ChinaTimeOf(const google::protobuf::Timestamp& t, bool seconds) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return FormatChina(
      absl::FromUnixMicros(google::protobuf::util::TimeUtil::TimestampToMicroseconds(t)), seconds);
}

std::string NewRequestId() {
  std::random_device random;
  std::string id = "cli-";
  for (int i = 0; i < 3; ++i) absl::StrAppend(&id, absl::Hex(random(), absl::kZeroPad8));
  return id;
}

std::shared_ptr<grpc::Channel> CliContext::Channel() {
  if (channel_ != nullptr) return channel_;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (!tls_ca.empty() || !tls_cert.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!tls_ca.empty() && !ReadPem(tls_ca, &ssl.pem_root_certs)) {
      Fail(absl::StrCat("--tls-ca ", tls_ca, ": cannot read"), 2);
    }
    if (!tls_cert.empty() &&
        (!ReadPem(tls_cert, &ssl.pem_cert_chain) || !ReadPem(tls_key, &ssl.pem_private_key))) {
      Fail(absl::StrCat("--tls-cert/--tls-key: cannot read ", tls_cert, " or ", tls_key), 2);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);  // an exported ledger may pass gRPC's default 4 MB
  channel_ = grpc::CreateCustomChannel(server, credentials, args);
  return channel_;
}

void CliContext::Prepare(grpc::ClientContext* call, bool streaming) const {
  if (!token.empty()) call->AddMetadata("authorization", "Bearer " + token);
  if (!streaming && timeout_seconds > 0) {
    call->set_deadline(gpr_time_add(
        gpr_now(GPR_CLOCK_MONOTONIC),
        gpr_time_from_millis(static_cast<int64_t>(timeout_seconds * 1000), GPR_TIMESPAN)));
  }
}

void CliContext::Fail(const grpc::Status& status) {
  std::string code = absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
  for (char& c : code) c = c == ' ' ? '_' : absl::ascii_toupper(c);
  std::string message = absl::StrCat("taizhang: ", code, ": ", status.error_message());
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    absl::StrAppend(&message, " (is taizhangd running at ", server, "?)");
  } else if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && token.empty()) {
    absl::StrAppend(&message, " (pass --token or set TAIZHANG_TOKEN)");
  }
  std::fprintf(err, "%s\n", message.c_str());
  exit_code = 1;
}

void CliContext::Fail(const std::string& message, int code) {
  std::fprintf(err, "taizhang: %s\n", message.c_str());
  exit_code = code;
}

void CliContext::PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::fprintf(out, "%s\n", json.c_str());
}

void AddConnectionOptions(CLI::App& app, CliContext& ctx) {
  if (const char* env = std::getenv("TAIZHANG_TOKEN")) ctx.token = env;
  if (const char* env = std::getenv("TAIZHANG_SERVER")) ctx.server = env;
  app.add_option("--server", ctx.server, "taizhangd's HOST:PORT (or $TAIZHANG_SERVER)")
      ->capture_default_str();
  app.add_option("--token", ctx.token, "bearer token (default: $TAIZHANG_TOKEN)");
  app.add_flag("--json", ctx.json, "one JSON object per line instead of tables");
  app.add_option("--tls-ca", ctx.tls_ca, "PEM CA of the server's certificate: use TLS");
  app.add_option("--tls-cert", ctx.tls_cert, "PEM client certificate (with --tls-key)");
  app.add_option("--tls-key", ctx.tls_key, "PEM client key");
  app.add_option("--timeout", ctx.timeout_seconds, "seconds per call (not for streams)")
      ->capture_default_str();
}

void AddCoreCommands(CLI::App& app, CliContext& ctx) {
  AddVerify(app, ctx);
  AddTree(app, ctx);
  AddHistory(app, ctx);
  AddLog(app, ctx);
  AddAlerts(app, ctx);
  AddClock(app, ctx);
  AddInfo(app, ctx);
  AddBackup(app, ctx);
  AddCalendar(app, ctx);
}

}  // namespace taizhang::services
