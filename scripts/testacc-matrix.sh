#!/usr/bin/env bash
# make testacc-matrix: runs the acceptance suite (and the example validation) against every CLI
# found or buildable here, and prints a pass/fail table.
#
#   terraform   the Terraform on the PATH (1.11 on this machine)
#   tf-1.5.7    Terraform 1.5.7, built once with `go install` from the Go module proxy (~4 min)
#   tofu-1.12.6 OpenTofu 1.12.6: its module has replace directives, so `go install` refuses it;
#               it is `go mod download`ed, copied out of the read-only module cache and built
#               with `go build ./cmd/tofu` (~7 min)
#
# The CLIs are cached outside the repository in $CARDS_TOOL_CACHE
# (default $HOME/.cache/terraform-provider-cards). Logs go to .tmp/testacc-matrix/.
#
#   scripts/testacc-matrix.sh                  # all three
#   scripts/testacc-matrix.sh terraform tofu   # a subset: terraform, tf157, tofu
#   scripts/testacc-matrix.sh --build-only     # only make sure the cached CLIs exist
#   MATRIX_PKGS="./internal/provider/..." TESTARGS="-run TestAccCard" scripts/testacc-matrix.sh
set -euo pipefail

cd "$(dirname "$0")/.."
root="$PWD"
cache="${CARDS_TOOL_CACHE:-$HOME/.cache/terraform-provider-cards}"
tf157="$cache/terraform-1.5.7/terraform"
tofu_version="1.12.6"
tofu="$cache/tofu-$tofu_version/tofu"
logs="$root/.tmp/testacc-matrix"
pkgs="${MATRIX_PKGS:-./internal/provider/... .}"
mkdir -p "$logs"

export CHECKPOINT_DISABLE=1
# An empty CLI config of our own: the environment may name a file that does not exist.
mkdir -p "$root/.tmp"
: >"$root/.tmp/terraformrc"
export TF_CLI_CONFIG_FILE="$root/.tmp/terraformrc"

build_only=0
selected=()
for arg in "$@"; do
  case "$arg" in
    --build-only) build_only=1 ;;
    terraform | tf157 | tofu) selected+=("$arg") ;;
    *) echo "unknown argument: $arg (use terraform, tf157, tofu or --build-only)" >&2; exit 2 ;;
  esac
done
[ ${#selected[@]} -gt 0 ] || selected=(terraform tf157 tofu)
wants() { local x; for x in "${selected[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

build_tf157() {
  [ -x "$tf157" ] && return 0
  echo "==> Building Terraform 1.5.7 into $(dirname "$tf157") (about 4 minutes)"
  mkdir -p "$(dirname "$tf157")"
  local gobin
  gobin="$(mktemp -d)"
  (cd "$gobin" && GOBIN="$gobin" GOFLAGS=-mod=mod go install github.com/hashicorp/terraform@v1.5.7)
  mv "$gobin/terraform" "$tf157"
  rm -rf "$gobin"
}

build_tofu() {
  [ -x "$tofu" ] && return 0
  echo "==> Building OpenTofu $tofu_version into $(dirname "$tofu") (about 7 minutes)"
  local dir src outside
  # Outside any module, so this repository's go.mod and go.sum stay untouched.
  outside="$(mktemp -d)"
  dir="$(cd "$outside" && go mod download -json "github.com/opentofu/opentofu@v$tofu_version" |
    sed -n 's/^[[:space:]]*"Dir": *"\(.*\)",*$/\1/p')"
  rmdir "$outside"
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "go mod download did not give a module directory" >&2; return 1; }
  src="$(mktemp -d)"
  # The module cache is read-only; build in a writable copy.
  cp -R "$dir/." "$src/"
  chmod -R u+w "$src"
  mkdir -p "$(dirname "$tofu")"
  # version.dev=no as in OpenTofu's release builds (otherwise it reports 1.12.6-dev).
  (cd "$src" && GOFLAGS=-mod=mod go build -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$tofu" ./cmd/tofu)
  rm -rf "$src"
}

# Build what is missing first, one build at a time.
if wants tf157; then build_tf157 || echo "!! could not build Terraform 1.5.7" >&2; fi
if wants tofu; then build_tofu || echo "!! could not build OpenTofu $tofu_version" >&2; fi
if [ "$build_only" = 1 ]; then
  ls -l "$tf157" "$tofu" 2>/dev/null || true
  exit 0
fi

names=() versions=() results=() durations=() skips=() logfiles=()

run_one() { # name cli [extra env...]
  local name="$1" cli="$2"; shift 2
  local log="$logs/$name.log" version rc start
  if [ -z "$cli" ] || [ ! -x "$cli" ]; then
    names+=("$name"); versions+=("-"); results+=("MISSING"); durations+=("-"); skips+=("-"); logfiles+=("-")
    return
  fi
  version="$("$cli" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n1)"
  echo
  echo "==> $name ($cli, version ${version:-?}): go test $pkgs"
  start=$SECONDS
  set +e
  env "$@" TF_ACC=1 TF_ACC_TERRAFORM_PATH="$cli" \
    go test -count=1 -timeout 45m -v $pkgs ${TESTARGS:-} >"$log" 2>&1
  rc=$?
  set -e
  # Test results and skip reasons, so the console shows what ran where.
  grep -E '^[[:space:]]*--- (FAIL|SKIP)|^(ok |FAIL|panic:)' "$log" || true
  grep -E '_test\.go:[0-9]+: .*(skipping test|need CLI version)' "$log" |
    sed -E 's/^[[:space:]]+//; s/^[^ ]+_test\.go:[0-9]+: //' | sort | uniq -c |
    sed -E 's/^ *([0-9]+) /      skipped (\1x): /' || true
  names+=("$name"); versions+=("${version:-?}"); durations+=("$((SECONDS - start))s")
  skips+=("$(grep -c -- '--- SKIP' "$log" || true)")
  logfiles+=("${log#"$root"/}")
  if [ "$rc" -eq 0 ]; then results+=("PASS"); else results+=("FAIL"); fi
}

if wants terraform; then run_one terraform "$(command -v terraform || true)"; fi
if wants tf157; then run_one terraform-1.5.7 "$tf157"; fi
if wants tofu; then
  run_one "opentofu-$tofu_version" "$tofu" \
    TF_ACC_PROVIDER_HOST=registry.opentofu.org TF_ACC_PROVIDER_NAMESPACE=hashicorp
fi

echo
printf '%-20s %-10s %-8s %-9s %-6s %s\n' CLI VERSION RESULT DURATION SKIPS LOG
failed=0
for i in "${!names[@]}"; do
  printf '%-20s %-10s %-8s %-9s %-6s %s\n' "${names[$i]}" "${versions[$i]}" "${results[$i]}" "${durations[$i]}" "${skips[$i]}" "${logfiles[$i]}"
  [ "${results[$i]}" = PASS ] || failed=1
done
exit "$failed"
