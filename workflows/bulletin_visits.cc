#include "workflows/bulletin_visits.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "engine/calendar.h"
#include "workflows/project.h"

namespace taizhang::workflows {

void AddVisitFigures(const std::vector<v1::ProjectState>& projects, absl::CivilMonth month,
                     v1::Bulletin* bulletin) {
  const std::string key = FormatMonth(month);
  struct Person {
    std::set<int> capacities;
    std::set<std::string> projects;
    int32_t visits = 0;
  };
  struct Unit {
    std::set<std::string> persons;
    int32_t visits = 0;
  };
  std::map<std::string, Person> persons;
  std::map<std::string, Unit> units;
  std::vector<v1::BulletinVisitShortfall> shortfalls;
  int32_t total = 0;
  for (const v1::ProjectState& s : projects) {
    for (const v1::ProjectVisit& v : s.visits()) {
      const v1::ProjectVisitRecorded& r = v.recorded();
      auto day = engine::ParseDate(r.on());
      if (!day.ok() || absl::CivilMonth(*day) != month) continue;
      ++total;
      Person& p = persons[r.visitor()];
      ++p.visits;
      p.projects.insert(s.info().code());
      if (r.capacities().empty()) p.capacities.insert(v1::VISIT_CAPACITY_OTHER);
      for (int c : r.capacities()) p.capacities.insert(c);
      if (!r.visitor_unit().empty()) {
        Unit& u = units[r.visitor_unit()];
        ++u.visits;
        u.persons.insert(r.visitor());
      }
    }
    for (const v1::ProjectVisitPeriodResult& r : s.visit_periods()) {
      if (r.light() == v1::LIGHT_GREEN || r.period().substr(0, 7) != key) continue;
      v1::BulletinVisitShortfall& f = shortfalls.emplace_back();
      f.set_code(s.info().code());
      f.set_name(s.info().name());
      f.set_person(r.person());
      f.set_capacity(r.capacity());
      f.set_period(r.period());
      f.set_visits(r.visits());
      f.set_required(r.required());
      f.set_light(r.light());
    }
  }
  bulletin->set_visits_in_month(total);
  std::vector<std::pair<std::string, Person>> by_person(persons.begin(), persons.end());
  std::stable_sort(by_person.begin(), by_person.end(),
                   [](const auto& a, const auto& b) { return a.second.visits > b.second.visits; });
  for (const auto& [name, p] : by_person) {
    v1::BulletinVisitPerson* out = bulletin->add_visits_by_person();
    out->set_person(name);
    for (int c : p.capacities) out->add_capacities(static_cast<v1::VisitCapacity>(c));
    out->set_visits(p.visits);
    out->set_projects(static_cast<int32_t>(p.projects.size()));
  }
  std::vector<std::pair<std::string, Unit>> by_unit(units.begin(), units.end());
  std::stable_sort(by_unit.begin(), by_unit.end(),
                   [](const auto& a, const auto& b) { return a.second.visits > b.second.visits; });
  for (const auto& [name, u] : by_unit) {
    v1::BulletinVisitUnit* out = bulletin->add_visits_by_unit();
    out->set_unit(name);
    out->set_visits(u.visits);
    out->set_persons(static_cast<int32_t>(u.persons.size()));
  }
  std::sort(shortfalls.begin(), shortfalls.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.code(), a.period(), static_cast<int>(a.capacity())) <
           std::make_tuple(b.code(), b.period(), static_cast<int>(b.capacity()));
  });
  for (auto& f : shortfalls) *bulletin->add_visits_below_quota() = std::move(f);
}

}  // namespace taizhang::workflows
