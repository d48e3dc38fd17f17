// State snapshots as call logs. Every successful mutating call is logged with its parsed input
// and its output; a snapshot is that log. Importing replays it in order into an empty region:
// the handlers create fresh ids, so each replayed output is matched against the logged one and
// every id/ARN/address that differs is substituted into the later calls' inputs. Replaying (rather
// than loading documents) re-creates every pending simulation event exactly as a live run would,
// under this run's seed and timing profile.
#include <algorithm>
#include <regex>

#include "emulator/app/app.hpp"
#include "emulator/protocol/model.hpp"

namespace zonesim {

namespace {

constexpr int kSnapshotVersion = 1;
constexpr const char* kMasked = "********";

bool is_read_only(const std::string& op) {
  for (const char* prefix : {"Describe", "List", "Get", "Filter"})
    if (op.rfind(prefix, 0) == 0) return true;
  return false;
}

// Secrets never leave the process: passwords and secret values are masked in the log.
bool secret_name(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name.find("PASSWORD") != std::string::npos || name.find("SECRET") != std::string::npos;
}

bool has_secrets(const json& v) {
  if (v.is_object()) {
    if (v.contains("name") && v.contains("value") && v["name"].is_string() &&
        v["value"].is_string() && secret_name(v["name"].get<std::string>()))
      return true;
    for (auto& [k, child] : v.items()) {
      if (child.is_string() &&
          (k.find("Password") != std::string::npos || k.find("Secret") != std::string::npos))
        return true;
      if (has_secrets(child)) return true;
    }
  } else if (v.is_array()) {
    for (auto& child : v)
      if (has_secrets(child)) return true;
  }
  return false;
}

void mask_secrets(json& v) {
  if (v.is_object() && v.contains("name") && v.contains("value") && v["name"].is_string() &&
      v["value"].is_string() && secret_name(v["name"].get<std::string>())) {
    v["value"] = kMasked;  // container environment entries such as WORDPRESS_DB_PASSWORD
    return;
  }
  if (v.is_object()) {
    for (auto& [k, child] : v.items()) {
      if (child.is_string() &&
          (k.find("Password") != std::string::npos || k.find("Secret") != std::string::npos))
        child = kMasked;
      else
        mask_secrets(child);
    }
  } else if (v.is_array()) {
    for (auto& child : v) mask_secrets(child);
  }
}

// Pairs of strings that differ between the logged and the replayed output, leaf by leaf.
void collect_renames(const json& logged, const json& replayed,
                     std::vector<std::pair<std::string, std::string>>& out) {
  if (logged.is_object() && replayed.is_object()) {
    for (auto& [k, v] : logged.items())
      if (replayed.contains(k)) collect_renames(v, replayed[k], out);
  } else if (logged.is_array() && replayed.is_array()) {
    for (std::size_t i = 0; i < std::min(logged.size(), replayed.size()); ++i)
      collect_renames(logged[i], replayed[i], out);
  } else if (logged.is_string() && replayed.is_string()) {
    const auto& a = logged.get_ref<const std::string&>();
    const auto& b = replayed.get_ref<const std::string&>();
    // Short strings (states, small numbers as text) are not identifiers worth substituting.
    if (a != b && a.size() >= 8) out.emplace_back(a, b);
  }
}

void substitute(json& v, const std::vector<std::pair<std::string, std::string>>& renames) {
  if (v.is_object()) {
    for (auto& [k, child] : v.items()) substitute(child, renames);
  } else if (v.is_array()) {
    for (auto& child : v) substitute(child, renames);
  } else if (v.is_string()) {
    std::string s = v.get<std::string>();
    for (auto& [from, to] : renames) {
      for (std::size_t pos = s.find(from); pos != std::string::npos;
           pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    }
    v = s;
  }
}

}  // namespace

void App::log_call(const std::string& service, const std::string& operation,
                   const std::string& account, const std::string& region, const json& input,
                   const json& output, bool may_borrow) {
  // Reads are logged too: a client can only reference values it has seen in responses (an RDS
  // endpoint appears in DescribeDBInstances, not in CreateDBInstance), so replaying the reads
  // is what maps every such value to its replayed counterpart. A read with the same input as one
  // logged while no document has changed since is not logged again: its output can differ only
  // in values derived from the clock (a target's health settling), which map nothing, and replay
  // runs the calls back to back on unchanged state, so it would learn no new mapping. Without
  // this, every poll would grow the log (and an in-memory state) forever.
  bool pure_read = is_read_only(operation) && !env_->store.dirty();
  std::size_t key = 0;
  if (pure_read) {
    if (env_->store.generation() != logged_reads_generation_) {
      forget_logged_reads();
      logged_reads_generation_ = env_->store.generation();
    }
    // A structural hash of the input (no serialisation; the output is not hashed: on unchanged
    // state it follows from the input): two different reads collide with probability 2^-64,
    // and a collision only drops one read from the snapshot.
    auto mix = [&key](std::size_t h) {
      key ^= h + 0x9e3779b97f4a7c15ULL + (key << 6) + (key >> 2);
    };
    for (const std::string* s : {&service, &operation, &account, &region})
      mix(std::hash<std::string>{}(*s));
    mix(std::hash<json>{}(input));
    if (logged_reads_.count(key)) return;
  }
  // The entry is written as text in the order nlohmann would sort its members, copying the
  // input and output only when they hold a secret to mask.
  auto text = [](const json& v) {
    if (!has_secrets(v)) return v.dump();
    json masked = v;
    mask_secrets(masked);
    return masked.dump();
  };
  std::string entry = "{\"account\":" + json(account).dump();
  entry += ",\"input\":" + text(input);
  entry += ",\"operation\":" + json(operation).dump();
  entry += ",\"output\":" + (may_borrow ? text(resolve_borrowed(output)) : text(output));
  entry += is_read_only(operation) ? ",\"read\":true" : ",\"read\":false";
  entry += ",\"region\":" + json(region).dump();
  entry += ",\"service\":" + json(service).dump();
  entry += ",\"t_ms\":" + std::to_string(env_->clock.now()) + "}";
  env_->store.append_call(std::move(entry));
  constexpr std::size_t kMaxRemembered = 4096;  // forgetting only logs more
  if (!pure_read || logged_reads_.size() >= kMaxRemembered) forget_logged_reads();
  if (pure_read) logged_reads_.insert(key);
}

void App::forget_logged_reads() {
  logged_reads_.clear();
}

json App::invoke(const std::string& service, const std::string& operation,
                 const std::string& account, const std::string& region, const json& input) {
  const Handler* handler = registry_.find(service, operation);
  if (!handler)
    throw AwsError("NotImplemented", "zonesim does not implement " + service + ":" + operation, 501,
                   false);
  Call call{*env_, service, operation, account, region, env_->rng.uuid(), input, ""};
  env_->store.begin();
  try {
    json output = (*handler)(call);
    log_call(service, operation, account, region, input, output);
    persist_runtime_state();
    env_->store.commit();
    return output;
  } catch (...) {
    if (env_->store.in_transaction()) env_->store.rollback();
    forget_logged_reads();  // the call log may have lost this call with the commit
    throw;
  }
}

json App::export_state() const {
  return json{{"zonesim_state", kSnapshotVersion},
              {"region", env_->config.region},
              {"zones", env_->config.zones_or_default()},
              {"calls", env_->store.calls()}};
}

namespace {

// Every structural check a snapshot must pass before anything is replayed.
void check_snapshot(const json& snapshot, const std::string& region) {
  if (!snapshot.is_object() || snapshot.value("zonesim_state", json()) != kSnapshotVersion ||
      !snapshot.contains("calls") || !snapshot["calls"].is_array())
    throw AwsError("InvalidSnapshot", "not a zonesim state snapshot (version " +
                                          std::to_string(kSnapshotVersion) + ")");
  if (snapshot.contains("region")) {
    if (!snapshot["region"].is_string())
      throw AwsError("InvalidSnapshot", "the snapshot's region is not a string");
    if (snapshot["region"] != region)
      throw AwsError("InvalidSnapshot", "the snapshot is of region " +
                                            snapshot["region"].get<std::string>() +
                                            ", this zonesim serves " + region);
  }
  std::size_t index = 0;
  for (const json& c : snapshot["calls"]) {
    ++index;
    auto is_string = [&](const char* k, bool required) {
      return c.contains(k) ? c[k].is_string() : !required;
    };
    if (!c.is_object() || !is_string("service", true) || !is_string("operation", true) ||
        !c.contains("input") || !c["input"].is_object() || !is_string("account", false) ||
        !is_string("region", false))
      throw AwsError("InvalidSnapshot", "call " + std::to_string(index) +
                                            " is malformed (service, operation: strings; input: "
                                            "an object; account, region: strings)");
  }
}

// Replays a checked snapshot's calls into `app`'s (empty) region.
json replay(App& app, const json& snapshot) {
  const Config& config = app.env().config;
  std::vector<std::pair<std::string, std::string>> renames;
  std::size_t index = 0;
  for (const json& c : snapshot["calls"]) {
    ++index;
    json input = c["input"];
    substitute(input, renames);
    json output;
    const std::string service = c["service"], operation = c["operation"];
    try {
      output = app.invoke(service, operation, c.value("account", config.default_account),
                          c.value("region", config.region), input);
    } catch (const AwsError& e) {
      throw AwsError("InvalidSnapshot", "replaying call " + std::to_string(index) + " (" + service +
                                            ":" + operation + ") failed: " + e.code() + ": " +
                                            e.message());
    } catch (const std::exception& e) {  // an input no request could have carried
      throw AwsError("InvalidSnapshot", "replaying call " + std::to_string(index) + " (" + service +
                                            ":" + operation +
                                            ") failed: malformed input: " + e.what());
    }
    std::vector<std::pair<std::string, std::string>> found;
    collect_renames(c.value("output", json()), output, found);
    // Longest first, so an ARN is replaced before the id it contains.
    for (auto& r : found)
      if (std::none_of(renames.begin(), renames.end(), [&](auto& x) { return x.first == r.first; }))
        renames.push_back(r);
    std::stable_sort(renames.begin(), renames.end(),
                     [](auto& a, auto& b) { return a.first.size() > b.first.size(); });
  }
  return json{{"calls", index}};
}

}  // namespace

json App::import_state(const json& snapshot) {
  check_snapshot(snapshot, env_->config.region);
  // A dry run into a scratch region first: a snapshot that fails to replay is refused before
  // this region is reset, so a bad import never loses the state it would have replaced.
  {
    Config scratch_config = env_->config;
    scratch_config.clock_mode = "manual";
    App scratch(scratch_config, "", env_->clock.now());
    replay(scratch, snapshot);
  }
  reset();
  return replay(*this, snapshot);
}

}  // namespace zonesim
