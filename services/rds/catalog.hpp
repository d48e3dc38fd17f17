#pragma once
// What RDS offers in a region, as data: engines and their versions, instance classes, storage
// types and their limits, default parameter and option groups, CA certificates, per-region
// constants. Read by validation and by the Describe* catalogue operations.
#include <optional>
#include <string>
#include <vector>

namespace zonesim::rds::catalog {

struct Engine {
  std::string name;          // mysql
  std::string description;   // DBEngineDescription
  std::string license;       // LicenseModel
  int port;                  // default Endpoint.Port
  int max_password;          // MasterUserPassword length limit
  std::size_t max_username;  // MasterUsername length limit
  std::size_t max_db_name;   // DBName length limit
  std::vector<std::string> log_types;
  std::vector<std::string> reserved_usernames;
};

struct Version {
  std::string engine;   // mysql
  std::string version;  // 8.0.40
  std::string major;    // 8.0
  std::string family;   // mysql8.0 (DBParameterGroupFamily)
  std::string description;
  bool major_default;   // the default minor of its major version
  bool engine_default;  // the engine's default when no version is given
};

struct InstanceClass {
  std::string name;
  bool performance_insights;
};

struct StorageType {
  std::string name;
  int min_gib, max_gib;
  bool iops, throughput;
};

const std::vector<Engine>& engines();
const std::vector<Version>& versions();
const std::vector<InstanceClass>& instance_classes();
const std::vector<StorageType>& storage_types();
const std::vector<std::string>& ca_certificates();
inline constexpr const char* kDefaultCaCertificate = "rds-ca-rsa2048-g1";

const Engine* find_engine(const std::string& name);
const InstanceClass* find_class(const std::string& name);
const StorageType* find_storage(const std::string& name);
// "8.0.40" exactly, or a major version ("8.0") resolved to its default minor, or the engine's
// default when `requested` is empty. nullptr when there is no such version.
const Version* resolve_version(const std::string& engine, const std::string& requested);

// Default groups per parameter group family ("default.mysql8.0", "default:mysql-8-0").
std::string default_parameter_group(const Version& v);
std::string default_option_group(const Version& v);

// Route 53 zone of the region's RDS endpoints.
std::string hosted_zone_id(const std::string& region);
// Start (minute of the day, UTC) of the region's 8-hour blocks for default windows.
int backup_block_start(const std::string& region);
int maintenance_block_start(const std::string& region);

}  // namespace zonesim::rds::catalog
