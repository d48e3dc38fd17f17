#!/usr/bin/env bash
# serve --auth verify and --control-token through a real zonesim process: the AWS CLI with the
# right key pair works (and lands in the key's account), a wrong secret or an unknown key gets
# each service family's AWS error, a botocore presigned URL works; the control API and the
# zonesim CLI want the token.
# Usage: auth_test.sh ZONESIM_BINARY
set -uo pipefail
zonesim=${1:?usage: auth_test.sh ZONESIM}
command -v aws >/dev/null || { echo "FAIL: the aws CLI is required (tools/install-deps.sh installs it)"; exit 1; }
work=$(mktemp -d)
cat >"$work/credentials" <<'EOF'
# zonesim --credentials: the AWS shared-credentials format, plus aws_account_id
[alice]
aws_access_key_id = AKIAALICE0000000001
aws_secret_access_key = alice/secret+Key0000000000000000000000
aws_account_id = 111122223333

[ci]
aws_access_key_id = test
aws_secret_access_key = test
EOF
token=ctl-$RANDOM$RANDOM
"$zonesim" serve --port 0 --auth verify --credentials "$work/credentials" \
  --control-token "$token" >"$work/out" 2>"$work/err" &
zpid=$!
trap 'kill $zpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" && break; sleep 0.05; done
endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/out" | head -n 1)
[[ -n $endpoint ]] || { echo "FAIL: zonesim did not start: $(cat "$work/err")"; exit 1; }
export AWS_ENDPOINT_URL=$endpoint AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1 \
       AWS_PAGER="" AWS_MAX_ATTEMPTS=1
unset AWS_PROFILE AWS_SESSION_TOKEN ZONESIM_CONTROL_TOKEN
alice=(env AWS_ACCESS_KEY_ID=AKIAALICE0000000001 AWS_SECRET_ACCESS_KEY=alice/secret+Key0000000000000000000000)
wrong=(env AWS_ACCESS_KEY_ID=AKIAALICE0000000001 AWS_SECRET_ACCESS_KEY=not-alices-secret)
stranger=(env AWS_ACCESS_KEY_ID=AKIASTRANGER0000000 AWS_SECRET_ACCESS_KEY=whatever)
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
expect_eq() { [[ $2 == "$3" ]] && ok "$1" || ko "$1" "expected '$3', got '$2'"; }
expect_error() {  # NAME CODE COMMAND...
  local name=$1 code=$2; shift 2
  local out
  if out=$("$@" 2>&1); then ko "$name" "succeeded, expected $code"; return; fi
  [[ $out == *"($code)"* ]] && ok "$name" || ko "$name" "expected ($code), got: $out"
}

# The right key pair: its account.
expect_eq "right key: sts account" \
  "$("${alice[@]}" aws sts get-caller-identity --query Account --output text 2>&1)" 111122223333
vpc=$("${alice[@]}" aws ec2 create-vpc --cidr-block 10.0.0.0/16 --query Vpc.VpcId --output text 2>&1)
[[ $vpc == vpc-* ]] && ok "right key: ec2 create-vpc" || ko "right key: ec2 create-vpc" "$vpc"
expect_eq "right key: ecs list-clusters" \
  "$("${alice[@]}" aws ecs list-clusters --query 'length(clusterArns)' --output text 2>&1)" 0
# The other key of the file is another account: it does not see alice's VPC.
expect_eq "other key: own account, empty" \
  "$(env AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws ec2 describe-vpcs --query 'length(Vpcs)' --output text 2>&1)" 0

# A wrong secret.
expect_error "wrong secret: sts" SignatureDoesNotMatch "${wrong[@]}" aws sts get-caller-identity
expect_error "wrong secret: iam" SignatureDoesNotMatch "${wrong[@]}" aws iam list-roles
expect_error "wrong secret: ec2" AuthFailure "${wrong[@]}" aws ec2 describe-vpcs
expect_error "wrong secret: ecs" InvalidSignatureException "${wrong[@]}" aws ecs list-clusters
expect_error "wrong secret: create-vpc applies nothing" AuthFailure \
  "${wrong[@]}" aws ec2 create-vpc --cidr-block 10.9.0.0/16
# An unknown key.
expect_error "unknown key: sts" InvalidClientTokenId "${stranger[@]}" aws sts get-caller-identity
expect_error "unknown key: ec2" AuthFailure "${stranger[@]}" aws ec2 describe-vpcs
expect_error "unknown key: logs" UnrecognizedClientException "${stranger[@]}" aws logs describe-log-groups
expect_eq "still one VPC" \
  "$("${alice[@]}" aws ec2 describe-vpcs --query 'length(Vpcs)' --output text 2>&1)" 1

# A presigned URL (query-string authentication), made by botocore.
url=$("${alice[@]}" python3 - "$endpoint" <<'PY'
import sys, botocore.session
s = botocore.session.get_session()
c = s.create_client("sts", region_name="eu-central-1", endpoint_url=sys.argv[1])
print(c.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET"))
PY
)
body=$(curl -s "$url")
[[ $body == *"<Account>111122223333</Account>"* ]] && ok "presigned URL" || ko "presigned URL" "$body"
body=$(curl -s "${url/X-Amz-Signature=/X-Amz-Signature=0}")
[[ $body == *"<Code>SignatureDoesNotMatch</Code>"* ]] && ok "presigned URL, tampered" || ko "presigned URL, tampered" "$body"

# The control token.
code=$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/_zonesim/clock")
expect_eq "control API without token: 401" "$code" 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "$endpoint/_zonesim/clock")
expect_eq "control API with a wrong token: 401" "$code" 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$endpoint/_zonesim/clock")
expect_eq "control API with the token: 200" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/_zonesim/health")
expect_eq "health needs no token" "$code" 200
"$zonesim" zone list --endpoint "$endpoint" >"$work/cli" 2>&1 && ko "zonesim CLI without token" "succeeded" || ok "zonesim CLI without token fails"
"$zonesim" zone list --endpoint "$endpoint" --control-token "$token" >"$work/cli" 2>&1 &&
  ok "zonesim CLI --control-token" || ko "zonesim CLI --control-token" "$(cat "$work/cli")"
ZONESIM_CONTROL_TOKEN=$token "$zonesim" clock --endpoint "$endpoint" >"$work/cli" 2>&1 &&
  ok "zonesim CLI \$ZONESIM_CONTROL_TOKEN" || ko "zonesim CLI \$ZONESIM_CONTROL_TOKEN" "$(cat "$work/cli")"
ZONESIM_CONTROL_TOKEN=$token "$zonesim" state export --endpoint "$endpoint" -o "$work/snap.json" &&
  grep -q CreateVpc "$work/snap.json" && ok "state export with the token" || ko "state export with the token" "no snapshot"

# A bad --credentials file is refused at start.
printf '[x]\naws_access_key_id = K\n' >"$work/bad"
if "$zonesim" serve --port 0 --auth verify --credentials "$work/bad" >/dev/null 2>"$work/bad.err"; then
  ko "bad credentials file" "server started"
else
  grep -q 'has no aws_secret_access_key' "$work/bad.err" && ok "bad credentials file refused" || ko "bad credentials file" "$(cat "$work/bad.err")"
fi

kill -0 $zpid 2>/dev/null && ok "server alive" || ko "server alive" "it died: $(tail -n 5 "$work/err")"
echo "passed $passed, failed $failed"
((failed == 0))
