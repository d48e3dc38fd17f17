#pragma once
// EC2 tags: TagSpecification.N on creates, CreateTags/DeleteTags/DescribeTags on any kind.
#include "services/ec2/common.hpp"

namespace zonesim::ec2 {

// The tags a create request asks for on `resource_type` ("vpc", "subnet", ...), validated; an
// empty list when there are none. A specification for another type is rejected as EC2 does.
json tags_from_specifications(const json& input, std::string_view resource_type);

// Sets (adds or overwrites) `tags` on a document's tag list, keeping AWS's limits.
void merge_tags(json& doc, const char* tags_member, const json& tags);

}  // namespace zonesim::ec2
