// Audit reads against the real taizhangd (events appended to the data
// directory before it starts), through gRPC and the CLI; payload decoding with
// an in-process server.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/server.h"
#include "services/testing/server_harness.h"
#include "services/text_table.h"
#include "store/merkle.h"
#include "store/sha256.h"
#include "taizhang/v1/api_config.pb.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using testing::SeedEvent;
using testing::TempDir;
using testing::Tokens;

constexpr char kCase[] = "case/2020-530115-47-01-012345-1";

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
    std::vector<SeedEvent> events = {
        {kCase, "case.Opened", "enterprise:昆明万达:赵经理"},
        {"task/T-1", "task.Created", "supervision:督查室"},
        {kCase, "case.ItemAccepted", "department:自然资源局:王科长"},
        // A paper approval keyed in three days late (补录).
        {kCase, "case.ItemApproved", "department:生态环境局", "", absl::Hours(72)},
        {kCase, "case.ItemSuspended", "department:住建局"},
        {"task/T-1", "task.Completed", "department:昆阳街道办事处:李主任"},
        {kCase, "case.Completed", "system:scheduler"},
    };
    head_ = testing::SeedLog(dir_ / "data", events);
    offline_ = testing::OfflineVerify(dir_ / "data");
    offline_partial_ = testing::OfflineVerify(dir_ / "data", 2, 5);
    {
      // The tree of every size, computed here from the stored records.
      ManualClock clock(testing::TestStart());
      auto log = store::OpenEventLog(dir_ / "data", clock);
      ASSERT_TRUE(log.ok()) << log.status();
      store::merkle::Frontier tree;
      std::vector<store::merkle::Node> unused;
      roots_.push_back(store::ToHex(tree.Root()));
      for (uint64_t p = 1; p <= head_; ++p) {
        absl::StatusOr<std::string> bytes = (*log)->RecordBytes(p);
        ASSERT_TRUE(bytes.ok()) << bytes.status();
        records_.push_back(*bytes);
        tree.Append(store::merkle::LeafHash(*bytes), &unused);
        roots_.push_back(store::ToHex(tree.Root()));
      }
    }
    daemon_ = testing::StartDaemon(dir_, {"--log-only"});
    ASSERT_NE(daemon_, nullptr);
    audit_ = std::make_unique<v1::Audit::Stub>(Connect(daemon_->address()));
  }

  testing::CommandResult Cli(std::vector<std::string> args) {
    return testing::RunCli(*daemon_, Tokens::kAuditor, args);
  }

  TempDir dir_;
  uint64_t head_ = 0;
  store::VerifyResult offline_, offline_partial_;
  std::vector<std::string> roots_;    // hex root of the tree of each size, 0..head
  std::vector<std::string> records_;  // stored bytes of positions 1..head
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<v1::Audit::Stub> audit_;
};

TEST_F(AuditTest, ReadStreamPagesThroughAStream) {
  std::vector<v1::AuditEvent> all;
  v1::ReadStreamRequest request;
  request.set_stream(kCase);
  request.set_page_size(2);
  int pages = 0;
  for (;;) {
    v1::ReadStreamResponse page;
    grpc::Status s = audit_->ReadStream(Call(Tokens::kAuditor).get(), request, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ++pages;
    EXPECT_EQ(page.stream_version(), 5u);
    all.insert(all.end(), page.events().begin(), page.events().end());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version(), i + 1);
    EXPECT_EQ(all[i].stream(), kCase);
    EXPECT_EQ(all[i].hash().size(), 64u);
    EXPECT_EQ(all[i].prev_hash().size(), 64u);
    EXPECT_FALSE(all[i].request_id().empty());
    EXPECT_GT(all[i].recorded_at().seconds(), 0);
  }
  EXPECT_EQ(all[0].position(), 1u);
  EXPECT_EQ(all[1].position(), 3u);
  EXPECT_EQ(all[0].actor(), "enterprise:昆明万达:赵经理");
  EXPECT_EQ(all[0].prev_hash(), std::string(64, '0'));
  EXPECT_EQ(all[2].type(), "case.ItemApproved");
  EXPECT_TRUE(all[2].late_entry());
  EXPECT_EQ(all[2].recorded_at().seconds() - all[2].occurred_at().seconds(), 72 * 3600);
  EXPECT_FALSE(all[1].late_entry());
  EXPECT_EQ(all[4].hash(), offline_.last_hash.empty() ? "" : store::ToHex(offline_.last_hash))
      << "the stream's last event is the log's last";

  // From a version, and the errors.
  request.Clear();
  request.set_stream(kCase);
  request.set_from_version(4);
  v1::ReadStreamResponse page;
  ASSERT_TRUE(audit_->ReadStream(Call(Tokens::kAuditor).get(), request, &page).ok());
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_EQ(page.events(0).version(), 4u);
  request.set_page_token("garbage!");
  EXPECT_EQ(audit_->ReadStream(Call(Tokens::kAuditor).get(), request, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  request.set_stream("case/none");
  EXPECT_EQ(audit_->ReadStream(Call(Tokens::kAuditor).get(), request, &page).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.Clear();
  EXPECT_EQ(audit_->ReadStream(Call(Tokens::kAuditor).get(), request, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditTest, ReadLogStreamsPagesInPositionOrder) {
  v1::ReadLogRequest request;
  request.set_page_size(3);
  auto ctx = Call(Tokens::kAuditor);
  auto reader = audit_->ReadLog(ctx.get(), request);
  v1::ReadLogResponse page;
  std::vector<uint64_t> positions;
  std::vector<int> sizes;
  std::string prev_hash = std::string(64, '0');
  while (reader->Read(&page)) {
    sizes.push_back(page.events_size());
    EXPECT_EQ(page.head_position(), head_);
    for (const auto& e : page.events()) {
      positions.push_back(e.position());
      EXPECT_EQ(e.prev_hash(), prev_hash) << "the chain links at " << e.position();
      prev_hash = e.hash();
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(sizes, (std::vector<int>{3, 3, 1}));
  EXPECT_EQ(positions, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));

  request.set_from_position(5);
  request.set_to_position(6);
  auto ctx2 = Call(Tokens::kAuditor);
  reader = audit_->ReadLog(ctx2.get(), request);
  positions.clear();
  while (reader->Read(&page)) {
    for (const auto& e : page.events()) positions.push_back(e.position());
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(positions, (std::vector<uint64_t>{5, 6}));
}

TEST_F(AuditTest, VerifyGivesTheSameDigestAsTheLogItself) {
  v1::VerifyResponse response;
  ASSERT_TRUE(audit_->Verify(Call(Tokens::kAuditor).get(), v1::VerifyRequest(), &response).ok());
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.checked(), offline_.checked);
  EXPECT_EQ(response.to_position(), head_);
  EXPECT_EQ(response.digest(), store::ToHex(offline_.last_hash));

  v1::VerifyRequest range;
  range.set_from_position(2);
  range.set_to_position(5);
  ASSERT_TRUE(audit_->Verify(Call(Tokens::kAuditor).get(), range, &response).ok());
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.checked(), 4u);
  EXPECT_EQ(response.digest(), store::ToHex(offline_partial_.last_hash));

  range.set_from_position(5);
  range.set_to_position(2);
  EXPECT_EQ(audit_->Verify(Call(Tokens::kAuditor).get(), range, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // A range past the head is empty: nothing to check, not a loss.
  range.set_from_position(100);
  range.set_to_position(0);
  ASSERT_TRUE(audit_->Verify(Call(Tokens::kAuditor).get(), range, &response).ok());
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.checked(), 0u);
  EXPECT_EQ(response.to_position(), head_);
  EXPECT_EQ(response.merkle_root(), roots_[head_]);

  testing::CommandResult r = Cli({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "哈希链完好：第 1–7 条（7 条记录）")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, store::ToHex(offline_.last_hash))) << r.out;
}

std::vector<std::string> Bytes(const google::protobuf::RepeatedPtrField<std::string>& hex) {
  std::vector<std::string> out;
  for (const std::string& h : hex) {
    std::string b;
    EXPECT_TRUE(store::FromHex(h, &b)) << h;
    out.push_back(b);
  }
  return out;
}

std::string Bytes(const std::string& hex) {
  std::string b;
  EXPECT_TRUE(store::FromHex(hex, &b)) << hex;
  return b;
}

// The tree's heads and proofs, each checked against the tree computed from
// the records before the server started.
TEST_F(AuditTest, TreeHeadsAndProofsAreTheRecordsTree) {
  ASSERT_EQ(head_, 7u);
  v1::TreeHead th;
  ASSERT_TRUE(audit_->GetTreeHead(Call(Tokens::kAuditor).get(), {}, &th).ok());
  EXPECT_EQ(th.size(), 7u);
  EXPECT_EQ(th.root(), roots_[7]);
  EXPECT_EQ(th.chain_digest(), store::ToHex(offline_.last_hash));
  EXPECT_EQ(th.partition(), 0u);
  EXPECT_EQ(th.recorded_at().seconds(),
            absl::ToUnixSeconds(testing::TestStart() + absl::Minutes(7)));
  for (uint64_t n = 0; n <= 7; ++n) {
    v1::GetTreeHeadRequest at;
    at.set_size(n);
    ASSERT_TRUE(audit_->GetTreeHead(Call(Tokens::kSupervision).get(), at, &th).ok());
    EXPECT_EQ(th.size(), n);
    EXPECT_EQ(th.root(), roots_[n]) << n;
    EXPECT_EQ(th.chain_digest(), n == 0 ? "" : store::ToHex(store::Sha256(records_[n - 1])));
  }
  v1::VerifyResponse verified;
  ASSERT_TRUE(audit_->Verify(Call(Tokens::kAuditor).get(), {}, &verified).ok());
  EXPECT_EQ(verified.merkle_root(), roots_[7]);

  // Every record in every tree that holds it.
  for (uint64_t n = 1; n <= 7; ++n) {
    for (uint64_t p = 1; p <= n; ++p) {
      v1::ProveInclusionRequest request;
      request.set_position(p);
      if (n < 7) request.set_size(n);
      v1::InclusionProof proof;
      ASSERT_TRUE(audit_->ProveInclusion(Call(Tokens::kAuditor).get(), request, &proof).ok());
      EXPECT_EQ(proof.size(), n);
      EXPECT_EQ(proof.record(), records_[p - 1]);
      EXPECT_EQ(proof.root(), roots_[n]);
      EXPECT_EQ(proof.leaf_hash(), store::ToHex(store::merkle::LeafHash(records_[p - 1])));
      EXPECT_TRUE(store::merkle::VerifyInclusion(p - 1, n, store::merkle::LeafHash(proof.record()),
                                                 Bytes(proof.path()), Bytes(roots_[n])))
          << p << " in " << n;
    }
  }
  // Every tree extends every smaller one.
  for (uint64_t n = 0; n <= 7; ++n) {
    for (uint64_t m = 0; m <= n; ++m) {
      v1::ProveConsistencyRequest request;
      request.set_first(m);
      request.set_second(n);
      v1::ConsistencyProof proof;
      ASSERT_TRUE(audit_->ProveConsistency(Call(Tokens::kAuditor).get(), request, &proof).ok());
      EXPECT_EQ(proof.first_root(), roots_[m]);
      EXPECT_EQ(proof.second_root(), roots_[n]);
      EXPECT_TRUE(store::merkle::VerifyConsistency(m, n, Bytes(roots_[m]), Bytes(roots_[n]),
                                                   Bytes(proof.path())))
          << m << " to " << n;
    }
  }
}

TEST_F(AuditTest, ImpossibleTreesAndProofsAreRefusedAndOnlyAuditorsAsk) {
  v1::TreeHead th;
  v1::GetTreeHeadRequest beyond;
  beyond.set_size(8);
  grpc::Status s = audit_->GetTreeHead(Call(Tokens::kAuditor).get(), beyond, &th);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "size: 8 is beyond the log's head 7"))
      << s.error_message();
  v1::InclusionProof proof;
  for (auto [position, size] :
       std::vector<std::pair<uint64_t, int64_t>>{{0, -1}, {8, -1}, {5, 4}, {1, 0}, {1, 9}}) {
    v1::ProveInclusionRequest request;
    request.set_position(position);
    if (size >= 0) request.set_size(size);
    s = audit_->ProveInclusion(Call(Tokens::kAuditor).get(), request, &proof);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << position << "/" << size;
  }
  v1::ConsistencyProof consistency;
  v1::ProveConsistencyRequest backwards;
  backwards.set_first(5);
  backwards.set_second(3);
  s = audit_->ProveConsistency(Call(Tokens::kAuditor).get(), backwards, &consistency);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "first: 5 is beyond second (3)"))
      << s.error_message();
  backwards.set_first(8);
  backwards.clear_second();
  EXPECT_EQ(
      audit_->ProveConsistency(Call(Tokens::kAuditor).get(), backwards, &consistency).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  // A department or an enterprise does not read the log's tree.
  for (const char* token : {Tokens::kDepartment, Tokens::kEnterprise}) {
    EXPECT_EQ(audit_->GetTreeHead(Call(token).get(), {}, &th).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    v1::ProveInclusionRequest one;
    one.set_position(1);
    EXPECT_EQ(audit_->ProveInclusion(Call(token).get(), one, &proof).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(audit_->ProveConsistency(Call(token).get(), {}, &consistency).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(audit_->GetTreeHead(Call("not-a-token").get(), {}, &th).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// `taizhang tree`: each proof is checked by the command line itself, and
// against a root the caller holds.
TEST_F(AuditTest, CliTreeProvesAndComparesWithTheRootsHeld) {
  testing::CommandResult r = Cli({"tree", "head"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "默克尔树  7 条记录")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, roots_[7])) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, store::ToHex(offline_.last_hash))) << r.out;

  r = Cli({"tree", "prove", "3", "--root", roots_[7]});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "第 3 条记录（" + std::string(kCase) +
                                           " 第 2 版，case.ItemAccepted）在 7 条记录的树中"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "树根与你持有的一致")) << r.out;
  r = Cli({"tree", "prove", "3", "--size", "5", "--root", roots_[5]});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // A root held for another size is not this tree's.
  r = Cli({"tree", "prove", "3", "--root", roots_[6]});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.out, "与你持有的树根不同")) << r.out;

  r = Cli({"tree", "consistency", "4", "--first-root", roots_[4], "--second-root", roots_[7]});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "7 条记录的树是 4 条记录的树的延续")) << r.out;
  r = Cli({"tree", "consistency", "4", "--first-root", roots_[3]});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.out, "不同：前一棵树的根是 " + roots_[4])) << r.out;

  r = Cli({"tree", "prove", "3", "--root", "not-hex"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "--root：应为树根的 64 位十六进制数字")) << r.err;
  r = Cli({"tree", "prove", "9"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "INVALID_ARGUMENT")) << r.err;

  r = Cli({"verify"});
  EXPECT_TRUE(absl::StrContains(r.out, "默克尔根  " + roots_[7])) << r.out;
}

// The history table keeps Chinese intact and aligned: every column starts at
// the same display column on every line.
TEST_F(AuditTest, CliHistoryTableIsAlignedByDisplayWidth) {
  testing::CommandResult r = Cli({"history", kCase});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u + 5u) << r.out;
  EXPECT_TRUE(absl::StartsWith(lines[0], "version  position  type")) << lines[0];
  EXPECT_TRUE(absl::StrContains(r.out, "enterprise:昆明万达:赵经理"));
  EXPECT_TRUE(absl::StrContains(r.out, "department:自然资源局:王科长"));
  EXPECT_TRUE(absl::StrContains(lines[2 + 2], "补录")) << "the late entry is marked";
  // The actor column starts where its header does, in display columns.
  const int actor_col = services::DisplayWidth(lines[0].substr(0, lines[0].find("actor")));
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    size_t at = line.find_last_of(' ');
    ASSERT_NE(at, std::string::npos);
    EXPECT_EQ(services::DisplayWidth(line.substr(0, at + 1)), actor_col) << line;
  }
  // Times are China time: the first event was recorded at 00:01 on 2025-03-01.
  EXPECT_TRUE(absl::StrContains(lines[2], "2025-03-01 00:01")) << lines[2];
}

TEST_F(AuditTest, CliLogAndJson) {
  testing::CommandResult r = Cli({"log", "--from", "6"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "task/T-1")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "department:昆阳街道办事处:李主任")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "case.Opened")) << r.out;

  r = Cli({"--json", "history", "task/T-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  v1::AuditEvent e;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[1], &e).ok()) << lines[1];
  EXPECT_EQ(e.type(), "task.Completed");
  EXPECT_EQ(e.actor(), "department:昆阳街道办事处:李主任");

  r = Cli({"history", "case/none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "NOT_FOUND")) << r.err;
}

// A decoder plugged in renders payloads as JSON (here with a TokenEntry
// standing in for a domain event); one that fails shows the error, not a
// failed read.
TEST(AuditPayloadTest, DecodersRenderPayloadsByStreamPrefix) {
  TempDir dir;
  testing::WriteFile(dir / "tokens.textproto", Tokens::FileText());
  v1::TokenEntry payload;
  payload.set_unit("自然资源局");
  payload.set_person("王科长");
  testing::SeedLog(dir / "data",
                   {{"case/C-1", "case.Opened", "enterprise:昆明万达", payload.SerializeAsString()},
                    {"case/C-1", "case.Broken", "enterprise:昆明万达", "\xff\xff"},
                    {"other/O-1", "other.Thing", "admin:ops", "x"}});
  services::ServerOptions options;
  options.data_dir = dir / "data";
  options.tokens_file = dir / "tokens.textproto";
  services::TaizhangServer server(options);
  ASSERT_TRUE(server.Open().ok());
  server.AddPayloadDecoder("case/", services::NewProtoJsonDecoder(v1::TokenEntry()));
  ASSERT_TRUE(server.Start().ok());

  v1::Audit::Stub audit(Connect(server.address()));
  v1::ReadStreamRequest request;
  request.set_stream("case/C-1");
  v1::ReadStreamResponse page;
  ASSERT_TRUE(audit.ReadStream(Call(Tokens::kAuditor).get(), request, &page).ok());
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_EQ(page.events(0).payload_json(), R"({"unit":"自然资源局","person":"王科长"})");
  EXPECT_EQ(page.events(0).payload(), payload.SerializeAsString());
  EXPECT_TRUE(page.events(1).payload_json().empty());
  EXPECT_TRUE(absl::StrContains(page.events(1).payload_error(), "DATA_LOSS"))
      << page.events(1).payload_error();
  request.set_stream("other/O-1");
  ASSERT_TRUE(audit.ReadStream(Call(Tokens::kAuditor).get(), request, &page).ok());
  EXPECT_TRUE(page.events(0).payload_json().empty());
  EXPECT_TRUE(page.events(0).payload_error().empty()) << "no decoder: bytes only";
  server.Shutdown();
}

}  // namespace
}  // namespace taizhang
