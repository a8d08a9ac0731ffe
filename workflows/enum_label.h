// The Chinese label of an enum value, as the schema gives it (the
// (taizhang.v1.label) option, proto/taizhang/v1/labels.proto): the one table
// of what a person reads for each stage, status, light, issue or colour. The
// workflows use it for the words they write into events and alerts; the
// renderings use reports/labels.h, built on it.
#ifndef TAIZHANG_WORKFLOWS_ENUM_LABEL_H_
#define TAIZHANG_WORKFLOWS_ENUM_LABEL_H_

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "taizhang/v1/labels.pb.h"

namespace taizhang::workflows {

// "" for a value without a label (UNSPECIFIED) or unknown to the schema.
template <class Enum>
std::string EnumLabel(Enum value) {
  const auto* v = google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(value);
  return v != nullptr ? v->options().GetExtension(v1::label) : "";
}

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_ENUM_LABEL_H_
