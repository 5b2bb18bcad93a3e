#!/usr/bin/env bash
# Runs a pinned Go tool, installing it once with `go install` into a cache outside the
# repository (the Go module proxy is the only download possible here).
#
#   scripts/go-tool.sh golangci-lint run ./...     (make lint)
#   scripts/go-tool.sh goreleaser check            (make release-check)
#   scripts/go-tool.sh golangci-lint --install-only   # print the cached binary's path
#
# Environment: CARDS_TOOL_CACHE (default $HOME/.cache/terraform-provider-cards),
#              GOLANGCI_LINT_VERSION (default v2.15.0; keep in step with .github/workflows/test.yml),
#              GORELEASER_VERSION (default v2.15.1).
set -euo pipefail

tool="${1:?usage: scripts/go-tool.sh golangci-lint|goreleaser ARGS...}"
shift
case "$tool" in
  golangci-lint) version="${GOLANGCI_LINT_VERSION:-v2.15.0}"; module="github.com/golangci/golangci-lint/v2/cmd/golangci-lint" ;;
  goreleaser)    version="${GORELEASER_VERSION:-v2.15.1}";    module="github.com/goreleaser/goreleaser/v2" ;;
  *) echo "unknown tool: $tool (golangci-lint or goreleaser)" >&2; exit 2 ;;
esac
bin_dir="${CARDS_TOOL_CACHE:-$HOME/.cache/terraform-provider-cards}/bin"
bin="$bin_dir/$tool-$version"

if [ ! -x "$bin" ]; then
  echo "$tool $version not cached: installing with go install into $bin_dir (a few minutes)..." >&2
  mkdir -p "$bin_dir"
  tmp_gobin="$(mktemp -d)"
  trap 'rm -rf "$tmp_gobin"' EXIT
  # Install outside the module so the repository's go.mod is neither read nor changed.
  (cd "$tmp_gobin" && GOBIN="$tmp_gobin" GOFLAGS=-mod=mod go install "$module@$version") >&2
  mv "$tmp_gobin/$tool" "$bin"
fi

if [ "${1:-}" = "--install-only" ]; then
  echo "$bin"
  exit 0
fi

cd "$(dirname "$0")/.."
exec "$bin" "$@"
