#!/usr/bin/env bash
# The mgsync action's main step: run one mgsync command with the lockfile from the state branch, keep
# what it printed, set the step outputs. The GitHub side (comments, labels, reviewed plans) is Python:
# `python -m mgsync.gitops STEP` (mgsync/gitops/). This script only strings the commands together.
#
# Inputs arrive as environment variables (action.yml maps its inputs onto them; tests set them):
#   MGSYNC_COMMAND        validate | plan | apply
#   MGSYNC_PATHS          manifest files or directories, separated by spaces or newlines (default ".")
#   MGSYNC_FORMAT         validate: github (default) | text | json; plan: markdown (default) | text | json
#   MGSYNC_ARGS           extra arguments, split on whitespace
#   MGSYNC_EXPECT_PLAN    apply: the reviewed plan's digest; apply refuses (exit 3) if the plan differs
#   MGSYNC_REVIEWED       apply: "merged" applies only changes reviewed on the pull requests merged since
#                         the state branch's `applied` commit, then tells each of them the result
#   MGSYNC_SAVED_PLAN     apply: apply exactly this saved plan (the manual run, after approval)
#   MGSYNC_STATE_BRANCH   the branch holding the lockfile (empty: the lockfile stays in the checkout)
#   MGSYNC_STATE_REMOTE   its remote (origin)
#   MGSYNC_LOCKFILE       the lockfile (default: mgsync.lock in the first manifest directory)
#   MGSYNC_COMMENT_KEY    names the sticky comment and the artifact (default: the paths)
#   MGSYNC_COMMIT         plan: the commit named in the comment's heading (default: HEAD)
#   MGSYNC_BRANCH         apply: the branch applied from (GITHUB_REF_NAME, else main)
#   MGSYNC_AUTHOR         apply: the only login trusted to write plan comments (github-actions[bot])
#   MGSYNC_TOKEN          token for the state branch and the GitHub API, per command (never stored)
#   MGSYNC_BIN            directory of the mgsync installation to use (default: mgsync on PATH)
# Outputs (appended to $GITHUB_OUTPUT): exit-code, changes-pending, digest, plan-file, comment-file,
# artifact-dir, artifact-name, step-code (the step's own status; action.yml fails on it last).
set -uo pipefail

mgsync() { command "${MGSYNC_BIN:+$MGSYNC_BIN/}mgsync" "$@"; }
# -P: import nothing from the working directory, the checkout, where a pull request's json.py or
# mgsync/ would run in place of the standard library's or mgsync's (Python 3.11+, as mgsync needs).
python() { command "${MGSYNC_BIN:+$MGSYNC_BIN/}python" -P "$@"; }
command=${MGSYNC_COMMAND:?MGSYNC_COMMAND must be validate, plan or apply}
read -r -d '' -a paths <<<"${MGSYNC_PATHS:-.}" || true
read -r -d '' -a args <<<"${MGSYNC_ARGS:-}" || true
[ ${#paths[@]} -gt 0 ] || paths=(.)
key=${MGSYNC_COMMENT_KEY:-${paths[*]}}
marker="<!-- mgsync-plan: $key -->"
out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/mgsync-$(printf '%s' "$PWD $key" | cksum | cut -d ' ' -f 1)"
state_branch=${MGSYNC_STATE_BRANCH:-} remote=${MGSYNC_STATE_REMOTE:-origin}
branch=${MGSYNC_BRANCH:-${GITHUB_REF_NAME:-main}}
lockfile=${MGSYNC_LOCKFILE:-}
if [ -z "$lockfile" ]; then
  if [ -d "${paths[0]}" ]; then lockfile="${paths[0]%/}/mgsync.lock"; else lockfile="$(dirname "${paths[0]}")/mgsync.lock"; fi
fi
gitops() {  # python -m mgsync.gitops STEP, with what every step needs to know
  local step=$1; shift
  python -m mgsync.gitops "$step" --key "$key" --branch "$branch" --state-remote "$remote" \
    --state-branch "${state_branch:-mgsync-state}" --author "${MGSYNC_AUTHOR:-github-actions[bot]}" "$@"
}
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
rm -rf "$out" && mkdir -p "$out/artifact"
exit_code=1 step_code=1 changes_pending=false digest="" plan_file="" comment_file="" artifact_dir=""

# The token reaches git (state pull/push over https) as per-process config and the API as
# GITHUB_TOKEN; the checkout itself keeps no credentials (persist-credentials: false).
if [ -n "${MGSYNC_TOKEN:-}" ]; then
  export GITHUB_TOKEN=$MGSYNC_TOKEN
  if git remote get-url "$remote" 2>/dev/null | grep -q '^https://'; then
    basic=$(printf 'x-access-token:%s' "$MGSYNC_TOKEN" | base64 | tr -d '\n')
    [ -z "${GITHUB_ACTIONS:-}" ] || echo "::add-mask::$basic"
    export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader" \
      GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $basic"
  fi
fi

# A failure comment: the marker, what failed, and the error (HTML-escaped, so any text is safe), cut
# after escaping, between characters and entities, to stay well inside GitHub's 65,536 characters.
failure_comment() {  # $1 what failed, $2 file with the error text
  {
    printf '%s\n### mgsync %s failed for `%s`\n\n' "$marker" "$1" "$key"
    printf 'The previous plan in this comment is no longer current. The error:\n\n<pre>\n'
    python -c '
import html, re, sys
text = html.escape(open(sys.argv[1], encoding="utf-8", errors="replace").read(), quote=False)
if len(text) > 60000:
    text = re.sub(r"&[a-z]*$", "", text[:60000]) + "\n… (cut: the whole error is in the log of [this run](" + sys.argv[2] + "))"
sys.stdout.buffer.write(text.rstrip("\n").encode("utf-8") + b"\n")' "$2" "$run_url"
    printf '</pre>\n'
  } >"$out/comment.md"
  comment_file="$out/comment.md"
}

state_pull() {  # the lockfile every plan and apply starts from
  [ -n "$state_branch" ] || return 0
  mgsync state pull "$lockfile" --remote "$remote" --branch "$state_branch" 2>"$out/state.err"
  local code=$?
  cat "$out/state.err" >&2
  return "$code"
}

run_validate() {
  local format=${MGSYNC_FORMAT:-github}
  mgsync validate --format "$format" ${args[@]+"${args[@]}"} "${paths[@]}" >"$out/validate.$format" 2>"$out/validate.err"
  exit_code=$?
  cat "$out/validate.$format"
  cat "$out/validate.err" >&2
  plan_file="$out/validate.$format"
  if [ "$exit_code" != 0 ]; then  # the comment gets the plain-text errors whatever the format
    mgsync validate --format text ${args[@]+"${args[@]}"} "${paths[@]}" >/dev/null 2>"$out/validate.txt"
    failure_comment validate "$out/validate.txt"
  fi
  step_code=$exit_code
}

# The rendered templates (plan --preview) travel in the artifact; the comment says where, above its digest.
link_previews() {  # $1 the run's URL
  [ -n "$(ls -A "$out/artifact/previews" 2>/dev/null)" ] || return 0
  local line="Rendered previews of the changed templates (HTML, before and after): \`previews/\` in [this run's artifact]($1#artifacts)."
  awk -v line="$line" '/^Plan digest: /{print line; print ""} {print}' "$out/comment.md" >"$out/comment.tmp" &&
    mv "$out/comment.tmp" "$out/comment.md"
}

# A pull request's checkout is GitHub's test merge: its first parent is the base branch as merged. The
# base's own plan names the changes already waiting there (a direct push no apply made), which the
# comment then lists apart from the pull request's own: plan --base-dir plans the base's copy of the
# manifests in the same process, from the same reads of Mailgun.
base_checkout() {
  [ "${GITHUB_EVENT_NAME:-}" = pull_request ] && git rev-parse -q --verify 'HEAD^2' >/dev/null || return 0
  local tree="$out/base" prefix
  if prefix=$(git rev-parse --show-prefix) && mkdir -p "$tree" && git archive 'HEAD^1' | tar -x -C "$tree"; then
    base=(--base-dir "$tree/$prefix.")
  else
    echo "::warning title=mgsync plan::The base branch could not be checked out, so the comment cannot tell apart changes already waiting there."
  fi
}

run_plan() {
  local format=${MGSYNC_FORMAT:-markdown} ext saved="$out/artifact/saved-plan.json" base=()
  case "$format" in markdown) ext=md ;; json) ext=json ;; *) ext=txt ;; esac
  if ! state_pull; then failure_comment plan "$out/state.err"; exit_code=1 step_code=1; return; fi
  [ "$format" != markdown ] || base_checkout
  # The artifact: the saved plan the apply checks against, and the whole plan as text (--text-out).
  mgsync plan --format "$format" --detailed-exitcode --out "$saved" --preview "$out/artifact/previews" \
    --text-out "$out/artifact/plan.txt" \
    --heading-commit "${MGSYNC_COMMIT:-$(git rev-parse HEAD 2>/dev/null)}" --heading-run-url "$run_url" \
    ${base[@]+"${base[@]}"} ${args[@]+"${args[@]}"} "${paths[@]}" >"$out/plan.$ext" 2>"$out/plan.err"
  exit_code=$?
  cat "$out/plan.$ext"
  cat "$out/plan.err" >&2
  sed -n -e 's/%/%25/g' -e 's/^Warning: \(no plan of the base branch .*\)$/::warning title=mgsync plan::\1/p' "$out/plan.err"
  plan_file="$out/plan.$ext"
  # Exit 2 is changes pending only (mgsync's usage errors exit 1, and the action runs its own mgsync);
  # kept as a cheap guard: without a written saved plan, the plan did not run.
  [ "$exit_code" != 2 ] || [ -s "$saved" ] || exit_code=1
  case "$exit_code" in
    0 | 2)
      [ "$exit_code" = 0 ] || changes_pending=true
      digest=$(python -c 'import json, sys; print(json.load(open(sys.argv[1], encoding="utf-8"))["digest"])' "$saved")
      if [ "$format" = markdown ]; then  # swap mgsync's generic marker for the namespaced one
        { echo "$marker"; sed -e '1{/^<!-- mgsync-plan -->$/d;}' "$out/plan.md"; } >"$out/comment.md"
        comment_file="$out/comment.md"
        link_previews "$run_url"
      fi
      artifact_dir="$out/artifact"
      step_code=0 ;;  # pending changes are what a pull request is for
    *)
      failure_comment plan "$out/plan.err"
      step_code=$exit_code ;;
  esac
}

# Apply: (a) exactly one saved plan, (b) only what merged pull requests reviewed, or (c) the fresh plan.
run_apply() {
  local expect=() reviewed=() flags=() file range="$out/reviewed/range.json" tip
  tip=$(git rev-parse HEAD)
  if ! state_pull; then exit_code=1 step_code=1; return; fi
  if [ -n "${MGSYNC_SAVED_PLAN:-}" ]; then
    apply_logged "$MGSYNC_SAVED_PLAN"
  elif [ "${MGSYNC_REVIEWED:-}" = merged ]; then
    if ! gitops reviewed --lockfile "$lockfile" --out "$out/reviewed"; then  # what to apply is unknown: say so
      exit_code=1 step_code=1
      [ ! -s "$range" ] || gitops report --range "$range" --exit-code 1 --log "" || true
      return
    fi
    if [ -z "$(python -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["commits"]))' "$range")" ]; then
      exit_code=0 step_code=0; return  # a later run already covered this commit: nothing new
    fi
    # No reviewed plan at all (only direct pushes): a plan file that vouches for nothing, so any change
    # is refused (exit 3, naming it) and an empty plan still applies cleanly.
    [ -s "$out/reviewed/reviewed.txt" ] || echo '{"change_fingerprints": []}' >"$out/reviewed/none.json"
    [ -s "$out/reviewed/reviewed.txt" ] || echo "$out/reviewed/none.json" >"$out/reviewed/reviewed.txt"
    mapfile -t reviewed <"$out/reviewed/reviewed.txt"
    for file in "${reviewed[@]}"; do flags+=(--reviewed "$file"); done
    apply_logged "${flags[@]}" "${paths[@]}"
  else
    [ -z "${MGSYNC_EXPECT_PLAN:-}" ] || expect=(--expect-plan "$MGSYNC_EXPECT_PLAN")
    apply_logged ${expect[@]+"${expect[@]}"} "${paths[@]}"
  fi
  step_code=$exit_code
  if [ -n "$state_branch" ] && [ -e "$lockfile" ]; then  # also after a failure: it records every completed step
    local applied="" start=""
    [ "$exit_code" != 0 ] || applied=$tip
    # A failed first apply: the next run counts from where this one started, so its pull requests count again.
    [ "$exit_code" = 0 ] || [ "${MGSYNC_REVIEWED:-}" != merged ] ||
      start=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["start"] or "")' "$range")
    gitops record --lockfile "$lockfile" --applied "$applied" --start "$start" || { [ "$step_code" != 0 ] || step_code=1; }
  fi
  if [ "${MGSYNC_REVIEWED:-}" = merged ]; then
    gitops report --range "$range" --exit-code "$exit_code" --log "$out/apply.txt" || true
  fi
}

apply_logged() {
  mgsync apply --yes ${args[@]+"${args[@]}"} "$@" 2>&1 | tee "$out/apply.txt"
  exit_code=${PIPESTATUS[0]}
  plan_file="$out/apply.txt"
  [ "$exit_code" != 0 ] || digest=$(sed -n 's/^Plan digest: \(sha256:[0-9a-f]*\)$/\1/p' "$out/apply.txt" | tail -n 1)
}

case "$command" in
  validate) run_validate ;;
  plan) run_plan ;;
  apply) run_apply ;;
  *) echo "::error::mgsync action: command must be validate, plan or apply, not \"$command\"" ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  printf '%s=%s\n' exit-code "$exit_code" changes-pending "$changes_pending" digest "$digest" \
    plan-file "$plan_file" comment-file "$comment_file" artifact-dir "$artifact_dir" \
    artifact-name "$(python -c 'import sys; from mgsync.gitops.comments import artifact_name; print(artifact_name(sys.argv[1]))' "$key")" \
    step-code "$step_code" >>"$GITHUB_OUTPUT"
fi
exit "$step_code"
