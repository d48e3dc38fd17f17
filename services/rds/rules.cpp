#include "services/rds/rules.hpp"

#include <algorithm>
#include <cctype>

#include "services/rds/common.hpp"

namespace zonesim::rds::rules {

void check_identifier(const std::string& param, const std::string& value, std::size_t max_len) {
  if (!valid_identifier(value, max_len))
    invalid_value("The parameter " + param +
                  " is not a valid identifier. Identifiers must begin with a letter; must contain "
                  "only ASCII letters, digits, and hyphens; and must not end with a hyphen or "
                  "contain two consecutive hyphens.");
}

const catalog::Engine& check_engine(const std::string& name) {
  const catalog::Engine* e = catalog::find_engine(name);
  if (!e) invalid_value("Invalid DB engine: " + name);
  return *e;
}

const catalog::Version& check_version(const catalog::Engine& engine, const std::string& requested) {
  const catalog::Version* v = catalog::resolve_version(engine.name, requested);
  if (!v) invalid_combination("Cannot find version " + requested + " for " + engine.name);
  return *v;
}

void check_class(const catalog::Version& version, const std::string& instance_class) {
  if (!catalog::find_class(instance_class))
    invalid_combination(
        "RDS does not support creating a DB instance with the following combination: "
        "DBInstanceClass=" +
        instance_class + ", Engine=" + version.engine + ", EngineVersion=" + version.version +
        ", LicenseModel=" + catalog::find_engine(version.engine)->license +
        ". For supported combinations of instance class and database engine version, see the "
        "documentation.");
}

Storage check_storage(const catalog::Engine& engine, const std::string& type,
                      std::int64_t allocated, std::optional<std::int64_t> iops,
                      std::optional<std::int64_t> throughput) {
  const catalog::StorageType* st = catalog::find_storage(type);
  if (!st) invalid_value("Invalid storage type: " + type);
  if (allocated < st->min_gib || allocated > st->max_gib)
    invalid_combination("Invalid storage size for engine name " + engine.name +
                        " and storage type " + type + ": " + std::to_string(allocated));
  if (iops && !st->iops)
    invalid_combination("You can't specify IOPS for storage type " + type + ".");
  if (throughput && !st->throughput)
    invalid_combination("You can't specify storage throughput for storage type " + type + ".");
  Storage s{type, allocated, iops, throughput};
  if (type == "gp3") {
    bool baseline = allocated < kGp3BaselineLimitGib;
    if (baseline && (iops || throughput))
      invalid_combination("You can't specify IOPS or storage throughput for engine " + engine.name +
                          " and a storage size less than 400.");
    // Baseline performance of gp3 for MySQL, MariaDB and PostgreSQL.
    if (!s.iops) s.iops = baseline ? 3000 : 12000;
    if (!s.throughput) s.throughput = baseline ? 125 : 500;
    if (!baseline && (*s.iops < 12000 || *s.iops > 64000))
      invalid_combination("The IOPS value for gp3 storage must be between 12000 and 64000.");
    if (!baseline && (*s.throughput < 500 || *s.throughput > 4000))
      invalid_combination(
          "The storage throughput value for gp3 storage must be between 500 and 4000.");
  } else if (st->iops) {  // io1, io2
    if (!iops) invalid_combination("You must specify IOPS for storage type " + type + ".");
    double ratio = static_cast<double>(*iops) / static_cast<double>(allocated);
    if (*iops < 1000 || *iops > 256000 || ratio < 0.5 || ratio > 50)
      invalid_combination("Invalid IOPS value " + std::to_string(*iops) + " for " +
                          std::to_string(allocated) +
                          " GiB: IOPS must be from 1000 to 256000 and from 0.5 to 50 times the "
                          "allocated storage.");
  }
  return s;
}

void write_storage(json& instance, const Storage& s) {
  instance["StorageType"] = s.type;
  instance["AllocatedStorage"] = s.allocated;
  if (s.iops)
    instance["Iops"] = *s.iops;
  else
    instance.erase("Iops");
  if (s.throughput)
    instance["StorageThroughput"] = *s.throughput;
  else
    instance.erase("StorageThroughput");
}

void check_username(const catalog::Engine& engine, const std::string& name) {
  if (name.empty())
    invalid_value("The parameter MasterUsername must be provided and must not be blank.");
  if (name.size() > engine.max_username)
    invalid_value(
        "The parameter MasterUsername is not a valid identifier because it is longer "
        "than " +
        std::to_string(engine.max_username) + " characters.");
  bool ok = std::isalpha(static_cast<unsigned char>(name[0])) != 0;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok)
    invalid_value(
        "The parameter MasterUsername is not a valid identifier. Identifiers must "
        "begin with a letter and must contain only ASCII letters, digits, and "
        "underscores.");
  for (auto& reserved : engine.reserved_usernames)
    if (lower(name) == reserved)
      invalid_value("MasterUsername " + name +
                    " cannot be used as it is a reserved word used by the engine");
}

void check_password(const catalog::Engine& engine, const std::string& password) {
  if (password.empty())
    invalid_value("The parameter MasterUserPassword must be provided and must not be blank.");
  for (char c : password) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || c == '/' || c == '"' || c == '@')
      invalid_value(
          "The parameter MasterUserPassword is not a valid password. Only printable "
          "ASCII characters besides '/', '@', '\"', ' ' may be used.");
  }
  if (password.size() < 8)
    invalid_value(
        "The parameter MasterUserPassword is not a valid password because it is "
        "shorter than 8 characters.");
  if (password.size() > static_cast<std::size_t>(engine.max_password))
    invalid_value(
        "The parameter MasterUserPassword is not a valid password because it is "
        "longer than " +
        std::to_string(engine.max_password) + " characters.");
}

void check_db_name(const catalog::Engine& engine, const std::string& name) {
  bool ok = !name.empty() && name.size() <= engine.max_db_name &&
            std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok)
    invalid_value("DBName must begin with a letter and contain only alphanumeric characters.");
}

void check_retention(std::int64_t days) {
  if (days < 0 || days > kMaxBackupRetentionDays)
    invalid_value("Invalid backup retention period: " + std::to_string(days) +
                  ". Valid values are 0 through 35.");
}

void check_port(std::int64_t port) {
  if (port < kMinPort || port > kMaxPort)
    invalid_value("Invalid port " + std::to_string(port) +
                  ". The port must be a value from 1150 to 65535.");
}

void check_ca(const std::string& ca) {
  auto& cas = catalog::ca_certificates();
  if (std::find(cas.begin(), cas.end(), ca) == cas.end())
    throw AwsError("CertificateNotFound", "Certificate " + ca + " not found.", 404);
}

std::string resolve_kms_key(Env& env, const std::string& scope, const std::string& requested) {
  if (requested.empty() || requested == "alias/aws/rds" ||
      (requested.rfind("arn:aws:kms:", 0) == 0 && requested.size() > 14 &&
       requested.substr(requested.size() - 14) == ":alias/aws/rds"))
    return default_kms_key_arn(env, scope);
  if (requested.rfind("arn:aws:kms:", 0) == 0 && requested.find(":key/") != std::string::npos)
    return requested;
  bool key_id = requested.rfind("mrk-", 0) == 0 || requested.size() == 36;
  for (char c : requested)
    key_id = key_id && (std::isxdigit(static_cast<unsigned char>(c)) || c == '-' || c == 'm' ||
                        c == 'r' || c == 'k');
  if (key_id)
    return "arn:aws:kms:" + region_of(scope) + ":" + account_of(scope) + ":key/" + requested;
  // KMS itself is not emulated: an alias other than aws/rds cannot be resolved.
  throw AwsError("KMSKeyNotAccessibleFault",
                 "The specified KMS key [" + requested +
                     "] does not exist, is not enabled or you do not have permissions to access "
                     "it.");
}

}  // namespace zonesim::rds::rules
