#!/usr/bin/env bash
# Prints the path of a Terraform CLI for acceptance tests: the one on the PATH, or else
# Terraform 1.5.7 built once from the Go module proxy into a cache outside the repository
# (nothing else can be downloaded here). Progress goes to stderr.
set -euo pipefail
if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ] && [ -x "${TF_ACC_TERRAFORM_PATH}" ]; then
  echo "$TF_ACC_TERRAFORM_PATH"; exit 0
fi
if command -v terraform >/dev/null 2>&1; then
  command -v terraform; exit 0
fi
cache="${CARDS_TOOL_CACHE:-$HOME/.cache/terraform-provider-cards}/terraform-1.5.7"
if [ ! -x "$cache/terraform" ]; then
  echo "terraform not found on PATH: building Terraform 1.5.7 from the Go module proxy (about 4 minutes)..." >&2
  mkdir -p "$cache"
  GOBIN="$cache" GOFLAGS=-mod=mod go install github.com/hashicorp/terraform@v1.5.7 >&2
fi
echo "$cache/terraform"
