// What EC2 says about the region and the account: availability zones (the configured ones),
// regions, account attributes.
#include <algorithm>

#include "emulator/sim/zones.hpp"
#include "services/ec2/common.hpp"
#include "services/ec2/describe.hpp"
#include "services/ec2/network.hpp"

namespace zonesim::ec2 {

namespace {

// Regions enabled in every account, then the opt-in ones (listed only with AllRegions).
constexpr const char* kRegions[] = {
    "ap-south-1",     "eu-north-1",     "eu-west-3",      "eu-west-2",    "eu-west-1",
    "ap-northeast-3", "ap-northeast-2", "ap-northeast-1", "ca-central-1", "sa-east-1",
    "ap-southeast-1", "ap-southeast-2", "eu-central-1",   "us-east-1",    "us-east-2",
    "us-west-1",      "us-west-2"};
constexpr const char* kOptInRegions[] = {
    "af-south-1",     "ap-east-1",      "ap-south-2",   "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-7", "ca-west-1",    "eu-central-2",   "eu-south-1",
    "eu-south-2",     "il-central-1",   "me-central-1", "me-south-1",     "mx-central-1"};

json zone_doc(const Call& call, const std::string& zone) {
  // A simulated fault shows the way AWS reports zone trouble: a state and a message.
  std::string fault = sim::zone_state(call.env, zone);
  json messages = json::array();
  if (fault != "up")
    messages.push_back({{"Message", "zonesim fault: " + fault +
                                        (fault == "power"     ? " loss"
                                         : fault == "network" ? " partition"
                                                              : " network")}});
  return {{"ZoneName", zone},
          {"ZoneId", zone_id(zone)},
          {"State", fault == "up"      ? "available"
                    : fault == "power" ? "unavailable"
                                       : "impaired"},
          {"RegionName", call.region},
          {"ZoneType", "availability-zone"},
          {"GroupName", call.region},
          {"NetworkBorderGroup", call.region},
          {"OptInStatus", "opt-in-not-required"},
          {"Messages", messages}};
}

json describe_availability_zones(Call& call) {
  static const Filters f = Filters()
                               .add("zone-name", "ZoneName")
                               .add("zone-id", "ZoneId")
                               .add("state", "State")
                               .add("region-name", "RegionName")
                               .add("zone-type", "ZoneType")
                               .add("group-name", "GroupName")
                               .add("network-border-group", "NetworkBorderGroup")
                               .add("opt-in-status", "OptInStatus")
                               .add("message", "Messages[].Message");
  const json& in = call.input;
  const json no_filters = json::array();
  const json& fs = in.contains("Filters") ? in["Filters"] : no_filters;
  f.validate(fs);
  std::vector<json> zones;
  for (auto& z : zones_for(call)) zones.push_back(zone_doc(call, z));
  auto named = [&](const char* member, const char* key, const char* what) {
    for (auto& v : in.value(member, json::array()))
      if (std::none_of(zones.begin(), zones.end(), [&](const json& z) { return z[key] == v; }))
        invalid_parameter(std::string("Invalid ") + what + ": [" + v.get<std::string>() + "]");
  };
  named("ZoneNames", "ZoneName", "availability zone");
  named("ZoneIds", "ZoneId", "availability zone id");
  json out = json::array();
  for (auto& z : zones) {
    auto listed = [&](const char* member, const char* key) {
      const json& l = in.value(member, json::array());
      return l.empty() || std::find(l.begin(), l.end(), z[key]) != l.end();
    };
    if (listed("ZoneNames", "ZoneName") && listed("ZoneIds", "ZoneId") && f.match(z, fs))
      out.push_back(z);
  }
  return {{"AvailabilityZones", std::move(out)}};
}

json describe_regions(Call& call) {
  static const Filters f = Filters()
                               .add("endpoint", "Endpoint")
                               .add("opt-in-status", "OptInStatus")
                               .add("region-name", "RegionName");
  const json& in = call.input;
  const json no_filters = json::array();
  const json& fs = in.contains("Filters") ? in["Filters"] : no_filters;
  f.validate(fs);
  std::vector<json> regions;
  auto region = [&](const std::string& name, const char* status) {
    regions.push_back({{"RegionName", name},
                       {"Endpoint", "ec2." + name + ".amazonaws.com"},
                       {"OptInStatus", status}});
  };
  bool all = in.value("AllRegions", false);
  for (const char* r : kRegions) region(r, "opt-in-not-required");
  for (const char* r : kOptInRegions)
    if (all || call.region == r) region(r, call.region == r ? "opted-in" : "not-opted-in");
  if (std::none_of(regions.begin(), regions.end(),
                   [&](const json& r) { return r["RegionName"] == call.region; }))
    region(call.region, "opt-in-not-required");
  for (auto& v : in.value("RegionNames", json::array()))
    if (std::none_of(regions.begin(), regions.end(),
                     [&](const json& r) { return r["RegionName"] == v; }))
      invalid_parameter("Invalid region: " + v.get<std::string>());
  json out = json::array();
  const json& names = in.value("RegionNames", json::array());
  for (auto& r : regions)
    if ((names.empty() || std::find(names.begin(), names.end(), r["RegionName"]) != names.end()) &&
        f.match(r, fs))
      out.push_back(r);
  return {{"Regions", std::move(out)}};
}

json describe_account_attributes(Call& call) {
  // zonesim creates no default VPC.
  static const std::pair<const char*, std::vector<const char*>> kAttributes[] = {
      {"supported-platforms", {"VPC"}}, {"vpc-max-security-groups-per-interface", {"5"}},
      {"max-elastic-ips", {"5"}},       {"max-instances", {"20"}},
      {"vpc-max-elastic-ips", {"5"}},   {"default-vpc", {"none"}},
  };
  const json& names = call.input.value("AttributeNames", json::array());
  json out = json::array();
  for (auto& [name, values] : kAttributes) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
    json vs = json::array();
    for (const char* v : values) vs.push_back({{"AttributeValue", v}});
    out.push_back({{"AttributeName", name}, {"AttributeValues", std::move(vs)}});
  }
  return {{"AccountAttributes", std::move(out)}};
}

}  // namespace

void register_region(Registry& r) {
  add(r, "DescribeAvailabilityZones", describe_availability_zones);
  add(r, "DescribeRegions", describe_regions);
  add(r, "DescribeAccountAttributes", describe_account_attributes);
}

}  // namespace zonesim::ec2
