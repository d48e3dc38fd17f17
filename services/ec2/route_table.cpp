// Route tables: create (with the local route), routes to gateways and interfaces, subnet and
// gateway associations, the main association, delete, describe.
#include "services/ec2/route_table.hpp"

#include "services/ec2/cidr.hpp"
#include "services/ec2/describe.hpp"
#include "services/ec2/tags.hpp"

namespace zonesim::ec2 {

namespace {

json local_routes(const json& vpc) {
  json routes = json::array();
  for (auto& a : vpc.value("CidrBlockAssociationSet", json::array()))
    routes.push_back({{"DestinationCidrBlock", a.value("CidrBlock", "")},
                      {"GatewayId", "local"},
                      {"Origin", "CreateRouteTable"},
                      {"State", "active"}});
  for (auto& a : vpc.value("Ipv6CidrBlockAssociationSet", json::array()))
    routes.push_back({{"DestinationIpv6CidrBlock", a.value("Ipv6CidrBlock", "")},
                      {"GatewayId", "local"},
                      {"Origin", "CreateRouteTable"},
                      {"State", "active"}});
  return routes;
}

json new_route_table(Call& call, const json& vpc, const std::string& id, json tags) {
  return {{"RouteTableId", id},
          {"VpcId", str(vpc, "VpcId")},
          {"OwnerId", call.account},
          {"Routes", local_routes(vpc)},
          {"Associations", json::array()},
          {"PropagatingVgws", json::array()},
          {"Tags", std::move(tags)}};
}

json associated() {
  return {{"State", "associated"}};
}

json create_route_table(Call& call) {
  const json& in = call.input;
  std::string vpc_id = in["VpcId"].get<std::string>();
  const json& vpc = require(call, kVpc, vpc_id);
  std::string token = in.value("ClientToken", "");
  if (!token.empty())
    for (auto& [id, rt] : call.env.store.list(call.scope(), kRouteTable.kind))
      if (rt->value("_client_token", "") == token) {
        if (str(*rt, "VpcId") != vpc_id)
          throw AwsError(
              "IdempotentParameterMismatch",
              "The client token '" + token + "' has already been used with different parameters.");
        return {{"RouteTable", presented(*rt)}, {"ClientToken", token}};
      }
  json tags = tags_from_specifications(in, "route-table");
  std::string id = new_id(call, kRouteTable.prefix);
  json rt = new_route_table(call, vpc, id, std::move(tags));
  if (!token.empty()) rt["_client_token"] = token;
  json out = {
      {"RouteTable", presented(call.env.store.put(call.scope(), kRouteTable.kind, id, rt))}};
  if (!token.empty()) out["ClientToken"] = token;
  return out;
}

// The destination member a route request names, and its normalized value.
struct Destination {
  const char* member;  // DestinationCidrBlock | DestinationIpv6CidrBlock | DestinationPrefixListId
  std::string value;
};

Destination destination_of(const json& in) {
  std::vector<Destination> given;
  if (in.contains("DestinationCidrBlock")) {
    std::string v = in["DestinationCidrBlock"].get<std::string>();
    auto c = parse_cidr4(v);
    if (!c || !c->canonical())
      invalid_parameter("Value (" + v +
                        ") for parameter destinationCidrBlock is invalid. This is not a valid "
                        "CIDR block.");
    given.push_back({"DestinationCidrBlock", v});
  }
  if (in.contains("DestinationIpv6CidrBlock")) {
    std::string v = in["DestinationIpv6CidrBlock"].get<std::string>();
    auto c = parse_cidr6(v);
    if (!c || !c->canonical())
      invalid_parameter("Value (" + v +
                        ") for parameter destinationIpv6CidrBlock is invalid. This is not a "
                        "valid CIDR block.");
    given.push_back({"DestinationIpv6CidrBlock", c->str()});
  }
  if (in.contains("DestinationPrefixListId"))
    given.push_back({"DestinationPrefixListId", in["DestinationPrefixListId"].get<std::string>()});
  if (given.empty())
    throw AwsError("MissingParameter",
                   "The request must contain the parameter destinationCidrBlock or "
                   "destinationIpv6CidrBlock");
  if (given.size() > 1)
    throw AwsError("InvalidParameterCombination",
                   "Only one of destinationCidrBlock, destinationIpv6CidrBlock and "
                   "destinationPrefixListId may be specified");
  return given[0];
}

// Route targets zonesim has no resources for: naming one is naming something that does not exist.
struct AbsentTarget {
  const char* member;
  const char* code;
  const char* noun;
};
constexpr AbsentTarget kAbsentTargets[] = {
    {"NatGatewayId", "InvalidNatGatewayID.NotFound", "natGateway ID"},
    {"VpcPeeringConnectionId", "InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection ID"},
    {"EgressOnlyInternetGatewayId", "InvalidGatewayID.NotFound", "gateway ID"},
    {"InstanceId", "InvalidInstanceID.NotFound", "instance ID"},
    {"TransitGatewayId", "InvalidTransitGatewayID.NotFound", "transitGateway ID"},
    {"VpcEndpointId", "InvalidVpcEndpointId.NotFound", "vpcEndpoint ID"},
    {"LocalGatewayId", "InvalidLocalGatewayID.NotFound", "localGateway ID"},
    {"CarrierGatewayId", "InvalidCarrierGatewayID.NotFound", "carrierGateway ID"},
    {"CoreNetworkArn", "InvalidCoreNetworkArn.NotFound", "coreNetwork ARN"},
    {"OdbNetworkArn", "InvalidOdbNetworkArn.NotFound", "odbNetwork ARN"},
};

bool within_vpc(const json& vpc, const Destination& d) {
  if (std::string(d.member) == "DestinationCidrBlock") {
    auto c = parse_cidr4(d.value);
    for (auto& a : vpc.value("CidrBlockAssociationSet", json::array()))
      if (auto v = parse_cidr4(a.value("CidrBlock", "")); v && v->contains(*c)) return true;
  } else if (std::string(d.member) == "DestinationIpv6CidrBlock") {
    auto c = parse_cidr6(d.value);
    for (auto& a : vpc.value("Ipv6CidrBlockAssociationSet", json::array()))
      if (auto v = parse_cidr6(a.value("Ipv6CidrBlock", "")); v && v->contains(*c)) return true;
  }
  return false;
}

// The target members of a route for the request's one target, checked against the table's VPC.
json route_target(const Call& call, const json& rt, const Destination& dest) {
  const json& in = call.input;
  std::vector<std::string> given;
  for (const char* m : {"GatewayId", "NetworkInterfaceId"})
    if (in.contains(m)) given.push_back(m);
  for (auto& t : kAbsentTargets)
    if (in.contains(t.member)) given.push_back(t.member);
  if (given.empty())
    throw AwsError("MissingParameter",
                   "The request must contain exactly one of gatewayId, natGatewayId, "
                   "networkInterfaceId, vpcPeeringConnectionId, egressOnlyInternetGatewayId, "
                   "transitGatewayId, localGatewayId, carrierGatewayId, coreNetworkArn or "
                   "instanceId");
  if (given.size() > 1)
    throw AwsError("InvalidParameterCombination",
                   "More than one target specified: " + given[0] + ", " + given[1]);
  const std::string& member = given[0];
  std::string target = in[member].get<std::string>();
  std::string rtb = str(rt, "RouteTableId");
  const json& vpc = require(call, kVpc, str(rt, "VpcId"));
  if (member == "GatewayId") {
    if (target.rfind("igw-", 0) != 0)
      throw AwsError("InvalidGatewayID.NotFound", "The gateway ID '" + target + "' does not exist");
    const json* igw = call.env.store.get(call.scope(), kInternetGateway.kind, target);
    if (!igw)
      throw AwsError("InvalidGatewayID.NotFound", "The gateway ID '" + target + "' does not exist");
    bool attached = false;
    for (auto& a : igw->value("Attachments", json::array()))
      if (a.value("VpcId", "") == str(rt, "VpcId")) attached = true;
    if (!attached)
      invalid_parameter("route table " + rtb + " and network gateway " + target +
                        " belong to different networks");
    if (within_vpc(vpc, dest))
      invalid_parameter("The destination CIDR block " + dest.value +
                        " is equal to or more specific than one of this VPC's CIDR blocks. This "
                        "route can target only an interface or an instance.");
    return {{"GatewayId", target}, {"State", "active"}};
  }
  if (member == "NetworkInterfaceId") {
    const json& eni = require(call, kNetworkInterface, target);
    if (str(eni, "VpcId") != str(rt, "VpcId"))
      invalid_parameter("route table " + rtb + " and interface " + target +
                        " belong to different networks");
    json t = {{"NetworkInterfaceId", target}, {"State", "active"}};
    if (eni.contains("Attachment") && eni["Attachment"].contains("InstanceOwnerId"))
      t["InstanceOwnerId"] = eni["Attachment"]["InstanceOwnerId"];
    return t;
  }
  for (auto& t : kAbsentTargets)
    if (member == t.member)
      throw AwsError(t.code, std::string("The ") + t.noun + " '" + target + "' does not exist");
  throw AwsError("InternalFailure", "unhandled route target " + member, 500, false);
}

json* find_route(json& rt, const Destination& d) {
  for (auto& r : rt["Routes"])
    if (r.value(d.member, "") == d.value) return &r;
  return nullptr;
}

json create_route(Call& call) {
  std::string id = call.input["RouteTableId"].get<std::string>();
  const json& current = require(call, kRouteTable, id);
  Destination d = destination_of(call.input);
  json target = route_target(call, current, d);
  json& rt = require_mut(call, kRouteTable, id);
  if (find_route(rt, d))
    throw AwsError("RouteAlreadyExists", "The route identified by " + d.value + " already exists.");
  json route = {{d.member, d.value}, {"Origin", "CreateRoute"}};
  route.update(target);
  rt["Routes"].push_back(std::move(route));
  return {{"Return", true}};
}

json replace_route(Call& call) {
  std::string id = call.input["RouteTableId"].get<std::string>();
  const json& current = require(call, kRouteTable, id);
  Destination d = destination_of(call.input);
  json& rt = require_mut(call, kRouteTable, id);
  json* route = find_route(rt, d);
  if (!route)
    invalid_parameter("There is no route defined for '" + d.value +
                      "' in the route table. Use CreateRoute instead.");
  if (route->value("GatewayId", "") == "local") {
    if (!call.input.value("LocalTarget", false))
      invalid_parameter("cannot replace local route " + d.value + " in route table " + id +
                        "; only LocalTarget may be specified");
    return json();
  }
  json target = route_target(call, current, d);
  json replaced = {{d.member, d.value}, {"Origin", "CreateRoute"}};
  replaced.update(target);
  *route = std::move(replaced);
  return json();
}

json delete_route(Call& call) {
  std::string id = call.input["RouteTableId"].get<std::string>();
  require(call, kRouteTable, id);
  Destination d = destination_of(call.input);
  json& rt = require_mut(call, kRouteTable, id);
  json* route = find_route(rt, d);
  if (!route)
    throw AwsError("InvalidRoute.NotFound",
                   "There is no route defined for '" + d.value + "' in the route table.");
  if (route->value("GatewayId", "") == "local")
    invalid_parameter("cannot remove local route " + d.value + " in route table " + id);
  json kept = json::array();
  for (auto& r : rt["Routes"])
    if (&r != route) kept.push_back(r);
  rt["Routes"] = std::move(kept);
  return json();
}

// Where an association lives: its route table and index.
struct AssociationRef {
  std::string route_table_id;
  std::size_t index;
};

AssociationRef find_association(const Call& call, const std::string& assoc_id) {
  for (auto& [id, rt] : call.env.store.list(call.scope(), kRouteTable.kind)) {
    const json& assocs = (*rt)["Associations"];
    for (std::size_t i = 0; i < assocs.size(); ++i)
      if (assocs[i].value("RouteTableAssociationId", "") == assoc_id) return {id, i};
  }
  throw AwsError("InvalidAssociationID.NotFound",
                 "The association ID '" + assoc_id + "' does not exist");
}

json associate_route_table(Call& call) {
  const json& in = call.input;
  std::string id = in["RouteTableId"].get<std::string>();
  const json& rt = require(call, kRouteTable, id);
  std::string vpc_id = str(rt, "VpcId");
  bool by_subnet = in.contains("SubnetId"), by_gateway = in.contains("GatewayId");
  if (by_subnet == by_gateway)
    throw AwsError(by_subnet ? "InvalidParameterCombination" : "MissingParameter",
                   "Either subnetId or gatewayId must be specified, but not both");
  const char* member = by_subnet ? "SubnetId" : "GatewayId";
  std::string target = in[member].get<std::string>();
  if (by_subnet) {
    const json& subnet = require(call, kSubnet, target);
    if (str(subnet, "VpcId") != vpc_id)
      invalid_parameter("Route table " + id + " and subnet " + target +
                        " belong to different networks");
  } else {
    const json& igw = require(call, kInternetGateway, target);
    bool attached = false;
    for (auto& a : igw.value("Attachments", json::array()))
      if (a.value("VpcId", "") == vpc_id) attached = true;
    if (!attached)
      invalid_parameter("Route table " + id + " and gateway " + target +
                        " belong to different networks");
  }
  for (auto& [rid, other] : call.env.store.list(call.scope(), kRouteTable.kind))
    for (auto& a : (*other)["Associations"])
      if (a.value(member, "") == target)
        throw AwsError("Resource.AlreadyAssociated", "the specified association for route table " +
                                                         id +
                                                         " conflicts with an existing association");
  std::string assoc_id = new_id(call, "rtbassoc");
  json& doc = require_mut(call, kRouteTable, id);
  doc["Associations"].push_back({{"Main", false},
                                 {"RouteTableAssociationId", assoc_id},
                                 {"RouteTableId", id},
                                 {member, target},
                                 {"AssociationState", associated()}});
  return {{"AssociationId", assoc_id}, {"AssociationState", associated()}};
}

json disassociate_route_table(Call& call) {
  std::string assoc_id = call.input["AssociationId"].get<std::string>();
  AssociationRef ref = find_association(call, assoc_id);
  json& rt = *call.env.store.get_mut(call.scope(), kRouteTable.kind, ref.route_table_id);
  if (rt["Associations"][ref.index].value("Main", false))
    invalid_parameter("cannot disassociate the main route table association " + assoc_id);
  rt["Associations"].erase(ref.index);
  return json();
}

json replace_route_table_association(Call& call) {
  std::string assoc_id = call.input["AssociationId"].get<std::string>();
  std::string new_table = call.input["RouteTableId"].get<std::string>();
  AssociationRef ref = find_association(call, assoc_id);
  const json& target = require(call, kRouteTable, new_table);
  auto& st = call.env.store;
  const json& from = *st.get(call.scope(), kRouteTable.kind, ref.route_table_id);
  if (str(target, "VpcId") != str(from, "VpcId"))
    invalid_parameter("Route table " + new_table + " and association " + assoc_id +
                      " belong to different networks");
  json moved = from["Associations"][ref.index];
  (*st.get_mut(call.scope(), kRouteTable.kind, ref.route_table_id))["Associations"].erase(
      ref.index);
  // The association moves under a new id; a main association stays the main one.
  std::string assoc = new_id(call, "rtbassoc");
  moved["RouteTableAssociationId"] = assoc;
  moved["RouteTableId"] = new_table;
  moved["AssociationState"] = associated();
  (*st.get_mut(call.scope(), kRouteTable.kind, new_table))["Associations"].push_back(moved);
  return {{"NewAssociationId", assoc}, {"AssociationState", associated()}};
}

json delete_route_table(Call& call) {
  std::string id = call.input["RouteTableId"].get<std::string>();
  const json& rt = require(call, kRouteTable, id);
  if (!rt.value("Associations", json::array()).empty())
    throw AwsError("DependencyViolation",
                   "The routeTable '" + id + "' has dependencies and cannot be deleted.");
  call.env.store.erase(call.scope(), kRouteTable.kind, id);
  return json();
}

json describe_route_tables(Call& call) {
  static const Filters f =
      Filters()
          .add("route-table-id", "RouteTableId")
          .add("vpc-id", "VpcId")
          .add("owner-id", "OwnerId")
          .add("association.route-table-association-id", "Associations[].RouteTableAssociationId")
          .add("association.route-table-id", "Associations[].RouteTableId")
          .add("association.subnet-id", "Associations[].SubnetId")
          .add("association.gateway-id", "Associations[].GatewayId")
          .add("association.main", "Associations[].Main")
          .add("association.association-state", "Associations[].AssociationState.State")
          .add("route.destination-cidr-block", "Routes[].DestinationCidrBlock")
          .add("route.destination-ipv6-cidr-block", "Routes[].DestinationIpv6CidrBlock")
          .add("route.destination-prefix-list-id", "Routes[].DestinationPrefixListId")
          .add("route.gateway-id", "Routes[].GatewayId")
          .add("route.egress-only-internet-gateway-id", "Routes[].EgressOnlyInternetGatewayId")
          .add("route.instance-id", "Routes[].InstanceId")
          .add("route.nat-gateway-id", "Routes[].NatGatewayId")
          .add("route.network-interface-id", "Routes[].NetworkInterfaceId")
          .add("route.transit-gateway-id", "Routes[].TransitGatewayId")
          .add("route.vpc-peering-connection-id", "Routes[].VpcPeeringConnectionId")
          .add("route.origin", "Routes[].Origin")
          .add("route.state", "Routes[].State");
  return listing_output("RouteTables", describe(call, kRouteTable, "RouteTableIds", f, 5, 100));
}

}  // namespace

std::string create_main_route_table(Call& call, const json& vpc) {
  std::string id = new_id(call, kRouteTable.prefix);
  json rt = new_route_table(call, vpc, id, json::array());
  rt["Associations"].push_back({{"Main", true},
                                {"RouteTableAssociationId", new_id(call, "rtbassoc")},
                                {"RouteTableId", id},
                                {"AssociationState", associated()}});
  call.env.store.put(call.scope(), kRouteTable.kind, id, std::move(rt));
  return id;
}

std::vector<std::string> non_main_route_tables(const Call& call, const std::string& vpc_id) {
  std::vector<std::string> out;
  for (auto& [id, rt] : call.env.store.list(call.scope(), kRouteTable.kind)) {
    if (str(*rt, "VpcId") != vpc_id) continue;
    bool main = false;
    for (auto& a : rt->value("Associations", json::array()))
      if (a.value("Main", false)) main = true;
    if (!main) out.push_back(id);
  }
  return out;
}

void delete_route_tables_of_vpc(Call& call, const std::string& vpc_id) {
  for (auto& [id, rt] : call.env.store.list(call.scope(), kRouteTable.kind))
    if (str(*rt, "VpcId") == vpc_id) call.env.store.erase(call.scope(), kRouteTable.kind, id);
}

void drop_subnet_associations(Call& call, const std::string& subnet_id) {
  for (auto& [id, rt] : call.env.store.list(call.scope(), kRouteTable.kind)) {
    bool has = false;
    for (auto& a : rt->value("Associations", json::array()))
      if (a.value("SubnetId", "") == subnet_id) has = true;
    if (!has) continue;
    json& doc = *call.env.store.get_mut(call.scope(), kRouteTable.kind, id);
    json kept = json::array();
    for (auto& a : doc["Associations"])
      if (a.value("SubnetId", "") != subnet_id) kept.push_back(a);
    doc["Associations"] = std::move(kept);
  }
}

void set_gateway_route_state(Call& call, const std::string& vpc_id, const std::string& gateway_id,
                             const char* state) {
  for (auto& [id, rt] : call.env.store.list(call.scope(), kRouteTable.kind)) {
    if (str(*rt, "VpcId") != vpc_id) continue;
    bool has = false;
    for (auto& r : rt->value("Routes", json::array()))
      if (r.value("GatewayId", "") == gateway_id) has = true;
    if (!has) continue;
    json& doc = *call.env.store.get_mut(call.scope(), kRouteTable.kind, id);
    for (auto& r : doc["Routes"])
      if (r.value("GatewayId", "") == gateway_id) r["State"] = state;
  }
}

void register_route_table(Registry& r) {
  add(r, "CreateRouteTable", create_route_table);
  add(r, "DescribeRouteTables", describe_route_tables);
  add(r, "CreateRoute", create_route);
  add(r, "ReplaceRoute", replace_route);
  add(r, "DeleteRoute", delete_route);
  add(r, "AssociateRouteTable", associate_route_table);
  add(r, "DisassociateRouteTable", disassociate_route_table);
  add(r, "ReplaceRouteTableAssociation", replace_route_table_association);
  add(r, "DeleteRouteTable", delete_route_table);
}

}  // namespace zonesim::ec2
