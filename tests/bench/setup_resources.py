#!/usr/bin/env python3
"""Creates the resources the API benchmark reads, through botocore, on one endpoint (zonesim or
moto_server), and prints their ids as JSON: a VPC with two subnets and a security group, an ip
target group with four registered targets, an ECS cluster with a Fargate service.

Usage: setup_resources.py ENDPOINT
"""
import json
import sys

import botocore.session

endpoint = sys.argv[1]
session = botocore.session.get_session()


def client(name):
    return session.create_client(name, region_name="eu-central-1", endpoint_url=endpoint,
                                 aws_access_key_id="test", aws_secret_access_key="test")


ec2, elbv2, ecs = client("ec2"), client("elbv2"), client("ecs")
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
           for cidr, az in (("10.0.1.0/24", "eu-central-1a"), ("10.0.2.0/24", "eu-central-1b"))]
sg = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "bench"}])

tg = elbv2.create_target_group(Name="bench-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                               TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": f"10.0.1.{i}", "Port": 80}
                                                   for i in range(10, 14)])

cluster = ecs.create_cluster(clusterName="bench")["cluster"]["clusterArn"]
ecs.register_task_definition(
    family="bench", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
    memory="512", containerDefinitions=[{"name": "app", "image": "nginx", "essential": True,
                                         "portMappings": [{"containerPort": 80}]}])
ecs.create_service(cluster="bench", serviceName="bench-svc", taskDefinition="bench",
                   desiredCount=2, launchType="FARGATE",
                   networkConfiguration={"awsvpcConfiguration": {
                       "subnets": subnets, "securityGroups": [sg], "assignPublicIp": "DISABLED"}})

print(json.dumps({"vpc": vpc, "target_group": tg, "cluster": cluster, "service": "bench-svc"}))
