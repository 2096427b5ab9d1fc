"""A template's versions (mailgun-api.md §6): their tags, the order they age in, and which ones
pruning deletes when mgsync adds a version. Pure functions of the versions listing; the template
kind reads and deletes them.

Knows no client, no plan and no manifest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any

from mgsync.fingerprint import fingerprint

MAX_VERSIONS = 40  # "A template can store up to 40 versions" (mailgun-api.md §6.1)
DEFAULT_KEEP = 10  # keep_versions when a manifest does not say
Version = Mapping[str, Any]  # one item of the versions listing: tag, active, createdAt


def version_tag(fields: Mapping[str, Any]) -> str:
    """The tag of the version holding ``fields``' content: a digest of it, so the same content is one version."""
    content = {
        "template": fields.get("template") or "",
        "engine": fields.get("engine") or "handlebars",
        "headers": fields.get("headers") or {},
    }
    return "mgsync-" + fingerprint(content).removeprefix("sha256:")[:12]


def to_prune(versions: Sequence[Version], keep: int) -> list[str]:
    """The tags of the oldest inactive versions beyond ``keep`` (the active one always stays)."""
    inactive = [version for version in oldest_first(versions) if not version.get("active")]
    return [str(version["tag"]) for version in inactive[: max(0, len(versions) - keep)]]


def pruned_by_adding(versions: Sequence[Version], tag: str, keep: int) -> list[str]:
    """The tags deleted when the version ``tag`` is added and activated with ``keep``: none when it
    exists already (it is activated again); else the oldest inactive beyond ``keep`` with the new one
    counted, the version active until now kept (the one to go back to)."""
    if any(version["tag"] == tag for version in versions):
        return []
    return to_prune([*versions, {"tag": tag, "active": True}], keep)


def oldest_first(versions: Sequence[Version]) -> list[Version]:
    """``versions`` from the oldest: by ``createdAt``, which has whole seconds only; versions made in
    one second by the numbers in their tags (v2 before v10: ``v1``…``v30`` seeded at once), then in
    the listing's order. Never by the tag's text, which puts v10 before v2."""
    return sorted(versions, key=lambda version: (_created(version), _numbered(str(version.get("tag", "")))))


def _created(version: Version) -> float:
    try:
        return parsedate_to_datetime(version.get("createdAt", "")).timestamp()
    except (TypeError, ValueError):
        return 0.0


def _numbered(tag: str) -> tuple[tuple[int, int | str], ...]:
    """``tag`` split into runs of digits (compared as numbers) and of other text (compared as text)."""
    return tuple((0, int(run)) if run.isascii() and run.isdigit() else (1, run) for run in _RUNS.findall(tag))


_RUNS = re.compile(r"[0-9]+|[^0-9]+")
