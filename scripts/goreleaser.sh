#!/usr/bin/env bash
# Runs GoReleaser v2, installing the pinned version once with `go install` into a cache outside
# the repository:  scripts/goreleaser.sh check   (make release-check)
# Environment: CARDS_TOOL_CACHE (default $HOME/.cache/terraform-provider-cards),
#              GORELEASER_VERSION (default v2.15.1).
set -euo pipefail

version="${GORELEASER_VERSION:-v2.15.1}"
bin_dir="${CARDS_TOOL_CACHE:-$HOME/.cache/terraform-provider-cards}/bin"
bin="$bin_dir/goreleaser-$version"

if [ ! -x "$bin" ]; then
  echo "goreleaser $version not cached: installing with go install into $bin_dir (several minutes)..." >&2
  mkdir -p "$bin_dir"
  tmp_gobin="$(mktemp -d)"
  trap 'rm -rf "$tmp_gobin"' EXIT
  (cd "$tmp_gobin" && GOBIN="$tmp_gobin" GOFLAGS=-mod=mod \
    go install "github.com/goreleaser/goreleaser/v2@$version") >&2
  mv "$tmp_gobin/goreleaser" "$bin"
  rm -rf "$tmp_gobin"
  trap - EXIT
fi

if [ "${1:-}" = "--install-only" ]; then
  echo "$bin"
  exit 0
fi

cd "$(dirname "$0")/.."
exec "$bin" "$@"
