// The whole monthly bulletin (projects' figures and the units' supervision
// figures, as Ledger::BulletinFor gives them) computed from the log alone,
// as it stood at a position: every case, task, problem and project stream
// is replayed from its first event up to that position (never from the
// projections), so a published bulletin can be recomputed by anyone holding
// the log, and its digest compared (docs/bulletin.md).
//
// UnitSupervisionFold is the per-unit half (BulletinUnitSupervision), shared
// by Ledger::BulletinFor (over the projections) and BulletinAtPosition (over
// a replay), so that both compute the same figures the same way.
//
// Thread-safety: a fold is used by one thread; BulletinAtPosition may run
// concurrently with appends (it reads up to the position it is given).
#ifndef TAIZHANG_WORKFLOWS_BULLETIN_LOG_H_
#define TAIZHANG_WORKFLOWS_BULLETIN_LOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "taizhang/v1/assessment.pb.h"
#include "taizhang/v1/bulletin.pb.h"
#include "workflows/backdating.h"
#include "workflows/supervision.h"

namespace taizhang::workflows {

class Ledger;

// A published bulletin is the one event of the stream "bulletin/<YYYY-MM>",
// a BulletinEvent whose `published` is set, stored under this type
// (engine::EventTypeName("bulletin", ...); pinned by event_types_test.cc).
inline constexpr char kBulletinStreamPrefix[] = "bulletin/";
inline constexpr char kBulletinPublishedType[] = "bulletin.Published";

// Per responsible unit, as of the close of `bulletin`'s month: the work
// overdue at the close (cases' items, tasks, problems), the rungs raised to
// it in the month, its listings, its rungs unanswered at the close, and the
// facts it keyed in late (补录) during the month. Enterprises are not units.
class UnitSupervisionFold {
 public:
  // The month's bounds are `bulletin`'s (month, closes_at_us).
  explicit UnitSupervisionFold(const v1::Bulletin& bulletin);

  // One state of a case, task or problem: its supervised subjects (through
  // `aggregate`, which must be its aggregate) and its rungs.
  template <class A>
  void Add(const A& aggregate, const typename A::State& state) {
    for (const SupervisedSubject& s : aggregate.Subjects(state)) AddSubject(s);
    AddRungs(state.rungs());
  }
  // The late entries recorded in the month (others are ignored).
  void AddLateEntries(const std::vector<LateEntry>& entries);

  // Sets bulletin->unit_supervision, by unit name.
  void FillIn(v1::Bulletin* bulletin) &&;

 private:
  v1::BulletinUnitSupervision& Unit(const std::string& name);
  void AddSubject(const SupervisedSubject& s);
  void AddRungs(const google::protobuf::RepeatedPtrField<v1::SupervisionRung>& rungs);

  int64_t open_us_ = 0;
  int64_t close_us_ = 0;
  std::map<std::string, v1::BulletinUnitSupervision> units_;
};

// The bulletin for `month` as Ledger::BulletinFor would have given it with
// the log at `through_position` (0: the log's head at the start), computed
// by replaying the log's streams up to that position. through_position of
// the result is the last position included. DATA_LOSS / FAILED_PRECONDITION
// when an event cannot be read or decoded.
absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position);
// As above, with the investment lights judged by `investment_rule` instead of
// the rule of the project policy loaded in `ledger` (the rule a publication
// recorded); the ranking (bulletin_assessment.h) by the assessment rule
// loaded for the month's year, if any.
absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position,
                                                const v1::InvestmentLightRule& investment_rule);
// As above, the ranking by `assessment_rule` (a publication's), none when
// null; the figures depend on no other policy data.
absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position,
                                                const v1::InvestmentLightRule& investment_rule,
                                                const v1::AssessmentRule* assessment_rule);

// The digest a publication records of its figures: the lower-case hex
// SHA-256 of `bulletin`'s binary protobuf serialization in deterministic mode
// (fields in number order, unknown fields kept; Bulletin has no maps), so the
// same figures give the same digest on any machine with this schema.
std::string BulletinDigest(const v1::Bulletin& bulletin);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_BULLETIN_LOG_H_
