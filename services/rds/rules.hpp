#pragma once
// AWS's input rules for DB instances, each throwing the AwsError RDS answers: identifiers,
// engine/version/class combinations, storage, credentials, retention, port, CA, KMS key.
#include <cstdint>
#include <optional>
#include <string>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"
#include "services/rds/catalog.hpp"

namespace zonesim::rds::rules {

inline constexpr std::size_t kMaxInstanceIdentifier = 63;
inline constexpr std::size_t kMaxSnapshotIdentifier = 255;
inline constexpr std::int64_t kMaxBackupRetentionDays = 35;
inline constexpr std::int64_t kMinPort = 1150, kMaxPort = 65535;
// gp3 below this size runs at its baseline; IOPS and throughput can only be set above it.
inline constexpr std::int64_t kGp3BaselineLimitGib = 400;

// `param` names the parameter in the message ("DBInstanceIdentifier", "FinalDBSnapshotIdentifier").
void check_identifier(const std::string& param, const std::string& value, std::size_t max_len);

const catalog::Engine& check_engine(const std::string& name);
const catalog::Version& check_version(const catalog::Engine& engine, const std::string& requested);
void check_class(const catalog::Version& version, const std::string& instance_class);

struct Storage {
  std::string type;
  std::int64_t allocated;
  std::optional<std::int64_t> iops, throughput;  // what DescribeDBInstances reports
};
Storage check_storage(const catalog::Engine& engine, const std::string& type,
                      std::int64_t allocated, std::optional<std::int64_t> iops,
                      std::optional<std::int64_t> throughput);
// Writes StorageType, AllocatedStorage, Iops, StorageThroughput into a DBInstance document.
void write_storage(json& instance, const Storage& s);

void check_username(const catalog::Engine& engine, const std::string& name);
void check_password(const catalog::Engine& engine, const std::string& password);
void check_db_name(const catalog::Engine& engine, const std::string& name);
void check_retention(std::int64_t days);
void check_port(std::int64_t port);
void check_ca(const std::string& ca);

// KmsKeyId as a key ARN: the account's aws/rds key by default.
std::string resolve_kms_key(Env& env, const std::string& scope, const std::string& requested);

}  // namespace zonesim::rds::rules
