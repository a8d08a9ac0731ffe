// The workflows' events as alerts (workflows/alerts.h), plugged into the
// server's alert stream.
#ifndef TAIZHANG_SERVICES_WORKFLOW_ALERTS_H_
#define TAIZHANG_SERVICES_WORKFLOW_ALERTS_H_

#include "services/alert_mapper.h"
#include "workflows/alerts.h"

namespace taizhang::services {

class WorkflowAlerts final : public AlertMapper {
 public:
  std::vector<v1::Alert> Map(const store::RecordedEvent& event) const override {
    return workflows::AlertsFor(event);
  }
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_WORKFLOW_ALERTS_H_
