// The stored type name of an event (EventRecord.type), made in one place.
//
// An aggregate's events are one envelope message with one oneof; the stored
// name is "<prefix>.<Kind>", Kind the name of the oneof field that is set, in
// CamelCase ("rung_raised" -> "RungRaised"), e.g. "case.ItemApproved",
// "task.RungRaised". Stored names are forever: replay, the alert stream and
// every audit read find events by them, so a renamed oneof field is a new
// event type. workflows/event_types_test.cc pins every name.
//
// Thread-safety: a pure function.
#ifndef TAIZHANG_ENGINE_EVENT_TYPE_H_
#define TAIZHANG_ENGINE_EVENT_TYPE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace taizhang::engine {

// "<prefix>.<Kind>" for the set field of the envelope's first oneof;
// "<prefix>.Unknown" when none is set.
std::string EventTypeName(absl::string_view prefix, const google::protobuf::Message& envelope);

// The same for a oneof field given by its name ("item_approved").
std::string EventTypeName(absl::string_view prefix, absl::string_view field_name);

}  // namespace taizhang::engine

#endif  // TAIZHANG_ENGINE_EVENT_TYPE_H_
