#!/usr/bin/env bash
# Commit the lockfile an apply wrote and get it onto the branch, so ownership survives CI:
#
#   1. nothing to do when the lockfile did not change;
#   2. push; when the branch moved meanwhile (non-fast-forward), fetch, rebase and try again;
#   3. when the server refuses the branch itself (a protected branch, a hook), push the commit to
#      mgsync/lockfile/<branch> and open a pull request for it, or update the one already open;
#   4. when neither works, fail loudly: Mailgun was changed, and the record of what mgsync owns must
#      not be lost quietly (README, "When a lockfile commit is lost").
#
# Usage: commit-lockfile.sh LOCKFILE     (run inside the checkout)
# Environment (all optional):
#   MGSYNC_GIT_REMOTE     remote to push to (origin)
#   MGSYNC_BRANCH         branch to update (GITHUB_REF_NAME, else the current branch)
#   MGSYNC_PUSH_ATTEMPTS  pushes to try before giving up on the branch (3)
#   MGSYNC_PUSH_TOKEN     token for https remotes, used per command: the checkout keeps no credentials
#   GH_TOKEN              token for `gh` (pull requests); GITHUB_REPOSITORY names the repository
set -euo pipefail

lockfile=${1:?usage: commit-lockfile.sh LOCKFILE}
remote=${MGSYNC_GIT_REMOTE:-origin}
branch=${MGSYNC_BRANCH:-${GITHUB_REF_NAME:-$(git rev-parse --abbrev-ref HEAD)}}
attempts=${MGSYNC_PUSH_ATTEMPTS:-3}
pr_branch="mgsync/lockfile/$branch"
bot="github-actions[bot]"
# The runner has no git identity, and both the commit and a rebase of it need one.
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-$bot} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-41898282+$bot@users.noreply.github.com}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}

net() {  # a git command that talks to the remote, with the token for this command only
  if [ -n "${MGSYNC_PUSH_TOKEN:-}" ]; then
    local basic
    basic=$(printf 'x-access-token:%s' "$MGSYNC_PUSH_TOKEN" | base64 | tr -d '\n')
    [ -z "${GITHUB_ACTIONS:-}" ] || echo "::add-mask::$basic"
    git -c "http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader=AUTHORIZATION: basic $basic" "$@"
  else
    git "$@"
  fi
}

fail() {
  echo "::error title=mgsync lockfile not saved::$1 The apply changed Mailgun, but $lockfile is not in git:" \
    "re-run this job, or see \"When a lockfile commit is lost\" in mgsync's README." >&2
  exit 1
}

commit() {
  git add -- "$lockfile"
  if git diff --cached --quiet -- "$lockfile"; then
    echo "mgsync: $lockfile is unchanged; nothing to commit."
    exit 0
  fi
  git commit --quiet -m "mgsync: update $lockfile [skip ci]" -- "$lockfile"
}

# Push to the branch; 0 pushed, 1 refused by the server (protected), 2 gave up otherwise.
push_to_branch() {
  local attempt status
  for attempt in $(seq 1 "$attempts"); do
    if status=$(net push --porcelain "$remote" "HEAD:refs/heads/$branch" 2>&1); then
      echo "mgsync: pushed $lockfile to $branch."
      return 0
    fi
    echo "$status" >&2
    case "$status" in
      *"[remote rejected]"*) return 1 ;;
      *"[rejected]"*)  # the branch moved (another push): rebase our one commit onto it and retry
        echo "mgsync: $branch moved; rebasing the lockfile commit (attempt $attempt of $attempts)." >&2
        net fetch --quiet "$remote" "$branch" || return 2
        if ! git rebase --quiet FETCH_HEAD; then
          git rebase --abort
          echo "mgsync: the lockfile commit does not rebase cleanly onto $branch." >&2
          return 1
        fi ;;
      *) return 2 ;;
    esac
  done
  return 2
}

open_pull_request() {
  net push --quiet --force "$remote" "HEAD:refs/heads/$pr_branch" || fail "Pushing $pr_branch failed as well."
  command -v gh >/dev/null || fail "Pushed $pr_branch, but the gh CLI is missing to open a pull request."
  local repo=() number
  [ -z "${GITHUB_REPOSITORY:-}" ] || repo=(--repo "$GITHUB_REPOSITORY")
  number=$(gh pr list ${repo[@]+"${repo[@]}"} --head "$pr_branch" --base "$branch" --state open \
    --json number --jq '.[0].number // empty') || fail "Pushed $pr_branch, but listing pull requests failed."
  if [ -n "$number" ]; then
    echo "mgsync: updated pull request #$number with the new $lockfile; merge it to keep ownership."
  else
    gh pr create ${repo[@]+"${repo[@]}"} --head "$pr_branch" --base "$branch" \
      --title "mgsync: update $lockfile" \
      --body "The apply on \`$branch\` changed Mailgun, and \`$branch\` refused a direct push of the lockfile. Merge this pull request so mgsync keeps its record of what it manages." \
      || fail "Pushed $pr_branch, but opening a pull request failed."
  fi
  echo "::warning title=mgsync lockfile waits in a pull request::$branch refused the push; merge the pull request from $pr_branch."
}

commit
if push_to_branch; then
  exit 0
else
  status=$?
fi
[ "$status" = 1 ] || fail "Pushing to $branch failed $attempts times."
open_pull_request
