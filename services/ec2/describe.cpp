#include "services/ec2/describe.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace zonesim::ec2 {

namespace {

void collect(const json& node, std::string_view path, Values& out) {
  if (path.empty()) {
    if (node.is_string())
      out.push_back(node.get<std::string>());
    else if (node.is_boolean())
      out.push_back(node.get<bool>() ? "true" : "false");
    else if (node.is_number_integer())
      out.push_back(std::to_string(node.get<std::int64_t>()));
    else if (node.is_number())
      out.push_back(node.dump());
    return;
  }
  auto dot = path.find('.');
  std::string_view step = path.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  bool each = step.size() > 2 && step.substr(step.size() - 2) == "[]";
  if (each) step.remove_suffix(2);
  if (!node.is_object()) return;
  auto it = node.find(std::string(step));
  if (it == node.end()) return;
  if (each) {
    if (it->is_array())
      for (auto& e : *it) collect(e, rest, out);
  } else {
    collect(*it, rest, out);
  }
}

// Opaque to clients; an offset into the listing.
constexpr std::string_view kTokenPrefix = "zsnt";

}  // namespace

Values values_at(const json& doc, std::string_view path) {
  Values out;
  collect(doc, path, out);
  return out;
}

bool wildcard_match(std::string_view p, std::string_view t) {
  // Iterative glob with single-star backtracking.
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '\\' && pi + 1 < p.size() && p[pi + 1] == t[ti]) {
      pi += 2;
      ++ti;
    } else if (pi < p.size() && p[pi] != '*' && p[pi] != '\\' && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Filters::Filters(std::string tags_member) : tags_member_(std::move(tags_member)) {
  add("tag-key", tags_member_ + "[].Key");
  add("tag-value", tags_member_ + "[].Value");
}

Filters& Filters::add(const std::string& name, std::string path) {
  return add(name, [path = std::move(path)](const json& doc) { return values_at(doc, path); });
}

Filters& Filters::add(const std::string& name, Extractor f) {
  by_name_[name] = std::move(f);
  return *this;
}

Values Filters::extract(const std::string& name, const json& doc) const {
  if (name.rfind("tag:", 0) == 0) {
    Values out;
    std::string key = name.substr(4);
    auto it = doc.find(tags_member_);
    if (it != doc.end() && it->is_array())
      for (auto& t : *it)
        if (t.value("Key", "") == key) out.push_back(t.value("Value", ""));
    return out;
  }
  return by_name_.at(name)(doc);
}

void Filters::validate(const json& filters) const {
  if (!filters.is_array()) return;
  for (auto& f : filters) {
    std::string name = f.value("Name", "");
    bool known = (name.rfind("tag:", 0) == 0 && name.size() > 4) || by_name_.count(name);
    if (!known)
      throw AwsError("InvalidParameterValue",
                     "The filter '" + (f.contains("Name") ? name : "null") + "' is invalid");
  }
}

bool Filters::match(const json& doc, const json& filters) const {
  if (!filters.is_array()) return true;
  for (auto& f : filters) {
    Values have = extract(f.value("Name", ""), doc);
    bool any = false;
    for (auto& want : f.value("Values", json::array())) {
      std::string w = want.get<std::string>();
      for (auto& h : have)
        if (wildcard_match(w, h)) {
          any = true;
          break;
        }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

Listing paginate(const json& input, std::vector<const json*> all, int min_results,
                 int max_results) {
  std::size_t start = 0;
  if (input.contains("NextToken")) {
    std::string tok = input["NextToken"].get<std::string>();
    bool ok = tok.size() > kTokenPrefix.size() && tok.rfind(kTokenPrefix, 0) == 0;
    if (ok) {
      auto r = std::from_chars(tok.data() + kTokenPrefix.size(), tok.data() + tok.size(), start);
      ok = r.ec == std::errc() && r.ptr == tok.data() + tok.size() && start <= all.size();
    }
    if (!ok) throw AwsError("InvalidPaginationToken", "Invalid pagination token: " + tok);
  }
  std::size_t count = all.size() - start;
  if (input.contains("MaxResults")) {
    std::int64_t m = input["MaxResults"].get<std::int64_t>();
    if (m < min_results || m > max_results)
      throw AwsError("InvalidParameterValue",
                     "Value ( " + std::to_string(m) +
                         " ) for parameter maxResults is invalid. Parameter must be between " +
                         std::to_string(min_results) + " and " + std::to_string(max_results));
    count = std::min<std::size_t>(count, static_cast<std::size_t>(m));
  }
  Listing l;
  l.items.assign(all.begin() + static_cast<std::ptrdiff_t>(start),
                 all.begin() + static_cast<std::ptrdiff_t>(start + count));
  if (start + count < all.size())
    l.next_token = std::string(kTokenPrefix) + std::to_string(start + count);
  return l;
}

Listing describe(const Call& call, const Kind& kind, const char* ids_member, const Filters& filters,
                 int min_results, int max_results) {
  const json& in = call.input;
  const json no_filters = json::array();
  const json& fs = in.contains("Filters") ? in["Filters"] : no_filters;
  filters.validate(fs);

  std::set<std::string> wanted;
  bool by_id = in.contains(ids_member) && !in[ids_member].empty();
  if (by_id) {
    std::vector<std::string> missing;
    for (auto& v : in[ids_member]) {
      std::string id = v.get<std::string>();
      if (*kind.malformed_code && !well_formed(kind, id)) throw_malformed(kind, id);
    }
    for (auto& v : in[ids_member]) {
      std::string id = v.get<std::string>();
      if (!wanted.insert(id).second) continue;
      if (!call.env.store.get(call.scope(), kind.kind, id)) missing.push_back(id);
    }
    if (!missing.empty()) throw_not_found(kind, missing);
  }
  std::vector<const json*> all;
  for (auto& [id, doc] : call.env.store.list(call.scope(), kind.kind))
    if ((!by_id || wanted.count(id)) && filters.match(*doc, fs)) all.push_back(doc);
  return paginate(in, std::move(all), min_results, max_results);
}

json presented(json doc) {
  for (const char* m : {"Tags", "TagSet"}) {
    auto it = doc.find(m);
    if (it != doc.end() && it->is_array() && it->empty()) doc.erase(it);
  }
  return doc;
}

json listing_output(const char* member, const Listing& l) {
  json items = json::array();
  for (const json* d : l.items) items.push_back(presented(*d));
  json out = {{member, std::move(items)}};
  if (!l.next_token.empty()) out["NextToken"] = l.next_token;
  return out;
}

}  // namespace zonesim::ec2
