#!/usr/bin/env bash
# Installs, with apt-get, whatever zonesim needs to build and test that is missing. Idempotent:
# with everything present it changes nothing and needs no network.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config ccache clang-format clang libclang-rt-14-dev
  libboost-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libspdlog-dev libcli11-dev libssl-dev
  libyaml-cpp-dev libpugixml-dev libgtest-dev libgmock-dev libmimalloc-dev
  curl jq python3 chromium apache2-utils
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The AWS CLI and botocore are used by the tests; take Debian's only when none is installed.
command -v aws >/dev/null 2>&1 || missing+=(awscli)
python3 -c 'import botocore' >/dev/null 2>&1 || missing+=(python3-botocore)
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v terraform >/dev/null 2>&1; then
  echo "install-deps: NOTE: terraform is not installed (it is not a Debian package); the Terraform"
  echo "              end-to-end tests will be SKIPPED until it is on PATH."
fi
