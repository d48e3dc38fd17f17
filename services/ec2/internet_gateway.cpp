// Internet gateways: create, attach to one VPC, detach, delete, describe.
#include "services/ec2/common.hpp"
#include "services/ec2/describe.hpp"
#include "services/ec2/route_table.hpp"
#include "services/ec2/tags.hpp"

namespace zonesim::ec2 {

namespace {

// AWS reports a VPC attachment as "available" (not the "attached" of the model's enum).
constexpr const char* kAttached = "available";

json create_internet_gateway(Call& call) {
  json tags = tags_from_specifications(call.input, "internet-gateway");
  std::string id = new_id(call, kInternetGateway.prefix);
  json igw = {{"InternetGatewayId", id},
              {"OwnerId", call.account},
              {"Attachments", json::array()},
              {"Tags", std::move(tags)}};
  return {{"InternetGateway",
           presented(call.env.store.put(call.scope(), kInternetGateway.kind, id, igw))}};
}

json attach_internet_gateway(Call& call) {
  std::string id = call.input["InternetGatewayId"].get<std::string>();
  std::string vpc_id = call.input["VpcId"].get<std::string>();
  const json& igw = require(call, kInternetGateway, id);
  require(call, kVpc, vpc_id);
  if (json atts = igw.value("Attachments", json::array()); !atts.empty())
    throw AwsError(
        "Resource.AlreadyAssociated",
        "resource " + id + " is already attached to network " + atts[0].value("VpcId", ""));
  for (auto& [gid, g] : call.env.store.list(call.scope(), kInternetGateway.kind))
    for (auto& a : g->value("Attachments", json::array()))
      if (a.value("VpcId", "") == vpc_id)
        throw AwsError("Resource.AlreadyAssociated",
                       "Network " + vpc_id + " already has an internet gateway attached");
  json& doc = require_mut(call, kInternetGateway, id);
  doc["Attachments"] = json::array({{{"State", kAttached}, {"VpcId", vpc_id}}});
  set_gateway_route_state(call, vpc_id, id, "active");
  return json();
}

json detach_internet_gateway(Call& call) {
  std::string id = call.input["InternetGatewayId"].get<std::string>();
  std::string vpc_id = call.input["VpcId"].get<std::string>();
  const json& igw = require(call, kInternetGateway, id);
  require(call, kVpc, vpc_id);
  bool attached = false;
  for (auto& a : igw.value("Attachments", json::array()))
    if (a.value("VpcId", "") == vpc_id) attached = true;
  if (!attached)
    throw AwsError("Gateway.NotAttached",
                   "resource " + id + " is not attached to network " + vpc_id);
  require_mut(call, kInternetGateway, id)["Attachments"] = json::array();
  set_gateway_route_state(call, vpc_id, id, "blackhole");
  return json();
}

json delete_internet_gateway(Call& call) {
  std::string id = call.input["InternetGatewayId"].get<std::string>();
  const json& igw = require(call, kInternetGateway, id);
  if (!igw.value("Attachments", json::array()).empty())
    throw AwsError("DependencyViolation",
                   "The internetGateway '" + id + "' has dependencies and cannot be deleted.");
  call.env.store.erase(call.scope(), kInternetGateway.kind, id);
  return json();
}

json describe_internet_gateways(Call& call) {
  static const Filters f = Filters()
                               .add("internet-gateway-id", "InternetGatewayId")
                               .add("attachment.state", "Attachments[].State")
                               .add("attachment.vpc-id", "Attachments[].VpcId")
                               .add("owner-id", "OwnerId");
  return listing_output("InternetGateways",
                        describe(call, kInternetGateway, "InternetGatewayIds", f));
}

}  // namespace

void register_internet_gateway(Registry& r) {
  add(r, "CreateInternetGateway", create_internet_gateway);
  add(r, "AttachInternetGateway", attach_internet_gateway);
  add(r, "DetachInternetGateway", detach_internet_gateway);
  add(r, "DeleteInternetGateway", delete_internet_gateway);
  add(r, "DescribeInternetGateways", describe_internet_gateways);
}

}  // namespace zonesim::ec2
