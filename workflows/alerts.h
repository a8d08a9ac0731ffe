// Which events of the workflows are alerts for people (督查督办), and for whom.
//
// AlertsFor maps one recorded event to the alerts it gives (most give none).
// The supervision events (supervision.proto) are read the same way whatever
// aggregate recorded them:
//   - a rung raised (预警提示, 催办单, 督办通知单, 通报, 挂牌, 约谈), automatic or
//     by the office's hand: RUNG_RAISED (NOTICE_ISSUED for notices and
//     slips), addressed to the rung's recipients, with what it issues, its
//     slip colour and the slip's name (蓝/橙/红色催办单, 督办通知单...);
//   - a light that changed: LIGHT_CHANGED (DEADLINE_PASSED when it turned red);
//   - a slip answered (to the office, which verifies) or delisted;
// and, per aggregate: deemed consent (超时默认), a granted extension, a
// missed 容缺 commitment (to the office and the enterprise), a problem raised;
// and for any command keyed in on a later day than it happened, a late entry
// (补录) to the office, first.
// It is a pure function of the record (the same event always gives the same
// alerts in the same order), which is what lets a consumer resume from its
// last acknowledged position without gaps or repeats.
#ifndef TAIZHANG_WORKFLOWS_ALERTS_H_
#define TAIZHANG_WORKFLOWS_ALERTS_H_

#include <vector>

#include "store/event_log.h"
#include "taizhang/v1/api_supervision.pb.h"

namespace taizhang::workflows {

std::vector<v1::Alert> AlertsFor(const store::RecordedEvent& event);

// How a light reads for people: 绿灯, 黄灯, 红灯; 未评 when not judged.
const char* LightLabel(v1::Light light);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_ALERTS_H_
