// The store's read path over records it did not write: the input, as the
// stored bytes of a record in the middle of a log or of its last, is read
// back through every way the log reads (open, Verify, ReadAll, ReadStream,
// Scan, RecordBytes, the tree). Nothing crashes; what does not decode, or
// is not the record that was there, is refused with DATA_LOSS naming its
// position, Verify names it, and no read writes.
#include <cstdlib>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "fuzz/fuzz_target.h"
#include "store/event_log.h"
#include "store/format.h"
#include "store/testing/raw_log.h"
#include "taizhang/v1/record.pb.h"

namespace taizhang::fuzz {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kRecords = 3;

fs::path Scratch() {
  static const fs::path base = [] {
    std::error_code error;
    fs::path shm = "/dev/shm";
    fs::path root = fs::is_directory(shm, error) ? shm : fs::temp_directory_path();
    fs::path dir = root / absl::StrCat("tz_fuzz_record_", ::getpid(), "_", std::random_device()());
    fs::create_directories(dir, error);
    // Gone when the program ends (it holds a log open only while an input runs).
    static const fs::path* scratch = new fs::path(dir);
    std::atexit([] {
      std::error_code e;
      fs::remove_all(*scratch, e);
    });
    return dir;
  }();
  return base;
}

// A log of kRecords records, their stored bytes.
std::vector<std::string> MakeLog(const std::string& dir, Clock& clock) {
  std::vector<std::string> bytes;
  auto log = store::OpenEventLog(dir, clock);
  FUZZ_CHECK(log.ok());
  for (uint64_t i = 0; i < kRecords; ++i) {
    store::AppendRequest r;
    r.stream = i == 1 ? "task/b" : "task/a";
    r.request_id = absl::StrCat("r", i);
    store::NewEvent e;
    e.type = "task.Created";
    e.actor = "supervision:督查室";
    e.payload = absl::StrCat("事", i);
    r.events.push_back(e);
    FUZZ_CHECK((*log)->Append(r).ok());
  }
  for (uint64_t p = 1; p <= kRecords; ++p) bytes.push_back(*(*log)->RecordBytes(p));
  return bytes;
}

// Puts `value` as the stored bytes of `position`, past the log.
void PutRaw(const std::string& dir, uint64_t position, const std::string& value) {
  store::testing::RawLog raw(dir);
  FUZZ_CHECK(raw.status().ok());
  FUZZ_CHECK(
      raw.Put(store::testing::RawLog::kEvents, store::format::EventKey(0, position), value).ok());
}

std::vector<std::string> RecordSeeds(const std::string&) {
  const std::string dir = (Scratch() / "seeds").string();
  ManualClock clock(absl::FromUnixSeconds(1764734400));
  std::vector<std::string> records = MakeLog(dir, clock);
  std::error_code error;
  fs::remove_all(dir, error);
  std::vector<std::string> out;
  // The first byte chooses the record replaced: even, the middle one; odd, the last.
  for (const std::string& r : records) {
    out.push_back(std::string(1, '\0') + r);
    out.push_back(std::string(1, '\1') + r);
  }
  v1::EventRecord other;
  other.ParseFromString(records[1]);
  other.set_position(7);
  out.push_back(std::string(1, '\0') + other.SerializeAsString());
  return out;
}

}  // namespace

TAIZHANG_FUZZ_TARGET(record, RecordSeeds) {
  if (size == 0) return;
  // The log is made once and copied for each input.
  static const fs::path base = Scratch() / "base";
  static const std::vector<std::string> original = [] {
    ManualClock clock(absl::FromUnixSeconds(1764734400));
    return MakeLog(base.string(), clock);
  }();
  const std::string dir = (Scratch() / "log").string();
  std::error_code error;
  fs::remove_all(dir, error);
  fs::copy(base, dir, fs::copy_options::recursive, error);
  FUZZ_CHECK(!error);
  ManualClock clock(absl::FromUnixSeconds(1764734400));
  const uint64_t position = (data[0] & 1) ? kRecords : 2;
  const std::string value(AsText(data + 1, size - 1));
  const bool same = value == original[position - 1];
  PutRaw(dir, position, value);

  auto log = store::OpenEventLog(dir, clock);
  if (!log.ok()) {
    // Only a changed last record is refused at open, as DATA_LOSS.
    FUZZ_CHECK(position == kRecords && !same);
    FUZZ_CHECK(log.status().code() == absl::StatusCode::kDataLoss);
    fs::remove_all(dir, error);
    return;
  }
  store::EventLog& l = **log;
  FUZZ_CHECK(l.HeadPosition() == kRecords);
  auto v = l.Verify(1, 0);
  FUZZ_CHECK(v.ok());
  FUZZ_CHECK(v->ok == same);
  if (!same)
    FUZZ_CHECK(v->first_bad >= position && v->first_bad <= kRecords && !v->problem.empty());
  auto bytes = l.RecordBytes(position);
  FUZZ_CHECK(bytes.ok() && *bytes == value);
  auto all = l.ReadAll(1, 10);
  FUZZ_CHECK(all.ok() || all.status().code() == absl::StatusCode::kDataLoss);
  if (all.ok()) {
    FUZZ_CHECK(all->size() == kRecords);
    for (uint64_t p = 1; p <= kRecords; ++p) FUZZ_CHECK((*all)[p - 1].record.position() == p);
  }
  for (const char* stream : {"task/a", "task/b"}) {
    auto events = l.ReadStream(stream, 1, 10);
    FUZZ_CHECK(events.ok() || events.status().code() == absl::StatusCode::kDataLoss ||
               events.status().code() == absl::StatusCode::kNotFound);
  }
  uint64_t scanned = 0;
  absl::Status scan = l.Scan(1, [&](const store::RecordedEvent&) {
    ++scanned;
    return absl::OkStatus();
  });
  FUZZ_CHECK(scan.ok() || scan.code() == absl::StatusCode::kDataLoss);
  if (scan.ok()) FUZZ_CHECK(scanned == kRecords);
  (void)l.MerkleRoot(kRecords);
  (void)l.InclusionProof(position, kRecords);
  // The reads wrote nothing.
  FUZZ_CHECK(l.HeadPosition() == kRecords);
  log->reset();
  fs::remove_all(dir, error);
}

}  // namespace taizhang::fuzz
