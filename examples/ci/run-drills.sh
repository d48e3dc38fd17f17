#!/usr/bin/env bash
# CI: build zonesim, apply your Terraform stack to it, export the state, and run the failover
# drills against that state. Fails the build (exit 1) when an expectation breaks, 2 on a bad fixture.
# Usage: examples/ci/run-drills.sh [TERRAFORM_DIR] [FIXTURES...]
set -euo pipefail
cd "$(dirname "$0")/../.."
tf_dir=${1:-examples/terraform/resilience-platform}
shift || true
fixtures=("$@")
((${#fixtures[@]})) || fixtures=(fixtures/*.yaml)
tools/install-deps.sh
tools/build.sh
out=${DRILL_OUT:-drill-results}
mkdir -p "$out"
# 1. Your stack, applied by real Terraform, exported as a snapshot.
tools/make-snapshot.sh "$out/stack.json" >/dev/null
# 2. The drills run against it (the shipped fixtures reference fixtures/snapshots/seed-stack.json;
#    point yours at "$out/stack.json" with `state:`).
build/zonesim drill run "${fixtures[@]}" --junit "$out/junit.xml" --report "$out/report.html" \
  --json "$out/result.json" --timeline "$out/timeline.jsonl"
