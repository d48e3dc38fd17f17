// DescribeNetworkInterfaces: the interfaces other services create through network.hpp (task ENIs,
// load balancer nodes, database instances).
#include "services/ec2/common.hpp"
#include "services/ec2/describe.hpp"

namespace zonesim::ec2 {

namespace {

json describe_network_interfaces(Call& call) {
  static const Filters f =
      Filters("TagSet")
          .add("network-interface-id", "NetworkInterfaceId")
          .add("subnet-id", "SubnetId")
          .add("vpc-id", "VpcId")
          .add("availability-zone", "AvailabilityZone")
          .add("availability-zone-id", "AvailabilityZoneId")
          .add("description", "Description")
          .add("group-id", "Groups[].GroupId")
          .add("group-name", "Groups[].GroupName")
          .add("interface-type", "InterfaceType")
          .add("mac-address", "MacAddress")
          .add("owner-id", "OwnerId")
          .add("requester-id", "RequesterId")
          .add("requester-managed", "RequesterManaged")
          .add("source-dest-check", "SourceDestCheck")
          .add("status", "Status")
          .add("private-ip-address", "PrivateIpAddresses[].PrivateIpAddress")
          .add("addresses.private-ip-address", "PrivateIpAddresses[].PrivateIpAddress")
          .add("addresses.primary", "PrivateIpAddresses[].Primary")
          .add("private-dns-name", "PrivateDnsName")
          .add("attachment.attachment-id", "Attachment.AttachmentId")
          .add("attachment.instance-id", "Attachment.InstanceId")
          .add("attachment.instance-owner-id", "Attachment.InstanceOwnerId")
          .add("attachment.device-index", "Attachment.DeviceIndex")
          .add("attachment.status", "Attachment.Status")
          .add("attachment.delete-on-termination", "Attachment.DeleteOnTermination");
  return listing_output("NetworkInterfaces",
                        describe(call, kNetworkInterface, "NetworkInterfaceIds", f));
}

}  // namespace

void register_network_interface(Registry& r) {
  add(r, "DescribeNetworkInterfaces", describe_network_interfaces);
}

}  // namespace zonesim::ec2
