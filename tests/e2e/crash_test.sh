#!/usr/bin/env bash
# Crash safety: `kill -9` zonesim in the middle of `terraform apply`, restart it on the same state
# file (and port, as a supervisor would), let Terraform finish, apply again, and check that nothing
# answered was lost and nothing was made twice: the plan is clean, every resource Terraform knows
# exists exactly once in zonesim, and SQLite's integrity check passes.
# Usage: crash_test.sh ZONESIM_BINARY [EXAMPLE_DIR]
# Exit 0 pass, 1 fail, 77 skipped (terraform or the AWS provider is not available here).
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
zonesim=$(realpath "${1:?usage: crash_test.sh ZONESIM [EXAMPLE_DIR]}")
example=$(cd "${2:-$here/examples/terraform/network}" && pwd)
skip() {
  echo "=================================================================="
  echo "SKIPPED: crash-safety test: $*"
  echo "=================================================================="
  exit 77
}
fail() { echo "FAIL: $*"; exit 1; }
command -v terraform >/dev/null || skip "terraform is not installed"
command -v aws >/dev/null || skip "the aws CLI is not installed"
command -v sqlite3 >/dev/null || fail "sqlite3 is required (tools/install-deps.sh installs it)"

work=$(mktemp -d)
zpid= tpid=
cleanup() {
  [[ -n $tpid ]] && kill "$tpid" 2>/dev/null
  [[ -n $zpid ]] && kill "$zpid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cp -rL "$example"/. "$work/tf"
rm -rf "$work/tf/.terraform" "$work/tf"/*.tfstate* "$work/tf/.terraform.lock.hcl"
if rc=$("$here/tools/terraformrc.sh" "$work/terraformrc"); then export TF_CLI_CONFIG_FILE=$rc; fi
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

start() {  # start PORT LOG: zonesim on the state file; sets zpid and endpoint
  "$zonesim" serve --port "$1" --state "$work/state.db" >"$work/$2.out" 2>"$work/$2.err" &
  zpid=$!
  for _ in $(seq 1 200); do
    grep -q 'listening on' "$work/$2.out" 2>/dev/null && break
    sleep 0.02
  done
  endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/$2.out" | head -n 1)
  [[ -n $endpoint ]] || fail "zonesim did not start: $(cat "$work/$2.err")"
}
start 0 first
port=${endpoint##*:}
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""

cd "$work/tf"
if ! terraform init -no-color >"$work/init.log" 2>&1; then
  cat "$work/init.log"
  grep -qiE 'could not connect|Failed to query available provider packages|no available releases|registry' \
    "$work/init.log" && skip "the hashicorp/aws provider is not available (no mirror, no registry)"
  fail "terraform init"
fi

# 1. Apply, and kill -9 zonesim once a handful of resources have been created and answered.
terraform apply -auto-approve -no-color >"$work/apply1.log" 2>&1 &
tpid=$!
creates() { grep -cE ' Create[A-Za-z]+ 200 ' "$work/first.err" 2>/dev/null; }
for _ in $(seq 1 600); do
  (($(creates) >= 5)) && break
  kill -0 $tpid 2>/dev/null || break
  sleep 0.05
done
kill -0 $tpid 2>/dev/null || fail "terraform finished before the crash could happen: $(tail -n 20 "$work/apply1.log")"
kill -9 "$zpid"
wait "$zpid" 2>/dev/null
answered=$(creates)
echo "killed zonesim (kill -9) after $answered answered Create calls:"
grep -oE ' Create[A-Za-z]+ 200 ' "$work/first.err" | sort | uniq -c
check=$(sqlite3 "$work/state.db" 'PRAGMA integrity_check;' 2>&1)
[[ $check == ok ]] || fail "integrity_check after kill -9: $check"
echo "integrity_check after kill -9: ok"

# 2. Restart on the same file and port; Terraform's retries reach the new process.
start "$port" second
for _ in $(seq 1 1800); do kill -0 $tpid 2>/dev/null || break; sleep 0.1; done
if kill -0 $tpid 2>/dev/null; then fail "the interrupted apply did not finish in 180 s"; fi
wait $tpid
rc1=$?
tpid=
echo "interrupted apply finished: rc=$rc1"
((rc1 == 0)) || tail -n 15 "$work/apply1.log"

# 3. Apply to completion, then the plan must be clean.
terraform apply -auto-approve -no-color >"$work/apply2.log" 2>&1 || { tail -n 40 "$work/apply2.log"; fail "second apply"; }
terraform plan -detailed-exitcode -no-color >"$work/plan.log" 2>&1
rc=$?
((rc == 0)) || { sed -n '/Terraform will perform/,$p' "$work/plan.log" | head -n 60; fail "plan after the second apply exited $rc (0 = no changes)"; }
echo "second apply done, plan clean"

# 4. Exactly what Terraform knows exists, once: no duplicates from the crash.
same_count() {  # NAME TF_TYPE AWS_CLI...
  local name=$1 type=$2; shift 2
  local tf zs
  tf=$(terraform state list | grep -c "^$type\.")
  zs=$("$@" 2>&1)
  [[ $tf == "$zs" ]] && echo "ok   $name: $zs" || fail "$name: terraform has $tf, zonesim $zs"
}
same_count vpcs aws_vpc aws ec2 describe-vpcs --query 'length(Vpcs)'
same_count subnets aws_subnet aws ec2 describe-subnets --query 'length(Subnets)'
same_count internet-gateways aws_internet_gateway aws ec2 describe-internet-gateways --query 'length(InternetGateways)'
same_count security-groups aws_security_group aws ec2 describe-security-groups \
  --query "length(SecurityGroups[?GroupName!='default'])"
same_count roles aws_iam_role aws iam list-roles --query 'length(Roles)'
same_count log-groups aws_cloudwatch_log_group aws logs describe-log-groups --query 'length(logGroups)'
# Every resource in Terraform's state is read back by id (refresh agrees with the plan above).
terraform apply -refresh-only -auto-approve -no-color >"$work/refresh.log" 2>&1 || { tail -n 20 "$work/refresh.log"; fail "refresh"; }
grep -qE 'No changes|0 to add' "$work/refresh.log" || { tail -n 30 "$work/refresh.log"; fail "refresh found drift"; }

kill "$zpid"
wait "$zpid" 2>/dev/null
zpid=
check=$(sqlite3 "$work/state.db" 'PRAGMA integrity_check;' 2>&1)
[[ $check == ok ]] || fail "integrity_check at the end: $check"
if grep -E ' 5[0-9][0-9] [0-9.]+ms$' "$work/second.err" | head -n 5 | grep .; then
  fail "zonesim answered 5xx after the restart"
fi
echo "PASS: crash after $answered answered creates; restart, re-apply, clean plan, no duplicates, integrity ok"
