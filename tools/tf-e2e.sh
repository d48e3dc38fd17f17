#!/usr/bin/env bash
# Terraform end-to-end check against a fresh zonesim:
#   init -> apply -> plan -detailed-exitcode (must be 0) -> apply (must say "No changes")
#   -> destroy -> the AWS CLI finds nothing left.
# Usage: tools/tf-e2e.sh EXAMPLE_DIR [ZONESIM_BINARY]
# Extra `zonesim serve` arguments come from $ZONESIM_SERVE_ARGS (split on spaces), e.g.
#   ZONESIM_SERVE_ARGS="--auth verify --credentials creds.ini" (with key pair test/test in it).
# Exit 0 pass, 1 fail, 77 skipped (terraform or the AWS provider is not available here).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
example=$(cd "${1:?usage: tf-e2e.sh EXAMPLE_DIR [ZONESIM]}" && pwd)
zonesim=${2:-$here/build/zonesim}

skip() {
  echo "=================================================================="
  echo "SKIPPED: Terraform end-to-end test of $(basename "$example"): $*"
  echo "=================================================================="
  exit 77
}
fail() { echo "FAIL: $*"; exit 1; }

command -v terraform >/dev/null || skip "terraform is not installed"
command -v aws >/dev/null || skip "the aws CLI is not installed"
[[ -x $zonesim ]] || fail "no zonesim binary at $zonesim"

work=$(mktemp -d)
zpid=
cleanup() { [[ -n $zpid ]] && kill "$zpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cp -rL "$example"/. "$work/tf"
rm -rf "$work/tf/.terraform" "$work/tf"/*.tfstate* "$work/tf/.terraform.lock.hcl"
if rc=$("$here/tools/terraformrc.sh" "$work/terraformrc"); then
  export TF_CLI_CONFIG_FILE=$rc
  echo "provider mirror: $(grep -o 'path *= *"[^"]*"' "$rc")"
else
  echo "no local provider mirror found: plain terraform init"
fi
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

# shellcheck disable=SC2086 # word splitting of the extra arguments is wanted
"$zonesim" serve --port 0 --state "$work/state.db" --log-level info ${ZONESIM_SERVE_ARGS:-} >"$work/zonesim.out" 2>"$work/zonesim.err" &
zpid=$!
for _ in $(seq 1 100); do
  grep -q 'listening on' "$work/zonesim.out" 2>/dev/null && break
  sleep 0.05
done
endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/zonesim.out" | head -n 1)
[[ -n $endpoint ]] || fail "zonesim did not start: $(cat "$work/zonesim.err")"
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""
echo "zonesim at $endpoint"

cd "$work/tf"
if ! terraform init -no-color >"$work/init.log" 2>&1; then
  if grep -qiE 'could not connect|Failed to query available provider packages|no available releases|registry' "$work/init.log"; then
    cat "$work/init.log"; skip "the hashicorp/aws provider is not available (no mirror, no registry)"
  fi
  cat "$work/init.log"; fail "terraform init"
fi

step() {  # step NAME COMMAND...: run, time, keep the log
  local name=$1; shift
  local t0 t1 rc
  t0=$(date +%s%N)
  "$@" >"$work/$name.log" 2>&1
  rc=$?
  t1=$(date +%s%N)
  printf '%-8s rc=%d %6d ms\n' "$name" "$rc" $(( (t1 - t0) / 1000000 ))
  return $rc
}

step apply terraform apply -auto-approve -no-color || { tail -n 60 "$work/apply.log"; tail -n 40 "$work/zonesim.err"; fail "terraform apply"; }
step plan terraform plan -detailed-exitcode -no-color
rc=$?
if [[ $rc -ne 0 ]]; then
  sed -n '/Terraform will perform/,$p' "$work/plan.log" | head -n 80
  tail -n 20 "$work/plan.log"
  fail "plan after apply exited $rc (0 = no changes expected)"
fi
step reapply terraform apply -auto-approve -no-color || { tail -n 40 "$work/reapply.log"; fail "second apply"; }
grep -q 'No changes' "$work/reapply.log" || { tail -n 40 "$work/reapply.log"; fail "second apply made changes"; }
step destroy terraform destroy -auto-approve -no-color || { tail -n 60 "$work/destroy.log"; tail -n 40 "$work/zonesim.err"; fail "terraform destroy"; }

# Nothing left behind (zonesim creates no default VPC, so every count must be zero).
left=0
check() {  # check DESCRIPTION COMMAND... (prints a count)
  local what=$1; shift
  local n
  n=$("$@" 2>&1) || { echo "  $what: error: $n"; left=1; return; }
  if [[ $n != 0 ]]; then echo "  left behind: $what = $n"; left=1; fi
}
check vpcs aws ec2 describe-vpcs --query 'length(Vpcs)'
check subnets aws ec2 describe-subnets --query 'length(Subnets)'
check security-groups aws ec2 describe-security-groups --query 'length(SecurityGroups)'
check internet-gateways aws ec2 describe-internet-gateways --query 'length(InternetGateways)'
check route-tables aws ec2 describe-route-tables --query 'length(RouteTables)'
check roles aws iam list-roles --query 'length(Roles)'
check log-groups aws logs describe-log-groups --query 'length(logGroups)'
if grep -q 'aws_lb"' ./*.tf 2>/dev/null || grep -q 'resource "aws_lb"' ./*.tf; then
  check load-balancers aws elbv2 describe-load-balancers --query 'length(LoadBalancers)'
  check target-groups aws elbv2 describe-target-groups --query 'length(TargetGroups)'
fi
if grep -q 'resource "aws_ecs_cluster"' ./*.tf; then
  check active-clusters aws ecs describe-clusters --clusters resilience-platform-cluster --query 'length(clusters[?status==`ACTIVE`])'
fi
if grep -q 'resource "aws_db_instance"' ./*.tf; then
  check db-instances aws rds describe-db-instances --query 'length(DBInstances)'
  check db-subnet-groups aws rds describe-db-subnet-groups --query 'length(DBSubnetGroups)'
fi
[[ $left -eq 0 ]] || fail "destroy left resources behind"
if grep -E ' 5[0-9][0-9] [0-9.]+ms$' "$work/zonesim.err" | head -n 10 | grep .; then
  fail "zonesim answered 5xx (above) during the run"
fi
echo "requests served: $(grep -cE ' [0-9]{3} [0-9.]+ms$' "$work/zonesim.err")"
echo "PASS: $(basename "$example"): apply, no-change plan, no-change apply, destroy, nothing left"
