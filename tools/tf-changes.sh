#!/usr/bin/env bash
# Terraform change check on the seed stack (issue 3): apply, walk the stack with the AWS CLI,
# then four edits, each of which must plan exactly the expected diff, apply, and plan clean:
#   desired_count 2 -> 3; a new task definition revision; health check interval 30 -> 15;
#   multi_az true -> false (with apply_immediately, else RDS defers it to the maintenance window
#   and the next plan shows it again, as on AWS).
# Usage: tools/tf-changes.sh [ZONESIM_BINARY]. Exit 0 pass, 1 fail, 77 skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
zonesim=${1:-$here/build/zonesim}
skip() { echo "=== SKIPPED: Terraform change test: $* ==="; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
command -v terraform >/dev/null || skip "terraform is not installed"
command -v aws >/dev/null || skip "the aws CLI is not installed"
work=$(mktemp -d)
zpid=
trap '[[ -n $zpid ]] && kill $zpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$here/examples/terraform/resilience-platform" "$work/tf"
rm -rf "$work/tf/.terraform" "$work/tf"/*.tfstate* "$work/tf/.terraform.lock.hcl"
if rc=$("$here/tools/terraformrc.sh" "$work/terraformrc"); then export TF_CLI_CONFIG_FILE=$rc; fi
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
"$zonesim" serve --port 0 --log-level warn >"$work/out" 2>"$work/err" &
zpid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.05; done
endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n 1)
[[ -n $endpoint ]] || fail "zonesim did not start"
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""
cd "$work/tf"
terraform init -no-color >"$work/init.log" 2>&1 || { grep -qi registry "$work/init.log" && skip "provider unavailable"; cat "$work/init.log"; fail init; }
terraform apply -auto-approve -no-color >"$work/apply.log" 2>&1 || { tail -n 40 "$work/apply.log"; fail "initial apply"; }
echo "applied the seed stack"

# The AWS CLI walks the stack.
passed=0
expect() {  # expect DESCRIPTION ACTUAL WANTED
  if [[ $2 == "$3" ]]; then echo "ok   $1 = $2"; passed=$((passed + 1)); else fail "$1: got '$2', want '$3'"; fi
}
tg=$(aws elbv2 describe-target-groups --names resilience-platform-tg --query 'TargetGroups[0].TargetGroupArn' --output text)
expect "registered targets" "$(aws elbv2 describe-target-health --target-group-arn "$tg" --query 'length(TargetHealthDescriptions)')" 2
expect "ecs service running" "$(aws ecs describe-services --cluster resilience-platform-cluster --services resilience-platform-service --query 'services[0].[status,desiredCount]' --output text)" "ACTIVE	2"
expect "db multi-az, two zones" "$(aws rds describe-db-instances --db-instance-identifier resilience-platform-db --query 'DBInstances[0].[DBInstanceStatus,MultiAZ,AvailabilityZone,SecondaryAvailabilityZone]' --output text)" "available	True	eu-central-1a	eu-central-1b"

change() {  # change NAME EXPECTED_PLAN_LINE SED_EXPR FILE
  local name=$1 want=$2 expr=$3 file=$4
  sed -i "$expr" "$file"
  terraform plan -detailed-exitcode -no-color >"$work/plan-$name.log" 2>&1
  local rc=$?
  [[ $rc == 2 ]] || { tail -n 30 "$work/plan-$name.log"; fail "$name: plan exited $rc, want 2 (changes)"; }
  local got
  got=$(grep -E '^Plan: ' "$work/plan-$name.log")
  [[ $got == "$want" ]] || { sed -n '/Terraform will perform/,$p' "$work/plan-$name.log" | head -n 60; fail "$name: '$got', want '$want'"; }
  terraform apply -auto-approve -no-color >"$work/apply-$name.log" 2>&1 || { tail -n 30 "$work/apply-$name.log"; fail "$name: apply"; }
  terraform plan -detailed-exitcode -no-color >"$work/replan-$name.log" 2>&1
  rc=$?
  [[ $rc == 0 ]] || { sed -n '/Terraform will perform/,$p' "$work/replan-$name.log" | head -n 60; fail "$name: plan after apply exited $rc, want 0"; }
  echo "ok   $name: '$want', applied, then no changes"
  passed=$((passed + 1))
}
change desired_count "Plan: 0 to add, 1 to change, 0 to destroy." 's/desired_count   = 2/desired_count   = 3/' ecs.tf
expect "desired count now" "$(aws ecs describe-services --cluster resilience-platform-cluster --services resilience-platform-service --query 'services[0].desiredCount')" 3
change task_definition_revision "Plan: 1 to add, 1 to change, 1 to destroy." 's/wordpress:latest/wordpress:6.6/' ecs.tf
expect "service uses revision 2" "$(aws ecs describe-services --cluster resilience-platform-cluster --services resilience-platform-service --query 'services[0].taskDefinition' --output text | sed 's/.*://')" 2
change health_check_interval "Plan: 0 to add, 1 to change, 0 to destroy." 's/interval            = 30/interval            = 15/' alb.tf
expect "interval now" "$(aws elbv2 describe-target-groups --names resilience-platform-tg --query 'TargetGroups[0].HealthCheckIntervalSeconds')" 15
change multi_az_off "Plan: 0 to add, 1 to change, 0 to destroy." 's/multi_az                = true/multi_az                = false\n  apply_immediately       = true/' rds.tf
expect "db single-az" "$(aws rds describe-db-instances --db-instance-identifier resilience-platform-db --query 'DBInstances[0].[MultiAZ,SecondaryAvailabilityZone]' --output text)" "False	None"
terraform destroy -auto-approve -no-color >"$work/destroy.log" 2>&1 || { tail -n 30 "$work/destroy.log"; fail destroy; }
echo "$passed passed, 0 failed"
