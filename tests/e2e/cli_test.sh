#!/usr/bin/env bash
# End-to-end through a real zonesim process: the AWS CLI unchanged, raw HTTP for malformed input.
# Usage: cli_test.sh ZONESIM_BINARY
set -uo pipefail
zonesim=${1:?usage: cli_test.sh ZONESIM}
command -v aws >/dev/null || { echo "FAIL: the aws CLI is required (tools/install-deps.sh installs it)"; exit 1; }
work=$(mktemp -d)
"$zonesim" serve --port 0 --state "$work/state.db" >"$work/out" 2>"$work/err" &
zpid=$!
trap 'kill $zpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" && break; sleep 0.05; done
endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n 1)
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
expect_eq() { [[ $2 == "$3" ]] && ok "$1" || ko "$1" "expected '$3', got '$2'"; }
# expect_error NAME CODE COMMAND...: the CLI fails with that AWS error code
expect_error() {
  local name=$1 code=$2; shift 2
  local out
  if out=$("$@" 2>&1); then ko "$name" "succeeded, expected $code"; return; fi
  [[ $out == *"($code)"* ]] && ok "$name" || ko "$name" "expected ($code), got: $out"
}
# raw NAME EXPECTED_STATUS EXPECTED_BODY_SUBSTRING CURL_ARGS...
raw() {
  local name=$1 status=$2 needle=$3; shift 3
  local body code
  body=$(curl -s -o "$work/body" -w '%{http_code}' "$@" "$endpoint/")
  code=$body
  body=$(cat "$work/body")
  if [[ $code == "$status" && $body == *"$needle"* ]]; then ok "$name"; else ko "$name" "status $code body $body"; fi
}
auth() { echo "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/$1/aws4_request, SignedHeaders=host, Signature=0"; }

expect_eq "sts get-caller-identity" "$(aws sts get-caller-identity --query Account --output text)" 123456789012
vpc=$(aws ec2 create-vpc --cidr-block 10.0.0.0/16 --query Vpc.VpcId --output text)
[[ $vpc == vpc-* ]] && ok "create-vpc ($vpc)" || ko "create-vpc" "$vpc"
expect_eq "describe-vpcs" "$(aws ec2 describe-vpcs --query 'Vpcs[0].CidrBlock' --output text)" 10.0.0.0/16
expect_error "create-subnet outside the VPC" InvalidSubnet.Range \
  aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.1.0.0/24
subnet=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.1.0/24 --availability-zone eu-central-1a --query Subnet.SubnetId --output text)
[[ $subnet == subnet-* ]] && ok "create-subnet" || ko "create-subnet" "$subnet"
expect_error "delete-vpc with a subnet" DependencyViolation aws ec2 delete-vpc --vpc-id "$vpc"
expect_error "describe an unknown vpc" InvalidVpcID.NotFound aws ec2 describe-vpcs --vpc-ids vpc-0123456789abcdef0
raw "unknown Action" 400 "<Code>InvalidAction</Code>" \
  -H "$(auth ec2)" -H 'Content-Type: application/x-www-form-urlencoded' --data 'Action=FlyToTheMoon&Version=2016-11-15'
raw "body not form-encoded" 400 "<Code>MissingAction</Code>" \
  -H "$(auth ec2)" -H 'Content-Type: application/json' --data '{"Action":"DescribeVpcs"}'
raw "malformed JSON" 400 '"__type":"SerializationException"' \
  -H "$(auth logs)" -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: Logs_20140328.DescribeLogGroups' --data '{"logGroupNamePrefix":'
raw "no Authorization" 403 "MissingAuthenticationToken" \
  -H 'Content-Type: application/x-www-form-urlencoded' --data 'Action=DescribeVpcs&Version=2016-11-15'
raw "oversized body" 413 "" -H "$(auth ec2)" -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-binary @<(head -c 17000000 /dev/zero | tr '\0' a)
# Persistence: restart on the same state file and find the VPC again.
kill -TERM $zpid; wait $zpid 2>/dev/null
"$zonesim" serve --port 0 --state "$work/state.db" >"$work/out" 2>"$work/err" &
zpid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" && break; sleep 0.05; done
export AWS_ENDPOINT_URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n 1)
endpoint=$AWS_ENDPOINT_URL
expect_eq "state survives a restart" "$(aws ec2 describe-vpcs --vpc-ids "$vpc" --query 'Vpcs[0].VpcId' --output text)" "$vpc"
# ... and a kill -9 right after a create.
sg=$(aws ec2 create-security-group --group-name web --description web --vpc-id "$vpc" --query GroupId --output text)
kill -KILL $zpid; wait $zpid 2>/dev/null
"$zonesim" serve --port 0 --state "$work/state.db" >"$work/out" 2>"$work/err" &
zpid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" && break; sleep 0.05; done
export AWS_ENDPOINT_URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n 1)
expect_eq "state survives kill -9" "$(aws ec2 describe-security-groups --group-ids "$sg" --query 'SecurityGroups[0].GroupName' --output text)" web
expect_eq "sqlite integrity" "$(sqlite3 "$work/state.db" 'PRAGMA integrity_check')" ok
echo "$passed passed, $failed failed"
((failed == 0))
