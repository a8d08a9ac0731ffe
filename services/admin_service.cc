#include "services/admin_service.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/china_time.h"
#include "services/grpc_status.h"
#include "store/sha256.h"

namespace taizhang::services {
namespace {

using google::protobuf::util::TimeUtil;

// The largest calendar file LoadCalendar takes (a year is a few kilobytes).
constexpr size_t kMaxCalendarBytes = 1 << 20;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

bool Valid(const google::protobuf::Duration& d) {
  return d.seconds() >= TimeUtil::kDurationMinSeconds &&
         d.seconds() <= TimeUtil::kDurationMaxSeconds && d.nanos() > -1000000000 &&
         d.nanos() < 1000000000 && !(d.seconds() > 0 && d.nanos() < 0) &&
         !(d.seconds() < 0 && d.nanos() > 0);
}

bool Valid(const google::protobuf::Timestamp& t) {
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 && t.nanos() < 1000000000;
}

// Whether `path` is `dir` or inside it (both absolute, lexically normal).
bool IsWithin(const std::filesystem::path& path, const std::filesystem::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // trailing separator
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

}  // namespace

AdminService::AdminService(AdminContext context, const Authorizer& auth)
    : context_(std::move(context)), auth_(auth) {}

grpc::Status AdminService::AdvanceClock(grpc::ServerContext* ctx,
                                        const v1::AdvanceClockRequest* request,
                                        v1::AdvanceClockResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  ManualClock* clock = context_.manual_clock;
  if (clock == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the server runs on the system clock; only a server started with "
                        "--clock=manual can be advanced");
  }
  absl::MutexLock l(&advance_mu_);
  const absl::Time before = clock->Now();
  const std::function<void()> settle = [this] {
    for (const auto& hook : context_.after_clock_advance) hook();
  };
  switch (request->target_case()) {
    case v1::AdvanceClockRequest::kBy: {
      if (!Valid(request->by())) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "by: not a valid duration");
      }
      absl::Duration d = absl::Microseconds(TimeUtil::DurationToMicroseconds(request->by()));
      if (d <= absl::ZeroDuration()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "by: must be positive; time never goes back");
      }
      clock->Advance(d, settle);
      break;
    }
    case v1::AdvanceClockRequest::kTo: {
      if (!Valid(request->to())) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "to: not a valid timestamp");
      }
      absl::Time to = FromTimestamp(request->to());
      if (to < before) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat("to: ", FormatChina(to), " is before the clock's now (",
                                         FormatChina(before), "); time never goes back"));
      }
      clock->AdvanceTo(to, settle);
      break;
    }
    default:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "set `by` or `to`");
  }
  settle();
  const absl::Time now = clock->Now();
  spdlog::info("{} advanced the manual clock from {} to {}", caller.actor, FormatChina(before),
               FormatChina(now));
  *response->mutable_previous() = ToTimestamp(before);
  *response->mutable_now() = ToTimestamp(now);
  return grpc::Status::OK;
}

grpc::Status AdminService::Backup(grpc::ServerContext* ctx, const v1::BackupRequest* request,
                                  v1::BackupResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  std::filesystem::path dir(request->dir());
  if (request->dir().empty() || !dir.is_absolute()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "dir: an absolute path on the server's machine, e.g. "
                        "/var/backups/taizhang/2025-03-01");
  }
  dir = dir.lexically_normal();
  if (IsWithin(dir, std::filesystem::path(context_.data_dir).lexically_normal())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("dir: ", dir.string(), " is inside the data directory ",
                                     context_.data_dir, "; choose a place outside it"));
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                        absl::StrCat("dir: ", dir.string(), " exists; a backup needs a new one"));
  }
  if (!std::filesystem::is_directory(dir.parent_path(), ec)) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("dir: the parent ", dir.parent_path().string(),
                                     " is not a directory on the server"));
  }
  response->set_dir(dir.string());
  if (!request->copy()) {
    TZ_ASSIGN_OR_RETURN_GRPC(uint64_t position, context_.log->Backup(dir.string()));
    spdlog::info("{} made a backup in {} at position {}", caller.actor, dir.string(), position);
    response->set_position(position);
    return grpc::Status::OK;
  }
  TZ_ASSIGN_OR_RETURN_GRPC(store::EventLog::CopiedBackup copy,
                           context_.log->BackupCopy(dir.string()));
  spdlog::info(
      "{} made a copied backup in {} at position {} ({} files, {} bytes), read back "
      "verified: chain {}, Merkle root {}",
      caller.actor, dir.string(), copy.position, copy.files, copy.bytes,
      store::ToHex(copy.last_hash), store::ToHex(copy.root));
  response->set_position(copy.position);
  response->set_copied(true);
  response->set_files(copy.files);
  response->set_bytes(copy.bytes);
  if (copy.position > 0) response->set_chain_digest(store::ToHex(copy.last_hash));
  response->set_root(store::ToHex(copy.root));
  return grpc::Status::OK;
}

grpc::Status AdminService::LoadCalendar(grpc::ServerContext* ctx,
                                        const v1::LoadCalendarRequest* request,
                                        v1::LoadCalendarResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  if (!context_.load_calendar) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the server runs without workflows (no --policies-dir): it has no "
                        "calendar to load into");
  }
  if (request->text().size() > kMaxCalendarBytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("text: ", request->text().size(),
                                     " bytes; a calendar file is at most ", kMaxCalendarBytes));
  }
  if (request->text().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "text: empty; send the content of a calendar file (cn-YYYY.textproto)");
  }
  TZ_ASSIGN_OR_RETURN_GRPC(*response, context_.load_calendar(*request, caller.actor));
  if (response->changed()) {
    spdlog::info("{} loaded calendar {} ({}): year {} version {}{}, {} deadlines recomputed",
                 caller.actor, request->name(), response->amendment() ? "amendment" : "new year",
                 response->year(), response->digest().substr(0, 12),
                 response->amendment()
                     ? absl::StrCat(" replaces ", response->previous_digest().substr(0, 12))
                     : "",
                 response->recomputed_deadlines());
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::Info(grpc::ServerContextBase* ctx, const v1::ServerInfoRequest* request,
                                v1::ServerInfoResponse* response) {
  TZ_ASSIGN_OR_RETURN_GRPC(Caller caller, auth_.CallerOf(ctx));
  const uint64_t head = context_.log->HeadPosition();
  response->set_version(context_.version);
  response->set_head_position(head);
  if (head > 0) {
    TZ_ASSIGN_OR_RETURN_GRPC(auto last, context_.log->ReadAll(head, 1));
    if (!last.empty()) response->set_head_digest(store::ToHex(last[0].hash));
  }
  response->set_clock_mode(context_.manual_clock != nullptr ? v1::CLOCK_MODE_MANUAL
                                                            : v1::CLOCK_MODE_SYSTEM);
  *response->mutable_now() = ToTimestamp(context_.clock->Now());
  *response->mutable_started_at() = ToTimestamp(context_.started_at);
  response->set_partition(context_.partition);
  response->set_caller(caller.actor);
  return grpc::Status::OK;
}

}  // namespace taizhang::services
