#!/usr/bin/env bash
# make testacc-external: the acceptance suite in external mode (CARDS_ACC_EXTERNAL=1), against a
# cards-sandbox PROCESS reached only through the provider's own environment variables, the way
# it would run against the vendor's test environment.
#
#  1. builds cmd/cards-sandbox into .tmp/testacc-external/
#  2. starts it on a free loopback port with a fresh merchant key; waits for its ready file
#  3. exports CARDS_BASE_URL, CARDS_CUSTOMER_TOKEN, CARDS_PRIVATE_KEY_FILE, CARDS_ACC_EXTERNAL=1
#  4. runs go test -json on ./internal/provider (TESTARGS are passed on, e.g. -run ...) and
#     prints the counts of tests run, passed, failed and skipped, and the skip reasons grouped
#  5. stops the sandbox on every exit path
#
# Environment: TESTARGS (extra go test arguments), TF_ACC_TERRAFORM_PATH (from the Makefile).
set -euo pipefail

cd "$(dirname "$0")/.."
dir="$PWD/.tmp/testacc-external"
rm -rf "$dir" && mkdir -p "$dir"

go build -o "$dir/cards-sandbox" ./cmd/cards-sandbox

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
trap stop_sandbox EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_sandbox "$dir/ready" "$dir/sandbox.log" "$dir/cards-sandbox" -addr 127.0.0.1:0 -ready-file "$dir/ready" \
  -key-out "$dir/merchant-key.pem" -task-delay 200ms -kyc-review-delay 300ms -quiet || case $? in
  1) echo "cards-sandbox exited early" >&2; exit 1 ;;
  *) echo "cards-sandbox did not become ready" >&2; exit 1 ;;
esac

export CARDS_BASE_URL="$(head -n1 "$dir/ready")"
export CARDS_CUSTOMER_TOKEN=sandbox-dev-token
export CARDS_PRIVATE_KEY_FILE="$dir/merchant-key.pem"
unset CARDS_PRIVATE_KEY
export CARDS_ACC_EXTERNAL=1 TF_ACC=1
echo "==> acceptance suite against $CARDS_BASE_URL (CARDS_ACC_EXTERNAL=1)"

status=0
# shellcheck disable=SC2086 # TESTARGS is a list of arguments
go test -count=1 -timeout 30m -json ./internal/provider/... ${TESTARGS:-} >"$dir/test.json" || status=$?

# The summary: top-level tests by outcome (subtests counted separately), failures named, the
# skips grouped by reason. Also in $dir/summary.txt.
jq -rs '
  [ .[] | select(.Test != null and (.Action == "pass" or .Action == "fail" or .Action == "skip")) ] as $done
  | [ $done[] | select(.Test | contains("/") | not) ] as $top
  | [ $done[] | select(.Test | contains("/")) ] as $sub
  | (reduce (.[] | select(.Test != null and .Action == "output" and (.Output | test("^\\s+[^ ]+_test\\.go:[0-9]+: ")))) as $o ({}; .[$o.Test] = ($o.Output | sub("^\\s*[^ ]+:[0-9]+: "; "") | sub("\\s+$"; "")))) as $why
  | "tests run: \($top | length) (subtests: \($sub | length))",
    "passed:    \([$top[] | select(.Action == "pass")] | length) (subtests: \([$sub[] | select(.Action == "pass")] | length))",
    "failed:    \([$top[] | select(.Action == "fail")] | length) (subtests: \([$sub[] | select(.Action == "fail")] | length))",
    "skipped:   \([$top[] | select(.Action == "skip")] | length) (subtests: \([$sub[] | select(.Action == "skip")] | length))",
    ([$done[] | select(.Action == "fail") | "  FAIL \(.Test)"] | .[]),
    "skip reasons:",
    ([$done[] | select(.Action == "skip") | ($why[.Test] // "(no reason printed)")] | group_by(.) | sort_by(-length)
      | .[] | "  \(length) × \(.[0])")
' "$dir/test.json" | tee "$dir/summary.txt"
exit "$status"
