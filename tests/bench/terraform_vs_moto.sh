#!/usr/bin/env bash
# Terraform apply / plan / destroy wall times of the seed stack against zonesim and against
# moto_server, in one run on one machine (issue 3 and docs/BENCHMARKS.md).
# moto needs MOTO_IAM_LOAD_MANAGED_POLICIES=true and a maintenance window that does not touch the
# backup window (it rejects the seed's adjacent 03:00-04:00 / Mon:04:00-Mon:05:00): this script
# shifts it to Mon:05:00-Mon:06:00 for moto only, and says so. moto's absence is reported.
# Usage: tests/bench/terraform_vs_moto.sh [ZONESIM_BINARY]
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
zonesim=${1:-$here/build/zonesim}
command -v terraform >/dev/null || { echo "terraform not installed: nothing measured"; exit 0; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
if rc=$("$here/tools/terraformrc.sh" "$work/terraformrc"); then export TF_CLI_CONFIG_FILE=$rc; fi
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1

ms() { echo $(( $(date +%s%N) / 1000000 )); }
measure() {  # measure NAME ENDPOINT DIR PID
  local name=$1 endpoint=$2 dir=$3 pid=$4
  export AWS_ENDPOINT_URL=$endpoint
  (cd "$dir" && terraform init -no-color >/dev/null 2>&1) || { echo "$name: terraform init failed"; return; }
  local cpu0 t0 t1 t2 t3
  cpu0=$(awk '{print $14 + $15}' /proc/$pid/stat)
  t0=$(ms); (cd "$dir" && terraform apply -auto-approve -no-color >"$work/$name-apply.log" 2>&1) || echo "$name: apply FAILED (see log)"
  t1=$(ms); (cd "$dir" && terraform plan -detailed-exitcode -no-color >"$work/$name-plan.log" 2>&1); local prc=$?
  t2=$(ms); (cd "$dir" && terraform destroy -auto-approve -no-color >"$work/$name-destroy.log" 2>&1) || echo "$name: destroy FAILED"
  t3=$(ms)
  local cpu=$(( $(awk '{print $14 + $15}' /proc/$pid/stat) - cpu0 ))
  secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)/1000}'; }
  # Where the time went: the resources that took longest (each includes the provider's own
  # waiter sleeps: docs/BENCHMARKS.md compares them with the floor those sleeps set).
  grep -ho '^[a-z_.]*\(\[[0-9]*\]\)\?: \(Creation\|Destruction\) complete after [0-9ms]*' \
    "$work/$name-apply.log" "$work/$name-destroy.log" | sed 's/complete after //' |
    awk '{t=$NF; s=0; if (t ~ /m/) {split(t, a, "m"); s=a[1]*60; t=a[2]} sub("s","",t); s+=t;
          if (s >= 1) printf "%s %s %s\n", s, $1, $2}' | sort -rn | head -n 8 >"$work/$name-slowest.txt"
  rows+=("$(printf '| %-8s | %s s | %s s (exit %d) | %s s | %s s |' "$name" "$(secs "$t0" "$t1")" \
    "$(secs "$t1" "$t2")" "$prc" "$(secs "$t2" "$t3")" \
    "$(awk -v c="$cpu" -v h="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", c/h}')")")
}
rows=()

"$zonesim" serve --port 0 --log-level warn >"$work/z.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q 'listening on' "$work/z.out" && break; sleep 0.05; done
cp -r "$here/examples/terraform/resilience-platform" "$work/z"
measure zonesim "$(grep -o 'http://[0-9.]*:[0-9]*' "$work/z.out" | head -n1)" "$work/z" "${pids[-1]}"

if command -v moto_server >/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do curl -s "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
  cp -r "$here/examples/terraform/resilience-platform" "$work/m"
  sed -i 's/Mon:04:00-Mon:05:00/Mon:05:00-Mon:06:00/' "$work/m/rds.tf"
  mpid=$(pgrep -f "moto_server -H 127.0.0.1 -p $port" | head -n1)
  measure moto "http://127.0.0.1:$port" "$work/m" "$mpid"
  echo "(moto: MOTO_IAM_LOAD_MANAGED_POLICIES=true and maintenance window shifted to Mon:05:00-Mon:06:00)"
else
  echo "moto_server is not installed: no comparison"
fi

echo "| server   | apply    | plan (exit code; 0 = no changes) | destroy  | server CPU |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
for f in "$work"/*-slowest.txt; do
  [[ -s $f ]] || continue
  echo "$(basename "$f" -slowest.txt): slowest resources (seconds, resource, Creation/Destruction):"
  sed 's/^/  /' "$f"
done
