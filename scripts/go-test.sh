#!/usr/bin/env bash
# Runs `go test -v` with the given arguments and prints what `go test` prints without -v, plus
# every skipped test with its reason: without -v a package whose tests all skipped still says
# only "ok", and make test would pass with a scenario (the CI demo without PostgreSQL, a test
# gated on a newer Terraform) never run. On a failure the whole verbose output is printed.
#
#   scripts/go-test.sh -count=1 -run '^TestCIDemo$' .
set -uo pipefail

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
go test -v "$@" >"$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  grep -v -E '^=== (RUN|PAUSE|CONT|NAME)' "$log"
  exit "$rc"
fi
# A skip's reason is the last line its test logged: in the verbose output it comes before the
# "--- SKIP" line, under the "=== RUN/CONT/NAME" line of that test.
awk '
  /^=== (RUN|CONT|NAME) / { current = $3; next }
  /^ *--- SKIP: / { print; if ($3 in last) print last[$3]; skipped++; next }
  /^ *--- (PASS|FAIL): / { next }
  /^    / && current != "" { last[current] = $0; next }
  /^(ok|\?) / { print }
  END { if (skipped) printf "%d test(s) skipped, each with its reason above\n", skipped }
' "$log"
