"""The plan comment's hidden lines and who may write them: the only trust decision of the loop.

A sticky plan comment starts with ``<!-- mgsync-plan: KEY -->`` (one per manifest directory), names
the run that made it in ``<!-- mgsync-run: ID -->`` and ends with ``Plan digest: `sha256:...` ``.
Anybody can post a comment with those lines, so the apply trusts only comments whose author is the
workflow's own identity (``github-actions[bot]``, type ``Bot``) and then checks the digest against
the saved plan that run uploaded (``reviewed.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

BOT = "github-actions[bot]"
RUN_LINE = re.compile(r"^<!-- mgsync-run: (\d+) -->$", re.M)
DIGEST_LINE = re.compile(r"^Plan digest: `(sha256:[0-9a-f]{64})`$", re.M)
RESULT_MARKER = "<!-- mgsync-apply: {key} -->"


def marker(key: str) -> str:
    return f"<!-- mgsync-plan: {key} -->"


def artifact_name(key: str) -> str:
    """The artifact of a plan run: a name GitHub accepts, one per manifest directory."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.") or "root"
    return f"mgsync-plan-{slug}"


def with_run(body: str, run_id: str, link: str) -> str:
    """The comment with the hidden run line after its marker and a link to the run's artifact."""
    head, _, rest = body.partition("\n")
    return f"{head}\n<!-- mgsync-run: {run_id} -->\n{rest.rstrip()}\n" + (f"\n{link}\n" if link else "")


def written_by(comment: dict[str, Any], author: str) -> bool:
    user = comment.get("user") or {}
    return bool(user.get("login") == author and user.get("type") == "Bot")


def first_line(comment: dict[str, Any]) -> str:
    return str(comment.get("body") or "").split("\n", 1)[0].rstrip("\r")


@dataclass(frozen=True)
class Sticky:
    """What the apply reads from a trusted plan comment."""

    comment_id: int
    url: str
    run_id: str | None
    digest: str | None  # None: the last plan failed, nothing was reviewed


def sticky(comments: list[dict[str, Any]], key: str, author: str) -> tuple[Sticky | None, list[str]]:
    """The last plan comment for ``key`` by ``author``, and the logins of look-alikes that were ignored."""
    ours = [c for c in comments if first_line(c) == marker(key)]
    ignored = [str((c.get("user") or {}).get("login", "?")) for c in ours if not written_by(c, author)]
    trusted = [c for c in ours if written_by(c, author)]
    if not trusted:
        return None, ignored
    last = trusted[-1]
    body = str(last.get("body") or "")
    run, digest = RUN_LINE.search(body), DIGEST_LINE.search(body)
    return Sticky(
        int(last["id"]), str(last.get("html_url", "")), run and run.group(1), digest and digest.group(1)
    ), ignored
