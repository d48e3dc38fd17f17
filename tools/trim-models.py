#!/usr/bin/env python3
"""Regenerate emulator/models/*.json from botocore's service models.

Keeps only the operations zonesim serves (OPERATIONS below) and the shapes they reach, drops
documentation strings, and records the names of every other operation of the service (so an
unserved call answers "not implemented" with its name instead of "unknown action").

Usage: tools/trim-models.py [--botocore DIR] [--out emulator/models]
botocore's models are Apache-2.0; emulator/models/NOTICE carries the attribution.
"""
import argparse, gzip, json, os, sys

SERVICES = {
    # zonesim name: (botocore dir, api version)
    "ec2": ("ec2", "2016-11-15"),
    "elbv2": ("elbv2", "2015-12-01"),
    "ecs": ("ecs", "2014-11-13"),
    "rds": ("rds", "2014-10-31"),
    "iam": ("iam", "2010-05-08"),
    "logs": ("logs", "2014-03-28"),
    "sts": ("sts", "2011-06-15"),
}

OPERATIONS = {
    "ec2": """CreateVpc DeleteVpc DescribeVpcs DescribeVpcAttribute ModifyVpcAttribute
        CreateSubnet DeleteSubnet DescribeSubnets ModifySubnetAttribute
        CreateInternetGateway DeleteInternetGateway DescribeInternetGateways AttachInternetGateway DetachInternetGateway
        CreateRouteTable DeleteRouteTable DescribeRouteTables CreateRoute DeleteRoute ReplaceRoute
        AssociateRouteTable DisassociateRouteTable ReplaceRouteTableAssociation
        CreateSecurityGroup DeleteSecurityGroup DescribeSecurityGroups DescribeSecurityGroupRules
        AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress RevokeSecurityGroupEgress
        DescribeNetworkAcls DescribeAvailabilityZones DescribeAccountAttributes DescribeNetworkInterfaces
        DescribeRegions CreateTags DeleteTags DescribeTags""",
    "elbv2": """CreateLoadBalancer DeleteLoadBalancer DescribeLoadBalancers DescribeLoadBalancerAttributes
        ModifyLoadBalancerAttributes SetSecurityGroups SetSubnets SetIpAddressType
        DescribeCapacityReservation ModifyCapacityReservation
        CreateTargetGroup DeleteTargetGroup DescribeTargetGroups ModifyTargetGroup
        DescribeTargetGroupAttributes ModifyTargetGroupAttributes
        CreateListener DeleteListener DescribeListeners ModifyListener DescribeListenerAttributes ModifyListenerAttributes
        CreateRule DeleteRule DescribeRules ModifyRule SetRulePriorities
        RegisterTargets DeregisterTargets DescribeTargetHealth AddTags RemoveTags DescribeTags""",
    "ecs": """CreateCluster DeleteCluster DescribeClusters ListClusters UpdateCluster UpdateClusterSettings
        PutClusterCapacityProviders RegisterTaskDefinition DeregisterTaskDefinition DescribeTaskDefinition
        ListTaskDefinitions ListTaskDefinitionFamilies CreateService UpdateService DeleteService DescribeServices
        ListServices RunTask StartTask StopTask DescribeTasks ListTasks TagResource UntagResource ListTagsForResource""",
    "rds": """CreateDBSubnetGroup DeleteDBSubnetGroup DescribeDBSubnetGroups ModifyDBSubnetGroup
        CreateDBInstance DeleteDBInstance DescribeDBInstances ModifyDBInstance RebootDBInstance
        StartDBInstance StopDBInstance DescribeDBParameterGroups DescribeOptionGroups DescribeDBEngineVersions
        DescribeOrderableDBInstanceOptions DescribeEvents DescribeDBSnapshots
        AddTagsToResource RemoveTagsFromResource ListTagsForResource""",
    "iam": """CreateRole GetRole UpdateRole UpdateRoleDescription UpdateAssumeRolePolicy DeleteRole ListRoles
        TagRole UntagRole ListRoleTags PutRolePolicy GetRolePolicy DeleteRolePolicy ListRolePolicies
        CreatePolicy GetPolicy DeletePolicy ListPolicies GetPolicyVersion ListPolicyVersions CreatePolicyVersion
        DeletePolicyVersion SetDefaultPolicyVersion TagPolicy UntagPolicy ListPolicyTags
        AttachRolePolicy DetachRolePolicy ListAttachedRolePolicies ListEntitiesForPolicy
        ListInstanceProfilesForRole ListInstanceProfiles PutRolePermissionsBoundary DeleteRolePermissionsBoundary""",
    "logs": """CreateLogGroup DeleteLogGroup DescribeLogGroups PutRetentionPolicy DeleteRetentionPolicy
        TagResource UntagResource ListTagsForResource TagLogGroup UntagLogGroup ListTagsLogGroup
        CreateLogStream DeleteLogStream DescribeLogStreams PutLogEvents GetLogEvents FilterLogEvents""",
    "sts": """GetCallerIdentity""",
}

DROP_KEYS = {"documentation", "documentationUrl", "examples", "deprecatedMessage", "endpointdiscovery",
             "endpointoperation", "httpChecksum", "requestcompression", "staticContextParams",
             "contextParam", "operationContextParams", "authtype", "auth", "unsignedPayload"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP_KEYS}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def reach(shapes, name, seen):
    if name in seen:
        return
    seen.add(name)
    s = shapes[name]
    for m in s.get("members", {}).values():
        reach(shapes, m["shape"], seen)
    for k in ("member", "key", "value"):
        if k in s:
            reach(shapes, s[k]["shape"], seen)


def trim(model, ops):
    shapes = model["shapes"]
    missing = [o for o in ops if o not in model["operations"]]
    if missing:
        sys.exit(f"operations not in model: {missing}")
    keep_ops, seen = {}, set()
    for o in ops:
        op = model["operations"][o]
        keep_ops[o] = op
        for k in ("input", "output"):
            if k in op:
                reach(shapes, op[k]["shape"], seen)
        for e in op.get("errors", []):
            reach(shapes, e["shape"], seen)
    meta = {k: v for k, v in model["metadata"].items() if k not in ("auth",)}
    out = {
        "metadata": meta,
        "operations": {o: strip(keep_ops[o]) for o in sorted(keep_ops)},
        "shapes": {n: strip(shapes[n]) for n in sorted(seen)},
        "unservedOperations": sorted(o for o in model["operations"] if o not in keep_ops),
    }
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--botocore", help="botocore package directory (default: the installed one)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "emulator", "models"))
    a = ap.parse_args()
    root = a.botocore
    if not root:
        import botocore
        root = os.path.dirname(botocore.__file__)
    version = "unknown"
    try:
        import botocore
        version = botocore.__version__
    except ImportError:
        pass
    for name, (d, api) in SERVICES.items():
        path = os.path.join(root, "data", d, api, "service-2.json")
        opener = open if os.path.exists(path) else gzip.open
        path = path if os.path.exists(path) else path + ".gz"
        with opener(path, "rt") as f:
            model = json.load(f)
        ops = OPERATIONS[name].split()
        out = trim(model, ops)
        out["metadata"]["zonesimSource"] = f"botocore {version} data/{d}/{api}/service-2.json"
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"{name}: {len(ops)} operations, {len(out['shapes'])} shapes")


if __name__ == "__main__":
    main()
