#pragma once
// CloudWatch Logs as other services see it: ECS's awslogs driver writes task output through
// append_log_event. Both functions run inside the caller's store transaction.
#include <cstdint>
#include <string>

#include "emulator/core/aws_error.hpp"
#include "emulator/core/env.hpp"

namespace zonesim::logs {

// scope: "<account>/<region>", as Call::scope() gives it.
bool log_group_exists(Env& env, const std::string& scope, const std::string& group);

// Appends one event at `ts_ms` (ingested now), creating the stream if it does not exist yet, as
// the awslogs driver does. Throws AwsError ResourceNotFoundException ("The specified log group
// does not exist.") when the group is missing.
void append_log_event(Env& env, const std::string& scope, const std::string& group,
                      const std::string& stream, std::int64_t ts_ms, const std::string& message);

}  // namespace zonesim::logs
