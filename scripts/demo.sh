#!/usr/bin/env bash
# make demo: the whole life of a small card estate, offline, in a couple of minutes.
#
#  1. builds the provider and the sandbox into .tmp/demo/bin
#  2. starts the sandbox on a free loopback port with a freshly generated merchant key
#  3. writes a Terraform CLI config whose dev_overrides point at the built provider (so no
#     `terraform init` and no registry access), and exports the sandbox's credentials
#  4. in a fresh copy of examples/demo: terraform apply, a second plan that must be empty,
#     terraform destroy (the cards are cancelled)
#  5. stops the sandbox, on every exit path
#
# Environment:
#   DEMO_TF_LOG       provider log level shown while Terraform runs (default INFO: waits and
#                     their elapsed time are visible); set it empty to hide provider logs
#   DEMO_TASK_DELAY   how long the sandbox takes to finish an operation (default 1s)
#   DEMO_KYC_DELAY    how long the sandbox's KYC review takes (default 2s)
#   DEMO_KEEP=1       keep the sandbox running after destroy until Enter is pressed
#   TERRAFORM         the Terraform CLI to use (default: terraform on the PATH; 1.11 or later)
set -euo pipefail

cd "$(dirname "$0")/.."
root="$PWD"
demo_dir="$root/.tmp/demo"
bin_dir="$demo_dir/bin"
work_dir="$demo_dir/work"
terraform="${TERRAFORM:-terraform}"
log_level="${DEMO_TF_LOG-INFO}"

fail_label="DEMO"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

trap 'stop_sandbox 1' EXIT
# An interrupt stops Terraform (same process group) and then the script; EXIT stops the sandbox.
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
step "Checking tools"
check_tools
echo "$(go version)"
echo "Terraform ${tf_version:-unknown} at $(command -v "$terraform")"
require_terraform_1_11 "the demo uses write-only arguments (kyc, binding)"

# ---------------------------------------------------------------------------------------------
step "Building the provider and the sandbox into .tmp/demo/bin"
mkdir -p "$bin_dir"
go build -o "$bin_dir/terraform-provider-cards" .
go build -o "$bin_dir/cards-sandbox" ./cmd/cards-sandbox
ls -1 "$bin_dir"

# ---------------------------------------------------------------------------------------------
step "Starting the sandbox on a free loopback port"
rm -f "$demo_dir/merchant-key.pem"
start_sandbox "$demo_dir/sandbox.url" "$demo_dir/sandbox.log" \
  "$bin_dir/cards-sandbox" \
  -addr 127.0.0.1:0 \
  -key-out "$demo_dir/merchant-key.pem" \
  -task-delay "${DEMO_TASK_DELAY:-1s}" \
  -kyc-review-delay "${DEMO_KYC_DELAY:-2s}" \
  -ready-file "$demo_dir/sandbox.url" || case $? in
  1) fail "the sandbox exited" ;;
  *) cat "$demo_dir/sandbox.log" >&2; fail "the sandbox did not become ready within 30s" ;;
esac
base_url="$(head -n1 "$demo_dir/sandbox.url" | tr -d '[:space:]')"
# The customer token is printed by the sandbox in its export lines; the default otherwise.
token="$(sed -n "s/^export CARDS_CUSTOMER_TOKEN=['\"]\{0,1\}\([^'\"]*\)['\"]\{0,1\}$/\1/p" "$demo_dir/sandbox.log" | head -n1)"
token="${token:-sandbox-dev-token}"
control_url="${base_url%/api/v1}/sandbox"
echo "Sandbox pid $sandbox_pid at $base_url (log: .tmp/demo/sandbox.log)"

# Only the sandbox's credentials: never whatever CARDS_* the caller has exported.
unset CARDS_PRIVATE_KEY CARDS_BEARER_TOKEN
export CARDS_BASE_URL="$base_url"
export CARDS_CUSTOMER_TOKEN="$token"
export CARDS_PRIVATE_KEY_FILE="$demo_dir/merchant-key.pem"
echo "export CARDS_BASE_URL=$CARDS_BASE_URL"
echo "export CARDS_CUSTOMER_TOKEN=$CARDS_CUSTOMER_TOKEN"
echo "export CARDS_PRIVATE_KEY_FILE=$CARDS_PRIVATE_KEY_FILE"

# ---------------------------------------------------------------------------------------------
step "Writing a Terraform CLI config with dev_overrides for the built provider"
cat >"$demo_dir/terraformrc" <<EOF
# Written by scripts/demo.sh: use the provider built from this checkout, no registry access.
provider_installation {
  dev_overrides {
    "registry.terraform.io/arthawork/cards" = "$bin_dir"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$demo_dir/terraformrc"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
unset TF_LOG TF_LOG_PATH TF_LOG_CORE
if [ -n "$log_level" ]; then export TF_LOG_PROVIDER="$log_level"; else unset TF_LOG_PROVIDER; fi
cat "$TF_CLI_CONFIG_FILE"

rm -rf "$work_dir"
cp -R "$root/examples/demo" "$work_dir"
echo "Working copy of examples/demo: .tmp/demo/work (no terraform init: dev_overrides need none)"

show_sandbox_cards() {
  command -v curl >/dev/null || return 0
  printf '\n%sThe sandbox'"'"'s view of the cards:%s\n' "$dim" "$reset"
  curl -fsS "$control_url/cards" 2>/dev/null | tr '{' '\n' |
    sed -n 's/.*"id":"\([^"]*\)".*"status":"\([^"]*\)".*"balance":"\{0,1\}\([0-9.]*\)"\{0,1\}.*"currency":"\([^"]*\)".*"last4":"\([^"]*\)".*/  \1  \2  last4=\5  balance=\3 \4/p' || true
}

# Terraform's stderr: with the default INFO level, keep the provider's own progress lines
# (waits, settled cards, elapsed time) in a short form and drop the plugin framework's chatter;
# errors and anything else pass through. Other levels are shown as they are.
provider_logs() {
  if [ "$log_level" != "INFO" ]; then
    cat >&2
    return
  fi
  # A read loop rather than awk or sed: those buffer their input when it is a pipe, which would
  # print the progress lines only after Terraform is done.
  local line clock msg word out
  set -f
  while IFS= read -r line; do
    case "$line" in
      *" provider.terraform-provider-cards: "*"@module=cards"*)
        case "$line" in *"timeout configuration"*) continue ;; esac
        clock="${line:11:8}"
        msg="${line#* provider.terraform-provider-cards: }"
        out=""
        for word in $msg; do
          case "$word" in
            @caller=* | @module=* | timestamp=* | tf_*=* | object=*) ;;
            *) out+="$word " ;;
          esac
        done
        printf '  [provider %s] %s\n' "$clock" "${out% }" >&2
        ;;
      [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*) ;; # the framework's and go-plugin's chatter
      *) printf '%s\n' "$line" >&2 ;;
    esac
  done
  set +f
}

# Colours only on a terminal, so a captured transcript stays readable.
color_flag=()
[ -t 1 ] || color_flag=(-no-color)

# Runs Terraform in the working copy; stdout stays stdout, stderr goes through provider_logs.
tf() {
  local cmd="$1"
  shift
  { "$terraform" -chdir="$work_dir" "$cmd" ${color_flag[@]+"${color_flag[@]}"} "$@" 2>&1 1>&3 3>&- | provider_logs; } 3>&1
}

# ---------------------------------------------------------------------------------------------
step "terraform apply: team cards, a frozen card, a physical card with KYC and binding, a top-up"
tf apply -auto-approve -input=false || fail "terraform apply failed"
show_sandbox_cards

# ---------------------------------------------------------------------------------------------
step "terraform plan -detailed-exitcode: a second plan must show no changes"
set +e
tf plan -detailed-exitcode -input=false
plan_rc=$?
set -e
case "$plan_rc" in
  0) printf '%sNo changes: the configuration and the platform agree.%s\n' "$green" "$reset" ;;
  2) fail "the second plan wants changes (see above)" ;;
  *) fail "terraform plan failed (exit $plan_rc)" ;;
esac

# ---------------------------------------------------------------------------------------------
step "terraform destroy: cancel every card (the top-up is only forgotten: money stays)"
tf destroy -auto-approve -input=false || fail "terraform destroy failed"
show_sandbox_cards

if [ "${DEMO_KEEP:-}" = "1" ]; then
  step "Sandbox still running at $base_url (DEMO_KEEP=1): press Enter to stop it"
  read -r _ || true
fi

stop_sandbox 1
printf '\n%sDemo complete in %ds: applied, planned empty, destroyed; sandbox stopped.%s\n' "$green" $((SECONDS - started)) "$reset"
