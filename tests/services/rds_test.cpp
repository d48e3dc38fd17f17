// RDS: subnet groups, the seed stack's Multi-AZ MySQL instance, validation, lifecycle on the
// simulated clock, failover, pending modifications, events, snapshots, tags and the catalogue.
#include <cstdio>
#include <regex>
#include <set>

#include "emulator/protocol/codec.hpp"
#include "services/rds/windows.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/seed.hpp"

namespace zonesim::testing {
namespace {

namespace win = rds::windows;

constexpr const char* kScope = "123456789012/eu-central-1";
constexpr const char* kVpc = "vpc-0000000000000000a";
constexpr const char* kDefaultSg = "sg-00000000000000def";
constexpr const char* kRdsSg = "sg-0000000000000000c";
constexpr const char* kGroup = "resilience-platform-db-subnets";
constexpr const char* kDb = "resilience-platform-db";
constexpr const char* kPassword = "YourSecurePassword123!";
constexpr sim::Millis kMinute = 60'000;

std::string enc(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class RdsTest : public AppTest {
 protected:
  void SetUp() override { start("instant"); }

  void start(const std::string& timing, const std::string& state = "", bool seed = true) {
    Config c;
    c.seed = 7;
    c.timing = timing;
    app_.reset();
    app_ = std::make_unique<App>(c, state, kTestEpoch);
    if (!seed) return;
    seed_network(*app_);
    auto& st = app_->env().store;
    st.begin();
    // Every VPC has a "default" security group; RDS uses it when none is given.
    st.put(kScope, "security-group", kDefaultSg,
           {{"GroupId", kDefaultSg}, {"GroupName", "default"}, {"VpcId", kVpc}});
    st.put(kScope, "vpc", "vpc-0000000000000000b",
           {{"VpcId", "vpc-0000000000000000b"}, {"CidrBlock", "10.1.0.0/16"}});
    st.put(kScope, "security-group", "sg-0000000000000000e",
           {{"GroupId", "sg-0000000000000000e"},
            {"GroupName", "other"},
            {"VpcId", "vpc-0000000000000000b"}});
    st.commit();
  }

  http::Response rds(const std::string& action, const std::string& params = "") {
    return query("rds",
                 "Action=" + action + "&Version=2014-10-31" + (params.empty() ? "" : "&" + params));
  }

  http::Response create_group(const std::string& name = kGroup, const std::string& subnets =
                                                                    "subnet-0000000000000000a,"
                                                                    "subnet-0000000000000000b") {
    std::string p =
        "DBSubnetGroupName=" + enc(name) + "&DBSubnetGroupDescription=Managed+by+Terraform";
    int i = 1;
    std::size_t start = 0;
    while (start <= subnets.size()) {
      std::size_t comma = subnets.find(',', start);
      std::string s =
          subnets.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      p += "&SubnetIds.SubnetIdentifier." + std::to_string(i++) + "=" + s;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return rds("CreateDBSubnetGroup", p);
  }

  // The seed's aws_db_instance, as the provider sends it (overrides appended last win).
  static std::string seed_params(const std::string& extra = "") {
    std::string p =
        "AllocatedStorage=20&AutoMinorVersionUpgrade=true&BackupRetentionPeriod=7"
        "&CopyTagsToSnapshot=false&DBInstanceClass=db.t3.micro&DBInstanceIdentifier=" +
        std::string(kDb) + "&DBName=wordpress&DBSubnetGroupName=" + kGroup +
        "&DeletionProtection=false&Engine=mysql&EngineVersion=8.0&MasterUserPassword=" +
        enc(kPassword) +
        "&MasterUsername=admin&MultiAZ=true&PreferredBackupWindow=03%3A00-04%3A00"
        "&PreferredMaintenanceWindow=Mon%3A04%3A00-Mon%3A05%3A00&PubliclyAccessible=false"
        "&StorageEncrypted=true&StorageType=gp2&VpcSecurityGroupIds.VpcSecurityGroupId.1=" +
        kRdsSg;
    return extra.empty() ? p : p + "&" + extra;
  }

  http::Response create_seed_instance(const std::string& extra = "") {
    return rds("CreateDBInstance", seed_params(extra));
  }

  void setup_seed() {
    ASSERT_EQ(create_group().status, 200);
    auto r = create_seed_instance();
    ASSERT_EQ(r.status, 200) << r.body;
  }

  http::Response describe(const std::string& id = kDb) {
    return rds("DescribeDBInstances", "DBInstanceIdentifier=" + id);
  }

  std::vector<std::string> event_messages(const std::string& id = kDb) {
    auto r =
        rds("DescribeEvents", "SourceType=db-instance&SourceIdentifier=" + id + "&Duration=20160");
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::vector<std::string> out;
    for (auto& n : doc.select_nodes("//Events/Event/Message")) out.push_back(n.node().text().get());
    return out;
  }

  std::size_t count_nodes(const http::Response& r, const std::string& path) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    return doc.select_nodes(path.c_str()).size();
  }

  std::vector<const json*> rds_interfaces() {
    std::vector<const json*> out;
    for (auto& [id, eni] : app_->env().store.list(kScope, "network-interface"))
      if (eni->value("RequesterId", "") == "amazon-rds") out.push_back(eni);
    return out;
  }

  void advance(sim::Millis ms) { app_->advance_to(app_->env().clock.now() + ms); }
};

// ---- windows ----

TEST(RdsWindows, TouchingWindowsDoNotOverlap) {
  auto b = win::validate_backup("03:00-04:00");
  auto m = win::validate_maintenance("Mon:04:00-Mon:05:00");
  EXPECT_FALSE(win::overlap(b, m));
  EXPECT_FALSE(win::overlap(win::validate_backup("05:00-05:30"), m));
  EXPECT_FALSE(win::overlap(win::validate_backup("04:30-05:00"),
                            win::validate_maintenance("tue:05:00-tue:05:30")));
}

TEST(RdsWindows, SharedTimeOverlapsOnAnyDay) {
  auto b = win::validate_backup("03:00-04:00");
  EXPECT_TRUE(win::overlap(b, win::validate_maintenance("mon:03:59-mon:04:30")));
  EXPECT_TRUE(win::overlap(b, win::validate_maintenance("sat:02:00-sat:03:01")));
  EXPECT_TRUE(win::overlap(b, win::validate_maintenance("sun:23:00-mon:05:00")));
  // Across midnight and across the end of the week.
  auto late = win::validate_backup("23:45-00:15");
  EXPECT_TRUE(win::overlap(late, win::validate_maintenance("mon:00:00-mon:00:30")));
  EXPECT_TRUE(win::overlap(late, win::validate_maintenance("sun:23:20-sun:23:50")));
  EXPECT_FALSE(win::overlap(late, win::validate_maintenance("mon:00:15-mon:00:45")));
  EXPECT_TRUE(win::overlap(win::validate_backup("00:00-00:30"),
                           win::validate_maintenance("sun:23:45-mon:00:15")));
}

TEST(RdsWindows, FormatAndLimits) {
  EXPECT_EQ(win::format(win::validate_maintenance("Mon:04:00-Mon:05:00")), "mon:04:00-mon:05:00");
  EXPECT_EQ(win::format(win::validate_backup("23:45-00:15")), "23:45-00:15");
  EXPECT_THROW(win::validate_backup("03:00-03:29"), AwsError);
  EXPECT_THROW(win::validate_backup("3:00-04:00"), AwsError);
  EXPECT_THROW(win::validate_backup("24:00-00:30"), AwsError);
  EXPECT_THROW(win::validate_maintenance("mon:04:00-mon:04:29"), AwsError);
  EXPECT_THROW(win::validate_maintenance("mon:04:00-tue:04:01"), AwsError);
  EXPECT_THROW(win::validate_maintenance("xyz:04:00-mon:05:00"), AwsError);
  EXPECT_NO_THROW(win::validate_maintenance("sun:23:45-mon:00:15"));
}

TEST(RdsWindows, NextOpeningOfTheMaintenanceWindow) {
  auto m = win::validate_maintenance("mon:04:00-mon:05:00");
  // 2026-01-01 is a Thursday; the next Monday 04:00 is 2026-01-05T04:00Z.
  auto next = *protocol::parse_iso8601("2026-01-05T04:00:00Z");
  EXPECT_EQ(win::next_opening(m, kTestEpoch), next);
  EXPECT_EQ(win::next_opening(m, next + 10 * kMinute), next + 10 * kMinute);  // open now
  EXPECT_EQ(win::next_opening(m, next + 60 * kMinute), next + 7 * 24 * 60 * kMinute);
}

TEST(RdsWindows, DefaultsComeFromTheRegionsBlockAndNeverOverlap) {
  for (std::uint64_t seed = 1; seed < 200; ++seed) {
    sim::Rng rng(seed);
    auto b = win::default_backup(rng, 20 * 60, std::nullopt);  // eu-central-1: 20:00-04:00
    auto m = win::default_maintenance(rng, 21 * 60, b);        // eu-central-1: 21:00-05:00
    EXPECT_EQ(b.minutes(), 30);
    EXPECT_EQ(m.minutes(), 30);
    EXPECT_LE((b.start - 20 * 60 + 1440) % 1440, 8 * 60 - 30) << win::format(b);
    EXPECT_LE((m.start % 1440 - 21 * 60 + 1440) % 1440, 8 * 60 - 30) << win::format(m);
    EXPECT_FALSE(win::overlap(b, m)) << win::format(b) << " " << win::format(m);
  }
}

// ---- DB subnet groups ----

TEST_F(RdsTest, SubnetGroupIsStoredLowerCaseWithItsSubnetsAndZones) {
  auto r = create_group("Resilience-Platform-DB-Subnets");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//DBSubnetGroup/DBSubnetGroupName"), kGroup);
  r = rds("DescribeDBSubnetGroups", std::string("DBSubnetGroupName=") + kGroup);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//DBSubnetGroup/DBSubnetGroupDescription"), "Managed by Terraform");
  EXPECT_EQ(xpath(r, "//DBSubnetGroup/VpcId"), kVpc);
  EXPECT_EQ(xpath(r, "//DBSubnetGroup/SubnetGroupStatus"), "Complete");
  EXPECT_EQ(xpath(r, "//DBSubnetGroup/DBSubnetGroupArn"),
            std::string("arn:aws:rds:eu-central-1:123456789012:subgrp:") + kGroup);
  EXPECT_EQ(xpath(r, "//SupportedNetworkTypes/member"), "IPV4");
  EXPECT_EQ(count_nodes(r, "//Subnets/Subnet"), 2u);
  EXPECT_EQ(xpath(r,
                  "//Subnet[SubnetIdentifier='subnet-0000000000000000b']"
                  "/SubnetAvailabilityZone/Name"),
            "eu-central-1b");
  EXPECT_EQ(xpath(r, "//Subnet[1]/SubnetStatus"), "Active");
  EXPECT_EQ(count_nodes(r, "//Subnet[1]/SubnetOutpost"), 1u);
  r = rds("ListTagsForResource",
          std::string("ResourceName=arn:aws:rds:eu-central-1:123456789012:subgrp:") + kGroup);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(count_nodes(r, "//TagList/Tag"), 0u);
}

TEST_F(RdsTest, SubnetGroupMustSpanTwoZones) {
  // a and c are both in eu-central-1a.
  auto r = create_group("one-zone", "subnet-0000000000000000a,subnet-0000000000000000c");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "DBSubnetGroupDoesNotCoverEnoughAZs");
  EXPECT_NE(xpath(r, "//Error/Message").find("Current AZ coverage: eu-central-1a"),
            std::string::npos);
  r = create_group("ghost", "subnet-0000000000000000a,subnet-0000000000000dead");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidSubnet");
  r = create_group("default");
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
  r = create_group("1starts-with-digit");
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
  ASSERT_EQ(create_group().status, 200);
  r = create_group();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "DBSubnetGroupAlreadyExists");
}

TEST_F(RdsTest, MissingSubnetGroupIs404AndDeleteIsFinal) {
  auto r = rds("DescribeDBSubnetGroups", "DBSubnetGroupName=nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "DBSubnetGroupNotFoundFault");
  ASSERT_EQ(create_group().status, 200);
  r = rds("DeleteDBSubnetGroup", std::string("DBSubnetGroupName=") + kGroup);
  EXPECT_EQ(r.status, 200) << r.body;
  r = rds("DescribeDBSubnetGroups", std::string("DBSubnetGroupName=") + kGroup);
  EXPECT_EQ(r.status, 404);
  r = rds("DeleteDBSubnetGroup", std::string("DBSubnetGroupName=") + kGroup);
  EXPECT_EQ(r.status, 404);
}

TEST_F(RdsTest, ModifySubnetGroupKeepsTheZoneRule) {
  ASSERT_EQ(create_group().status, 200);
  auto r = rds("ModifyDBSubnetGroup", std::string("DBSubnetGroupName=") + kGroup +
                                          "&SubnetIds.SubnetIdentifier.1=subnet-0000000000000000a"
                                          "&SubnetIds.SubnetIdentifier.2=subnet-0000000000000000c");
  EXPECT_EQ(error_code(r), "DBSubnetGroupDoesNotCoverEnoughAZs");
  r = rds("ModifyDBSubnetGroup", std::string("DBSubnetGroupName=") + kGroup +
                                     "&DBSubnetGroupDescription=new"
                                     "&SubnetIds.SubnetIdentifier.1=subnet-0000000000000000c"
                                     "&SubnetIds.SubnetIdentifier.2=subnet-0000000000000000d");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//DBSubnetGroupDescription"), "new");
  EXPECT_EQ(xpath(r, "//Subnet[1]/SubnetIdentifier"), "subnet-0000000000000000c");
}

TEST_F(RdsTest, SubnetGroupsPageWithMarker) {
  for (int i = 0; i < 25; ++i)
    ASSERT_EQ(create_group("group-" + std::to_string(100 + i)).status, 200);
  auto r = rds("DescribeDBSubnetGroups", "MaxRecords=20");
  EXPECT_EQ(count_nodes(r, "//DBSubnetGroups/DBSubnetGroup"), 20u);
  std::string marker = xpath(r, "//DescribeDBSubnetGroupsResult/Marker");
  ASSERT_FALSE(marker.empty());
  r = rds("DescribeDBSubnetGroups", "MaxRecords=20&Marker=" + enc(marker));
  EXPECT_EQ(count_nodes(r, "//DBSubnetGroups/DBSubnetGroup"), 5u);
  EXPECT_EQ(xpath(r, "//DescribeDBSubnetGroupsResult/Marker"), "");
  EXPECT_EQ(error_code(rds("DescribeDBSubnetGroups", "MaxRecords=5")), "InvalidParameterValue");
}

// ---- the seed's instance ----

TEST_F(RdsTest, SeedInstanceIsAvailableAtOnceUnderTheInstantProfile) {
  ASSERT_EQ(create_group().status, 200);
  auto r = create_seed_instance();
  ASSERT_EQ(r.status, 200) << r.body;
  // The create response is what AWS answers: creating, password pending, no endpoint yet.
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceStatus"), "creating");
  EXPECT_EQ(xpath(r, "//PendingModifiedValues/MasterUserPassword"), "****");
  EXPECT_EQ(count_nodes(r, "//DBInstance/Endpoint"), 0u);
  std::string resource_id = xpath(r, "//DBInstance/DbiResourceId");
  EXPECT_TRUE(std::regex_match(resource_id, std::regex("db-[A-Z0-9]{26}"))) << resource_id;

  r = describe();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceStatus"), "available");
  EXPECT_EQ(count_nodes(r, "//DBInstance/PendingModifiedValues/*"), 0u);
  EXPECT_EQ(xpath(r, "//DBInstance/Engine"), "mysql");
  EXPECT_EQ(xpath(r, "//DBInstance/EngineVersion"), "8.0.40");
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceClass"), "db.t3.micro");
  EXPECT_EQ(xpath(r, "//DBInstance/AllocatedStorage"), "20");
  EXPECT_EQ(xpath(r, "//DBInstance/StorageType"), "gp2");
  EXPECT_EQ(count_nodes(r, "//DBInstance/Iops"), 0u);
  EXPECT_EQ(xpath(r, "//DBInstance/MultiAZ"), "true");
  EXPECT_EQ(xpath(r, "//DBInstance/PreferredBackupWindow"), "03:00-04:00");
  EXPECT_EQ(xpath(r, "//DBInstance/PreferredMaintenanceWindow"), "mon:04:00-mon:05:00");
  EXPECT_EQ(xpath(r, "//DBInstance/BackupRetentionPeriod"), "7");
  EXPECT_EQ(xpath(r, "//DBInstance/DBName"), "wordpress");
  EXPECT_EQ(xpath(r, "//DBInstance/MasterUsername"), "admin");
  EXPECT_EQ(xpath(r, "//DBInstance/StorageEncrypted"), "true");
  EXPECT_TRUE(
      std::regex_match(xpath(r, "//DBInstance/KmsKeyId"),
                       std::regex("arn:aws:kms:eu-central-1:123456789012:key/[0-9a-f-]{36}")));
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceArn"),
            std::string("arn:aws:rds:eu-central-1:123456789012:db:") + kDb);
  std::string address = xpath(r, "//DBInstance/Endpoint/Address");
  EXPECT_TRUE(std::regex_match(
      address,
      std::regex("resilience-platform-db\\.[a-z0-9]{12}\\.eu-central-1\\.rds\\.amazonaws\\.com")))
      << address;
  EXPECT_EQ(xpath(r, "//DBInstance/Endpoint/Port"), "3306");
  EXPECT_EQ(xpath(r, "//DBInstance/Endpoint/HostedZoneId"), "Z1RLNUO7B9Q6NB");
  EXPECT_EQ(xpath(r, "//DBInstance/DbInstancePort"), "0");
  EXPECT_EQ(xpath(r, "//DBParameterGroup/DBParameterGroupName"), "default.mysql8.0");
  EXPECT_EQ(xpath(r, "//DBParameterGroup/ParameterApplyStatus"), "in-sync");
  EXPECT_EQ(xpath(r, "//OptionGroupMembership/OptionGroupName"), "default:mysql-8-0");
  EXPECT_EQ(xpath(r, "//DBInstance/CACertificateIdentifier"), "rds-ca-rsa2048-g1");
  EXPECT_EQ(xpath(r, "//DBInstance/LicenseModel"), "general-public-license");
  EXPECT_EQ(xpath(r, "//VpcSecurityGroupMembership/VpcSecurityGroupId"), kRdsSg);
  EXPECT_EQ(xpath(r, "//VpcSecurityGroupMembership/Status"), "active");
  EXPECT_EQ(xpath(r, "//DBInstance/DBSubnetGroup/DBSubnetGroupName"), kGroup);
  EXPECT_EQ(count_nodes(r, "//DBInstance/DBSubnetGroup/Subnets/Subnet"), 2u);
  EXPECT_EQ(xpath(r, "//DBInstance/PubliclyAccessible"), "false");
  EXPECT_EQ(xpath(r, "//DBInstance/AutoMinorVersionUpgrade"), "true");
  EXPECT_EQ(xpath(r, "//DBInstance/DeletionProtection"), "false");
  EXPECT_EQ(xpath(r, "//DBInstance/IAMDatabaseAuthenticationEnabled"), "false");
  EXPECT_EQ(xpath(r, "//DBInstance/PerformanceInsightsEnabled"), "false");
  EXPECT_EQ(xpath(r, "//DBInstance/MonitoringInterval"), "0");
  EXPECT_EQ(xpath(r, "//DBInstance/NetworkType"), "IPV4");
  EXPECT_EQ(xpath(r, "//DBInstance/BackupTarget"), "region");
  EXPECT_EQ(xpath(r, "//DBInstance/ActivityStreamStatus"), "stopped");
  EXPECT_EQ(xpath(r, "//DBInstance/CertificateDetails/CAIdentifier"), "rds-ca-rsa2048-g1");
  EXPECT_EQ(xpath(r, "//DBInstance/InstanceCreateTime"), "2026-01-01T00:00:00.000Z");
  EXPECT_FALSE(xpath(r, "//DBInstance/LatestRestorableTime").empty());
  EXPECT_EQ(xpath(r, "//DBInstance/EngineLifecycleSupport"), "open-source-rds-extended-support");

  // Multi-AZ: primary and standby in the group's two zones.
  std::string primary = xpath(r, "//DBInstance/AvailabilityZone");
  std::string standby = xpath(r, "//DBInstance/SecondaryAvailabilityZone");
  EXPECT_NE(primary, standby);
  std::set<std::string> zones{primary, standby};
  EXPECT_EQ(zones, (std::set<std::string>{"eu-central-1a", "eu-central-1b"}));
  auto enis = rds_interfaces();
  ASSERT_EQ(enis.size(), 2u);
  for (auto* eni : enis) {
    EXPECT_EQ((*eni)["Description"], "RDSNetworkInterface");
    EXPECT_EQ((*eni)["Groups"][0]["GroupId"], kRdsSg);
  }

  // The password is never returned and never stored.
  for (auto* body : {&r.body}) EXPECT_EQ(body->find(kPassword), std::string::npos);
  for (auto kind : {"db-instance", "event", "network-interface", "db-snapshot"})
    for (auto& [id, doc] : app_->env().store.list(kScope, kind))
      EXPECT_EQ(doc->dump().find(kPassword), std::string::npos) << kind;
}

TEST_F(RdsTest, ProviderReadsByResourceIdAndFallsBackTo404) {
  setup_seed();
  std::string resource_id = xpath(describe(), "//DbiResourceId");
  auto r =
      rds("DescribeDBInstances",
          "Filters.Filter.1.Name=dbi-resource-id&Filters.Filter.1.Values.Value.1=" + resource_id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(count_nodes(r, "//DBInstances/DBInstance"), 1u);
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceIdentifier"), kDb);
  r = rds("DescribeDBInstances",
          "Filters.Filter.1.Name=db-instance-id&Filters.Filter.1.Values.Value.1=" +
              enc(std::string("arn:aws:rds:eu-central-1:123456789012:db:") + kDb));
  EXPECT_EQ(count_nodes(r, "//DBInstances/DBInstance"), 1u);
  r = rds("DescribeDBInstances",
          "Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=postgres");
  EXPECT_EQ(count_nodes(r, "//DBInstances/DBInstance"), 0u);
  r = rds("DescribeDBInstances", "Filters.Filter.1.Name=colour&Filters.Filter.1.Values.Value.1=x");
  EXPECT_EQ(error_code(r), "InvalidParameterValue");

  r = describe("db-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "DBInstanceNotFound");
  EXPECT_EQ(xpath(r, "//Error/Message"), "DBInstance db-ABCDEFGHIJKLMNOPQRSTUVWXYZ not found.");
  // Identifiers are case-insensitive.
  EXPECT_EQ(describe("Resilience-Platform-DB").status, 200);
}

TEST_F(RdsTest, DefaultsWhenOmitted) {
  ASSERT_EQ(create_group().status, 200);
  auto r = rds("CreateDBInstance",
               "DBInstanceIdentifier=plain&DBInstanceClass=db.t4g.micro&Engine=postgres"
               "&AllocatedStorage=20&MasterUsername=app&MasterUserPassword=secret123"
               "&DBSubnetGroupName=" +
                   std::string(kGroup));
  ASSERT_EQ(r.status, 200) << r.body;
  r = describe("plain");
  EXPECT_EQ(xpath(r, "//EngineVersion"), "17.2");
  EXPECT_EQ(xpath(r, "//StorageType"), "gp3");
  EXPECT_EQ(xpath(r, "//Iops"), "3000");
  EXPECT_EQ(xpath(r, "//StorageThroughput"), "125");
  EXPECT_EQ(xpath(r, "//Endpoint/Port"), "5432");
  EXPECT_EQ(xpath(r, "//BackupRetentionPeriod"), "1");
  EXPECT_EQ(xpath(r, "//MultiAZ"), "false");
  EXPECT_EQ(count_nodes(r, "//SecondaryAvailabilityZone"), 0u);
  EXPECT_EQ(xpath(r, "//StorageEncrypted"), "false");
  EXPECT_EQ(count_nodes(r, "//KmsKeyId"), 0u);
  EXPECT_EQ(xpath(r, "//LicenseModel"), "postgresql-license");
  EXPECT_EQ(xpath(r, "//DBParameterGroupName"), "default.postgres17");
  // The VPC's default security group.
  EXPECT_EQ(xpath(r, "//VpcSecurityGroupId"), kDefaultSg);
  // Windows drawn from eu-central-1's blocks, never overlapping.
  auto b = win::parse_daily(xpath(r, "//PreferredBackupWindow"));
  auto m = win::parse_weekly(xpath(r, "//PreferredMaintenanceWindow"));
  ASSERT_TRUE(b && m) << r.body;
  EXPECT_EQ(b->minutes(), 30);
  EXPECT_EQ(m->minutes(), 30);
  EXPECT_FALSE(win::overlap(*b, *m));
}

// ---- validation ----

TEST_F(RdsTest, OverlappingWindowsAreRejectedTouchingOnesAccepted) {
  ASSERT_EQ(create_group().status, 200);
  auto r = create_seed_instance("PreferredMaintenanceWindow=Mon%3A03%3A30-Mon%3A04%3A30");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
  EXPECT_EQ(xpath(r, "//Error/Message"),
            "The backup window and maintenance window must not overlap.");
  EXPECT_EQ(describe().status, 404);  // nothing left behind
  EXPECT_TRUE(rds_interfaces().empty());
  r = create_seed_instance("PreferredBackupWindow=03%3A00-03%3A10");
  EXPECT_EQ(xpath(r, "//Error/Message"), "The backup window must be at least 30 minutes.");
  r = create_seed_instance("PreferredMaintenanceWindow=Mon%3A04%3A00");
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
  EXPECT_EQ(create_seed_instance().status, 200);  // 03:00-04:00 and Mon:04:00-Mon:05:00 touch
}

TEST_F(RdsTest, CreateValidationErrors) {
  ASSERT_EQ(create_group().status, 200);
  struct Case {
    std::string extra, code;
    int status;
  };
  const Case cases[] = {
      {"DBInstanceIdentifier=1db", "InvalidParameterValue", 400},
      {"DBInstanceIdentifier=my--db", "InvalidParameterValue", 400},
      {"DBInstanceIdentifier=mydb-", "InvalidParameterValue", 400},
      {"DBInstanceIdentifier=" + std::string(64, 'a'), "InvalidParameterValue", 400},
      {"Engine=oracle-ee", "InvalidParameterValue", 400},
      {"EngineVersion=5.6", "InvalidParameterCombination", 400},
      {"DBInstanceClass=db.t2.nano", "InvalidParameterCombination", 400},
      {"AllocatedStorage=10", "InvalidParameterCombination", 400},
      {"AllocatedStorage=70000", "InvalidParameterCombination", 400},
      {"StorageType=io1&AllocatedStorage=100", "InvalidParameterCombination", 400},
      {"StorageType=gp3&Iops=5000", "InvalidParameterCombination", 400},
      {"MasterUserPassword=short", "InvalidParameterValue", 400},
      {"MasterUserPassword=has%40at-sign", "InvalidParameterValue", 400},
      {"MasterUserPassword=has+space+inside", "InvalidParameterValue", 400},
      {"MasterUserPassword=" + std::string(42, 'x'), "InvalidParameterValue", 400},
      {"MasterUsername=1admin", "InvalidParameterValue", 400},
      {"MasterUsername=rdsadmin", "InvalidParameterValue", 400},
      {"DBName=word-press", "InvalidParameterValue", 400},
      {"BackupRetentionPeriod=36", "InvalidParameterValue", 400},
      {"AvailabilityZone=eu-central-1a", "InvalidParameterCombination", 400},
      {"DBSubnetGroupName=nope", "DBSubnetGroupNotFoundFault", 404},
      {"VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-0000000000000000e",
       "InvalidParameterCombination", 400},
      {"VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-00000000000000bad", "InvalidParameterValue",
       400},
      {"DBParameterGroupName=custom", "DBParameterGroupNotFound", 404},
      {"DBParameterGroupName=default.mysql8.4", "InvalidParameterCombination", 400},
      {"OptionGroupName=default%3Amysql-9-9", "OptionGroupNotFoundFault", 404},
      {"CACertificateIdentifier=rds-ca-2015", "CertificateNotFound", 404},
  };
  for (auto& c : cases) {
    auto r = create_seed_instance(c.extra);
    EXPECT_EQ(error_code(r), c.code) << c.extra << " -> " << r.body;
    EXPECT_EQ(r.status, c.status) << c.extra;
  }
  auto r = rds("CreateDBInstance", seed_params() + "&MasterUserPassword=");
  EXPECT_EQ(xpath(r, "//Error/Message"),
            "The parameter MasterUserPassword must be provided and must not be blank.");
  EXPECT_TRUE(rds_interfaces().empty());
  ASSERT_EQ(create_seed_instance().status, 200);
  r = create_seed_instance();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "DBInstanceAlreadyExists");
}

TEST_F(RdsTest, SingleAzPlacementHonoursTheRequestedZone) {
  ASSERT_EQ(create_group().status, 200);
  auto r = create_seed_instance("MultiAZ=false&AvailabilityZone=eu-central-1b");
  ASSERT_EQ(r.status, 200) << r.body;
  r = describe();
  EXPECT_EQ(xpath(r, "//AvailabilityZone"), "eu-central-1b");
  EXPECT_EQ(count_nodes(r, "//SecondaryAvailabilityZone"), 0u);
  auto enis = rds_interfaces();
  ASSERT_EQ(enis.size(), 1u);
  EXPECT_EQ((*enis[0])["SubnetId"], "subnet-0000000000000000b");
  r = create_seed_instance(
      "DBInstanceIdentifier=elsewhere&MultiAZ=false"
      "&AvailabilityZone=eu-central-1c");
  EXPECT_EQ(error_code(r), "InvalidParameterCombination");
}

// ---- deletion ----

TEST_F(RdsTest, DeleteSkippingTheFinalSnapshotFreesEverything) {
  setup_seed();
  auto r = rds("DeleteDBSubnetGroup", std::string("DBSubnetGroupName=") + kGroup);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidDBSubnetGroupStateFault");
  r = rds("DeleteDBInstance", std::string("DBInstanceIdentifier=") + kDb);
  EXPECT_EQ(error_code(r), "InvalidParameterCombination");
  EXPECT_EQ(xpath(r, "//Error/Message"),
            "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
  r = rds("DeleteDBInstance", std::string("DBInstanceIdentifier=") + kDb +
                                  "&SkipFinalSnapshot=true&DeleteAutomatedBackups=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceStatus"), "deleting");
  std::string resource_id = xpath(r, "//DBInstance/DbiResourceId");
  // Gone: the provider's two lookups.
  r = rds("DescribeDBInstances",
          "Filters.Filter.1.Name=dbi-resource-id&Filters.Filter.1.Values.Value.1=" + resource_id);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(count_nodes(r, "//DBInstances/DBInstance"), 0u);
  EXPECT_EQ(describe(resource_id).status, 404);
  EXPECT_EQ(describe().status, 404);
  EXPECT_TRUE(rds_interfaces().empty());
  r = rds("DescribeDBSnapshots", std::string("DBInstanceIdentifier=") + kDb);
  EXPECT_EQ(count_nodes(r, "//DBSnapshots/DBSnapshot"), 0u);  // automated backups removed
  auto messages = event_messages();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back(), "DB instance deleted");
  EXPECT_EQ(rds("DeleteDBSubnetGroup", std::string("DBSubnetGroupName=") + kGroup).status, 200);
}

TEST_F(RdsTest, DeletionProtectionAndFinalSnapshot) {
  ASSERT_EQ(create_group().status, 200);
  ASSERT_EQ(create_seed_instance("DeletionProtection=true&CopyTagsToSnapshot=true"
                                 "&Tags.Tag.1.Key=team&Tags.Tag.1.Value=db")
                .status,
            200);
  auto r = rds("DeleteDBInstance",
               std::string("DBInstanceIdentifier=") + kDb + "&SkipFinalSnapshot=true");
  EXPECT_EQ(error_code(r), "InvalidParameterCombination");
  EXPECT_EQ(xpath(r, "//Error/Message"),
            "Cannot delete protected DB Instance, please disable deletion protection and try "
            "again.");
  r = rds("ModifyDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&DeletionProtection=false");
  ASSERT_EQ(r.status, 200) << r.body;
  r = rds("DeleteDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&FinalDBSnapshotIdentifier=Final-Snap");
  ASSERT_EQ(r.status, 200) << r.body;
  r = rds("DescribeDBSnapshots", "DBSnapshotIdentifier=final-snap");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//DBSnapshot/Status"), "available");
  EXPECT_EQ(xpath(r, "//DBSnapshot/SnapshotType"), "manual");
  EXPECT_EQ(xpath(r, "//DBSnapshot/DBInstanceIdentifier"), kDb);
  EXPECT_EQ(xpath(r, "//DBSnapshot/Encrypted"), "true");
  EXPECT_EQ(xpath(r, "//DBSnapshot/DBSnapshotArn"),
            "arn:aws:rds:eu-central-1:123456789012:snapshot:final-snap");
  EXPECT_EQ(xpath(r, "//DBSnapshot/TagList/Tag/Key"), "team");
  r = rds("DescribeDBSnapshots", "DBSnapshotIdentifier=nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "DBSnapshotNotFound");
}

// ---- lifecycle on the clock ----

TEST_F(RdsTest, RealisticProfileWalksThroughCreatingAndBackingUp) {
  start("realistic");
  ASSERT_EQ(create_group().status, 200);
  ASSERT_EQ(create_seed_instance().status, 200);
  auto r = describe();
  EXPECT_EQ(xpath(r, "//DBInstanceStatus"), "creating");
  EXPECT_EQ(count_nodes(r, "//DBInstance/Endpoint"), 0u);
  r = rds("ModifyDBInstance", std::string("DBInstanceIdentifier=") + kDb +
                                  "&ApplyImmediately=true"
                                  "&DBInstanceClass=db.t3.small");
  EXPECT_EQ(error_code(r), "InvalidDBInstanceState");
  advance(60'000);  // the provider's first poll comes after 60 s
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "creating");
  advance(11 * kMinute + 30'000);  // Multi-AZ creation: 12 minutes, then a minute of backup
  r = describe();
  EXPECT_EQ(xpath(r, "//DBInstanceStatus"), "backing-up");
  EXPECT_FALSE(xpath(r, "//Endpoint/Address").empty());
  EXPECT_EQ(xpath(r, "//InstanceCreateTime"), "2026-01-01T00:12:00.000Z");
  advance(kMinute);
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "available");
  EXPECT_EQ(event_messages(),
            (std::vector<std::string>{"DB instance created", "Backing up DB instance",
                                      "Finished DB Instance backup"}));
  // Deleting takes time too; while deleting, nothing else is accepted.
  r = rds("DeleteDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&SkipFinalSnapshot=true");
  ASSERT_EQ(r.status, 200);
  r = rds("ModifyDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&DeletionProtection=true");
  EXPECT_EQ(error_code(r), "InvalidDBInstanceState");
  r = rds("DeleteDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&SkipFinalSnapshot=true");
  EXPECT_EQ(error_code(r), "InvalidDBInstanceState");
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "deleting");
  advance(5 * kMinute);
  EXPECT_EQ(describe().status, 404);
}

TEST_F(RdsTest, StepsDueDuringARestartAreCaughtUp) {
  const std::string state = ::testing::TempDir() + "rds_restart_test.db";
  for (auto suffix : {"", "-wal", "-shm"}) std::remove((state + suffix).c_str());
  start("realistic", state);
  ASSERT_EQ(create_group().status, 200);
  ASSERT_EQ(create_seed_instance().status, 200);
  advance(kMinute);
  // A restart loses the clock's queue; the instance document still says what is due.
  start("realistic", state, false);
  EXPECT_EQ(app_->env().clock.pending(), 0u);
  advance(30 * kMinute);
  auto r = describe();
  EXPECT_EQ(xpath(r, "//DBInstanceStatus"), "available");
  EXPECT_EQ(xpath(r, "//InstanceCreateTime"), "2026-01-01T00:12:00.000Z");
  r = rds("DescribeEvents", "SourceType=db-instance&Duration=60");
  EXPECT_EQ(xpath(r, "//Event[3]/Message"), "Finished DB Instance backup");
  EXPECT_EQ(xpath(r, "//Event[3]/Date"), "2026-01-01T00:13:00.000Z");
  app_.reset();
  for (auto suffix : {"", "-wal", "-shm"}) std::remove((state + suffix).c_str());
}

TEST_F(RdsTest, ForceFailoverSwapsZonesAndWritesTheEvents) {
  start("realistic");
  ASSERT_EQ(create_group().status, 200);
  ASSERT_EQ(create_seed_instance().status, 200);
  advance(20 * kMinute);
  auto r = describe();
  std::string primary = xpath(r, "//AvailabilityZone");
  std::string standby = xpath(r, "//SecondaryAvailabilityZone");
  std::string address = xpath(r, "//Endpoint/Address");
  r = rds("RebootDBInstance", std::string("DBInstanceIdentifier=") + kDb + "&ForceFailover=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "rebooting");
  EXPECT_EQ(event_messages().back(), "Multi-AZ instance failover started.");
  advance(34'000);
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "rebooting");  // 35-65 s
  advance(31'000);
  r = describe();
  EXPECT_EQ(xpath(r, "//DBInstanceStatus"), "available");
  EXPECT_EQ(xpath(r, "//AvailabilityZone"), standby);
  EXPECT_EQ(xpath(r, "//SecondaryAvailabilityZone"), primary);
  EXPECT_EQ(xpath(r, "//Endpoint/Address"), address);  // the name never changes
  auto messages = event_messages();
  ASSERT_GE(messages.size(), 4u);
  EXPECT_EQ(
      std::vector<std::string>(messages.end() - 4, messages.end()),
      (std::vector<std::string>{"Multi-AZ instance failover started.", "DB instance restarted",
                                "Multi-AZ instance failover completed",
                                "The user requested a failover of the DB instance."}));
  r = rds("DescribeEvents", "SourceType=db-instance&SourceIdentifier=" + std::string(kDb) +
                                "&EventCategories.EventCategory.1=failover");
  EXPECT_EQ(count_nodes(r, "//Events/Event"), 3u);
  EXPECT_EQ(xpath(r, "//Event[1]/SourceArn"),
            std::string("arn:aws:rds:eu-central-1:123456789012:db:") + kDb);
  EXPECT_EQ(xpath(r, "//Event[1]/EventCategories/EventCategory"), "failover");
}

TEST_F(RdsTest, FailoverNeedsMultiAzAndPlainRebootKeepsZones) {
  ASSERT_EQ(create_group().status, 200);
  ASSERT_EQ(create_seed_instance("MultiAZ=false").status, 200);
  auto r =
      rds("RebootDBInstance", std::string("DBInstanceIdentifier=") + kDb + "&ForceFailover=true");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidParameterCombination");
  std::string zone = xpath(describe(), "//AvailabilityZone");
  r = rds("RebootDBInstance", std::string("DBInstanceIdentifier=") + kDb);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(describe(), "//AvailabilityZone"), zone);
  EXPECT_EQ(event_messages().back(), "DB instance restarted");
  EXPECT_EQ(error_code(rds("RebootDBInstance", "DBInstanceIdentifier=nope")), "DBInstanceNotFound");
}

// ---- modifications ----

TEST_F(RdsTest, ModificationsWaitForTheMaintenanceWindow) {
  setup_seed();
  auto r = rds("ModifyDBInstance", std::string("DBInstanceIdentifier=") + kDb +
                                       "&DBInstanceClass=db.t3.small&AllocatedStorage=21"
                                       "&BackupRetentionPeriod=14");
  ASSERT_EQ(r.status, 200) << r.body;
  r = describe();
  EXPECT_EQ(xpath(r, "//DBInstanceStatus"), "available");
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceClass"), "db.t3.micro");
  EXPECT_EQ(xpath(r, "//PendingModifiedValues/DBInstanceClass"), "db.t3.small");
  // An increase below 10% is rounded up to 10%.
  EXPECT_EQ(xpath(r, "//PendingModifiedValues/AllocatedStorage"), "22");
  // Retention between two non-zero values applies at once.
  EXPECT_EQ(xpath(r, "//DBInstance/BackupRetentionPeriod"), "14");
  // The window opens on Monday 2026-01-05 04:00 UTC.
  app_->advance_to(*protocol::parse_iso8601("2026-01-05T03:59:00Z"));
  EXPECT_EQ(xpath(describe(), "//PendingModifiedValues/DBInstanceClass"), "db.t3.small");
  app_->advance_to(*protocol::parse_iso8601("2026-01-05T04:00:00Z"));
  r = describe();
  EXPECT_EQ(xpath(r, "//DBInstance/DBInstanceClass"), "db.t3.small");
  EXPECT_EQ(xpath(r, "//DBInstance/AllocatedStorage"), "22");
  EXPECT_EQ(count_nodes(r, "//PendingModifiedValues/*"), 0u);
  auto messages = event_messages();
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "Finished applying modification to DB instance class"),
            messages.end());
}

TEST_F(RdsTest, ApplyImmediatelyConvertsBetweenSingleAndMultiAz) {
  setup_seed();
  auto r = rds("ModifyDBInstance",
               std::string("DBInstanceIdentifier=") + kDb + "&MultiAZ=false&ApplyImmediately=true");
  ASSERT_EQ(r.status, 200) << r.body;
  r = describe();
  EXPECT_EQ(xpath(r, "//MultiAZ"), "false");
  EXPECT_EQ(count_nodes(r, "//SecondaryAvailabilityZone"), 0u);
  EXPECT_EQ(rds_interfaces().size(), 1u);
  std::string primary = xpath(r, "//AvailabilityZone");
  r = rds("ModifyDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&MultiAZ=true&ApplyImmediately=true");
  ASSERT_EQ(r.status, 200) << r.body;
  r = describe();
  EXPECT_EQ(xpath(r, "//MultiAZ"), "true");
  EXPECT_EQ(xpath(r, "//AvailabilityZone"), primary);
  std::string standby = xpath(r, "//SecondaryAvailabilityZone");
  EXPECT_FALSE(standby.empty());
  EXPECT_NE(standby, primary);
  EXPECT_EQ(rds_interfaces().size(), 2u);
  // Windows are checked against each other on modify as well.
  r = rds("ModifyDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&PreferredBackupWindow=04%3A15-04%3A45");
  EXPECT_EQ(xpath(r, "//Error/Message"),
            "The backup window and maintenance window must not overlap.");
  r = rds("ModifyDBInstance", std::string("DBInstanceIdentifier=") + kDb +
                                  "&PreferredMaintenanceWindow=Tue%3A04%3A00-Tue%3A04%3A30");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(describe(), "//PreferredMaintenanceWindow"), "tue:04:00-tue:04:30");
  // Storage never shrinks.
  r = rds("ModifyDBInstance", std::string("DBInstanceIdentifier=") + kDb + "&AllocatedStorage=15");
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
}

TEST_F(RdsTest, StopAndStart) {
  setup_seed();
  auto r = rds("StartDBInstance", std::string("DBInstanceIdentifier=") + kDb);
  EXPECT_EQ(error_code(r), "InvalidDBInstanceState");
  r = rds("StopDBInstance",
          std::string("DBInstanceIdentifier=") + kDb + "&DBSnapshotIdentifier=before-stop");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "stopped");
  EXPECT_EQ(xpath(rds("DescribeDBSnapshots", "DBSnapshotIdentifier=before-stop"), "//Status"),
            "available");
  EXPECT_EQ(error_code(rds("RebootDBInstance", std::string("DBInstanceIdentifier=") + kDb)),
            "InvalidDBInstanceState");
  // RDS starts a stopped instance again after seven days.
  advance(7LL * 24 * 60 * kMinute);
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "available");
  EXPECT_EQ(event_messages().back(), "DB instance started");
  r = rds("StopDBInstance", std::string("DBInstanceIdentifier=") + kDb);
  ASSERT_EQ(r.status, 200);
  r = rds("StartDBInstance", std::string("DBInstanceIdentifier=") + kDb);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(describe(), "//DBInstanceStatus"), "available");
}

// ---- events, tags, catalogue ----

TEST_F(RdsTest, DescribeEventsTimeRange) {
  setup_seed();
  auto r = rds("DescribeEvents", "SourceType=db-instance&SourceIdentifier=" + std::string(kDb));
  EXPECT_EQ(count_nodes(r, "//Events/Event"), 3u);  // created, backing up, backup finished
  EXPECT_EQ(xpath(r, "//Event[1]/Message"), "DB instance created");
  EXPECT_EQ(xpath(r, "//Event[1]/SourceType"), "db-instance");
  EXPECT_EQ(xpath(r, "//Event[1]/Date"), "2026-01-01T00:00:00.000Z");
  advance(2 * 60 * kMinute);
  r = rds("DescribeEvents", "SourceType=db-instance");  // the last hour: nothing
  EXPECT_EQ(count_nodes(r, "//Events/Event"), 0u);
  r = rds("DescribeEvents", "Duration=180");
  EXPECT_EQ(count_nodes(r, "//Events/Event"), 3u);
  r = rds("DescribeEvents", "StartTime=2026-01-01T00%3A00%3A00Z&EndTime=2026-01-01T00%3A10%3A00Z");
  EXPECT_EQ(count_nodes(r, "//Events/Event"), 3u);
  r = rds("DescribeEvents", "SourceIdentifier=" + std::string(kDb));
  EXPECT_EQ(error_code(r), "InvalidParameterCombination");
}

TEST_F(RdsTest, TagsByArn) {
  setup_seed();
  std::string arn = enc(std::string("arn:aws:rds:eu-central-1:123456789012:db:") + kDb);
  auto r = rds("AddTagsToResource", "ResourceName=" + arn +
                                        "&Tags.Tag.1.Key=env&Tags.Tag.1.Value=prod"
                                        "&Tags.Tag.2.Key=team&Tags.Tag.2.Value=db");
  ASSERT_EQ(r.status, 200) << r.body;
  r = rds("AddTagsToResource", "ResourceName=" + arn + "&Tags.Tag.1.Key=env&Tags.Tag.1.Value=dev");
  ASSERT_EQ(r.status, 200);
  r = rds("RemoveTagsFromResource", "ResourceName=" + arn + "&TagKeys.member.1=team");
  ASSERT_EQ(r.status, 200) << r.body;
  r = rds("ListTagsForResource", "ResourceName=" + arn);
  EXPECT_EQ(count_nodes(r, "//TagList/Tag"), 1u);
  EXPECT_EQ(xpath(r, "//TagList/Tag/Value"), "dev");
  EXPECT_EQ(xpath(describe(), "//DBInstance/TagList/Tag/Key"), "env");
  r = rds("ListTagsForResource",
          "ResourceName=" + enc("arn:aws:rds:eu-central-1:123456789012:db:nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "DBInstanceNotFound");
  r = rds("ListTagsForResource",
          "ResourceName=" + enc("arn:aws:rds:eu-central-1:123456789012:subgrp:nope"));
  EXPECT_EQ(error_code(r), "DBSubnetGroupNotFoundFault");
  r = rds("AddTagsToResource",
          "ResourceName=" + arn + "&Tags.Tag.1.Key=aws%3Ax&Tags.Tag.1.Value=v");
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
  r = rds("ListTagsForResource", "ResourceName=not-an-arn");
  EXPECT_EQ(error_code(r), "InvalidParameterValue");
}

TEST_F(RdsTest, CatalogueOperations) {
  auto r = rds("DescribeDBEngineVersions", "Engine=mysql&EngineVersion=8.0&DefaultOnly=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(count_nodes(r, "//DBEngineVersions/DBEngineVersion"), 1u);
  EXPECT_EQ(xpath(r, "//DBEngineVersion/EngineVersion"), "8.0.40");
  EXPECT_EQ(xpath(r, "//DBEngineVersion/DBParameterGroupFamily"), "mysql8.0");
  EXPECT_GE(count_nodes(r, "//ValidUpgradeTarget/UpgradeTarget"), 1u);
  r = rds("DescribeDBEngineVersions", "Engine=postgres");
  EXPECT_EQ(count_nodes(r, "//DBEngineVersions/DBEngineVersion"), 5u);
  r = rds(
      "DescribeDBEngineVersions",
      "Filters.Filter.1.Name=db-parameter-group-family&Filters.Filter.1.Values.Value.1=postgres16");
  EXPECT_EQ(count_nodes(r, "//DBEngineVersions/DBEngineVersion"), 2u);

  r = rds("DescribeOrderableDBInstanceOptions",
          "Engine=mysql&EngineVersion=8.0.40&DBInstanceClass=db.t3.micro");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(count_nodes(r, "//OrderableDBInstanceOption"), 5u);  // one per storage type
  EXPECT_EQ(xpath(r, "//OrderableDBInstanceOption[StorageType='gp2']/MinStorageSize"), "20");
  EXPECT_EQ(xpath(r, "//OrderableDBInstanceOption[StorageType='gp2']/MultiAZCapable"), "true");
  EXPECT_EQ(count_nodes(r, "//OrderableDBInstanceOption[1]/AvailabilityZones/AvailabilityZone"),
            2u);

  r = rds("DescribeDBParameterGroups", "DBParameterGroupName=default.mysql8.0");
  EXPECT_EQ(xpath(r, "//DBParameterGroup/DBParameterGroupFamily"), "mysql8.0");
  EXPECT_EQ(rds("DescribeDBParameterGroups", "DBParameterGroupName=nope").status, 404);
  r = rds("DescribeOptionGroups", "EngineName=mysql&MajorEngineVersion=8.0");
  EXPECT_EQ(xpath(r, "//OptionGroup/OptionGroupName"), "default:mysql-8-0");
  EXPECT_EQ(count_nodes(r, "//OptionGroupsList/OptionGroup"), 1u);
}

}  // namespace
}  // namespace zonesim::testing
