#!/usr/bin/env bash
# plan-summary.sh DIR PLANFILE [MAX_CHARS]: prints a pull/merge request comment (Markdown) for a
# saved plan: the counts, the resources that change, and the text of `terraform show -no-color`
# trimmed to MAX_CHARS characters (default 60000: GitHub refuses comments over 65536). The
# whole plan stays in the pipeline's artifact.
#
# The text is what `terraform show` prints: write-only arguments show as "(write-only
# attribute)" and ephemeral or sensitive values as "(sensitive value)", so nothing secret is
# posted. It needs an initialised DIR (provider schemas), no credentials.
#
# TERRAFORM names the CLI (default: terraform on the PATH).
# shellcheck disable=SC2016 # the backquotes in the format strings are Markdown
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 DIR PLANFILE [MAX_CHARS]" >&2
  exit 2
fi
dir=$1
plan=$2
max=${3:-60000}

text="$("${TERRAFORM:-terraform}" -chdir="$dir" show -no-color "$plan")"
total=${#text}

counts="$(grep -E '^(Plan: |No changes\.|You can apply this plan to save these new output values)' <<<"$text" | head -n1 || true)"
changes="$(sed -n 's/^  # \(.*\)$/\1/p' <<<"$text" | grep -E ' (will|must) be | has moved to ' || true)"

printf '### Terraform plan `%s`\n\n' "$dir"
printf '**%s**\n\n' "${counts:-(no summary line: see the plan)}"
if [ -n "$changes" ]; then
  while IFS= read -r line; do
    printf -- '- `%s`%s\n' "${line%% *}" " ${line#* }"
  done <<<"$changes"
  printf '\n'
fi
if [ "$total" -gt "$max" ]; then
  note="first $max of $total characters; the whole plan is the pipeline's artifact"
  text="${text:0:max}"
else
  note="$total characters"
fi
printf '<details><summary>terraform show (%s)</summary>\n\n```text\n%s\n```\n\n</details>\n' "$note" "$text"
