#include "services/rds/catalog.hpp"

#include <cstdint>

namespace zonesim::rds::catalog {

// A snapshot of the RDS catalogue (early 2025): the versions a region offered then, with the
// defaults AWS picked for a major version and for the engine.
const std::vector<Engine>& engines() {
  static const std::vector<Engine> kEngines = {
      {"mysql",
       "MySQL Community Edition",
       "general-public-license",
       3306,
       41,
       16,
       64,
       {"audit", "error", "general", "iam-db-auth-error", "slowquery"},
       {"rdsadmin", "rdsrepladmin"}},
      {"mariadb",
       "MariaDb Community Edition",
       "general-public-license",
       3306,
       41,
       16,
       64,
       {"audit", "error", "general", "slowquery"},
       {"rdsadmin", "rdsrepladmin"}},
      {"postgres",
       "PostgreSQL",
       "postgresql-license",
       5432,
       128,
       63,
       63,
       {"iam-db-auth-error", "postgresql", "upgrade"},
       {"rdsadmin", "rds_superuser", "rds_replication", "rdsrepladmin"}},
  };
  return kEngines;
}

const std::vector<Version>& versions() {
  static const std::vector<Version> kVersions = {
      {"mysql", "8.0.36", "8.0", "mysql8.0", "MySQL 8.0.36", false, false},
      {"mysql", "8.0.37", "8.0", "mysql8.0", "MySQL 8.0.37", false, false},
      {"mysql", "8.0.39", "8.0", "mysql8.0", "MySQL 8.0.39", false, false},
      {"mysql", "8.0.40", "8.0", "mysql8.0", "MySQL 8.0.40", true, true},
      {"mysql", "8.0.41", "8.0", "mysql8.0", "MySQL 8.0.41", false, false},
      {"mysql", "8.4.3", "8.4", "mysql8.4", "MySQL 8.4.3", true, false},
      {"mysql", "8.4.4", "8.4", "mysql8.4", "MySQL 8.4.4", false, false},
      {"mariadb", "10.11.9", "10.11", "mariadb10.11", "MariaDB 10.11.9", false, false},
      {"mariadb", "10.11.10", "10.11", "mariadb10.11", "MariaDB 10.11.10", true, false},
      {"mariadb", "11.4.4", "11.4", "mariadb11.4", "MariaDB 11.4.4", true, true},
      {"postgres", "15.8", "15", "postgres15", "PostgreSQL 15.8-R2", false, false},
      {"postgres", "15.10", "15", "postgres15", "PostgreSQL 15.10-R1", true, false},
      {"postgres", "16.4", "16", "postgres16", "PostgreSQL 16.4-R2", false, false},
      {"postgres", "16.6", "16", "postgres16", "PostgreSQL 16.6-R1", true, false},
      {"postgres", "17.2", "17", "postgres17", "PostgreSQL 17.2-R1", true, true},
  };
  return kVersions;
}

const std::vector<InstanceClass>& instance_classes() {
  // Performance Insights is not offered on the smallest burstable classes.
  static const std::vector<InstanceClass> kClasses = {
      {"db.t3.micro", false},  {"db.t3.small", false},  {"db.t3.medium", true},
      {"db.t3.large", true},   {"db.t3.xlarge", true},  {"db.t4g.micro", false},
      {"db.t4g.small", false}, {"db.t4g.medium", true}, {"db.t4g.large", true},
      {"db.m5.large", true},   {"db.m5.xlarge", true},  {"db.m5.2xlarge", true},
      {"db.m6g.large", true},  {"db.m6g.xlarge", true}, {"db.m6i.large", true},
      {"db.m7g.large", true},  {"db.r5.large", true},   {"db.r6g.large", true},
      {"db.r6i.large", true},  {"db.r7g.large", true},
  };
  return kClasses;
}

const std::vector<StorageType>& storage_types() {
  // The same limits hold for MySQL, MariaDB and PostgreSQL (CreateDBInstance AllocatedStorage).
  static const std::vector<StorageType> kTypes = {
      {"gp2", 20, 65536, false, false},    {"gp3", 20, 65536, true, true},
      {"io1", 100, 65536, true, false},    {"io2", 100, 65536, true, false},
      {"standard", 5, 3072, false, false},
  };
  return kTypes;
}

const std::vector<std::string>& ca_certificates() {
  static const std::vector<std::string> kCas = {"rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1",
                                                "rds-ca-ecc384-g1"};
  return kCas;
}

const Engine* find_engine(const std::string& name) {
  for (auto& e : engines())
    if (e.name == name) return &e;
  return nullptr;
}

const InstanceClass* find_class(const std::string& name) {
  for (auto& c : instance_classes())
    if (c.name == name) return &c;
  return nullptr;
}

const StorageType* find_storage(const std::string& name) {
  for (auto& s : storage_types())
    if (s.name == name) return &s;
  return nullptr;
}

const Version* resolve_version(const std::string& engine, const std::string& requested) {
  for (auto& v : versions()) {
    if (v.engine != engine) continue;
    if (requested.empty() ? v.engine_default
                          : (v.version == requested || (v.major == requested && v.major_default)))
      return &v;
  }
  return nullptr;
}

std::string default_parameter_group(const Version& v) {
  return "default." + v.family;
}

std::string default_option_group(const Version& v) {
  std::string major = v.major;
  for (auto& c : major)
    if (c == '.') c = '-';
  return "default:" + v.engine + "-" + major;
}

namespace {
struct RegionData {
  const char* region;
  const char* hosted_zone;  // empty: not known here
  int backup_start;         // minutes after 00:00 UTC
  int maintenance_start;
};
// From the RDS User Guide ("Backup window", "Maintenance window") and the endpoints' zones.
constexpr RegionData kRegions[] = {
    {"eu-central-1", "Z1RLNUO7B9Q6NB", 20 * 60, 21 * 60},
    {"eu-west-1", "Z29XKXDKYMONMX", 22 * 60, 22 * 60},
    {"eu-west-2", "", 22 * 60, 22 * 60},
    {"us-east-1", "Z2R2ITUGPM61AM", 3 * 60, 3 * 60},
    {"us-east-2", "", 3 * 60, 3 * 60},
    {"us-west-1", "", 6 * 60, 6 * 60},
    {"us-west-2", "Z1PVIF0B656C1W", 6 * 60, 6 * 60},
};
const RegionData* region_data(const std::string& region) {
  for (auto& r : kRegions)
    if (region == r.region) return &r;
  return nullptr;
}
}  // namespace

std::string hosted_zone_id(const std::string& region) {
  if (auto* r = region_data(region); r && *r->hosted_zone) return r->hosted_zone;
  // Unknown here: a stable id of the same shape (FNV-1a of the region name).
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : region) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id = "Z";
  for (int i = 0; i < 13; ++i, h /= 36) id += kAlnum[h % 36];
  return id;
}

int backup_block_start(const std::string& region) {
  auto* r = region_data(region);
  return r ? r->backup_start : 3 * 60;
}

int maintenance_block_start(const std::string& region) {
  auto* r = region_data(region);
  return r ? r->maintenance_start : 3 * 60;
}

}  // namespace zonesim::rds::catalog
