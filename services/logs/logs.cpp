// CloudWatch Logs (JSON 1.1, regional): log groups, retention, tags, log streams and events.
//
// Store layout (scope <account>/<region>):
//   "log-group"                      id = group name; the LogGroup document
//   "log-stream:<group>"             id = stream name; the LogStream document
//   "log-event:<group>:<stream>"     id = event key; {timestamp, message, ingestionTime}
// Group and stream names cannot contain ':', so the kinds are unambiguous. An event key is the
// timestamp and a per-group sequence number, both zero-padded to 20 digits: keys sort in the
// order GetLogEvents returns events, and serve as eventId and inside pagination tokens.
#include "services/logs/logs.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

#include "emulator/protocol/scalar.hpp"
#include "services/service.hpp"

namespace zonesim::logs {

namespace {

constexpr std::string_view kGroupKind = "log-group";

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
// PutLogEvents rules (CloudWatch Logs API reference).
constexpr std::int64_t kMaxFutureMs = 2 * kHourMs;
constexpr std::int64_t kMaxPastMs = 14 * kDayMs;
constexpr std::int64_t kMaxBatchSpanMs = 24 * kHourMs;
constexpr std::size_t kMaxBatchBytes = 1'048'576;
constexpr std::size_t kEventOverheadBytes = 26;
constexpr std::size_t kMaxBatchEvents = 10'000;
// Read limits.
constexpr std::int64_t kDescribeLimit = 50;
constexpr std::int64_t kEventsLimit = 10'000;
constexpr std::size_t kMaxResponseBytes = 1'048'576;
constexpr std::size_t kMaxTags = 50;

constexpr std::array<std::int64_t, 22> kRetentionDays = {
    1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
    365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

std::string stream_kind(const std::string& group) {
  return "log-stream:" + group;
}
std::string event_kind(const std::string& group, const std::string& stream) {
  return "log-event:" + group + ":" + stream;
}

[[noreturn]] void invalid_parameter(const std::string& message) {
  throw AwsError("InvalidParameterException", message);
}
[[noreturn]] void group_not_found() {
  throw AwsError("ResourceNotFoundException", "The specified log group does not exist.");
}
[[noreturn]] void stream_not_found() {
  throw AwsError("ResourceNotFoundException", "The specified log stream does not exist.");
}
[[noreturn]] void bad_token() {
  invalid_parameter("The specified nextToken is invalid.");
}

// Constraint violations are reported like the protocol layer's: Coral messages.
[[noreturn]] void constraint(std::string_view member, std::string_view value,
                             const std::string& why) {
  invalid_parameter("1 validation error detected: Value '" + std::string(value) + "' at '" +
                    std::string(member) + "' failed to satisfy constraint: " + why);
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void check_length(std::string_view member, std::string_view value, std::size_t min,
                  std::size_t max) {
  std::size_t n = utf8_length(value);
  if (n < min)
    constraint(member, value,
               "Member must have length greater than or equal to " + std::to_string(min));
  if (n > max)
    constraint(member, value,
               "Member must have length less than or equal to " + std::to_string(max));
}

void check_group_name(std::string_view member, std::string_view name) {
  check_length(member, name, 1, 512);
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == '/' || c == '#'))
      constraint(member, name,
                 "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  }
}

void check_stream_name(std::string_view member, std::string_view name) {
  check_length(member, name, 1, 512);
  if (name.find_first_of(":*") != std::string_view::npos)
    constraint(member, name, "Member must satisfy regular expression pattern: [^:*]*");
}

std::int64_t limit_of(const json& in, std::int64_t fallback, std::int64_t max) {
  std::int64_t limit = in.value("limit", fallback);
  if (limit < 1)
    constraint("limit", std::to_string(limit), "Member must have value greater than or equal to 1");
  if (limit > max)
    constraint("limit", std::to_string(limit),
               "Member must have value less than or equal to " + std::to_string(max));
  return limit;
}

std::string account_of(const std::string& scope) {
  return scope.substr(0, scope.find('/'));
}
std::string region_of(const std::string& scope) {
  return scope.substr(scope.find('/') + 1);
}
std::string group_arn(const std::string& scope, const std::string& group) {
  return "arn:aws:logs:" + region_of(scope) + ":" + account_of(scope) + ":log-group:" + group;
}

std::string pad20(std::int64_t v) {
  std::string s = std::to_string(v);
  return std::string(s.size() < 20 ? 20 - s.size() : 0, '0') + s;
}
std::string event_key(std::int64_t ts, std::int64_t seq) {
  return pad20(ts) + pad20(seq);
}
bool valid_event_key(std::string_view k) {
  return k.size() == 40 &&
         std::all_of(k.begin(), k.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Opaque list tokens: the hex of the first key of the next page.
std::string hex_token(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}
std::string from_hex_token(std::string_view token) {
  if (token.empty() || token.size() % 2) bad_token();
  std::string out;
  for (std::size_t i = 0; i < token.size(); i += 2) {
    unsigned v = 0;
    auto r = std::from_chars(token.data() + i, token.data() + i + 2, v, 16);
    if (r.ec != std::errc() || r.ptr != token.data() + i + 2) bad_token();
    out.push_back(static_cast<char>(v));
  }
  return out;
}

const json* find_group(Env& env, const std::string& scope, const std::string& name) {
  return env.store.get(scope, kGroupKind, name);
}
const json& group_or_throw(Env& env, const std::string& scope, const std::string& name) {
  const json* g = find_group(env, scope, name);
  if (!g) group_not_found();
  return *g;
}

// The group a request names, by logGroupName or logGroupIdentifier (a name or an ARN).
std::string requested_group(Call& call, bool required = true) {
  const json& in = call.input;
  bool by_name = in.contains("logGroupName"), by_id = in.contains("logGroupIdentifier");
  if (by_name && by_id)
    invalid_parameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  if (by_name) {
    std::string name = in["logGroupName"];
    check_group_name("logGroupName", name);
    return name;
  }
  if (by_id) {
    std::string id = in["logGroupIdentifier"];
    check_length("logGroupIdentifier", id, 1, 2048);
    if (id.rfind("arn:", 0) != 0) return id;
    std::string prefix = group_arn(call.scope(), "");
    if (id.rfind(prefix, 0) != 0) group_not_found();
    std::string name = id.substr(prefix.size());
    if (name.size() >= 2 && name.compare(name.size() - 2, 2, ":*") == 0)
      name.resize(name.size() - 2);
    return name;
  }
  if (required) invalid_parameter("Should provide either logGroupName or logGroupIdentifier.");
  return "";
}

json validated_tags(const json& tags) {
  if (tags.size() > kMaxTags)
    constraint("tags", tags.dump(),
               "Member must have length less than or equal to " + std::to_string(kMaxTags));
  for (auto& [k, v] : tags.items()) {
    check_length("tags.key", k, 1, 128);
    check_length("tags." + k + ".member", v.get<std::string>(), 0, 256);
  }
  return tags;
}

void set_tags(json& group, const json& tags) {
  validated_tags(tags);
  json merged = group.value("_tags", json::object());
  for (auto& [k, v] : tags.items()) merged[k] = v;
  if (merged.size() > kMaxTags)
    throw AwsError("TooManyTagsException",
                   "A resource can have no more than " + std::to_string(kMaxTags) + " tags.");
  group["_tags"] = merged;
}

// The group of a logs ARN (arn:aws:logs:<region>:<account>:log-group:<name>, without ":*").
std::string group_from_arn(Call& call, const std::string& arn) {
  check_length("resourceArn", arn, 1, 1011);
  if (arn.rfind("arn:aws:logs:", 0) != 0) invalid_parameter("Invalid resourceArn: " + arn);
  std::string prefix = group_arn(call.scope(), "");
  if (arn.rfind(prefix, 0) != 0) group_not_found();
  std::string name = arn.substr(prefix.size());
  if (name.empty() || name.find(':') != std::string::npos) group_not_found();
  return name;
}

json group_view(const json& g) {
  return g;  // stored as DescribeLogGroups returns it; internals start with '_'
}

// ---- Events ----------------------------------------------------------------------------------

struct Event {
  std::string key;
  const json* doc;
  std::int64_t ts() const { return doc->at("timestamp").get<std::int64_t>(); }
};

std::vector<Event> stream_events(Env& env, const std::string& scope, const std::string& group,
                                 const std::string& stream) {
  std::vector<Event> out;
  for (auto& [id, doc] : env.store.list(scope, event_kind(group, stream))) out.push_back({id, doc});
  std::sort(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.key < b.key; });
  return out;
}

std::string sequence_token(std::int64_t n) {
  // Real tokens are 56 decimal digits; sequence tokens are accepted and ignored since 2023.
  std::string s = std::to_string(n);
  return "49" + std::string(54 - s.size(), '0') + s;
}

json new_stream(Env& env, const std::string& scope, const std::string& group,
                const std::string& name) {
  return {{"logStreamName", name},
          {"creationTime", env.clock.now()},
          {"arn", group_arn(scope, group) + ":log-stream:" + name},
          {"storedBytes", 0},
          {"uploadSequenceToken", sequence_token(1)},
          {"_uploads", 1}};
}

// Stores accepted events (already validated) and updates the stream's and group's counters.
// Returns the stream's next sequence token.
std::string store_events(Env& env, const std::string& scope, const std::string& group,
                         const std::string& stream,
                         const std::vector<std::pair<std::int64_t, std::string>>& events) {
  json& g = *env.store.get_mut(scope, kGroupKind, group);
  json& s = *env.store.get_mut(scope, stream_kind(group), stream);
  std::int64_t now = env.clock.now();
  std::int64_t seq = g.value("_next_event", std::int64_t{1});
  std::int64_t bytes = 0;
  std::string kind = event_kind(group, stream);
  for (auto& [ts, message] : events) {
    env.store.put(scope, kind, event_key(ts, seq++),
                  {{"timestamp", ts}, {"message", message}, {"ingestionTime", now}});
    bytes += static_cast<std::int64_t>(message.size());
    if (!s.contains("firstEventTimestamp") || ts < s["firstEventTimestamp"].get<std::int64_t>())
      s["firstEventTimestamp"] = ts;
    if (!s.contains("lastEventTimestamp") || ts > s["lastEventTimestamp"].get<std::int64_t>())
      s["lastEventTimestamp"] = ts;
  }
  g["_next_event"] = seq;
  g["storedBytes"] = g.value("storedBytes", std::int64_t{0}) + bytes;
  if (!events.empty()) s["lastIngestionTime"] = now;
  std::int64_t uploads = s.value("_uploads", std::int64_t{1}) + 1;
  s["_uploads"] = uploads;
  s["uploadSequenceToken"] = sequence_token(uploads);
  return sequence_token(uploads);
}

void erase_stream(Env& env, const std::string& scope, const std::string& group,
                  const std::string& stream) {
  std::string kind = event_kind(group, stream);
  for (auto& [id, doc] : env.store.list(scope, kind)) env.store.erase(scope, kind, id);
  env.store.erase(scope, stream_kind(group), stream);
}

// Filter patterns: the term syntax (space-separated terms that must all occur, "quoted phrases",
// ?term for any-of, -term for must-not-occur). Terms are case-sensitive, as in CloudWatch Logs.
struct FilterPattern {
  std::vector<std::string> all, any, none;

  static FilterPattern parse(const std::string& text) {
    FilterPattern p;
    std::size_t i = 0;
    auto skip_space = [&] {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    };
    skip_space();
    if (i < text.size() && (text[i] == '{' || text[i] == '[' || text[i] == '%'))
      invalid_parameter(
          "zonesim supports term filter patterns only (terms, \"phrases\", ?any, -exclude); "
          "JSON, space-delimited and regular-expression patterns are not emulated.");
    while (i < text.size()) {
      char mode = 0;
      if (text[i] == '?' || text[i] == '-') mode = text[i++];
      std::string term;
      if (i < text.size() && text[i] == '"') {
        std::size_t end = text.find('"', i + 1);
        if (end == std::string::npos)
          invalid_parameter("Invalid filter pattern: unbalanced quotes");
        term = text.substr(i + 1, end - i - 1);
        i = end + 1;
      } else {
        std::size_t start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        term = text.substr(start, i - start);
      }
      if (!term.empty()) (mode == '?' ? p.any : mode == '-' ? p.none : p.all).push_back(term);
      skip_space();
    }
    return p;
  }

  bool matches(const std::string& message) const {
    auto has = [&](const std::string& t) { return message.find(t) != std::string::npos; };
    return std::all_of(all.begin(), all.end(), has) &&
           std::none_of(none.begin(), none.end(), has) &&
           (any.empty() || std::any_of(any.begin(), any.end(), has));
  }
};

// ---- Handlers: log groups --------------------------------------------------------------------

json create_log_group(Call& call) {
  const json& in = call.input;
  std::string name = in.at("logGroupName");
  check_group_name("logGroupName", name);
  if (in.contains("kmsKeyId")) check_length("kmsKeyId", in["kmsKeyId"].get<std::string>(), 0, 256);
  json tags = in.contains("tags") ? validated_tags(in["tags"]) : json::object();
  auto& store = call.env.store;
  if (store.get(call.scope(), kGroupKind, name))
    throw AwsError("ResourceAlreadyExistsException", "The specified log group already exists");
  std::string arn = group_arn(call.scope(), name);
  json g = {{"logGroupName", name},
            {"creationTime", call.now()},
            {"metricFilterCount", 0},
            {"arn", arn + ":*"},
            {"logGroupArn", arn},
            {"storedBytes", 0},
            {"logGroupClass", in.value("logGroupClass", std::string("STANDARD"))},
            {"_tags", tags},
            {"_next_event", 1}};
  if (in.contains("kmsKeyId")) g["kmsKeyId"] = in["kmsKeyId"];
  if (in.value("deletionProtectionEnabled", false)) g["deletionProtectionEnabled"] = true;
  store.put(call.scope(), kGroupKind, name, std::move(g));
  return json::object();
}

json delete_log_group(Call& call) {
  std::string name = call.input.at("logGroupName");
  check_group_name("logGroupName", name);
  const json& g = group_or_throw(call.env, call.scope(), name);
  if (g.value("deletionProtectionEnabled", false))
    throw AwsError("ValidationException", "Log group " + name +
                                              " cannot be deleted because deletion protection is "
                                              "enabled.");
  for (auto& [id, doc] : call.env.store.list(call.scope(), stream_kind(name)))
    erase_stream(call.env, call.scope(), name, id);
  call.env.store.erase(call.scope(), kGroupKind, name);
  return json::object();
}

json describe_log_groups(Call& call) {
  const json& in = call.input;
  bool by_prefix = in.contains("logGroupNamePrefix"),
       by_pattern = in.contains("logGroupNamePattern");
  bool by_ids = in.contains("logGroupIdentifiers");
  if (by_prefix && by_pattern)
    invalid_parameter(
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  if (by_ids && (by_prefix || by_pattern))
    invalid_parameter(
        "LogGroup identifiers and LogGroup name prefix or pattern are mutually exclusive "
        "parameters.");
  std::string prefix = in.value("logGroupNamePrefix", std::string());
  if (by_prefix) check_group_name("logGroupNamePrefix", prefix);
  std::string pattern;
  if (by_pattern) {
    pattern = in["logGroupNamePattern"];
    check_length("logGroupNamePattern", pattern, 0, 512);
    if (!pattern.empty()) check_group_name("logGroupNamePattern", pattern);
    for (auto& c : pattern) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::vector<std::string> ids;
  if (by_ids) {
    for (const json& id : in["logGroupIdentifiers"]) {
      std::string s = id;
      if (s.rfind("arn:", 0) == 0) {
        std::string p = group_arn(call.scope(), "");
        if (s.rfind(p, 0) != 0) continue;
        s = s.substr(p.size());
        if (s.size() >= 2 && s.compare(s.size() - 2, 2, ":*") == 0) s.resize(s.size() - 2);
      }
      ids.push_back(s);
    }
  }
  std::string klass = in.value("logGroupClass", std::string());
  std::int64_t limit = limit_of(in, kDescribeLimit, kDescribeLimit);
  std::string start =
      in.contains("nextToken") ? from_hex_token(in["nextToken"].get<std::string>()) : "";

  std::vector<std::pair<std::string, const json*>> groups;
  for (auto& [name, doc] : call.env.store.list(call.scope(), kGroupKind)) {
    if (by_prefix && name.rfind(prefix, 0) != 0) continue;
    if (by_pattern) {
      std::string lname = name;
      for (auto& c : lname) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lname.find(pattern) == std::string::npos) continue;
    }
    if (by_ids && std::find(ids.begin(), ids.end(), name) == ids.end()) continue;
    if (!klass.empty() && doc->at("logGroupClass") != klass) continue;
    if (name < start) continue;
    groups.emplace_back(name, doc);
  }
  std::sort(groups.begin(), groups.end(), [](auto& a, auto& b) { return a.first < b.first; });
  json out = {{"logGroups", json::array()}};
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (static_cast<std::int64_t>(i) == limit) {
      out["nextToken"] = hex_token(groups[i].first);
      break;
    }
    out["logGroups"].push_back(group_view(*groups[i].second));
  }
  return out;
}

json put_retention_policy(Call& call) {
  std::string name = call.input.at("logGroupName");
  check_group_name("logGroupName", name);
  std::int64_t days = call.input.at("retentionInDays");
  if (std::find(kRetentionDays.begin(), kRetentionDays.end(), days) == kRetentionDays.end()) {
    std::string set;
    for (auto d : kRetentionDays) set += (set.empty() ? "" : ", ") + std::to_string(d);
    constraint("retentionInDays", std::to_string(days),
               "Member must satisfy enum value set: [" + set + "]");
  }
  group_or_throw(call.env, call.scope(), name);
  (*call.env.store.get_mut(call.scope(), kGroupKind, name))["retentionInDays"] = days;
  return json::object();
}

json delete_retention_policy(Call& call) {
  std::string name = call.input.at("logGroupName");
  check_group_name("logGroupName", name);
  group_or_throw(call.env, call.scope(), name);
  call.env.store.get_mut(call.scope(), kGroupKind, name)->erase("retentionInDays");
  return json::object();
}

json tag_resource(Call& call) {
  std::string name = group_from_arn(call, call.input.at("resourceArn"));
  group_or_throw(call.env, call.scope(), name);
  set_tags(*call.env.store.get_mut(call.scope(), kGroupKind, name), call.input.at("tags"));
  return json::object();
}

json untag_resource(Call& call) {
  std::string name = group_from_arn(call, call.input.at("resourceArn"));
  group_or_throw(call.env, call.scope(), name);
  json& g = *call.env.store.get_mut(call.scope(), kGroupKind, name);
  for (const json& k : call.input.at("tagKeys")) g["_tags"].erase(k.get<std::string>());
  return json::object();
}

json list_tags_for_resource(Call& call) {
  std::string name = group_from_arn(call, call.input.at("resourceArn"));
  return {{"tags", group_or_throw(call.env, call.scope(), name).value("_tags", json::object())}};
}

json tag_log_group(Call& call) {
  std::string name = call.input.at("logGroupName");
  check_group_name("logGroupName", name);
  group_or_throw(call.env, call.scope(), name);
  set_tags(*call.env.store.get_mut(call.scope(), kGroupKind, name), call.input.at("tags"));
  return json::object();
}

json untag_log_group(Call& call) {
  std::string name = call.input.at("logGroupName");
  check_group_name("logGroupName", name);
  group_or_throw(call.env, call.scope(), name);
  json& g = *call.env.store.get_mut(call.scope(), kGroupKind, name);
  for (const json& k : call.input.at("tags")) g["_tags"].erase(k.get<std::string>());
  return json::object();
}

json list_tags_log_group(Call& call) {
  std::string name = call.input.at("logGroupName");
  check_group_name("logGroupName", name);
  return {{"tags", group_or_throw(call.env, call.scope(), name).value("_tags", json::object())}};
}

// ---- Handlers: log streams and events ---------------------------------------------------------

json create_log_stream(Call& call) {
  std::string group = call.input.at("logGroupName");
  check_group_name("logGroupName", group);
  std::string stream = call.input.at("logStreamName");
  check_stream_name("logStreamName", stream);
  group_or_throw(call.env, call.scope(), group);
  if (call.env.store.get(call.scope(), stream_kind(group), stream))
    throw AwsError("ResourceAlreadyExistsException", "The specified log stream already exists");
  call.env.store.put(call.scope(), stream_kind(group), stream,
                     new_stream(call.env, call.scope(), group, stream));
  return json::object();
}

json delete_log_stream(Call& call) {
  std::string group = call.input.at("logGroupName");
  check_group_name("logGroupName", group);
  std::string stream = call.input.at("logStreamName");
  check_stream_name("logStreamName", stream);
  group_or_throw(call.env, call.scope(), group);
  if (!call.env.store.get(call.scope(), stream_kind(group), stream)) stream_not_found();
  erase_stream(call.env, call.scope(), group, stream);
  return json::object();
}

json describe_log_streams(Call& call) {
  const json& in = call.input;
  std::string group = requested_group(call);
  std::string order = in.value("orderBy", std::string("LogStreamName"));
  bool descending = in.value("descending", false);
  std::string prefix = in.value("logStreamNamePrefix", std::string());
  if (in.contains("logStreamNamePrefix")) check_stream_name("logStreamNamePrefix", prefix);
  if (order == "LastEventTime" && in.contains("logStreamNamePrefix"))
    invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  std::int64_t limit = limit_of(in, kDescribeLimit, kDescribeLimit);
  group_or_throw(call.env, call.scope(), group);

  std::vector<std::pair<std::string, const json*>> streams;  // (sort key, stream)
  for (auto& [name, doc] : call.env.store.list(call.scope(), stream_kind(group))) {
    if (name.rfind(prefix, 0) != 0) continue;
    std::string key = order == "LastEventTime"
                          ? pad20(doc->value("lastEventTimestamp", std::int64_t{0})) + name
                          : name;
    streams.emplace_back(std::move(key), doc);
  }
  std::sort(streams.begin(), streams.end(),
            [&](auto& a, auto& b) { return descending ? a.first > b.first : a.first < b.first; });
  std::size_t begin = 0;
  if (in.contains("nextToken")) {
    std::string from = from_hex_token(in["nextToken"].get<std::string>());
    while (begin < streams.size() &&
           (descending ? streams[begin].first > from : streams[begin].first < from))
      ++begin;
  }
  json out = {{"logStreams", json::array()}};
  for (std::size_t i = begin; i < streams.size(); ++i) {
    if (static_cast<std::int64_t>(i - begin) == limit) {
      out["nextToken"] = hex_token(streams[i].first);
      break;
    }
    out["logStreams"].push_back(*streams[i].second);
  }
  return out;
}

json put_log_events(Call& call) {
  const json& in = call.input;
  std::string group = in.at("logGroupName");
  check_group_name("logGroupName", group);
  std::string stream = in.at("logStreamName");
  check_stream_name("logStreamName", stream);
  const json& events = in.at("logEvents");
  if (events.empty())
    constraint("logEvents", "[]", "Member must have length greater than or equal to 1");
  if (events.size() > kMaxBatchEvents)
    constraint("logEvents", "[...]",
               "Member must have length less than or equal to " + std::to_string(kMaxBatchEvents));
  std::size_t batch_bytes = 0;
  std::int64_t prev = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::int64_t ts = events[i].at("timestamp");
    const std::string& message = events[i].at("message").get_ref<const std::string&>();
    std::string member = "logEvents." + std::to_string(i + 1) + ".member";
    if (ts < 0)
      constraint(member + ".timestamp", std::to_string(ts),
                 "Member must have value greater than or equal to 0");
    if (message.empty())
      constraint(member + ".message", message,
                 "Member must have length greater than or equal to 1");
    if (i > 0 && ts < prev)
      invalid_parameter(
          "Log events in a single PutLogEvents request must be in chronological order.");
    prev = ts;
    batch_bytes += message.size() + kEventOverheadBytes;
  }
  if (batch_bytes > kMaxBatchBytes)
    invalid_parameter("Upload too large: " + std::to_string(batch_bytes) +
                      " bytes exceeds limit of " + std::to_string(kMaxBatchBytes));
  if (events.back().at("timestamp").get<std::int64_t>() -
          events.front().at("timestamp").get<std::int64_t>() >
      kMaxBatchSpanMs)
    invalid_parameter(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");

  const json& g = group_or_throw(call.env, call.scope(), group);
  if (!call.env.store.get(call.scope(), stream_kind(group), stream)) stream_not_found();

  // Events are in order, so the too-old and expired ones are a prefix and the too-new a suffix.
  std::int64_t now = call.now();
  std::int64_t oldest = now - kMaxPastMs;
  std::int64_t retention_floor = g.contains("retentionInDays")
                                     ? now - g["retentionInDays"].get<std::int64_t>() * kDayMs
                                     : std::numeric_limits<std::int64_t>::min();
  std::int64_t newest = now + kMaxFutureMs;
  std::size_t too_old = 0, expired = 0, too_new = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::int64_t ts = events[i].at("timestamp");
    if (ts < oldest) too_old = i + 1;
    if (ts < retention_floor) expired = i + 1;
    if (ts > newest && too_new == events.size()) too_new = i;
  }
  std::vector<std::pair<std::int64_t, std::string>> accepted;
  for (std::size_t i = std::max(too_old, expired); i < too_new; ++i)
    accepted.emplace_back(events[i].at("timestamp").get<std::int64_t>(),
                          events[i].at("message").get<std::string>());
  json out = {{"nextSequenceToken", store_events(call.env, call.scope(), group, stream, accepted)}};
  json rejected = json::object();
  if (too_old > 0) rejected["tooOldLogEventEndIndex"] = too_old;
  if (expired > 0) rejected["expiredLogEventEndIndex"] = expired;
  if (too_new < events.size()) rejected["tooNewLogEventStartIndex"] = too_new;
  if (!rejected.empty()) out["rejectedLogEventsInfo"] = rejected;
  return out;
}

json get_log_events(Call& call) {
  const json& in = call.input;
  std::string group = requested_group(call);
  std::string stream = in.at("logStreamName");
  check_stream_name("logStreamName", stream);
  std::int64_t limit = limit_of(in, kEventsLimit, kEventsLimit);
  group_or_throw(call.env, call.scope(), group);
  if (!call.env.store.get(call.scope(), stream_kind(group), stream)) stream_not_found();

  // startTime inclusive, endTime exclusive.
  std::vector<Event> all = stream_events(call.env, call.scope(), group, stream);
  std::vector<Event> events;
  for (const Event& e : all) {
    if (in.contains("startTime") && e.ts() < in["startTime"].get<std::int64_t>()) continue;
    if (in.contains("endTime") && e.ts() >= in["endTime"].get<std::int64_t>()) continue;
    events.push_back(e);
  }
  const std::size_t n = events.size();
  auto lower = [&](const std::string& key) {  // first index with key >= `key`
    return static_cast<std::size_t>(
        std::lower_bound(events.begin(), events.end(), key,
                         [](const Event& e, const std::string& k) { return e.key < k; }) -
        events.begin());
  };
  auto upper = [&](const std::string& key) {  // first index with key > `key`
    return static_cast<std::size_t>(
        std::upper_bound(events.begin(), events.end(), key,
                         [](const std::string& k, const Event& e) { return k < e.key; }) -
        events.begin());
  };
  auto event_bytes = [&](std::size_t i) {
    return events[i].doc->at("message").get_ref<const std::string&>().size() + kEventOverheadBytes;
  };
  // Takes up to `limit` events (and 1 MB) forward from `from`, or backward ending before `to`.
  auto take_forward = [&](std::size_t from) {
    std::size_t end = from, bytes = 0;
    while (end < n && static_cast<std::int64_t>(end - from) < limit &&
           bytes + event_bytes(end) <= kMaxResponseBytes)
      bytes += event_bytes(end++);
    return std::make_pair(from, end);
  };
  auto take_backward = [&](std::size_t to) {
    std::size_t begin = to, bytes = 0;
    while (begin > 0 && static_cast<std::int64_t>(to - begin) < limit &&
           bytes + event_bytes(begin - 1) <= kMaxResponseBytes)
      bytes += event_bytes(--begin);
    return std::make_pair(begin, to);
  };

  std::string token = in.value("nextToken", std::string());
  bool forward = false, backward = false;
  std::string token_key;
  if (!token.empty()) {
    if (token.size() != 42 || token[1] != '/' || (token[0] != 'f' && token[0] != 'b') ||
        !valid_event_key(std::string_view(token).substr(2)))
      bad_token();
    forward = token[0] == 'f';
    backward = !forward;
    token_key = token.substr(2);
  }
  std::pair<std::size_t, std::size_t> window;
  if (forward)
    window = take_forward(upper(token_key));
  else if (backward)
    window = take_backward(lower(token_key));
  else if (in.value("startFromHead", false))
    window = take_forward(0);
  else
    window = take_backward(n);
  auto [begin, end] = window;

  json out = {{"events", json::array()}};
  for (std::size_t i = begin; i < end; ++i) {
    const json& d = *events[i].doc;
    out["events"].push_back({{"timestamp", d.at("timestamp")},
                             {"message", d.at("message")},
                             {"ingestionTime", d.at("ingestionTime")}});
  }
  // Tokens name the last event returned (forward) or the first (backward). At either end of the
  // stream the token passed in comes back unchanged, which is how readers detect the end.
  static const std::string kBeforeAll = event_key(0, 0);
  static const std::string kAfterAll(40, '9');
  if (begin == end && forward)
    out["nextForwardToken"] = token;
  else
    out["nextForwardToken"] = "f/" + (end > 0 ? events[end - 1].key : kBeforeAll);
  if (begin == end && backward)
    out["nextBackwardToken"] = token;
  else
    out["nextBackwardToken"] = "b/" + (begin < n ? events[begin].key : kAfterAll);
  return out;
}

json filter_log_events(Call& call) {
  const json& in = call.input;
  std::string group = requested_group(call);
  if (in.contains("logStreamNames") && in.contains("logStreamNamePrefix"))
    invalid_parameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  std::vector<std::string> names;
  if (in.contains("logStreamNames")) {
    if (in["logStreamNames"].empty())
      constraint("logStreamNames", "[]", "Member must have length greater than or equal to 1");
    for (const json& s : in["logStreamNames"]) {
      check_stream_name("logStreamNames.member", s.get<std::string>());
      names.push_back(s);
    }
  }
  std::string prefix = in.value("logStreamNamePrefix", std::string());
  FilterPattern pattern = FilterPattern::parse(in.value("filterPattern", std::string()));
  std::int64_t limit = limit_of(in, kEventsLimit, kEventsLimit);
  std::string after;
  if (in.contains("nextToken")) {
    after = in["nextToken"].get<std::string>();
    if (!valid_event_key(after)) bad_token();
  }
  group_or_throw(call.env, call.scope(), group);

  struct Found {
    Event event;
    std::string stream;
  };
  std::vector<Found> found;
  for (auto& [stream, doc] : call.env.store.list(call.scope(), stream_kind(group))) {
    if (!names.empty() && std::find(names.begin(), names.end(), stream) == names.end()) continue;
    if (stream.rfind(prefix, 0) != 0) continue;
    for (const Event& e : stream_events(call.env, call.scope(), group, stream)) {
      // startTime and endTime are both inclusive here.
      if (in.contains("startTime") && e.ts() < in["startTime"].get<std::int64_t>()) continue;
      if (in.contains("endTime") && e.ts() > in["endTime"].get<std::int64_t>()) continue;
      if (!after.empty() && e.key <= after) continue;
      if (!pattern.matches(e.doc->at("message").get<std::string>())) continue;
      found.push_back({e, stream});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.event.key < b.event.key; });
  json out = {{"events", json::array()}};
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const json& d = *found[i].event.doc;
    std::size_t size = d.at("message").get_ref<const std::string&>().size() + kEventOverheadBytes;
    if (i > 0 && (static_cast<std::int64_t>(i) == limit || bytes + size > kMaxResponseBytes)) {
      out["nextToken"] = found[i - 1].event.key;
      break;
    }
    bytes += size;
    out["events"].push_back({{"logStreamName", found[i].stream},
                             {"timestamp", d.at("timestamp")},
                             {"message", d.at("message")},
                             {"ingestionTime", d.at("ingestionTime")},
                             {"eventId", found[i].event.key}});
  }
  return out;
}

}  // namespace

bool log_group_exists(Env& env, const std::string& scope, const std::string& group) {
  return find_group(env, scope, group) != nullptr;
}

void append_log_event(Env& env, const std::string& scope, const std::string& group,
                      const std::string& stream, std::int64_t ts_ms, const std::string& message) {
  if (!find_group(env, scope, group)) group_not_found();
  if (!env.store.get(scope, stream_kind(group), stream))
    env.store.put(scope, stream_kind(group), stream, new_stream(env, scope, group, stream));
  store_events(env, scope, group, stream, {{ts_ms, message}});
}

}  // namespace zonesim::logs

namespace zonesim {

void register_logs(Registry& r) {
  using namespace logs;
  r.add("logs", "CreateLogGroup", create_log_group);
  r.add("logs", "DeleteLogGroup", delete_log_group);
  r.add("logs", "DescribeLogGroups", describe_log_groups);
  r.add("logs", "PutRetentionPolicy", put_retention_policy);
  r.add("logs", "DeleteRetentionPolicy", delete_retention_policy);
  r.add("logs", "TagResource", tag_resource);
  r.add("logs", "UntagResource", untag_resource);
  r.add("logs", "ListTagsForResource", list_tags_for_resource);
  r.add("logs", "TagLogGroup", tag_log_group);
  r.add("logs", "UntagLogGroup", untag_log_group);
  r.add("logs", "ListTagsLogGroup", list_tags_log_group);
  r.add("logs", "CreateLogStream", create_log_stream);
  r.add("logs", "DeleteLogStream", delete_log_stream);
  r.add("logs", "DescribeLogStreams", describe_log_streams);
  r.add("logs", "PutLogEvents", put_log_events);
  r.add("logs", "GetLogEvents", get_log_events);
  r.add("logs", "FilterLogEvents", filter_log_events);
}

}  // namespace zonesim
