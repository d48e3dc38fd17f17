#!/usr/bin/env bash
# Writes a Terraform CLI config that installs hashicorp/aws from a local provider mirror, so
# `terraform init` needs no network. Honours TF_PROVIDER_MIRROR; otherwise looks in the usual
# places. Prints the config path, or nothing (exit 1) when no mirror is found, in which case a plain
# `terraform init` (which downloads from the registry) is the fallback.
# Usage: tools/terraformrc.sh OUT_FILE
set -euo pipefail
out=${1:?usage: terraformrc.sh OUT_FILE}
mirror=${TF_PROVIDER_MIRROR:-}
if [[ -z $mirror ]]; then
  for root in /opt /usr/local/share/terraform /usr/share/terraform "$HOME/.terraform.d" \
              "$HOME/.local/share/terraform"; do
    [[ -d $root ]] || continue
    hit=$(find "$root" -maxdepth 7 -type f -name 'terraform-provider-aws_*' \
          -path '*registry.terraform.io/hashicorp/aws/*' 2>/dev/null | head -n 1)
    if [[ -n $hit ]]; then mirror=${hit%%/registry.terraform.io/*}; break; fi
  done
fi
[[ -n $mirror ]] || exit 1
cat >"$out" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }
}
CFG
echo "$out"
