#include "services/screen.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/json_util.h"
#include "reports/labels.h"
#include "services/china_time.h"
#include "services/ledger_service.h"
#include "services/photos_service.h"
#include "workflows/bulletin.h"

namespace taizhang::services {
namespace {

using reports::Label;
using reports::LightLabel;

// What one unit did and has open, for the ranking.
struct UnitFigures {
  int finished = 0, on_time = 0, overdue = 0, open = 0;
};

class Builder {
 public:
  Builder(const workflows::Ledger& ledger, const Caller& caller, absl::Time now)
      : ledger_(ledger),
        scope_(caller, ledger),
        now_(now),
        today_(absl::ToCivilDay(now, ChinaTime())) {
    for (const char* kind : {"project", "case_item", "task", "problem"}) {
      v1::ScreenLightCount& c = *out_.add_lights();
      c.set_kind(kind);
    }
    out_.mutable_lights(0)->set_kind_label("项目");
    out_.mutable_lights(1)->set_kind_label("审批事项");
    out_.mutable_lights(2)->set_kind_label("任务");
    out_.mutable_lights(3)->set_kind_label("问题");
  }

  v1::ScreenSnapshot Build() {
    out_.set_title("重点项目推进情况");
    out_.set_as_of_us(absl::ToUnixMicros(now_));
    out_.set_as_of_label(absl::StrCat(FormatChina(now_, false), " (北京时间)"));
    out_.set_position(ledger_.AppliedPosition());
    Projects();
    Cases();
    Tasks();
    Matters();
    Problems();
    Totals();
    Ranking();
    Overdue();
    return std::move(out_);
  }

 private:
  void Count(int kind, v1::Light light) {
    v1::ScreenLightCount& c = *out_.mutable_lights(kind);
    c.set_total(c.total() + 1);
    switch (light) {
      case v1::LIGHT_RED:
        c.set_red(c.red() + 1);
        break;
      case v1::LIGHT_YELLOW:
        c.set_yellow(c.yellow() + 1);
        break;
      case v1::LIGHT_GREEN:
        c.set_green(c.green() + 1);
        break;
      default:
        c.set_unlit(c.unlit() + 1);
    }
  }

  // Calendar days from `due` ("YYYY-MM-DD") to today, at least 1.
  int DaysPast(const std::string& due) const {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(due, &day)) return 1;
    return static_cast<int>(std::max<int64_t>(1, today_ - day));
  }

  void AddOverdue(const char* kind, const char* kind_label, const std::string& code,
                  const std::string& title, const std::string& unit, const std::string& due,
                  v1::Light light) {
    out_.set_overdue_total(out_.overdue_total() + 1);
    v1::ScreenOverdueItem item;
    item.set_kind(kind);
    item.set_kind_label(kind_label);
    item.set_project_code(code);
    auto name = project_names_.find(code);
    if (name != project_names_.end()) item.set_project_name(name->second);
    item.set_title(title);
    item.set_unit(unit);
    item.set_due_date(due);
    item.set_days_overdue(DaysPast(due));
    item.set_overdue_label(absl::StrCat("逾期", item.days_overdue(), "天"));
    item.set_light(light);
    item.set_light_label(LightLabel(light));
    overdue_.push_back(std::move(item));
  }

  void Finished(const std::string& unit, bool on_time) {
    if (unit.empty()) return;
    UnitFigures& u = units_[unit];
    ++u.finished;
    u.on_time += on_time;
  }

  void Open(const std::string& unit, bool overdue) {
    if (unit.empty()) return;
    UnitFigures& u = units_[unit];
    ++u.open;
    u.overdue += overdue;
  }

  void Projects() {
    const absl::CivilMonth month(today_);
    workflows::BulletinOptions options;
    options.month = month;
    options.investment_rule = ledger_.project().policy().investment();
    workflows::BulletinBuilder bulletin(options);
    ledger_.workflow<workflows::Project>().ForEach([&](const v1::ProjectState& s) {
      if (s.info().code().empty()) return;
      project_names_[s.info().code()] = s.info().name();
      if (!scope_.Reads(s)) return;
      bulletin.AddProject(s);
      const v1::ProjectView v = ledger_.project().View(s, now_);
      const v1::ProjectInfo& info = s.info();
      v1::ScreenProject& p = *out_.add_projects();
      p.set_code(info.code());
      p.set_name(info.name());
      p.set_stage_label(Label(s.stage()));
      p.set_light(v.light());
      p.set_light_label(LightLabel(v.light()));
      p.set_lead_unit(info.lead_unit());
      p.set_leader(info.responsible_leader());
      p.set_start_overdue(v.start_overdue());
      p.set_finish_overdue(v.finish_overdue());
      p.set_open_slips(v.open_slips_size());
      if (!v.latest_photos().empty()) {
        const v1::ProjectPhoto& photo = v.latest_photos(0);
        p.set_photo_url(AttachmentPath("/screen/photo/", info.code(), photo.attachment().sha256()));
        p.set_photo_on(photo.on());
      }
      // This year's plan and the latest cumulative report of this year.
      int64_t plan = 0, done = 0;
      for (const auto& y : s.plans()) {
        if (y.year() == month.year()) plan = y.amount_yuan();
      }
      if (plan == 0 && info.plan_year() == month.year()) plan = info.annual_plan_yuan();
      const std::string year = absl::StrCat(month.year(), "-");
      const std::string this_month = absl::FormatCivilTime(month).substr(0, 7);
      for (const auto& r : s.reports()) {
        if (r.month().rfind(year, 0) == 0 && r.month() <= this_month) done = r.cumulative_yuan();
      }
      if (plan > 0) {
        p.set_investment_bp(static_cast<int32_t>((done * 10000 + plan / 2) / plan));
        p.set_investment_label(workflows::FormatBp(p.investment_bp()));
      } else {
        p.set_investment_label("—");
      }
      for (const auto& n : v.nodes()) {
        p.set_nodes_total(p.nodes_total() + 1);
        p.set_nodes_done(p.nodes_done() + n.done());
      }
      p.set_progress_label(absl::StrCat("节点 ", p.nodes_done(), "/", p.nodes_total(),
                                        " · 年度投资完成 ", p.investment_label()));
      for (const auto& n : s.nodes()) {
        if (n.done()) Finished(n.responsible_unit(), !n.late());
      }
      for (const auto& n : v.nodes()) {
        if (n.done()) continue;
        Open(n.responsible_unit(), n.late());
        if (n.late()) {
          AddOverdue("node", "项目节点", info.code(), n.name(), n.responsible_unit(), n.due_on(),
                     n.light());
        }
      }
      if (s.stage() != v1::PROJECT_STAGE_COMPLETED) {
        Count(0, v.light());
        if (v.start_overdue()) {
          AddOverdue("start", "应开工未开工", info.code(), info.name(), info.lead_unit(),
                     info.planned_start_on(), v.light());
        }
        if (v.finish_overdue()) {
          AddOverdue("finish", "应竣工未竣工", info.code(), info.name(), info.lead_unit(),
                     info.planned_finish_on(), v.light());
        }
      }
      // A start campaign's day passed without the start (集中开工逾期未开工).
      for (const auto& c : v.campaigns()) {
        if (c.status() != v1::CAMPAIGN_START_STATUS_NOT_STARTED) continue;
        AddOverdue("campaign", "集中开工未开工", info.code(),
                   absl::StrCat(info.name(), "（", c.campaign_name(), "）"), info.lead_unit(),
                   c.campaign_day(), c.light());
      }
    });
    const v1::Bulletin b = bulletin.Build();
    v1::ScreenInvestment& inv = *out_.mutable_investment();
    inv.set_month(b.month());
    inv.set_month_label(absl::StrCat(b.year(), "年", b.month_index(), "月"));
    inv.set_annual_plan_yuan(b.investment().annual_plan_yuan());
    inv.set_completed_yuan(b.investment().completed_yuan());
    inv.set_annual_plan_label(Money(b.investment().annual_plan_yuan()));
    inv.set_completed_label(Money(b.investment().completed_yuan()));
    if (b.investment().has_completion_bp()) {
      inv.set_completion_bp(b.investment().completion_bp());
      inv.set_completion_label(workflows::FormatBp(inv.completion_bp()));
    } else {
      inv.set_completion_label("—");
    }
    inv.set_time_progress_bp(b.investment().time_progress_bp());
    inv.set_time_progress_label(workflows::FormatBp(inv.time_progress_bp()));
    inv.set_light(b.investment().light());
    inv.set_light_label(LightLabel(b.investment().light()));
    for (const auto& r : b.unit_ranking()) {
      v1::ScreenUnitInvestment& u = *inv.add_units();
      u.set_unit(r.unit());
      if (r.investment().has_completion_bp()) {
        u.set_completion_bp(r.investment().completion_bp());
        u.set_completion_label(workflows::FormatBp(u.completion_bp()));
      } else {
        u.set_completion_label("—");
      }
      u.set_light(r.investment().light());
      u.set_light_label(LightLabel(r.investment().light()));
    }
  }

  void Cases() {
    ledger_.workflow<workflows::ApprovalCase>().ForEach([&](const v1::ApprovalCaseState& s) {
      if (!scope_.Reads(s)) return;
      const v1::ApprovalCaseView v = ledger_.approval_case().View(s, now_);
      for (int i = 0; i < s.items_size() && i < v.items_size(); ++i) {
        const v1::CaseItem& item = s.items(i);
        const v1::CaseItemView& iv = v.items(i);
        if (!iv.has_clock()) continue;  // never submitted: no limit
        if (item.clock().ended_at_us() != 0) {
          Finished(item.department(), !item.clock().late());
          continue;
        }
        Count(1, iv.clock().light());
        Open(item.department(), iv.clock().overdue());
        if (iv.clock().overdue()) {
          AddOverdue("case_item", "审批事项", s.project_code(), item.name(), item.department(),
                     iv.clock().due_date(), iv.clock().light());
        }
      }
    });
  }

  void Tasks() {
    ledger_.workflow<workflows::Task>().ForEach([&](const v1::TaskState& s) {
      if (!scope_.Reads(s)) return;
      if (s.status() == v1::TASK_STATUS_COMPLETED) {
        for (const auto& u : s.responsible_units()) Finished(u, !s.completed_late());
        return;
      }
      if (s.status() != v1::TASK_STATUS_OPEN) return;
      const v1::TaskView v = ledger_.task().View(s, now_);
      Count(2, v.light());
      for (const auto& u : s.responsible_units()) Open(u, v.overdue());
      if (v.overdue()) {
        AddOverdue("task", "任务", s.project_code(), s.title(),
                   absl::StrJoin(s.responsible_units(), "、"), v.due_date(), v.light());
      }
    });
  }

  // The decided matters (tasks with an origin): one line of counts.
  void Matters() {
    v1::ScreenMatters& m = *out_.mutable_matters();
    ledger_.workflow<workflows::Task>().ForEach([&](const v1::TaskState& s) {
      if (!s.has_origin() || !scope_.Reads(s)) return;
      m.set_total(m.total() + 1);
      if (s.status() == v1::TASK_STATUS_COMPLETED) {
        m.set_done(m.done() + 1);
        m.set_done_on_time(m.done_on_time() + (s.completed_late() ? 0 : 1));
        return;
      }
      m.set_open(m.open() + 1);
      if (ledger_.task().View(s, now_).overdue()) m.set_overdue(m.overdue() + 1);
    });
    m.set_label(absl::StrCat("会议商定事项 ", m.total(), " 项：已办结 ", m.done(), " 项（按时 ",
                             m.done_on_time(), " 项），未办结 ", m.open(), " 项（逾期 ",
                             m.overdue(), " 项）"));
  }

  void Problems() {
    ledger_.workflow<workflows::Problem>().ForEach([&](const v1::ProblemState& s) {
      if (!scope_.Reads(s)) return;
      if (s.status() == v1::PROBLEM_STATUS_RESOLVED || s.status() == v1::PROBLEM_STATUS_VERIFIED) {
        Finished(s.unit(), !s.resolved_late());
        return;
      }
      if (s.status() != v1::PROBLEM_STATUS_ASSIGNED) return;
      const v1::ProblemView v = ledger_.problem().View(s, now_);
      Count(3, v.light());
      Open(s.unit(), v.overdue());
      // A public screen does not show what the problem is: only that there is one.
      if (v.overdue()) {
        AddOverdue("problem", "问题", s.project_code(), "问题", s.unit(), v.due_date(), v.light());
      }
    });
  }

  void Totals() {
    v1::ScreenLightCount& t = *out_.mutable_lights_total();
    t.set_kind("all");
    t.set_kind_label("合计");
    for (const auto& c : out_.lights()) {
      t.set_red(t.red() + c.red());
      t.set_yellow(t.yellow() + c.yellow());
      t.set_green(t.green() + c.green());
      t.set_unlit(t.unlit() + c.unlit());
      t.set_total(t.total() + c.total());
    }
  }

  void Ranking() {
    std::vector<std::pair<std::string, UnitFigures>> units(units_.begin(), units_.end());
    std::sort(units.begin(), units.end(), [](const auto& a, const auto& b) {
      const UnitFigures &x = a.second, &y = b.second;
      if ((x.finished > 0) != (y.finished > 0)) return x.finished > 0;
      if (x.finished > 0) {
        // x.on_time / x.finished vs y.on_time / y.finished, exactly.
        const int64_t l = int64_t{x.on_time} * y.finished, r = int64_t{y.on_time} * x.finished;
        if (l != r) return l > r;
      }
      if (x.overdue != y.overdue) return x.overdue < y.overdue;
      if (x.finished != y.finished) return x.finished > y.finished;
      return a.first < b.first;
    });
    int rank = 0;
    for (const auto& [name, u] : units) {
      v1::ScreenUnitRank& r = *out_.add_ranking();
      r.set_rank(++rank);
      r.set_unit(name);
      r.set_finished(u.finished);
      r.set_on_time(u.on_time);
      r.set_overdue(u.overdue);
      r.set_open(u.open);
      if (u.finished > 0) {
        r.set_on_time_bp(
            static_cast<int32_t>((int64_t{u.on_time} * 10000 + u.finished / 2) / u.finished));
        r.set_on_time_label(workflows::FormatBp(r.on_time_bp()));
      } else {
        r.set_on_time_label("—");
      }
    }
  }

  void Overdue() {
    std::sort(overdue_.begin(), overdue_.end(), [](const auto& a, const auto& b) {
      return std::make_tuple(-a.days_overdue(), a.project_code(), a.kind(), a.title()) <
             std::make_tuple(-b.days_overdue(), b.project_code(), b.kind(), b.title());
    });
    for (size_t i = 0; i < overdue_.size() && i < kScreenOverdueShown; ++i) {
      *out_.add_overdue() = std::move(overdue_[i]);
    }
  }

  // "12.50亿元", "350.00万元".
  static std::string Money(int64_t yuan) {
    if (yuan >= 100'000'000 || yuan <= -100'000'000) {
      return absl::StrFormat("%.2f亿元", static_cast<double>(yuan) / 1e8);
    }
    return absl::StrFormat("%.2f万元", static_cast<double>(yuan) / 1e4);
  }

  const workflows::Ledger& ledger_;
  const ReadScope scope_;
  const absl::Time now_;
  const absl::CivilDay today_;
  v1::ScreenSnapshot out_;
  std::map<std::string, UnitFigures> units_;
  std::map<std::string, std::string> project_names_;  // every project's, for the overdue list
  std::vector<v1::ScreenOverdueItem> overdue_;
};

// The scope a caller's snapshot is computed for: everything, or a leader's or
// an enterprise's own.
std::string ScopeKey(const Caller& caller) {
  using workflows::Role;
  if (caller.principal.Is(Role::kLeader) || caller.principal.Is(Role::kEnterprise)) {
    return absl::StrCat(workflows::RoleName(caller.principal.role), ":", caller.principal.unit);
  }
  return "";
}

}  // namespace

v1::ScreenSnapshot BuildScreenSnapshot(const workflows::Ledger& ledger, const Caller& caller,
                                       absl::Time now) {
  return Builder(ledger, caller, now).Build();
}

std::string ScreenJson(const v1::ScreenSnapshot& snapshot) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(snapshot, &out, options);
  return out;
}

// One scope's latest snapshot.
class ScreenFeeds::Feed : public PushSource {
 public:
  explicit Feed(Caller caller) : caller_(std::move(caller)) {}

  std::pair<uint64_t, std::shared_ptr<const std::string>> Latest() const override {
    absl::MutexLock l(&mu_);
    return {sequence_, latest_};
  }

  void Rebuild(const workflows::Ledger& ledger, absl::Time now) {
    // The first build (on the caller's thread) and the feeds' thread may
    // build at once: the one of an older position does not replace a newer.
    const uint64_t at = ledger.AppliedPosition();
    auto json =
        std::make_shared<const std::string>(ScreenJson(BuildScreenSnapshot(ledger, caller_, now)));
    absl::MutexLock l(&mu_);
    if (at < built_at_) return;
    built_at_ = at;
    if (latest_ != nullptr && *latest_ == *json) return;  // nothing a screen would show moved
    latest_ = std::move(json);
    ++sequence_;
  }

 private:
  const Caller caller_;
  mutable absl::Mutex mu_;
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t built_at_ ABSL_GUARDED_BY(mu_) = 0;  // the position latest_ was built at
  std::shared_ptr<const std::string> latest_ ABSL_GUARDED_BY(mu_);
};

ScreenFeeds::ScreenFeeds(store::EventLog& log, const workflows::Ledger& ledger, Clock& clock,
                         ScreenFeedOptions options)
    : log_(log), ledger_(ledger), clock_(clock), options_(options) {
  // The position read here, not when the thread first runs: an event
  // applied in between must move the feeds.
  const uint64_t start = ledger_.AppliedPosition();
  thread_ = std::thread([this, start] { Run(start); });
}

ScreenFeeds::~ScreenFeeds() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  thread_.join();
}

std::shared_ptr<const PushSource> ScreenFeeds::For(const Caller& caller) {
  const std::string key = ScopeKey(caller);
  std::shared_ptr<Feed> feed;
  {
    absl::MutexLock l(&mu_);
    auto it = feeds_.find(key);
    if (it != feeds_.end()) return it->second;
    feed = std::make_shared<Feed>(caller);
    feeds_.emplace(key, feed);
  }
  feed->Rebuild(ledger_, clock_.Now());
  ++builds_;
  return feed;
}

void ScreenFeeds::RebuildAll() {
  std::vector<std::shared_ptr<Feed>> feeds;
  {
    absl::MutexLock l(&mu_);
    for (const auto& [key, feed] : feeds_) feeds.push_back(feed);
  }
  const absl::Time now = clock_.Now();
  for (const auto& feed : feeds) {
    feed->Rebuild(ledger_, now);
    ++builds_;
  }
}

void ScreenFeeds::Run(uint64_t built_at) {
  absl::Time clock_seen = clock_.Now();
  const Clock& pacing = options_.pacing != nullptr ? *options_.pacing : SharedSystemClock();
  absl::Duration last_build = pacing.Monotonic();
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      if (stop_) return;
    }
    // Woken by a new durable position (or after 200 ms, to look at the
    // clock and the stop flag).
    const uint64_t head = log_.WaitForPosition(built_at, absl::Milliseconds(200));
    // The projections apply an appended event within moments; wait for them
    // (briefly: a stuck follower must not stop the screen).
    for (int i = 0; i < 200 && ledger_.AppliedPosition() < head; ++i) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    const uint64_t applied = ledger_.AppliedPosition();
    const absl::Time now = clock_.Now();
    const bool moved = applied != built_at;
    // A manual clock moved by hand, or a day passing, changes lights and
    // days without any event.
    const bool clock_moved = now - clock_seen >= absl::Minutes(1) || now < clock_seen;
    if (!moved && !clock_moved && pacing.Monotonic() - last_build < options_.refresh_interval)
      continue;
    // Coalesce: at most one rebuild per min_interval.
    const absl::Duration since = pacing.Monotonic() - last_build;
    if (since < options_.min_interval) absl::SleepFor(options_.min_interval - since);
    built_at = ledger_.AppliedPosition();
    clock_seen = clock_.Now();
    last_build = pacing.Monotonic();
    RebuildAll();
  }
}

}  // namespace taizhang::services
