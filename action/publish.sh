#!/usr/bin/env bash
# The plan job's publishing step: job summary, and on a pull request the sticky comment and labels.
# Environment: MGSYNC_KEY (the comment key), MGSYNC_AUTHOR, COMMENT_FILE, ARTIFACT_DIR (empty when the
# plan failed), GITHUB_TOKEN, MGSYNC_BIN; the rest is what the runner sets (GITHUB_EVENT_PATH, ...).
set -euo pipefail
# -P: import nothing from the working directory, the checkout, where a pull request's json.py or
# mgsync/ would run in place of the standard library's or mgsync's (Python 3.11+, as mgsync needs).
python() { command "${MGSYNC_BIN:+$MGSYNC_BIN/}python" -P "$@"; }
read -r -d '' -a words <<<"${MGSYNC_KEY:-.}" || true
saved=""
[ -z "${ARTIFACT_DIR:-}" ] || saved="$ARTIFACT_DIR/saved-plan.json"
python -m mgsync.gitops publish --key "${words[*]:-.}" --author "${MGSYNC_AUTHOR:-github-actions[bot]}" \
  --comment "${COMMENT_FILE:-}" --saved-plan "$saved"
