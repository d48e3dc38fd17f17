#pragma once
// The Describe* machinery every EC2 read shares: Filter.N (a filter is a name and a function that
// extracts a document's values for it; tag:<key>, tag-key and tag-value come with every set),
// explicit id lists (Malformed before NotFound, every missing id named), and MaxResults/NextToken.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "services/ec2/common.hpp"

namespace zonesim::ec2 {

using Values = std::vector<std::string>;
using Extractor = std::function<Values(const json& doc)>;

// The scalar values at a path of member names; "[]" after a name walks every element of that list:
// "Associations[].SubnetId". Booleans read "true"/"false", numbers their decimal form.
Values values_at(const json& doc, std::string_view path);

// EC2 filter values match with wildcards: '*' any run, '?' one character, '\' escapes.
bool wildcard_match(std::string_view pattern, std::string_view text);

class Filters {
 public:
  explicit Filters(std::string tags_member = "Tags");
  // A filter whose values are those at `path` (see values_at).
  Filters& add(const std::string& name, std::string path);
  Filters& add(const std::string& name, Extractor f);

  // The Filter.N list of a request: unknown names answer InvalidParameterValue as EC2 does.
  void validate(const json& filters) const;
  // Every filter holds (AND); within one, any value matches any of the document's (OR).
  bool match(const json& doc, const json& filters) const;

 private:
  Values extract(const std::string& name, const json& doc) const;
  std::string tags_member_;
  std::map<std::string, Extractor, std::less<>> by_name_;
};

struct Listing {
  std::vector<const json*> items;
  std::string next_token;  // empty: last page
};

// Documents of `kind` named in input[ids_member] (if any) and passing input["Filters"], then one
// page of them per MaxResults (bounds min..max) / NextToken.
Listing describe(const Call& call, const Kind& kind, const char* ids_member, const Filters& filters,
                 int min_results = 5, int max_results = 1000);

// Paging alone, for listings not stored as one document each.
Listing paginate(const json& input, std::vector<const json*> all, int min_results, int max_results);

// A document as EC2 shows it: AWS leaves out an empty tag set.
json presented(json doc);

// Output {member: [...presented items], NextToken}.
json listing_output(const char* member, const Listing& l);

}  // namespace zonesim::ec2
