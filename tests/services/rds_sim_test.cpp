// RDS on the simulated clock under failures: forced and automatic Multi-AZ failover, the loss of
// the standby's zone and its rebuild, in-place recovery, reachability from each zone, the
// acknowledged-write counters (lost writes are counted, never assumed), the rds-failover fault
// and replay determinism.
#include <pugixml.hpp>

#include "emulator/sim/zones.hpp"
#include "services/rds/reachability.hpp"
#include "tests/support/app_fixture.hpp"
#include "tests/support/seed.hpp"

namespace zonesim::testing {
namespace {

constexpr const char* kScope = "123456789012/eu-central-1";
constexpr const char* kDb = "orders-db";
constexpr const char* kA = "eu-central-1a";
constexpr const char* kB = "eu-central-1b";
constexpr sim::Millis kSecond = 1000, kMinute = 60 * kSecond;

struct Event {
  std::string message;
  sim::Millis at;
};

class RdsSimTest : public AppTest {
 protected:
  void SetUp() override {}

  // A fresh region with the instance created (and available) in it.
  void start(const std::string& timing, bool multi_az = true, std::uint64_t seed = 7) {
    Config c;
    c.seed = seed;
    c.timing = timing;
    c.clock_mode = "manual";
    app_.reset();
    app_ = std::make_unique<App>(c, "", kTestEpoch);
    seed_network(*app_);
    auto r = rds("CreateDBSubnetGroup",
                 "DBSubnetGroupName=db-subnets&DBSubnetGroupDescription=db"
                 "&SubnetIds.SubnetIdentifier.1=subnet-0000000000000000a"
                 "&SubnetIds.SubnetIdentifier.2=subnet-0000000000000000b");
    ASSERT_EQ(r.status, 200) << r.body;
    r = rds("CreateDBInstance",
            std::string("DBInstanceIdentifier=") + kDb +
                "&AllocatedStorage=20&DBInstanceClass=db.t3.micro&Engine=mysql"
                "&EngineVersion=8.0&MasterUsername=admin&MasterUserPassword=Secret123456"
                "&DBSubnetGroupName=db-subnets&BackupRetentionPeriod=1&MultiAZ=" +
                (multi_az ? "true" : "false") +
                "&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-0000000000000000c");
    ASSERT_EQ(r.status, 200) << r.body;
    if (timing == "realistic") advance(20 * kMinute);
    ASSERT_EQ(status(), "available");
    primary_ = field("AvailabilityZone");
    standby_ = multi_az ? field("SecondaryAvailabilityZone") : "";
    endpoint_ = field("Endpoint/Address") + ":" + field("Endpoint/Port");
  }

  http::Response rds(const std::string& action, const std::string& params = "") {
    return query("rds",
                 "Action=" + action + "&Version=2014-10-31" + (params.empty() ? "" : "&" + params));
  }
  http::Response control(const std::string& method, const std::string& target,
                         const std::string& body = "") {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    return app_->handle(r);
  }

  std::string field(const std::string& path) {
    return xpath(rds("DescribeDBInstances", std::string("DBInstanceIdentifier=") + kDb),
                 "//DBInstance/" + path);
  }
  std::string status() { return field("DBInstanceStatus"); }
  sim::Millis now() { return app_->env().clock.now(); }
  void advance(sim::Millis ms) { app_->advance_to(now() + ms); }
  void advance_to(sim::Millis t) { app_->advance_to(t); }

  void fail(const std::string& zone, const std::string& kind) {
    auto r = control("POST", "/_zonesim/zones/" + zone + "/fail", R"({"kind":")" + kind + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void restore(const std::string& zone) {
    auto r = control("POST", "/_zonesim/zones/" + zone + "/restore");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  bool reachable(const std::string& from, const std::string& host = "") {
    return rds::database_reachable(app_->env(), kScope, host.empty() ? endpoint_ : host, from);
  }
  // `n` writes from a client in `from`; how many were acknowledged.
  int write(const std::string& from, int n = 1) {
    auto& st = app_->env().store;
    st.begin();
    int acked = 0;
    for (int i = 0; i < n; ++i)
      acked += rds::acknowledge_write(app_->env(), kScope, endpoint_, from);
    st.commit();
    return acked;
  }
  rds::WriteCounters counters() {
    auto c = rds::write_counters(app_->env(), kScope, kDb);
    EXPECT_TRUE(c.has_value());
    return c.value_or(rds::WriteCounters{});
  }

  std::vector<Event> events() {
    auto r = rds("DescribeEvents",
                 std::string("SourceType=db-instance&SourceIdentifier=") + kDb + "&Duration=20160");
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::vector<Event> out;
    for (auto& n : doc.select_nodes("//Events/Event"))
      out.push_back({n.node().child("Message").text().get(),
                     *protocol::parse_iso8601(n.node().child("Date").text().get())});
    return out;
  }
  // The messages from the first one equal to `first` on.
  std::vector<std::string> messages_from(const std::string& first) {
    std::vector<std::string> out;
    for (auto& e : events())
      if (!out.empty() || e.message == first) out.push_back(e.message);
    return out;
  }
  std::optional<sim::Millis> event_time(const std::string& message) {
    for (auto& e : events())
      if (e.message == message) return e.at;
    return std::nullopt;
  }
  json timeline(const std::string& service = "rds") {
    json all = json::parse(control("GET", "/_zonesim/timeline?since_ms=0").body)["events"];
    json out = json::array();
    for (auto& e : all)
      if (service.empty() || e["service"] == service) out.push_back(e);
    return out;
  }
  std::optional<json> change(const std::string& from, const std::string& to) {
    for (auto& e : timeline())
      if (e["from"] == from && e["to"] == to) return e;
    return std::nullopt;
  }

  std::string primary_, standby_, endpoint_;
};

constexpr const char* kStarted = "Multi-AZ instance failover started.";
constexpr const char* kCompleted = "Multi-AZ instance failover completed";

// ---- forced failover ----

TEST_F(RdsSimTest, ForcedFailoverTakes35To65SecondsSwapsZonesAndKeepsTheEndpoint) {
  start("instant");
  ASSERT_NE(primary_, standby_);
  EXPECT_EQ(write(primary_, 10), 10);
  auto r =
      rds("RebootDBInstance", std::string("DBInstanceIdentifier=") + kDb + "&ForceFailover=true");
  ASSERT_EQ(r.status, 200) << r.body;
  const sim::Millis t0 = now();
  EXPECT_EQ(status(), "rebooting");
  EXPECT_FALSE(reachable(primary_));
  EXPECT_FALSE(reachable(standby_));
  EXPECT_EQ(write(standby_), 0);
  advance(35 * kSecond - 1);
  EXPECT_EQ(status(),
            "rebooting");  // even under the instant profile: failover is a failure dynamic
  advance_to(t0 + 65 * kSecond);
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(field("AvailabilityZone"), standby_);
  EXPECT_EQ(field("SecondaryAvailabilityZone"), primary_);
  EXPECT_EQ(field("Endpoint/Address") + ":" + field("Endpoint/Port"), endpoint_);
  EXPECT_TRUE(reachable(primary_));
  EXPECT_TRUE(reachable(standby_));

  auto started = event_time(kStarted), completed = event_time(kCompleted);
  ASSERT_TRUE(started && completed);
  EXPECT_EQ(*started, t0);
  EXPECT_GE(*completed - *started, 35 * kSecond);
  EXPECT_LE(*completed - *started, 65 * kSecond);
  EXPECT_EQ(messages_from(kStarted),
            (std::vector<std::string>{kStarted, "DB instance restarted", kCompleted,
                                      "The user requested a failover of the DB instance."}));
  auto swap = change("primary " + primary_, "primary " + standby_);
  ASSERT_TRUE(swap) << timeline().dump();
  EXPECT_EQ((*swap)["zone"], standby_);
  EXPECT_EQ((*swap)["t_ms"], *completed);
  auto down = change("available", "rebooting"), up = change("rebooting", "available");
  ASSERT_TRUE(down && up);
  EXPECT_EQ((*down)["reason"], kStarted);
  EXPECT_EQ((*up)["reason"], "Multi-AZ failover completed");
  EXPECT_EQ((*up)["zone"], standby_);
  // The former primary is the in-sync standby now; nothing was lost.
  EXPECT_TRUE(change("standby " + standby_ + " in-sync", "standby " + primary_ + " in-sync"));
  auto c = counters();
  EXPECT_EQ(c.primary, 10u);
  EXPECT_EQ(c.standby, 10u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.standby_state, "in-sync");
  EXPECT_EQ(write(primary_, 5), 5);
  EXPECT_EQ(counters().standby, 15u);
}

TEST_F(RdsSimTest, FailoverFaultTakesTheSamePath) {
  start("instant");
  auto r = control("POST", "/_zonesim/faults",
                   std::string(R"({"action":"rds-failover","db_instance":")") + kDb + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  json out = json::parse(r.body);
  EXPECT_EQ(out["from_zone"], primary_);
  EXPECT_EQ(out["to_zone"], standby_);
  EXPECT_EQ(out["status"], "rebooting");
  EXPECT_EQ(status(), "rebooting");
  advance_to(out["completes_at_ms"].get<sim::Millis>());
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(field("AvailabilityZone"), standby_);
  EXPECT_EQ(messages_from(kStarted).back(), "The user requested a failover of the DB instance.");

  // Unknown instance: 404; a missing identifier: 400; not available: 400.
  r = control("POST", "/_zonesim/faults", R"({"action":"rds-failover","db_instance":"nope"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "DBInstanceNotFound");
  EXPECT_EQ(control("POST", "/_zonesim/faults", R"({"action":"rds-failover"})").status, 400);
  ASSERT_EQ(rds("StopDBInstance", std::string("DBInstanceIdentifier=") + kDb).status, 200);
  EXPECT_EQ(status(), "stopped");
  r = control("POST", "/_zonesim/faults",
              std::string(R"({"action":"rds-failover","db_instance":")") + kDb + "\"}");
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "InvalidDBInstanceState") << r.body;
}

TEST_F(RdsSimTest, FailoverFaultOnASingleAzInstanceIsAnInvalidCombination) {
  start("instant", false);
  auto r = control("POST", "/_zonesim/faults",
                   std::string(R"({"action":"rds-failover","db_instance":")") + kDb + "\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "InvalidParameterCombination");
  EXPECT_EQ(status(), "available");
}

// ---- the primary's zone ----

TEST_F(RdsSimTest, PrimaryZonePowerLossFailsOverWithoutLosingAcknowledgedWrites) {
  start("realistic");
  EXPECT_EQ(write(primary_, 60) + write(standby_, 40), 100);
  EXPECT_EQ(counters().standby, 100u);  // synchronous replication
  fail(primary_, "power");
  const sim::Millis t0 = now();
  EXPECT_FALSE(reachable(standby_));  // the primary is gone at once
  EXPECT_EQ(write(standby_), 0);
  EXPECT_TRUE(change("primary " + primary_, "primary " + primary_ + " down"));
  advance(5 * kSecond - 1);
  EXPECT_EQ(status(), "available");  // RDS has not noticed yet
  advance_to(t0 + 15 * kSecond);
  EXPECT_EQ(status(), "rebooting");
  auto started = event_time(kStarted);
  ASSERT_TRUE(started);
  EXPECT_GE(*started - t0, 5 * kSecond);  // rds.failure.detection
  EXPECT_LE(*started - t0, 15 * kSecond);
  EXPECT_FALSE(reachable(standby_));
  advance_to(*started + 65 * kSecond);
  EXPECT_EQ(status(), "available");
  auto completed = event_time(kCompleted);
  ASSERT_TRUE(completed);
  EXPECT_GE(*completed - *started, 35 * kSecond);
  EXPECT_EQ(field("AvailabilityZone"), standby_);
  EXPECT_EQ(field("SecondaryAvailabilityZone"), primary_);
  EXPECT_TRUE(reachable(standby_));
  EXPECT_TRUE(reachable(""));
  EXPECT_FALSE(reachable(primary_));  // clients in the dark zone reach nothing
  EXPECT_EQ(messages_from(kStarted),
            (std::vector<std::string>{kStarted, "DB instance restarted", kCompleted,
                                      "The primary host of the RDS Multi-AZ instance is "
                                      "unhealthy."}));
  // Counted: the new primary holds every acknowledged write.
  auto c = counters();
  EXPECT_EQ(c.primary, 100u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.standby_state, "lost");  // the former primary's zone is dark
  EXPECT_TRUE(change("primary " + primary_ + " down", "primary " + standby_));
  EXPECT_TRUE(change("standby " + standby_ + " in-sync", "standby " + primary_ + " lost"));
  EXPECT_EQ(write(standby_, 7), 7);
  EXPECT_EQ(counters().primary, 107u);
  EXPECT_EQ(counters().standby, 100u);  // the primary acknowledges alone

  // The zone returns: the standby is rebuilt there (rds.standby_rebuild), then in sync again.
  restore(primary_);
  EXPECT_EQ(counters().standby_state, "rebuilding");
  EXPECT_EQ(messages_from("Recovery of standby DB instance has started.").size(), 1u);
  EXPECT_EQ(status(), "available");
  advance(10 * kMinute - 1);
  EXPECT_EQ(counters().standby_state, "rebuilding");
  advance(10 * kMinute + 1);
  c = counters();
  EXPECT_EQ(c.standby_state, "in-sync");
  EXPECT_EQ(c.standby, c.primary);
  EXPECT_EQ(messages_from("Recovery of standby DB instance has started.").back(),
            "Recovery of standby DB instance has completed.");
  EXPECT_EQ(write(primary_, 3), 3);
  EXPECT_EQ(counters().standby, 110u);
}

TEST_F(RdsSimTest, NetworkPartitionOfThePrimarysZoneFailsOverAndCountsWhatTheIsolatedPrimaryTook) {
  start("instant");
  EXPECT_EQ(write(standby_, 20), 20);
  fail(primary_, "network");
  // The primary runs on: its own zone still reaches it, nothing else does.
  EXPECT_TRUE(reachable(primary_));
  EXPECT_FALSE(reachable(standby_));
  EXPECT_FALSE(reachable(""));
  EXPECT_EQ(write(primary_, 4), 4);  // acknowledged by the isolated primary alone
  EXPECT_EQ(write(standby_), 0);
  EXPECT_TRUE(change("primary " + primary_, "primary " + primary_ + " unreachable"));
  auto c = counters();
  EXPECT_EQ(c.primary, 24u);
  EXPECT_EQ(c.standby, 20u);
  advance(15 * kSecond);
  EXPECT_EQ(status(), "rebooting");
  EXPECT_FALSE(reachable(primary_));
  advance(65 * kSecond);
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(field("AvailabilityZone"), standby_);
  EXPECT_TRUE(reachable(standby_));
  EXPECT_TRUE(reachable(""));
  EXPECT_FALSE(reachable(primary_));  // still partitioned from the new primary
  EXPECT_EQ(messages_from(kStarted).back(),
            "The primary host of the RDS Multi-AZ instance is unreachable due to loss of network "
            "connectivity.");
  // Lost writes are the counted difference: old primary's count minus the new primary's.
  c = counters();
  EXPECT_EQ(c.primary, 20u);
  EXPECT_EQ(c.lost, 24u - 20u);
  EXPECT_EQ(c.standby_state, "lost");
  restore(primary_);  // instant profile: rebuilt at once
  c = counters();
  EXPECT_EQ(c.standby_state, "in-sync");
  EXPECT_EQ(c.standby, c.primary);
}

TEST_F(RdsSimTest, PartitionHealedBeforeDetectionIsNoFailoverButTheStandbyIsResynced) {
  start("instant");
  EXPECT_EQ(write(primary_, 5), 5);
  auto r = control("POST", "/_zonesim/zones/" + primary_ + "/fail",
                   R"({"kind":"network","duration_seconds":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(write(primary_, 2), 2);
  advance(2 * kMinute);
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(field("AvailabilityZone"), primary_);
  EXPECT_FALSE(event_time(kStarted).has_value());
  EXPECT_TRUE(change("primary " + primary_ + " unreachable", "primary " + primary_));
  // The standby missed two writes: it was rebuilt (at once under the instant profile).
  EXPECT_TRUE(change("standby " + standby_ + " in-sync", "standby " + standby_ + " lost"));
  auto c = counters();
  EXPECT_EQ(c.standby_state, "in-sync");
  EXPECT_EQ(c.primary, 7u);
  EXPECT_EQ(c.standby, 7u);
  EXPECT_EQ(c.lost, 0u);
}

TEST_F(RdsSimTest, PowerBlipShorterThanDetectionStillFailsOver) {
  start("instant");
  auto r = control("POST", "/_zonesim/zones/" + primary_ + "/fail",
                   R"({"kind":"power","duration_seconds":2})");
  ASSERT_EQ(r.status, 200) << r.body;
  advance(2 * kMinute);  // the engine crashed with the power: RDS fails over anyway
  EXPECT_EQ(field("AvailabilityZone"), standby_);
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(counters().standby_state, "in-sync");  // the old primary's zone is back: rebuilt
}

TEST_F(RdsSimTest, FailoverInterruptsAModificationWhichResumesAfterIt) {
  start("realistic");
  auto r = rds("ModifyDBInstance", std::string("DBInstanceIdentifier=") + kDb +
                                       "&DBInstanceClass=db.t3.small&ApplyImmediately=true");
  ASSERT_EQ(r.status, 200) << r.body;
  advance(kMinute);
  EXPECT_EQ(status(), "modifying");
  fail(primary_, "power");
  advance(15 * kSecond);
  EXPECT_EQ(status(), "rebooting");
  EXPECT_FALSE(reachable(standby_));
  advance(65 * kSecond);
  EXPECT_EQ(status(), "modifying");  // the class change goes on after the failover
  EXPECT_TRUE(reachable(standby_));
  advance(8 * kMinute);
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(field("DBInstanceClass"), "db.t3.small");
}

TEST_F(RdsSimTest, InstanceStartedWhileItsPrimarysZoneIsDarkFailsOverOnceRunning) {
  start("instant");
  ASSERT_EQ(rds("StopDBInstance", std::string("DBInstanceIdentifier=") + kDb).status, 200);
  fail(primary_, "power");
  advance(5 * kMinute);
  EXPECT_EQ(status(), "stopped");  // nothing runs: nothing to fail over
  ASSERT_EQ(rds("StartDBInstance", std::string("DBInstanceIdentifier=") + kDb).status, 200);
  EXPECT_EQ(status(), "available");
  EXPECT_FALSE(reachable(standby_));
  advance(15 * kSecond + 65 * kSecond);
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(field("AvailabilityZone"), standby_);
  EXPECT_TRUE(reachable(standby_));
}

// ---- the standby's zone ----

TEST_F(RdsSimTest, StandbyZoneLossLeavesThePrimaryServingAndTheStandbyIsRebuiltAfterRestore) {
  start("realistic");
  EXPECT_EQ(write(primary_, 10), 10);
  fail(standby_, "power");
  EXPECT_TRUE(change("standby " + standby_ + " in-sync", "standby " + standby_ + " lost"));
  advance(5 * kMinute);
  EXPECT_EQ(status(), "available");
  EXPECT_EQ(field("AvailabilityZone"), primary_);
  EXPECT_TRUE(reachable(primary_));
  EXPECT_TRUE(reachable(""));
  EXPECT_FALSE(reachable(standby_));  // clients in the dark zone
  EXPECT_EQ(write(primary_, 25), 25);
  auto c = counters();
  EXPECT_EQ(c.primary, 35u);
  EXPECT_EQ(c.standby, 10u);
  EXPECT_EQ(c.standby_state, "lost");
  EXPECT_FALSE(event_time(kStarted).has_value());

  // No failover to a lost standby.
  auto r =
      rds("RebootDBInstance", std::string("DBInstanceIdentifier=") + kDb + "&ForceFailover=true");
  EXPECT_EQ(error_code(r), "InvalidDBInstanceState");

  restore(standby_);
  const sim::Millis restored = now();
  EXPECT_EQ(counters().standby_state, "rebuilding");
  EXPECT_EQ(write(primary_, 5), 5);
  EXPECT_EQ(counters().standby, 10u);
  advance(20 * kMinute);
  c = counters();
  EXPECT_EQ(c.standby_state, "in-sync");
  EXPECT_EQ(c.primary, 40u);
  EXPECT_EQ(c.standby, 40u);
  auto began = event_time("Recovery of standby DB instance has started.");
  auto done = event_time("Recovery of standby DB instance has completed.");
  ASSERT_TRUE(began && done);
  EXPECT_EQ(*began, restored);
  EXPECT_GE(*done - *began, 10 * kMinute);  // rds.standby_rebuild (realistic)
  EXPECT_LE(*done - *began, 20 * kMinute);
  EXPECT_TRUE(change("standby " + standby_ + " lost", "standby " + standby_ + " rebuilding"));
  EXPECT_TRUE(change("standby " + standby_ + " rebuilding", "standby " + standby_ + " in-sync"));
}

TEST_F(RdsSimTest, PrimaryLossAfterStandbyLossWaitsForThePrimarysZoneAndCountsTheLoss) {
  start("instant");
  fail(standby_, "power");
  EXPECT_EQ(write(primary_, 30), 30);
  const auto before = counters();
  EXPECT_EQ(before.standby, 0u);
  fail(primary_, "power");
  advance(15 * kSecond);
  // Nothing to fail over to: RDS recovers in place once the zone returns.
  EXPECT_EQ(status(), "rebooting");
  EXPECT_TRUE(
      event_time("Recovery of the DB instance has started. Recovery time will vary with "
                 "the amount of data to be recovered."));
  EXPECT_FALSE(event_time(kStarted).has_value());
  restore(standby_);  // the stale standby is not promoted
  advance(10 * kMinute);
  EXPECT_EQ(status(), "rebooting");
  EXPECT_EQ(field("AvailabilityZone"), primary_);
  EXPECT_FALSE(reachable(standby_));
  EXPECT_FALSE(reachable(""));
  restore(primary_);
  EXPECT_EQ(status(), "available");
  EXPECT_TRUE(reachable(standby_));
  const auto after = counters();
  // Lost = the old primary's count minus the (new) primary's: counted, here none.
  EXPECT_EQ(before.primary - after.primary, after.lost);
  EXPECT_EQ(after.lost, 0u);
  EXPECT_EQ(after.primary, 30u);
  EXPECT_EQ(after.standby_state, "in-sync");  // rebuilt once the primary was back
  EXPECT_EQ(after.standby, 30u);
}

// ---- Single-AZ ----

TEST_F(RdsSimTest, SingleAzInstanceIsDownUntilItsZoneReturnsAndKeepsItsData) {
  start("realistic", false);
  const std::string other = primary_ == kA ? kB : kA;
  EXPECT_EQ(write(other, 20), 20);
  fail(primary_, "power");
  EXPECT_FALSE(reachable(other));
  advance(15 * kSecond);
  EXPECT_EQ(status(), "rebooting");
  EXPECT_EQ(events().back().message,
            "Recovery of the DB instance has started. Recovery time will vary with the amount of "
            "data to be recovered.");
  advance(60 * kMinute);
  EXPECT_EQ(status(), "rebooting");
  EXPECT_FALSE(reachable(other));
  EXPECT_EQ(field("AvailabilityZone"), primary_);
  restore(primary_);
  EXPECT_FALSE(reachable(other));  // restarting (rds.reboot)
  advance(90 * kSecond);
  EXPECT_EQ(status(), "available");
  EXPECT_TRUE(reachable(other));
  EXPECT_EQ(messages_from("DB instance restarted"),
            (std::vector<std::string>{"DB instance restarted",
                                      "Recovery of the DB instance is complete."}));
  auto c = counters();
  EXPECT_EQ(c.primary, 20u);  // zonal storage survived
  EXPECT_EQ(c.lost, 0u);
  EXPECT_FALSE(c.multi_az);
  EXPECT_TRUE(change("primary " + primary_ + " down", "primary " + primary_));
}

TEST_F(RdsSimTest, SingleAzInstanceCutOffByAPartitionServesOnlyItsZone) {
  start("instant", false);
  const std::string other = primary_ == kA ? kB : kA;
  fail(primary_, "network");
  advance(5 * kMinute);
  EXPECT_EQ(status(), "available");
  EXPECT_TRUE(reachable(primary_));
  EXPECT_FALSE(reachable(other));
  EXPECT_FALSE(reachable(""));
  restore(primary_);
  EXPECT_TRUE(reachable(other));
}

// ---- reachability ----

TEST_F(RdsSimTest, ReachabilityFollowsZonesStatusAndTheEndpoint) {
  start("instant");
  const std::string address = endpoint_.substr(0, endpoint_.find(':'));
  EXPECT_TRUE(reachable(standby_));
  EXPECT_TRUE(reachable(standby_, address));
  std::string upper = address;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(reachable(standby_, upper));
  EXPECT_FALSE(reachable(standby_, address + ":3307"));
  EXPECT_FALSE(reachable(standby_, "other-db" + address.substr(address.find('.'))));
  EXPECT_FALSE(reachable(standby_, "localhost"));
  EXPECT_FALSE(reachable(standby_, address + ":port"));
  // A partitioned zone reaches nothing outside it; the rest of the region is unaffected.
  fail(standby_, "network");
  EXPECT_FALSE(reachable(standby_));
  EXPECT_TRUE(reachable(primary_));
  EXPECT_TRUE(reachable(""));
  EXPECT_EQ(counters().standby_state, "lost");
  restore(standby_);
  EXPECT_TRUE(reachable(standby_));
  // Degraded zones add latency; the database stays reachable.
  ASSERT_EQ(control("POST", "/_zonesim/zones/" + standby_ + "/fail",
                    R"({"kind":"degraded","latency_ms":50,"loss_rate":0.1})")
                .status,
            200);
  EXPECT_TRUE(reachable(standby_));
  EXPECT_EQ(counters().standby_state, "in-sync");
  // Not while stopped.
  ASSERT_EQ(rds("StopDBInstance", std::string("DBInstanceIdentifier=") + kDb).status, 200);
  EXPECT_FALSE(reachable(primary_));
  EXPECT_EQ(write(primary_), 0);
}

// ---- determinism ----

TEST_F(RdsSimTest, SameSeedSameEventsAndTimeline) {
  auto run = [&](std::uint64_t seed) {
    start("realistic", true, seed);
    write(primary_, 10);
    fail(primary_, "power");
    advance(3 * kMinute);
    restore(primary_);
    advance(30 * kMinute);
    fail(primary_ == kA ? kB : kA, "network");
    advance(3 * kMinute);
    restore(primary_ == kA ? kB : kA);
    advance(30 * kMinute);
    std::string out = timeline("").dump();
    for (auto& e : events()) out += "\n" + std::to_string(e.at) + " " + e.message;
    return out;
  };
  const std::string first = run(11), second = run(11), other = run(12);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other);  // the draws (detection, failover, rebuild) do depend on the seed
  EXPECT_NE(first.find(kCompleted), std::string::npos);
}

}  // namespace
}  // namespace zonesim::testing
