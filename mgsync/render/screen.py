"""The first screen of the pull-request comment: everything a reviewer sees above its first ``<details>``.

It says where the plan comes from (``Heading``: the manifest paths as given, the commit, a link to the
workflow run), what the plan ends (``caution``: that apply refuses it without --force, one line per
deleted object and per loss a kind names in ``Kind.losses``, such as a webhook URL whose deliveries
stop or a list's members), and every changed
object's address under add / change / destroy / forget (``actions``). A bulk collection with more than
``terminal.BULK`` changes of one action is one line with its count (``member:news@mg.example.com``
×2,000), as in the details; each action lists at most ``ADDRESSES`` lines and counts the rest, so a
plan of 1,500 new routes still has a first screen. Notes, drift and the details follow (comment.py).
Like the rest of render, it names no kind: nouns, containers and losses come from the registry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgsync.changes import Action, Change
from mgsync.plan import Plan
from mgsync.render import terminal, values

ADDRESSES = 50  # lines per action on the first screen; the details list every change
CAUTION_LINES = terminal.CAUTION_LINES
URL = re.compile(r"https?://[^\s<>]+")  # safe as a link destination in <…>
_COMMIT = re.compile(r"[0-9a-f]{7,64}")  # GitHub links a bare commit id in a comment to the commit
_TITLES = {Action.CREATE: "Add", Action.UPDATE: "Change", Action.DELETE: "Destroy", Action.FORGET: "Forget"}
_FORGET = ": no longer managed, left as they are in Mailgun"


@dataclass(frozen=True)
class Heading:
    """Where a plan comes from: the manifest paths as given on the command line, the commit planned
    (``plan --heading-commit``) and the workflow run that planned it (``plan --heading-run-url``); and
    the change fingerprints of the base branch's own plan (``plan --base-plan``): the changes this plan
    shares with it are listed apart, as already on the base branch."""

    paths: tuple[str, ...] = ()
    commit: str = ""
    run_url: str = ""
    base: frozenset[str] | None = None

    def lines(self) -> list[str]:
        title = "### mgsync plan" + (f" for {', '.join(code(p) for p in self.paths)}" if self.paths else "")
        source = [part for part in (self._commit(), self._run()) if part]
        return [title, "", " · ".join(source)] if source else [title]

    def full_plan(self) -> str:
        """Where the whole plan is when the comment had to be cut."""
        if URL.fullmatch(self.run_url):  # the workflow uploads `mgsync plan --format text --full`
            return f"the full plan is uploaded as an artifact of this run: [artifacts](<{self.run_url}#artifacts>)"
        return "run `mgsync plan --full` for the full plan"

    def _commit(self) -> str:
        if not self.commit:
            return ""
        return f"Commit {self.commit if _COMMIT.fullmatch(self.commit) else code(self.commit)}"

    def _run(self) -> str:
        if not self.run_url:
            return ""
        return f"[Workflow run](<{self.run_url}>)" if URL.fullmatch(self.run_url) else f"Run {code(self.run_url)}"


def caution(plan: Plan) -> list[str]:
    """A ``[!CAUTION]`` alert: first that apply refuses the plan without --force (``Plan.threshold_notes``,
    not repeated under the notes), then each deleted object (a container with everything in it) and
    each loss its kind names, one line each; nothing when the plan ends and risks nothing."""
    found = [escape(note) for note in plan.threshold_notes()]
    found += terminal.endings(terminal.grouped(plan.changes, sample=0), code, escape)
    if not found:
        return []
    shown = [f"> - {line}" for line in found[:CAUTION_LINES]]
    if len(found) > CAUTION_LINES:
        shown.append(f"> - … and {len(found) - CAUTION_LINES:,} more (see Destroy below)")
    return ["", "> [!CAUTION]", *shown]


def actions(plan: Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    """``(title, [(line, what it names)])`` per action the plan has, in add / change / destroy / forget order."""
    by_action: dict[Action, list[Change | terminal.Group[Change]]] = {action: [] for action in _TITLES}
    for item in terminal.grouped(plan.changes, sample=0):
        by_action[item.key[0] if isinstance(item, terminal.Group) else item.action].append(item)
    result = []
    for action, items in by_action.items():
        if items:
            total = sum(item.count if isinstance(item, terminal.Group) else 1 for item in items)
            title = f"**{_TITLES[action]}** ({total:,}){_FORGET if action is Action.FORGET else ''}"
            result.append((title, _listed(items)))
    return result


def _listed(items: Sequence[Change | terminal.Group[Change]]) -> list[tuple[str, str]]:
    lines = [(f"- {_address_line(item)}", _label(item)) for item in items[:ADDRESSES]]
    rest = sum(item.count if isinstance(item, terminal.Group) else 1 for item in items[ADDRESSES:])
    if rest:
        lines.append((f"- … and {rest:,} more (the details list every one)", f"{rest:,} more"))
    return lines


def _label(item: Change | terminal.Group[Change]) -> str:
    if isinstance(item, terminal.Group):
        _, kind, scope = item.key
        return f"{kind}:{scope}" if scope else kind
    return str(item.address)


def _address_line(item: Change | terminal.Group[Change]) -> str:
    """The address (a bulk collection's, with its count); after an update's, the fields it changes."""
    if isinstance(item, terminal.Group):
        return f"{code(_label(item))} ×{item.count:,}"
    fields = dict.fromkeys(values.path_text(f.path) for f in item.fields)  # in order, once each
    return code(str(item.address)) + (f" ({', '.join(fields)})" if fields and item.action is Action.UPDATE else "")


def code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    text = values.clean(text)
    run = max((len(r) for r in re.findall("`+", text)), default=0)
    pad = " " if run else ""
    return f"{'`' * (run + 1)}{pad}{text}{pad}{'`' * (run + 1)}"


def escape(text: str) -> str:
    """Plain text for markdown: no HTML gets through."""
    return values.clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
