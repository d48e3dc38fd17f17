#!/usr/bin/env bash
# Workshop: watch a zone fail and the platform heal, step by step, with the plain AWS CLI and the
# zonesim CLI against one running zonesim on a manual clock (nothing moves until you advance it).
# Usage: examples/workshop/walkthrough.sh [--pause]   (--pause waits for Enter between steps)
set -euo pipefail
cd "$(dirname "$0")/../.."
pause=${1:-}
step() { echo; echo "=== $* ==="; [[ $pause == --pause ]] && read -r -p "(Enter) " _ || true; }
work=$(mktemp -d)
build/zonesim serve --port 0 --clock manual --epoch 2026-01-01T00:00:00Z --log-level warn >"$work/out" 2>&1 &
zpid=$!
trap 'kill $zpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" && break; sleep 0.05; done
export AWS_ENDPOINT_URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n1) AWS_ACCESS_KEY_ID=test \
       AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""
export ZONESIM_ENDPOINT=$AWS_ENDPOINT_URL
z() { build/zonesim "$@"; }

step "1. Load the seed stack (the snapshot of a terraform apply; or run terraform apply yourself)"
z state import fixtures/snapshots/seed-stack.json
step "2. Let it settle: 3 simulated minutes"
z clock advance 3m | grep '"now"'
tg=$(aws elbv2 describe-target-groups --names resilience-platform-tg --query 'TargetGroups[0].TargetGroupArn' --output text)
aws elbv2 describe-target-health --target-group-arn "$tg" --query 'TargetHealthDescriptions[].[Target.Id,TargetHealth.State]' --output text
aws rds describe-db-instances --query 'DBInstances[0].[DBInstanceStatus,AvailabilityZone,SecondaryAvailabilityZone]' --output text
step "3. eu-central-1a loses power"
z zone fail eu-central-1a --kind power --duration 20m | grep -A1 '"state"' | head -4
step "4. 45 s later: the task there is dead, but nobody has noticed yet"
z clock advance 45s >/dev/null
aws elbv2 describe-target-health --target-group-arn "$tg" --query 'TargetHealthDescriptions[].[Target.Id,TargetHealth.State,TargetHealth.Reason]' --output text
step "5. 2 minutes later: detected, replaced, failed over"
z clock advance 2m >/dev/null
aws ecs describe-services --cluster resilience-platform-cluster --services resilience-platform-service --query 'services[0].events[0:4].message' --output text | tr '\t' '\n'
aws ecs describe-tasks --cluster resilience-platform-cluster --tasks $(aws ecs list-tasks --cluster resilience-platform-cluster --query 'taskArns' --output text) --query 'tasks[].[lastStatus,availabilityZone]' --output text
aws rds describe-db-instances --query 'DBInstances[0].[DBInstanceStatus,AvailabilityZone,SecondaryAvailabilityZone]' --output text
aws rds describe-events --source-type db-instance --duration 60 --query 'Events[].[Date,Message]' --output text | tail -n 5
step "6. The zone comes back; the standby is rebuilt there"
z clock advance 30m >/dev/null
aws rds describe-db-instances --query 'DBInstances[0].[DBInstanceStatus,AvailabilityZone,SecondaryAvailabilityZone]' --output text
step "7. The whole story"
z timeline | grep -vE 'PROVISIONING|PENDING|ACTIVATING' | tail -n 40
