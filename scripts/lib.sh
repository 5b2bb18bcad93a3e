# shellcheck shell=bash
# What scripts/demo.sh, scripts/ci-demo.sh and scripts/testacc-external.sh share: their step
# headings and failure message, the check of the Terraform CLI, and starting and stopping the
# sandbox. Sourced from the repository root (each script cds there first):
#
#   fail_label="DEMO" # the failure message's "DEMO FAILED: ..."
#   . scripts/lib.sh
#
# It defines the variables bold, dim, red, green, reset (empty unless stdout is a terminal),
# started and step_no (for step), tf_version (set by check_tools) and sandbox_pid.

# shellcheck disable=SC2034 # the colours are for the scripts that source this file
if [ -t 1 ]; then bold=$'\e[1m'; dim=$'\e[2m'; red=$'\e[31m'; green=$'\e[32m'; reset=$'\e[0m'
else bold=""; dim=""; red=""; green=""; reset=""; fi

started=$SECONDS
step_no=0
# step TEXT: a numbered heading, with the seconds since the script started.
step() {
  step_no=$((step_no + 1))
  printf '\n%s==> [%d] %s%s %s(+%ds)%s\n' "$bold" "$step_no" "$*" "$reset" "$dim" $((SECONDS - started)) "$reset"
}
# fail TEXT: says what failed, on stderr, and exits 1 (the EXIT trap cleans up).
fail() {
  printf '\n%s%s FAILED: %s%s\n' "$red" "${fail_label:-SCRIPT}" "$*" "$reset" >&2
  exit 1
}

# check_tools: go and the Terraform CLI ($terraform, set by the script) are there; sets
# tf_version ("" when the CLI does not say).
# shellcheck disable=SC2154 # terraform is the script's
check_tools() {
  command -v go >/dev/null || fail "go is not on the PATH"
  command -v "$terraform" >/dev/null || fail "terraform is not on the PATH (or set TERRAFORM=/path/to/terraform)"
  tf_version="$("$terraform" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n1)"
}
# require_terraform_1_11 WHAT: fails unless tf_version is 1.11 or later; WHAT says what needs it.
require_terraform_1_11() {
  local major minor
  IFS=. read -r major minor _ <<<"${tf_version:-0.0.0}"
  if [ "${major:-0}" -lt 1 ] || { [ "${major:-0}" -eq 1 ] && [ "${minor:-0}" -lt 11 ]; }; then
    fail "$1, which need Terraform 1.11 or later; found ${tf_version:-unknown}"
  fi
}

sandbox_pid=""
# start_sandbox READY_FILE LOG COMMAND...: starts the sandbox COMMAND (which passes READY_FILE to
# -ready-file) in the background as sandbox_pid, its output in LOG, and waits up to 30s for it
# to write READY_FILE. Returns 1 if the sandbox exited first (its LOG shown on stderr,
# sandbox_pid cleared), 2 if it did not become ready in time.
start_sandbox() {
  local ready="$1" log="$2"
  shift 2
  rm -f "$ready"
  "$@" >"$log" 2>&1 &
  sandbox_pid=$!
  wait_sandbox_ready "$ready" "$log"
}
wait_sandbox_ready() {
  for _ in $(seq 1 300); do
    [ -s "$1" ] && return 0
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$2" >&2; sandbox_pid=""; return 1; }
    sleep 0.1
  done
  [ -s "$1" ] || return 2
}
# stop_sandbox [FD]: ends the sandbox (SIGTERM, SIGKILL after 5s) if it runs; with FD, says so
# on that file descriptor.
stop_sandbox() {
  if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
    [ -z "${1:-}" ] || printf '\n%s==> Stopping the sandbox (pid %s)%s\n' "$bold" "$sandbox_pid" "$reset" >&"$1"
    kill "$sandbox_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$sandbox_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  sandbox_pid=""
}
