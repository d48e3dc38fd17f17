// rds::database_reachable / acknowledge_write: called for every simulated request of an app that
// uses the database, so they look the instance up directly and allocate as little as possible.
#include "services/rds/reachability.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "emulator/sim/zones.hpp"
#include "services/rds/availability.hpp"
#include "services/rds/common.hpp"

namespace zonesim::rds {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The instance whose endpoint `host` ("address" or "address:port") names. An endpoint is
// "<identifier>.<account label>.<region>.rds.amazonaws.com", so its first label is the store key
// of the instance: the lookup is one map find and a comparison, no index to keep.
const json* instance_at(const Env& env, const std::string& scope, std::string_view host) {
  std::string_view address = host;
  std::int64_t port = -1;
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    address = host.substr(0, colon);
    std::string_view digits = host.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size()) return nullptr;
  }
  auto dot = address.find('.');
  if (dot == 0 || dot == std::string_view::npos) return nullptr;
  std::string_view id = address.substr(0, dot);
  std::string lowered;
  if (std::any_of(id.begin(), id.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    lowered = lower(id);  // DNS ignores case
    id = lowered;
  }
  const json* inst = env.store.get(scope, kInstance, id);
  if (!inst) return nullptr;
  auto endpoint = inst->find("Endpoint");
  if (endpoint == inst->end()) return nullptr;  // not created yet
  if (!iequals((*endpoint)["Address"].get_ref<const std::string&>(), address)) return nullptr;
  if (port >= 0 && (*endpoint)["Port"].get<std::int64_t>() != port) return nullptr;
  return inst;
}

bool reachable(const Env& env, const json& inst, const std::string& from_zone) {
  if (!availability::connectable_status(inst["DBInstanceStatus"].get_ref<const std::string&>()))
    return false;
  if (auto s = inst.find("_sim");
      s != inst.end() && (s->contains("Failover") || s->contains("Recovery")))
    return false;
  const std::string& zone = inst["_Primary"]["Zone"].get_ref<const std::string&>();
  // zones_connected is false when either zone has no power.
  return sim::zones_connected(env, from_zone, zone);
}

}  // namespace

bool database_reachable(const Env& env, const std::string& scope, const std::string& host,
                        const std::string& from_zone) {
  const json* inst = instance_at(env, scope, host);
  return inst && reachable(env, *inst, from_zone);
}

bool acknowledge_write(Env& env, const std::string& scope, const std::string& host,
                       const std::string& from_zone) {
  return acknowledge_writes(env, scope, host, from_zone, 1) == 1;
}

std::uint64_t acknowledge_writes(Env& env, const std::string& scope, const std::string& host,
                                 const std::string& from_zone, std::uint64_t count) {
  const json* found = count > 0 ? instance_at(env, scope, host) : nullptr;
  if (!found || !reachable(env, *found, from_zone)) return 0;
  // A full volume takes no writes.
  if ((*found)["DBInstanceStatus"] == "storage-full") return 0;
  const std::string id = (*found)["DBInstanceIdentifier"].get<std::string>();
  if (!found->contains("_sim")) availability::init(*env.store.get_mut(scope, kInstance, id));
  const json& inst = *env.store.get(scope, kInstance, id);
  const json& s = inst["_sim"];
  // Synchronous replication to an in-sync standby the primary can reach; otherwise the primary
  // acknowledges alone (the standby is re-synced later) and a later failover loses the difference.
  bool replicated = false;
  auto standby = inst.find("_Standby");
  if (standby != inst.end() && standby->is_object() && s.value("Standby", "") == "in-sync") {
    const std::string& primary_zone = inst["_Primary"]["Zone"].get_ref<const std::string&>();
    const std::string& standby_zone = (*standby)["Zone"].get_ref<const std::string&>();
    replicated = sim::zone_powered(env, standby_zone) &&
                 sim::zones_connected(env, primary_zone, standby_zone);
  }
  // The counters are RDS's own bookkeeping (drills read them through write_counters).
  static const json::json_pointer kWrites("/_sim/Writes");
  json& w = *env.store.get_mut_part(scope, kInstance, id, kWrites, store::Store::Readers::writer);
  w["Primary"] = w["Primary"].get<std::uint64_t>() + count;
  if (replicated) w["Standby"] = w["Standby"].get<std::uint64_t>() + count;
  return count;
}

std::optional<WriteCounters> write_counters(const Env& env, const std::string& scope,
                                            const std::string& identifier) {
  const json* inst = env.store.get(scope, kInstance, lower(identifier));
  if (!inst) return std::nullopt;
  WriteCounters c;
  c.multi_az = inst->value("MultiAZ", false);
  if (auto s = inst->find("_sim"); s != inst->end()) {
    c.primary = (*s)["Writes"]["Primary"].get<std::uint64_t>();
    c.standby = (*s)["Writes"]["Standby"].get<std::uint64_t>();
    c.lost = s->value("LostWrites", std::uint64_t{0});
    c.standby_state = s->value("Standby", "");
  }
  return c;
}

}  // namespace zonesim::rds
