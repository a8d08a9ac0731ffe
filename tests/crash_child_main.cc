// The process the crash test kills. It appends from many threads to the log in
// argv[1] and, after each acknowledged append, writes one line to stdout:
//   ack <request id> <stream> <first position> <first version> <count>
// Each line is written with a single write(2), so a line the parent reads whole
// is an acknowledgement it can hold the log to. Payloads are a function of the
// request id, so the parent can check them byte for byte.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "base/clock.h"
#include "store/event_log.h"
#include "tests/crash_payload.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: crash_child DIR ROUND THREADS\n");
    return 2;
  }
  std::string dir = argv[1];
  std::string round = argv[2];
  int threads = std::atoi(argv[3]);
  auto clock = taizhang::NewSystemClock();
  auto log = taizhang::store::OpenEventLog(dir, *clock);
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return 3;
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::string stream = absl::StrCat("crash/", round, "/", t);
      for (uint64_t seq = 0;; ++seq) {
        taizhang::store::AppendRequest r;
        r.stream = stream;
        r.request_id = absl::StrCat(round, ":", t, ":", seq);
        r.expected = taizhang::store::ExpectedVersion::Exactly(seq == 0 ? 0 : seq * 2);
        for (int i = 0; i < 2; ++i) {
          taizhang::store::NewEvent e;
          e.type = "crash.Appended";
          e.payload = taizhang::testing::CrashPayload(r.request_id, i);
          r.events.push_back(std::move(e));
        }
        // Odd workers append asynchronously: acknowledged when called back.
        absl::StatusOr<taizhang::store::AppendResult> result;
        if (t % 2 == 1) {
          absl::Notification acked;
          (*log)->AppendAsync(r, [&](absl::StatusOr<taizhang::store::AppendResult> out) {
            result = std::move(out);
            acked.Notify();
          });
          acked.WaitForNotification();
        } else {
          result = (*log)->Append(r);
        }
        if (!result.ok()) {
          std::fprintf(stderr, "append: %s\n", result.status().ToString().c_str());
          std::_Exit(4);
        }
        std::string line = absl::StrCat("ack ", r.request_id, " ", stream, " ",
                                        result->first_position, " ", result->first_version, " 2\n");
        if (write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          std::_Exit(5);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}
