#!/usr/bin/env bash
# Rewrites the generated coverage table in README.md from `zonesim coverage`.
# Usage: tools/update-readme.sh [ZONESIM] [--check]  (--check: exit 1 if README is out of date)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/zonesim}
table=$("$bin" coverage)
new=$(awk -v table="$table" '
  /<!-- coverage:begin -->/ { print; print table; skip = 1; next }
  /<!-- coverage:end -->/ { skip = 0 }
  !skip { print }' README.md)
if [[ ${2:-} == --check ]]; then
  if [[ $new != "$(cat README.md)" ]]; then
    echo "README.md's coverage table is out of date: run tools/update-readme.sh"; exit 1
  fi
  echo "README coverage table is current"
  exit 0
fi
printf '%s\n' "$new" > README.md
