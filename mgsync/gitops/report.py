"""Tell each merged pull request an apply covered what happened, and write the same to the job summary.

The result is read from ``mgsync apply``'s own interface lines: ``Plan digest: sha256:...`` and the
``Plan: N to add, ...`` summary for what was applied, and the last line (mgsync's one-line error)
for a refusal or failure.
"""

from __future__ import annotations

import re

from mgsync.gitops.comments import RESULT_MARKER
from mgsync.gitops.github import GitHub
from mgsync.gitops.reviewed import Range

DIGEST = re.compile(r"^Plan digest: (sha256:[0-9a-f]{64})$", re.M)
COUNTS = re.compile(r"^Plan: \d+ to add, \d+ to change, \d+ to destroy\.$", re.M)
UNREVIEWED = 3  # mgsync's exit code for a plan that is not the reviewed one


def outcome(code: int, log: str) -> tuple[str, list[str]]:
    """A one-word result and its lines, from apply's exit code and output."""
    if code == 0:
        digest, counts = DIGEST.search(log), COUNTS.search(log)
        lines = [
            f"Applied plan digest: `{digest.group(1)}`" if digest else "Nothing to apply: Mailgun already matched."
        ]
        return "applied", lines + ([counts.group(0)] if counts else [])
    last = next((line for line in reversed(log.splitlines()) if line.strip()), "(no output)")
    word = "refused" if code == UNREVIEWED else f"failed (exit {code})"
    return word, ["Nothing unreviewed was applied." if code == UNREVIEWED else "The apply stopped:", f"> {last}"]


def told(found: Range, code: int) -> list[int]:
    """Who hears of the result: the pull requests with a plan for this directory; after a refusal or a
    failure also those without one, since their changes may be what nobody reviewed."""
    return [c.number for c in found.covered if c.planned or code != 0]


def body(found: Range, *, key: str, code: int, log: str, run_url: str, branch: str) -> str:
    word, lines = outcome(code, log)
    if found.error:
        word, lines = (
            f"failed (exit {code})",
            ["Nothing was applied: the apply could not work out what to.", f"> {found.error}"],
        )
    pulls = ", ".join(f"#{n}" for n in told(found, code)) or "no pull request"
    out = [
        RESULT_MARKER.format(key=key),
        f"### mgsync apply for `{key}`: {word}",
        "",
        f"[Run]({run_url}) on `{branch}` at `{found.tip[:12]}`, covering {pulls}.",
        "",
        *lines,
    ]
    if found.direct and code == 0:
        shas = ", ".join(f"`{sha[:12]}`" for sha in found.direct)
        out += [
            "",
            f"Included {shas}, which reached `{branch}` without a pull request: its changes were applied only as "
            f"far as a reviewed plan listed them (as already on `{branch}`, not from that pull request).",
        ]
    problems = [f"- {c.problem}" for c in found.covered if c.problem]
    problems += [f"- `{sha[:12]}` reached `{branch}` without a merged pull request" for sha in found.direct]
    if problems and code != 0:
        out += ["", "Not reviewed:", *problems]
    if code == UNREVIEWED:
        out += [
            "",
            f"To apply after review: open a pull request, or run the workflow by hand (Actions, mgsync, "
            f"Run workflow on `{branch}`): it shows the plan of `{branch}` and applies exactly that plan "
            "once a reviewer of the `mailgun-approval` environment approves.",
        ]
    return "\n".join(out) + "\n"


def tell(gh: GitHub | None, numbers: list[int], text: str) -> list[int]:
    """Comment on each of these pull requests; returns their numbers."""
    if gh is None:
        return []
    for number in numbers:
        gh.post(f"/issues/{number}/comments", {"body": text})
    return numbers
