#!/usr/bin/env bash
# Regenerates fixtures/snapshots/seed-stack.json: starts zonesim, applies the seed stack with real
# Terraform (examples/terraform/resilience-platform), and exports the state snapshot (the log of
# mutating calls; secrets masked) that the shipped drills start from.
# Usage: tools/make-snapshot.sh [OUT] [ZONESIM]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/fixtures/snapshots/seed-stack.json}
zonesim=${2:-$here/build/zonesim}
work=$(mktemp -d)
trap 'kill $zpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
"$zonesim" serve --port 0 --log-level warn --epoch 2026-01-01T00:00:00Z --seed 1 >"$work/out" 2>&1 &
zpid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" && break; sleep 0.05; done
export AWS_ENDPOINT_URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n1) AWS_ACCESS_KEY_ID=test \
       AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 \
       TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
if rc=$("$here/tools/terraformrc.sh" "$work/terraformrc"); then export TF_CLI_CONFIG_FILE=$rc; fi
cp -r "$here/examples/terraform/resilience-platform" "$work/tf"
(cd "$work/tf" && terraform init -no-color >/dev/null && terraform apply -auto-approve -no-color >/dev/null)
ZONESIM_ENDPOINT=$AWS_ENDPOINT_URL "$zonesim" state export -o "$out"
echo "wrote $out ($(grep -c '"operation"' "$out") calls)"
