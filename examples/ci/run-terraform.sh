#!/usr/bin/env bash
# run-terraform.sh ARGS...: runs `terraform ARGS...` so that a cancelled CI job stops it
# gracefully. Use it for plan and apply in a pipeline:
#
#   examples/ci/run-terraform.sh -chdir=infra apply -input=false -lock-timeout=10m tfplan
#
# Why: a cancelled job signals the step's shell, not Terraform (GitHub Actions sends SIGINT to
# the shell of a `run` step, then SIGTERM 7.5 s later, then kills the process tree 2.5 s after
# that). The shell does not pass the signal on, so Terraform is killed without saving what it
# has. And a SIGTERM that does reach Terraform after a SIGINT counts as a second interrupt, on
# which Terraform exits at once, again without saving.
#
# This wrapper runs Terraform in its own process group, so that only the wrapper is signalled,
# and turns the first SIGINT or SIGTERM into exactly one SIGINT for Terraform: Terraform then
# stops its operations, the cards provider saves a card or top-up still settling as it is (not
# tainted; the next apply picks it up) and Terraform writes the state and releases the lock. Any
# later signal is only reported. The wrapper exits with Terraform's exit code.
#
# TERRAFORM names the CLI (default: terraform on the PATH).
set -uo pipefail
set -m # job control: Terraform gets its own process group, out of reach of group-wide signals

"${TERRAFORM:-terraform}" "$@" &
pid=$!

signalled=""
forward() {
  if [ -z "$signalled" ]; then
    signalled=1
    echo "run-terraform: $1 received: asking Terraform to stop gracefully (one SIGINT) so that it saves the state" >&2
    kill -INT "$pid" 2>/dev/null || true
  else
    echo "run-terraform: $1 received again: Terraform is already stopping; not interrupting it twice" >&2
  fi
}
trap 'forward SIGINT' INT
trap 'forward SIGTERM' TERM

while :; do
  wait "$pid"
  rc=$?
  # A trapped signal interrupts `wait`; Terraform may still be running.
  if kill -0 "$pid" 2>/dev/null; then
    continue
  fi
  # It has exited: ask once more for its own exit status, in case `wait` was interrupted just
  # as Terraform exited (127: the status was already collected, so rc is right).
  wait "$pid" 2>/dev/null
  last=$?
  [ "$last" -ne 127 ] && rc=$last
  exit "$rc"
done
