"""The pull-request comment: a hidden marker, the first screen, then collapsed sections.

The first screen (screen.py: the heading with paths, commit and run; the summary; a caution for what
the plan deletes or stops; every changed object's address by action), then the notes about this
change and the drift, all before the first ``<details>``. Collapsed below: the details, the notes
that describe the account rather than this change (``Plan.account_notes``: a domain still
unverified, a certificate's status; the same on every plan, so only one line says so when they are
the ones the lockfile recorded at the last apply) and the objects not managed. Objects
Mailgun itself owns (``Kind.protected``, such as every domain's ``postmaster`` login) are left out
of "not managed": they are in every account and mgsync never touches them.

The comment must fit GitHub's 65,536 characters (``LIMIT`` leaves a margin) without hiding a change
to a non-bulk object. So it gives up detail in this order: first bulk collections (members,
suppressions) shrink from a sample to one counted line per scope; then, only if that is not enough,
sections are cut at item boundaries from the least important up (not managed, account notes,
drift, details), and each cut says exactly what it left out and where the full plan is: with a run
URL, the run's artifacts (the workflow uploads ``mgsync plan --format text --full``), and a line on
the first screen says so. The head (marker, heading, summary, caution) is never cut.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mgsync.changeprints import labelled_fingerprints
from mgsync.changes import Action, Change, Drift
from mgsync.kinds import BY_NAME, Kind, Prunable
from mgsync.plan import Plan
from mgsync.render import rendered, screen, terminal, values
from mgsync.render.screen import Heading, code
from mgsync.render.summary import summary_line
from mgsync.state import Address

MARKER = "<!-- mgsync-plan -->"
LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
UPDATE_GUTTER = "!"
SHORTENED = "> [!NOTE]\n> This comment is shortened to fit GitHub's limit; {full_plan}."


@dataclass(frozen=True)
class Item:
    lines: Sequence[str]
    label: str  # what it is, for the note when it is left out


@dataclass(frozen=True)
class Section:
    prefix: Sequence[str]
    items: Sequence[Item]  # cut between items, never inside one
    suffix: Sequence[str] = ()
    unit: str = "items"
    priority: int = 0  # higher keeps its room first

    def lines(self, items: Sequence[Item] | None = None) -> list[str]:
        body = [line for item in (self.items if items is None else items) for line in item.lines]
        return ["", *self.prefix, *body, *self.suffix]


def markdown(
    plan: Plan,
    *,
    limit: int = LIMIT,
    full: bool = False,
    heading: Heading = Heading(),
    account_recorded: str | None = None,
) -> str:
    """``account_recorded``: the lockfile's digest of the account notes (``Lockfile.account_notes``)."""
    own, base = _apart(plan, heading.base)
    apart = (
        f" {len(base.changes):,} of these changes are already on the base branch (listed apart)."
        if base.changes
        else ""
    )
    head, caution = [MARKER, *heading.lines(), "", f"**{summary_line(plan)}**{apart}"], screen.caution(plan)
    first = [*_actions(own), _on_base(base), _notes(plan), _drift(plan)]  # the rest of the first screen
    collapsed = [_account_notes(plan, account_recorded), _unmanaged(plan)]
    details = _details(plan, full=full, sample=terminal.SAMPLE)
    whole = _cost([*head, *caution]) + sum(_cost(s.lines()) for s in [*first, details, *collapsed] if s)
    if whole > limit and details is not None:
        details = _details(plan, full=False, sample=0)  # bulk detail goes first
    sections = [s for s in [*first, details, _rendered(plan), *collapsed] if s is not None]
    return _fit(head, caution, sections, limit, heading.full_plan())


def _actions(plan: Plan) -> list[Section]:
    """Every changed object's address under its action (screen.actions), cut last of all."""
    return [
        Section([title, ""], [Item([line], label) for line, label in lines], unit="addresses", priority=4)
        for title, lines in screen.actions(plan)
    ]


def _apart(plan: Plan, base: frozenset[str] | None) -> tuple[Plan, Plan]:
    """(this change's own, the base branch's) changes: a change whose every fingerprint is in the base
    branch's own plan is already there, not made by this change."""
    if not base:
        return plan, replace(plan, changes=[])
    on_base = [all(fp in base for _, fp in labelled_fingerprints(c)) for c in plan.changes]
    return (
        replace(plan, changes=[c for c, there in zip(plan.changes, on_base, strict=True) if not there]),
        replace(plan, changes=[c for c, there in zip(plan.changes, on_base, strict=True) if there]),
    )


def _on_base(base: Plan) -> Section | None:
    """The changes already on the base branch, apart, so that approving them is a decision, not a surprise."""
    if not base.changes:
        return None
    items = [
        Item([*([""] if number else []), title, "", *(line for line, _ in lines)], "already on the base branch")
        for number, (title, lines) in enumerate(screen.actions(base))
    ]
    intro = [
        "#### Already on the base branch, not from this pull request",
        "",
        "No apply has made these yet (a commit that reached the branch without review?); "
        "approving this pull request approves them too.",
        "",
    ]
    return Section(intro, items, unit="groups", priority=4)


def _notes(plan: Plan) -> Section | None:
    """Notes about this change: the next step of a change, a refusal, a deletion to confirm (a threshold
    crossed is in the caution: ``screen.caution``)."""
    elsewhere = {*plan.account_notes, *plan.threshold_notes()}
    items = [Item([f"- {screen.escape(note)}"], "note") for note in plan.notes if note not in elsewhere]
    return Section(["#### Notes", ""], items, unit="notes", priority=3) if items else None


def _account_notes(plan: Plan, recorded: str | None) -> Section | None:
    """The notes on the account, collapsed; one line instead when they are the ones the last apply or
    import recorded (the same on every plan until a domain is verified or a certificate issued)."""
    if not plan.account_notes:
        return None
    count = f"{len(plan.account_notes)} {'note' if len(plan.account_notes) == 1 else 'notes'}"
    if recorded == plan.account_digest:
        line = f"Account status unchanged since the last apply ({count}: `mgsync plan` lists them)."
        return Section([], [Item([line], "account status")], unit="lines", priority=0)
    items = [Item([f"- {screen.escape(note)}"], "note") for note in plan.account_notes]
    changed = ", changed since the last apply" if recorded else ""  # none recorded: an older lockfile, or none yet
    summary = f"<details><summary>Account status: {count}{changed}</summary>"
    return Section([summary, ""], items, ["", "</details>"], unit="notes", priority=0)


def _drift(plan: Plan) -> Section | None:
    if not plan.drift:
        return None
    items = [Item([_drift_bullet(d)], str(d.address)) for d in plan.drift]
    return Section([f"#### {terminal.DRIFT_HEADER.rstrip(':')}", ""], items, unit="drifted objects", priority=1)


def _drift_bullet(item: Drift) -> str:
    if item.deleted:
        return f"- {code(str(item.address))} was deleted in Mailgun"
    changed = ", ".join(code(f"{values.path_text(f.path)}: {values.change(f.before, f.after)}") for f in item.fields)
    return f"- {code(str(item.address))}: {changed}"


def _unprotected(kind: Kind[Any], addresses: list[Address]) -> list[Address]:
    """``addresses`` without Mailgun's own objects (``Prunable.protected``)."""
    return [a for a in addresses if not kind.protected(a)] if isinstance(kind, Prunable) else addresses


def _unmanaged(plan: Plan) -> Section | None:
    groups = [
        (kind, scope, _unprotected(BY_NAME[kind], addresses))
        for kind, scope, addresses in terminal.unmanaged_groups(plan)
    ]
    groups = [group for group in groups if group[2]]  # Mailgun's own objects are not noise to review
    if not groups:
        return None
    items = []
    for kind, scope, addresses in groups:
        title = terminal.unmanaged_title(kind, "", len(addresses)) + (f" in {code(scope)}" if scope else "")
        names = ", ".join(code(terminal.name_in(a, scope)) for a in addresses[: terminal.SAMPLE])
        more = f", … and {len(addresses) - terminal.SAMPLE:,} more" if len(addresses) > terminal.SAMPLE else ""
        items.append(Item([f"- {title}: {names}{more}"], title))
    total = sum(len(addresses) for _, _, addresses in groups)
    summary = f"<details><summary>{terminal.UNMANAGED_HEADER.rstrip(':')}: {total:,}</summary>"
    return Section([summary, ""], items, ["", "</details>"], unit="groups", priority=0)


def _rendered(plan: Plan) -> Section | None:
    """The rendered diffs of changed templates (rendered.py), one collapsed ``<details>`` each."""
    items: list[Item] = []
    for found in rendered.renderings(plan, Action.UPDATE):
        diff = [row.text if row.mark == "@" else f"{row.mark or ' '}{row.text}" for row in found.text_rows()]
        fence = "`" * max(3, 1 + max((len(run) for line in diff for run in re.findall("`+", line)), default=0))
        summary = f"Rendered: {code(str(found.change.address))} with {code(found.data)}"
        lines = ["<details>", f"<summary>{summary}</summary>", "", f"{fence}diff", *diff, fence, "", "</details>"]
        items.append(Item([*([""] if items else []), *lines], str(found.change.address)))
    return Section(["#### Rendered templates", ""], items, unit="rendered templates", priority=1) if items else None


def _details(plan: Plan, *, full: bool, sample: int) -> Section | None:
    if not plan.changes:
        return None
    items = []
    for item in terminal.grouped(plan.changes, full=full, sample=sample):
        if isinstance(item, Change):
            block, label = terminal.change_block(item), str(item.address)
        else:
            action, kind, scope = item.key
            block, label = terminal.group_block(item), f"{action.symbol} {terminal.bulk_title(kind, scope, item.count)}"
        items.append(Item(_diff_lines(block), label))
    items = [Item([*item.lines, ""], item.label) for item in items[:-1]] + items[-1:]
    longest = max((len(run) for item in items for line in item.lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    prefix = ["<details><summary>Details</summary>", "", f"{fence}diff"]
    return Section(prefix, items, [fence, "", "</details>"], unit="changes", priority=2)


def _diff_lines(block: Sequence[terminal.Line]) -> list[str]:
    """A block's lines for a ```diff fence. GitHub's diff grammar colours lines starting with ``+``,
    ``-`` and ``!`` but not ``~``: in an update block, the head and every changed field's row get a
    ``!`` gutter; added and removed elements keep theirs, and the context under a field stays plain."""
    lines = [line.diff() for line in block]
    if not block or block[0].symbol != Action.UPDATE.symbol:
        return lines
    return [UPDATE_GUTTER + text[1:] if _changed_row(line) and text else text for line, text in zip(block, lines)]


def _changed_row(line: terminal.Line) -> bool:
    return line.head or (line.indent == terminal.DETAIL and not line.symbol and bool(line.body))


def _fit(head: list[str], caution: list[str], sections: list[Section], limit: int, full_plan: str) -> str:
    """Sections in their order; room is handed out by priority, and a section that does not get
    all it needs is cut between items with a note of exactly what it left out. Room for the lines
    that say the comment was shortened (after the summary) is kept whether they are needed or not."""
    shortened = ["", *SHORTENED.format(full_plan=full_plan).splitlines()]
    budget = limit - len("\n".join([*head, *caution])) - _cost(shortened)
    room: dict[int, list[str]] = {}
    for index in sorted(range(len(sections)), key=lambda i: -sections[i].priority):
        room[index] = _cut(sections[index], budget, full_plan)
        budget -= _cost(room[index])
    cut = any(room[index] != sections[index].lines() for index in room)
    body = [line for index in range(len(sections)) for line in room[index]]
    return "\n".join([*head, *(shortened if cut else []), *caution, *body])


def _cut(section: Section, budget: int, full_plan: str) -> list[str]:
    """``section`` whole if it fits ``budget`` characters, else as many items as fit and the note."""
    whole = section.lines()
    if _cost(whole) <= budget:
        return whole
    frame = _cost(["", *section.prefix, *section.suffix, ""])
    spent, lines = [0], [0]  # over the first k items: characters, lines
    for item in section.items:
        spent.append(spent[-1] + _cost(item.lines))
        lines.append(lines[-1] + len(item.lines))
    keep = bisect.bisect_right(spent, budget - frame) - 1  # ignoring the note, at most this many fit
    while keep > 0 and frame + spent[keep] + _cost([_left_out(section, keep, lines, full_plan)]) > budget:
        keep -= 1  # a few steps at most: the note is one line
    if keep > 0:
        return [*section.lines(section.items[:keep]), "", _left_out(section, keep, lines, full_plan)]
    note = ["", _left_out(section, 0, lines, full_plan)]
    return note if _cost(note) <= budget else []


def _left_out(section: Section, kept: int, lines: list[int], full_plan: str) -> str:
    """``… left out: 45 more changes (`route:r255 … route:r299`, 134 lines); the full plan is …``."""
    rest = section.items[kept:]
    count = lines[-1] - lines[kept]
    span = rest[0].label if len(rest) == 1 else f"{rest[0].label} … {rest[-1].label}"
    return f"… left out: {len(rest):,} more {section.unit} ({code(span)}, {count:,} lines); {full_plan}."


def _cost(lines: Sequence[str]) -> int:
    """Characters ``lines`` add after existing text: each line plus its newline."""
    return sum(len(line) + 1 for line in lines)
