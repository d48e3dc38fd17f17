#include "emulator/sim/clock.hpp"
#include "emulator/sim/rng.hpp"
#include "emulator/sim/zones.hpp"
#include "tests/support/app_fixture.hpp"

using namespace zonesim;
using zonesim::testing::AppTest;

TEST(Clock, RunsEventsInTimeThenSequenceOrder) {
  sim::Clock c(1000);
  std::vector<std::string> ran;
  c.schedule_at(3000, "b", [&] { ran.push_back("b@" + std::to_string(c.now())); });
  c.schedule_at(2000, "a", [&] { ran.push_back("a@" + std::to_string(c.now())); });
  c.schedule_at(3000, "c", [&] {
    ran.push_back("c@" + std::to_string(c.now()));
    c.schedule_in(0, "d", [&] { ran.push_back("d@" + std::to_string(c.now())); });
  });
  auto cancelled = c.schedule_at(2500, "x", [&] { ran.push_back("x"); });
  c.cancel(cancelled);
  EXPECT_EQ(c.advance_to(2999), 1u);
  EXPECT_EQ(c.now(), 2999);
  EXPECT_EQ(c.advance_to(10000), 3u);
  EXPECT_EQ(ran, (std::vector<std::string>{"a@2000", "b@3000", "c@3000", "d@3000"}));
  EXPECT_EQ(c.now(), 10000);
}

TEST(Clock, RunawayLoopsAreStopped) {
  sim::Clock c(0);
  std::function<void()> loop = [&] { c.schedule_in(0, "loop", loop); };
  c.schedule_in(0, "loop", loop);
  EXPECT_THROW(c.advance_to(1, 1000), std::runtime_error);
}

TEST(Rng, SameSeedSameSequenceAndBounds) {
  sim::Rng a(42), b(42), c(43);
  EXPECT_EQ(a.hex(17), b.hex(17));
  EXPECT_NE(a.hex(17), c.hex(17));
  for (int i = 0; i < 1000; ++i) {
    auto v = a.between(-3, 3);
    EXPECT_GE(v, -3);
    EXPECT_LE(v, 3);
  }
  // Pinned values: the sequence must not change between builds or standard libraries.
  sim::Rng p(1);
  EXPECT_EQ(p.next(), 12966619160104079557ULL);
}

class ZonesTest : public AppTest {
 protected:
  zonesim::http::Response control(const std::string& method, const std::string& target,
                                  const std::string& body = "") {
    zonesim::http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    return app_->handle(r);
  }
};

TEST_F(ZonesTest, FailRestoreAndTimeline) {
  auto r = control("POST", "/_zonesim/zones/eu-central-1a/fail",
                   R"({"kind":"network","duration_seconds":90})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sim::zone_state(app_->env(), "eu-central-1a"), "network");
  EXPECT_FALSE(sim::zones_connected(app_->env(), "eu-central-1a", "eu-central-1b"));
  EXPECT_TRUE(sim::zones_connected(app_->env(), "eu-central-1a", "eu-central-1a"));
  r = control("POST", "/_zonesim/clock/advance", R"({"seconds": 89})");
  EXPECT_EQ(sim::zone_state(app_->env(), "eu-central-1a"), "network");
  r = control("POST", "/_zonesim/clock/advance", R"({"seconds": 1})");
  EXPECT_EQ(json::parse(r.body)["events_run"], 1);
  EXPECT_EQ(sim::zone_state(app_->env(), "eu-central-1a"), "up");
  r = control("GET", "/_zonesim/timeline?since_ms=0");
  auto events = json::parse(r.body)["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["to"], "network");
  EXPECT_EQ(events[1]["to"], "up");
  EXPECT_EQ(events[1]["t_ms"].get<std::int64_t>() - events[0]["t_ms"].get<std::int64_t>(), 90000);
}

TEST_F(ZonesTest, PowerLossIsolatesAndBadInputIsRejected) {
  control("POST", "/_zonesim/zones/eu-central-1b/fail", R"({"kind":"power"})");
  EXPECT_FALSE(sim::zone_powered(app_->env(), "eu-central-1b"));
  EXPECT_FALSE(sim::zones_connected(app_->env(), "eu-central-1b", "eu-central-1b"));
  EXPECT_EQ(control("POST", "/_zonesim/zones/eu-central-1z/fail", "{}").status, 404);
  EXPECT_EQ(control("POST", "/_zonesim/zones/eu-central-1a/fail", R"({"kind":"meteor"})").status,
            400);
  EXPECT_EQ(control("POST", "/_zonesim/zones/eu-central-1a/fail", "{nope").status, 400);
  EXPECT_EQ(control("POST", "/_zonesim/clock/advance", R"({"seconds": -1})").status, 400);
  EXPECT_EQ(control("GET", "/_zonesim/../etc/passwd").status, 400);
  EXPECT_EQ(control("GET", "/_zonesim/timeline?since_ms=abc").status, 400);
  EXPECT_EQ(sim::zone_state(app_->env(), "eu-central-1a"),
            "up");  // nothing changed by the bad ones
  EXPECT_EQ(control("POST", "/_zonesim/zones/eu-central-1b/restore").status, 200);
  EXPECT_TRUE(sim::zone_powered(app_->env(), "eu-central-1b"));
  EXPECT_EQ(control("POST", "/_zonesim/reset").status, 200);
  EXPECT_TRUE(json::parse(control("GET", "/_zonesim/timeline").body)["events"].empty());
}

TEST(Timing, BuiltInProfilesHaveTheSameKeys) {
  auto instant = sim::Timing::load("instant");
  auto realistic = sim::Timing::load("realistic");
  sim::Rng rng(7);
  EXPECT_EQ(instant.draw("rds.create", rng), 0);
  auto d = realistic.draw("rds.create", rng);
  EXPECT_GE(d, 600000);
  EXPECT_LE(d, 900000);
  // Failure dynamics are the same in every profile.
  EXPECT_EQ(instant.range("rds.failure.failover"), realistic.range("rds.failure.failover"));
  EXPECT_THROW(instant.range("no.such.key"), std::logic_error);
  EXPECT_THROW(sim::Timing::load("/no/such/profile.json"), std::runtime_error);
}

TEST_F(ZonesTest, DescribeAvailabilityZonesShowsFaults) {
  control("POST", "/_zonesim/zones/eu-central-1a/fail", R"({"kind":"power"})");
  control("POST", "/_zonesim/zones/eu-central-1b/fail", R"({"kind":"network"})");
  auto r = query("ec2", "Action=DescribeAvailabilityZones&Version=2016-11-15");
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1a']/zoneState"), "unavailable") << r.body;
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1b']/zoneState"), "impaired");
  EXPECT_EQ(xpath(r, "//item[zoneName='eu-central-1b']/messageSet/item/message"),
            "zonesim fault: network partition");
}
