#pragma once
// What the application tier sees of RDS: whether the database behind an endpoint answers from a
// zone right now, and acknowledged writes (counted on primary and standby so that a drill
// measures data loss instead of assuming it). Implemented by services/rds.
#include <cstdint>
#include <optional>
#include <string>

#include "emulator/core/env.hpp"

namespace zonesim::rds {

// `host` is an instance endpoint address (or "address:port"). False for unknown hosts, while the
// instance is not available (creating, failing over, rebooting, stopped...), or when its primary's
// zone is powered off or partitioned from `from_zone`.
bool database_reachable(const Env& env, const std::string& scope, const std::string& host,
                        const std::string& from_zone);

// One write from a client in `from_zone`: true when the primary acknowledged it (and, for
// Multi-AZ with an in-sync standby, the standby has it too).
bool acknowledge_write(Env& env, const std::string& scope, const std::string& host,
                       const std::string& from_zone);
// `count` such writes at once, as `count` acknowledge_write calls on the same state would go
// (all acknowledged or none), in one update of the instance: how many were acknowledged.
std::uint64_t acknowledge_writes(Env& env, const std::string& scope, const std::string& host,
                                 const std::string& from_zone, std::uint64_t count);

// The acknowledged writes each copy of an instance holds, for drills. After a failover the new
// primary holds what the standby held; `lost` sums what failovers discarded (the old primary's
// count minus the new primary's).
struct WriteCounters {
  std::uint64_t primary = 0;
  std::uint64_t standby = 0;  // 0 for a Single-AZ instance
  std::uint64_t lost = 0;
  bool multi_az = false;
  std::string standby_state;  // in-sync | lost | rebuilding; empty for Single-AZ
};
// nullopt for an unknown identifier.
std::optional<WriteCounters> write_counters(const Env& env, const std::string& scope,
                                            const std::string& identifier);

}  // namespace zonesim::rds
