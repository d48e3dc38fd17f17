#!/usr/bin/env bash
# The main job (README): installs what is missing, builds, starts zonesim, applies the seed stack
# with real Terraform, shows it through the AWS CLI, runs a failover drill (report in
# drill-report.html), and leaves zonesim running (Ctrl-C stops it).
# Options: --port N (default 4566), --no-wait (stop zonesim at the end), --example DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
port=4566 wait=1 example=examples/terraform/resilience-platform
while (($#)); do
  case $1 in
    --port) port=$2; shift ;;
    --no-wait) wait=0 ;;
    --example) example=$2; shift ;;
    *) echo "usage: tools/run.sh [--port N] [--no-wait] [--example DIR]" >&2; exit 2 ;;
  esac
  shift
done
tools/install-deps.sh
tools/build.sh
work=$(mktemp -d)
build/zonesim serve --port "$port" --state "$work/state.db" &
zpid=$!
trap 'kill $zpid 2>/dev/null; wait $zpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/_zonesim/health" >/dev/null && break; sleep 0.05; done
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""
if command -v terraform >/dev/null; then
  cp -r "$example"/. "$work/tf"
  if rc=$(tools/terraformrc.sh "$work/terraformrc"); then export TF_CLI_CONFIG_FILE=$rc; fi
  (cd "$work/tf" && terraform init -input=false -no-color >/dev/null && \
   terraform apply -auto-approve -input=false -no-color | tail -n 25)
  aws ec2 describe-vpcs --query 'Vpcs[].[VpcId,CidrBlock]' --output text
  aws ec2 describe-subnets --query 'Subnets[].[SubnetId,CidrBlock,AvailabilityZone]' --output text
else
  echo "=== terraform is not installed: skipping the apply of $example ==="
fi
echo
echo "=== a failover drill: power loss of the zone holding the RDS primary ==="
if [[ $example == *resilience-platform* ]]; then
  # On the stack Terraform just applied, printing each state change as it happens.
  build/zonesim drill run fixtures/az-power-loss-primary.yaml --endpoint "$AWS_ENDPOINT_URL" \
    --events --report "$PWD/drill-report.html" || true
else  # the example has no ALB: the drill runs in-process on the seed stack's snapshot
  build/zonesim drill run fixtures/az-power-loss-primary.yaml --report "$PWD/drill-report.html" || true
fi
echo "(picture: $PWD/drill-report.html)"
echo
echo "zonesim is serving on http://127.0.0.1:$port with the stack applied. Point tools at it with:"
echo "  export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1"
if ((wait)); then
  echo "Ctrl-C stops it."
  wait $zpid
fi
