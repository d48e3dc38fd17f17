#!/usr/bin/env bash
# Every benchmark of docs/BENCHMARKS.md, from a fresh clone: installs missing Debian tools
# (tools/install-deps.sh), builds zonesim and the bench tools, then runs API throughput against
# moto and the fixed-body server, startup and idle memory, memory at 10,000 resources, the
# 24-hour drill and its scaling table, and (with --terraform) the Terraform apply/plan/destroy comparison. moto_server is used where
# installed; its absence is reported, not hidden.
# Usage: tests/bench/run-all.sh [--terraform] [--duration S]   (env BUILD_DIR, default build)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$here/build}
terraform=0
duration=3
while (($#)); do
  case $1 in
    --terraform) terraform=1 ;;
    --duration) duration=$2; shift ;;
    *) echo "usage: $0 [--terraform] [--duration S]" >&2; exit 2 ;;
  esac
  shift
done
"$here/tools/install-deps.sh"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" zonesim zonesim_loadgen zonesim_fixed_server >/dev/null
command -v moto_server >/dev/null || echo "NOTE: moto_server is not installed: the moto columns are missing (pip install 'moto[server]')"

echo "## machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "## API throughput (zonesim, moto, fixed-body server; ${duration} s per cell)"
python3 "$here/tests/bench/api_bench.py" --build "$build" --duration "$duration"
echo "## startup and idle memory"
python3 "$here/tests/bench/startup.py" "$build/zonesim"
echo "## memory at 10,000 resources"
python3 "$here/tests/bench/memory.py" "$build/zonesim"
echo "## drill speed: 24 simulated hours of the seed stack"
"$build/zonesim" drill run "$here/tests/bench/fixtures/drill-24h.yaml" | tail -1
echo "## drill scaling: 2/20/200 tasks, 1/10/100 target groups"
python3 "$here/tests/bench/drill_scaling.py" --zonesim "$build/zonesim"
if ((terraform)); then
  echo "## Terraform seed stack"
  "$here/tests/bench/terraform_vs_moto.sh" "$build/zonesim"
fi
