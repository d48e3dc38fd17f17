#pragma once
#include <nlohmann/json.hpp>

namespace zonesim {
// Structured values exchanged between the protocol layer and the handlers: keys are the AWS
// model's member names. Keys starting with '_' are internal and never serialized.
using json = nlohmann::json;

// Borrowed documents: a read's answer may refer to a stored document instead of copying it
// (DescribeServices copied the whole service only to change three counts). An object whose
// member "_base" is borrow(doc) means doc's members (but its '_' ones) with the object's other
// members in their place; a null member there leaves that member out. The reference is valid
// while the stored document is unchanged, which holds from a handler's return to the answer's
// serialization (the same transaction, nothing in between). Only the serializer reads them in
// place; every other consumer takes resolve_borrowed(). Handlers borrow only when Call::may_borrow.
json borrow(const json& stored);
// The document `v` refers to, or nullptr when `v` is not a borrow() value.
const json* borrowed(const json& v);
// `v` with every borrowing object replaced by the document it stands for (a deep copy).
json resolve_borrowed(const json& v);
}  // namespace zonesim
