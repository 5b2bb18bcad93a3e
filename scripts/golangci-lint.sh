#!/usr/bin/env bash
# Runs golangci-lint v2 with the repository's .golangci.yml, installing the pinned version once with
# `go install` into a cache outside the repository (no other download is needed or possible here).
#
#   scripts/golangci-lint.sh run ./...
#   scripts/golangci-lint.sh --install-only     # just make sure the binary exists, print its path
#
# Environment: CARDS_TOOL_CACHE (default $HOME/.cache/terraform-provider-cards),
#              GOLANGCI_LINT_VERSION (default v2.15.0; keep in step with .github/workflows/test.yml).
set -euo pipefail

version="${GOLANGCI_LINT_VERSION:-v2.15.0}"
bin_dir="${CARDS_TOOL_CACHE:-$HOME/.cache/terraform-provider-cards}/bin"
bin="$bin_dir/golangci-lint-$version"

if [ ! -x "$bin" ]; then
  echo "golangci-lint $version not cached: installing with go install into $bin_dir (a few minutes)..." >&2
  mkdir -p "$bin_dir"
  tmp_gobin="$(mktemp -d)"
  trap 'rm -rf "$tmp_gobin"' EXIT
  # Install outside the module so the repository's go.mod is neither read nor changed.
  (cd "$tmp_gobin" && GOBIN="$tmp_gobin" GOFLAGS=-mod=mod \
    go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version") >&2
  mv "$tmp_gobin/golangci-lint" "$bin"
  rm -rf "$tmp_gobin"
  trap - EXIT
fi

if [ "${1:-}" = "--install-only" ]; then
  echo "$bin"
  exit 0
fi

cd "$(dirname "$0")/.."
exec "$bin" "$@"
