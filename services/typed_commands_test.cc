// Every typed command RPC (service.proto's Approval, Tasks, Problems,
// Projects) reaches exactly one action of its aggregate's envelope, and every
// action a person may send has its RPC.
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "services/ledger_service.h"
#include "taizhang/v1/service.pb.h"

namespace taizhang::services {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::ServiceDescriptor;

struct Family {
  const char* service;
  const Descriptor* envelope;
  // Actions only the engine sends (timers, reactions between aggregates).
  std::set<std::string> system_only;
  // Another service with typed RPCs of the same envelope (or null).
  const char* also = nullptr;
};

std::vector<Family> Families() {
  return {
      {"taizhang.v1.Approval", v1::ApprovalCaseCommand::descriptor(), {"tick"}},
      {"taizhang.v1.Tasks", v1::TaskCommand::descriptor(), {"tick", "prerequisite_completed"}},
      {"taizhang.v1.Problems", v1::ProblemCommand::descriptor(), {"tick"}},
      {"taizhang.v1.Projects",
       v1::ProjectCommand::descriptor(),
       {"tick", "join_campaign"},
       "taizhang.v1.Photos"},
      {"taizhang.v1.Campaigns", v1::CampaignCommand::descriptor(), {"tick", "recompute_deadlines"}},
  };
}

TEST(TypedCommandsTest, EveryRpcReachesOneActionAndEveryActionHasAnRpc) {
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  google::protobuf::MessageFactory* factory = google::protobuf::MessageFactory::generated_factory();
  for (const Family& family : Families()) {
    std::vector<const google::protobuf::MethodDescriptor*> methods;
    for (const char* name : {family.service, family.also}) {
      if (name == nullptr) continue;
      const ServiceDescriptor* service = pool->FindServiceByName(name);
      ASSERT_NE(service, nullptr) << name;
      for (int m = 0; m < service->method_count(); ++m) {
        // Reads of a service of commands are not commands.
        const auto* action = service->method(m)->input_type()->FindFieldByNumber(3);
        if (action == nullptr || action->message_type() == nullptr) continue;
        methods.push_back(service->method(m));
      }
    }
    std::set<std::string> reached;
    for (const auto* method : methods) {
      std::unique_ptr<google::protobuf::Message> request(
          factory->GetPrototype(method->input_type())->New());
      // Set the id and a field of the action so the copy is observable.
      const auto* id = method->input_type()->FindFieldByNumber(2);
      ASSERT_NE(id, nullptr) << method->full_name();
      request->GetReflection()->SetString(request.get(), id, "x-1");
      const auto* action = method->input_type()->FindFieldByNumber(3);
      ASSERT_NE(action, nullptr) << method->full_name();
      request->GetReflection()->MutableMessage(request.get(), action);
      std::unique_ptr<google::protobuf::Message> envelope(
          factory->GetPrototype(family.envelope)->New());
      v1::CommandHeader header;
      std::string got_id;
      absl::Status s = ToEnvelope(*request, envelope.get(), &header, &got_id);
      ASSERT_TRUE(s.ok()) << method->full_name() << ": " << s;
      EXPECT_EQ(got_id, "x-1");
      std::vector<const google::protobuf::FieldDescriptor*> set;
      envelope->GetReflection()->ListFields(*envelope, &set);
      ASSERT_EQ(set.size(), 1u) << method->full_name();
      EXPECT_EQ(set[0]->message_type(), action->message_type()) << method->full_name();
      EXPECT_TRUE(reached.insert(set[0]->name()).second)
          << method->full_name() << " reaches " << set[0]->name() << " a second time";
    }
    for (int f = 0; f < family.envelope->field_count(); ++f) {
      const std::string& name = family.envelope->field(f)->name();
      if (family.system_only.contains(name)) {
        EXPECT_FALSE(reached.contains(name)) << family.service << " exposes " << name;
      } else {
        EXPECT_TRUE(reached.contains(name)) << family.service << " has no RPC for " << name;
      }
    }
  }
}

// The Meetings service serves two envelopes: each RPC reaches the one its
// reply names (series or meeting), and the people's actions of both are
// there; the engine's own (timers, a meeting delivered to its series,
// recomputations) are not.
TEST(TypedCommandsTest, MeetingsRpcsReachTheEnvelopeTheirReplyNames) {
  const ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("taizhang.v1.Meetings");
  ASSERT_NE(service, nullptr);
  google::protobuf::MessageFactory* factory = google::protobuf::MessageFactory::generated_factory();
  std::set<std::string> reached;
  for (int m = 0; m < service->method_count(); ++m) {
    const auto* method = service->method(m);
    const Descriptor* envelope_type = method->output_type() == v1::MeetingReply::descriptor()
                                          ? v1::MeetingCommand::descriptor()
                                          : v1::MeetingSeriesCommand::descriptor();
    std::unique_ptr<google::protobuf::Message> request(
        factory->GetPrototype(method->input_type())->New());
    request->GetReflection()->SetString(request.get(), method->input_type()->FindFieldByNumber(2),
                                        "x-1");
    const auto* action = method->input_type()->FindFieldByNumber(3);
    ASSERT_NE(action, nullptr) << method->full_name();
    request->GetReflection()->MutableMessage(request.get(), action);
    std::unique_ptr<google::protobuf::Message> envelope(
        factory->GetPrototype(envelope_type)->New());
    v1::CommandHeader header;
    std::string id;
    ASSERT_TRUE(ToEnvelope(*request, envelope.get(), &header, &id).ok()) << method->full_name();
    EXPECT_EQ(id, "x-1");
    std::vector<const google::protobuf::FieldDescriptor*> set;
    envelope->GetReflection()->ListFields(*envelope, &set);
    ASSERT_EQ(set.size(), 1u) << method->full_name();
    reached.insert(absl::StrCat(envelope_type->name(), ".", set[0]->name()));
  }
  EXPECT_EQ(reached, (std::set<std::string>{"MeetingCommand.record", "MeetingSeriesCommand.declare",
                                            "MeetingSeriesCommand.answer_rung",
                                            "MeetingSeriesCommand.raise_rung",
                                            "MeetingSeriesCommand.delist_rung"}));
}

TEST(TypedCommandsTest, ARequestOfAnotherShapeIsRefused) {
  v1::CommandHeader header;
  std::string id;
  v1::TaskCommand envelope;
  // Not a typed request at all.
  EXPECT_EQ(ToEnvelope(v1::ListRequest(), &envelope, &header, &id).code(),
            absl::StatusCode::kInternal);
  // A typed request without its action: an empty envelope (refused later as
  // "no action set"), not an empty action.
  v1::CreateTaskRequest bare;
  bare.set_task_id("t");
  ASSERT_TRUE(ToEnvelope(bare, &envelope, &header, &id).ok());
  EXPECT_EQ(envelope.action_case(), v1::TaskCommand::ACTION_NOT_SET);
  EXPECT_EQ(id, "t");
  // A typed request of another aggregate.
  v1::OpenCaseRequest open;
  open.set_case_id("c");
  EXPECT_EQ(ToEnvelope(open, &envelope, &header, &id).code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace taizhang::services
