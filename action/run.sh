#!/usr/bin/env bash
# The mgsync action's main step: run one mgsync command, keep what it printed, set the step outputs.
#
# Inputs arrive as environment variables (action.yml maps its inputs onto them; tests set them):
#   MGSYNC_COMMAND           validate | plan | apply
#   MGSYNC_PATHS             manifest files or directories, separated by spaces or newlines (default ".")
#   MGSYNC_FORMAT            validate: github (default) | text | json; plan: markdown (default) | text | json
#   MGSYNC_ARGS              extra arguments, split on whitespace
#   MGSYNC_EXPECT_PLAN       apply: the reviewed plan's digest; apply refuses (exit 3) if the plan differs
#   MGSYNC_COMMIT_LOCKFILE   apply: "true" commits the lockfile back (commit-lockfile.sh), even after a
#                            failed apply, because the lockfile records every step that completed
#   MGSYNC_LOCKFILE          apply: the lockfile (default: mgsync.lock in the first manifest directory)
#   MGSYNC_COMMENT_KEY       names the sticky comment (default: the paths)
#   MGSYNC_BIN               directory of the mgsync installation to use (default: mgsync on PATH)
# Outputs (appended to $GITHUB_OUTPUT): exit-code, changes-pending, digest, plan-file, comment-file.
#
# The comment file is a pull-request comment whose first line is a marker namespaced by the manifest
# paths, so every manifest directory keeps its own sticky comment; when validate or plan fails, the
# comment says so and shows the error instead of leaving an old plan up as if it were current.
set -uo pipefail

mgsync() { command "${MGSYNC_BIN:+$MGSYNC_BIN/}mgsync" "$@"; }
python() { command "${MGSYNC_BIN:+$MGSYNC_BIN/}python" "$@"; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command=${MGSYNC_COMMAND:?MGSYNC_COMMAND must be validate, plan or apply}
read -r -d '' -a paths <<<"${MGSYNC_PATHS:-.}" || true
read -r -d '' -a args <<<"${MGSYNC_ARGS:-}" || true
[ ${#paths[@]} -gt 0 ] || paths=(.)
key=${MGSYNC_COMMENT_KEY:-${paths[*]}}
marker="<!-- mgsync-plan: $key -->"
out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/mgsync-$(printf '%s' "$PWD $key" | cksum | cut -d ' ' -f 1)"
mkdir -p "$out"
exit_code=1 step_code=1 changes_pending=false digest="" plan_file="" comment_file=""

# A failure comment: the marker, what failed, and the error (HTML-escaped, so any text is safe).
failure_comment() {  # $1 what failed, $2 file with the error text
  {
    printf '%s\n### mgsync %s failed for `%s`\n\n' "$marker" "$1" "$key"
    printf 'The previous plan in this comment is no longer current. The error:\n\n<pre>\n'
    head -c 60000 "$2" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
    printf '</pre>\n'
  } >"$out/comment.md"
  comment_file="$out/comment.md"
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

run_plan() {
  local format=${MGSYNC_FORMAT:-markdown} ext
  case "$format" in markdown) ext=md ;; json) ext=json ;; *) ext=txt ;; esac
  rm -f "$out/saved-plan.json"
  mgsync plan --format "$format" --detailed-exitcode --out "$out/saved-plan.json" ${args[@]+"${args[@]}"} \
    "${paths[@]}" >"$out/plan.$ext" 2>"$out/plan.err"
  exit_code=$?
  cat "$out/plan.$ext"
  cat "$out/plan.err" >&2
  plan_file="$out/plan.$ext"
  case "$exit_code" in
    0 | 2)
      [ "$exit_code" = 0 ] || changes_pending=true
      digest=$(python -c 'import json, sys; print(json.load(open(sys.argv[1], encoding="utf-8"))["digest"])' \
        "$out/saved-plan.json")
      if [ "$format" = markdown ]; then  # swap mgsync's generic marker for the namespaced one
        { echo "$marker"; sed -e '1{/^<!-- mgsync-plan -->$/d;}' "$out/plan.md"; } >"$out/comment.md"
        comment_file="$out/comment.md"
      fi
      step_code=0 ;;  # pending changes are what a pull request is for
    *)
      failure_comment plan "$out/plan.err"
      step_code=$exit_code ;;
  esac
}

run_apply() {
  local expect=() lockfile=${MGSYNC_LOCKFILE:-}
  [ -z "${MGSYNC_EXPECT_PLAN:-}" ] || expect=(--expect-plan "$MGSYNC_EXPECT_PLAN")
  mgsync apply --yes ${expect[@]+"${expect[@]}"} ${args[@]+"${args[@]}"} "${paths[@]}" 2>&1 | tee "$out/apply.txt"
  exit_code=${PIPESTATUS[0]}
  plan_file="$out/apply.txt"
  [ "$exit_code" != 0 ] || digest=${MGSYNC_EXPECT_PLAN:-}
  step_code=$exit_code
  if [ "${MGSYNC_COMMIT_LOCKFILE:-false}" = true ]; then
    if [ -z "$lockfile" ]; then
      if [ -d "${paths[0]}" ]; then lockfile="${paths[0]%/}/mgsync.lock"; else lockfile="$(dirname "${paths[0]}")/mgsync.lock"; fi
    fi
    if [ -e "$lockfile" ]; then
      bash "$here/commit-lockfile.sh" "$lockfile" || { [ "$step_code" != 0 ] || step_code=1; }
    fi
  fi
}

case "$command" in
  validate) run_validate ;;
  plan) run_plan ;;
  apply) run_apply ;;
  *) echo "::error::mgsync action: command must be validate, plan or apply, not \"$command\"" ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  printf '%s=%s\n' exit-code "$exit_code" changes-pending "$changes_pending" digest "$digest" \
    plan-file "$plan_file" comment-file "$comment_file" >>"$GITHUB_OUTPUT"
fi
exit "$step_code"
