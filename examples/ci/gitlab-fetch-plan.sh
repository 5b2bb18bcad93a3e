#!/usr/bin/env bash
# gitlab-fetch-plan.sh DEST: in a pipeline on the default branch after a merge, downloads the
# saved plan (artifact TF_ROOT/tfplan of the job PLAN_JOB, default "plan") of the merge
# request that the commit came from, from that merge request's latest successful pipeline for
# its last commit. Used by examples/ci/gitlab-ci.yml.
#
# Needs GITLAB_API_TOKEN (a project access token with read_api; CI_JOB_TOKEN cannot list merge
# requests), curl and jq, and GitLab's predefined CI_API_V4_URL, CI_PROJECT_ID, CI_COMMIT_SHA.
set -euo pipefail

dest="$1"
job_name="${PLAN_JOB:-plan}"
: "${GITLAB_API_TOKEN:?set GITLAB_API_TOKEN (read_api) to find the merge request and its plan}"
: "${TF_ROOT:?}"

api() { curl --fail --silent --show-error --header "PRIVATE-TOKEN: $GITLAB_API_TOKEN" "$CI_API_V4_URL/projects/$CI_PROJECT_ID/$1"; }

mr="$(api "repository/commits/$CI_COMMIT_SHA/merge_requests" | jq -r '[.[] | select(.state == "merged")][0].iid // empty')"
if [ -z "$mr" ]; then
  echo "$CI_COMMIT_SHA was not merged from a merge request: there is no reviewed plan to apply. Run a pipeline by hand on the default branch (it plans, then waits for the apply)." >&2
  exit 1
fi
mr_sha="$(api "merge_requests/$mr" | jq -r '.sha')"
pipeline="$(api "merge_requests/$mr/pipelines" | jq -r --arg sha "$mr_sha" '[.[] | select(.sha == $sha and .status == "success")][0].id // empty')"
if [ -z "$pipeline" ]; then
  echo "No successful pipeline of merge request !$mr at $mr_sha. Run a pipeline by hand on the default branch." >&2
  exit 1
fi
job="$(api "pipelines/$pipeline/jobs?scope[]=success" | jq -r --arg name "$job_name" '[.[] | select(.name == $name)][0].id // empty')"
if [ -z "$job" ]; then
  echo "Pipeline $pipeline of merge request !$mr has no successful job $job_name." >&2
  exit 1
fi
api "jobs/$job/artifacts/$TF_ROOT/tfplan" >"$dest"
echo "Applying the plan of merge request !$mr (pipeline $pipeline, job $job, commit $mr_sha)"
