"""The pull-request comment: a hidden marker, a loud banner for deletes, a table, the details.

The comment must fit GitHub's 65,536 characters (``LIMIT`` leaves a margin) without hiding a change
to a non-bulk object. So it gives up detail in this order: first bulk collections (members,
suppressions) shrink from a sample to one counted line per scope; then, only if that is not enough,
sections are cut at item boundaries from the least important up (not-managed lists, drift, details),
and each cut says exactly what it left out and where the full plan is. The head (marker, heading,
banner, table, summary) is never cut.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgsync.changes import Action, Change, Drift
from mgsync.plan import Plan
from mgsync.render import rendered, terminal
from mgsync.render import values
from mgsync.render.summary import counts, summary_line

MARKER = "<!-- mgsync-plan -->"
HEADING = "### mgsync plan"
LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
BANNER_ADDRESSES = 10
UPDATE_GUTTER = "!"
FULL_PLAN = "run `mgsync plan` locally (or read this job's log) for the full plan"


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


def markdown(plan: Plan, *, limit: int = LIMIT, full: bool = False) -> str:
    head = [MARKER, HEADING, "", *_banner(plan), *_table(plan), f"**{summary_line(plan)}**"]
    fixed = [s for s in (_notes(plan), _drift(plan), _unmanaged(plan)) if s is not None]
    details = _details(plan, full=full, sample=terminal.SAMPLE)
    if _cost(head) + sum(_cost(s.lines()) for s in [*fixed, details] if s) > limit and details is not None:
        details = _details(plan, full=False, sample=0)  # bulk detail goes first
    return _fit(head, [s for s in [*fixed, details, rendered.section(plan)] if s is not None], limit)


def _banner(plan: Plan) -> list[str]:
    deleted = [c.address for c in plan.changes if c.action is Action.DELETE]
    if not deleted:
        return []
    noun = "object" if len(deleted) == 1 else "objects"
    lines = ["> [!CAUTION]", f"> This plan deletes {len(deleted)} {noun}:"]
    lines += [f"> - {code(str(a))}" for a in deleted[:BANNER_ADDRESSES]]
    if len(deleted) > BANNER_ADDRESSES:
        lines.append(f"> - … and {len(deleted) - BANNER_ADDRESSES} more")
    return [*lines, ""]


def _table(plan: Plan) -> list[str]:
    by_kind = {kind: counts(changes) for kind, changes in plan.by_kind().items()}
    if not by_kind:
        return []
    columns = ["add", "change", "destroy"]
    if any(n["forget"] for n in by_kind.values()):
        columns.append("forget")
    lines = [f"| kind | {' | '.join(columns)} |", "| --- |" + " ---: |" * len(columns)]
    for kind, n in by_kind.items():
        cells = " | ".join(str(n[c]) for c in columns)
        name = values.clean(kind).replace("|", "\\|")
        lines.append(f"| {name} | {cells} |")
    return [*lines, ""]


def _notes(plan: Plan) -> Section | None:
    if not plan.notes:
        return None
    items = [Item([f"- {_escape(note)}"], "note") for note in plan.notes]
    return Section(["#### Notes", ""], items, unit="notes", priority=3)


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


def _unmanaged(plan: Plan) -> Section | None:
    groups = terminal.unmanaged_groups(plan)
    if not groups:
        return None
    items = []
    for kind, scope, addresses in groups:
        title = terminal.unmanaged_title(kind, "", len(addresses)) + (f" in {code(scope)}" if scope else "")
        names = ", ".join(code(terminal.name_in(a, scope)) for a in addresses[: terminal.SAMPLE])
        more = f", … and {len(addresses) - terminal.SAMPLE} more" if len(addresses) > terminal.SAMPLE else ""
        items.append(Item([f"- {title}: {names}{more}"], title))
    return Section([f"#### {terminal.UNMANAGED_HEADER.rstrip(':')}", ""], items, unit="groups", priority=0)


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


def _fit(head: list[str], sections: list[Section], limit: int) -> str:
    """Sections in their order; room is handed out by priority, and a section that does not get
    all it needs is cut between items with a note of exactly what it left out."""
    budget = limit - len("\n".join(head))
    room: dict[int, list[str]] = {}
    for index in sorted(range(len(sections)), key=lambda i: -sections[i].priority):
        room[index] = _cut(sections[index], budget)
        budget -= _cost(room[index])
    return "\n".join([*head, *(line for index in range(len(sections)) for line in room[index])])


def _cut(section: Section, budget: int) -> list[str]:
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
    while keep > 0 and frame + spent[keep] + _cost([_left_out(section, keep, lines)]) > budget:
        keep -= 1  # a few steps at most: the note is one line
    if keep > 0:
        return [*section.lines(section.items[:keep]), "", _left_out(section, keep, lines)]
    note = ["", _left_out(section, 0, lines)]
    return note if _cost(note) <= budget else []


def _left_out(section: Section, kept: int, lines: list[int]) -> str:
    """``… left out: 45 more changes (`route:r255 … route:r299`, 134 lines); run `mgsync plan` …``."""
    rest = section.items[kept:]
    count = lines[-1] - lines[kept]
    span = rest[0].label if len(rest) == 1 else f"{rest[0].label} … {rest[-1].label}"
    return f"… left out: {len(rest):,} more {section.unit} ({code(span)}, {count:,} lines); {FULL_PLAN}."


def code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    text = values.clean(text)
    run = max((len(r) for r in re.findall("`+", text)), default=0)
    pad = " " if run else ""
    return f"{'`' * (run + 1)}{pad}{text}{pad}{'`' * (run + 1)}"


def _escape(note: str) -> str:
    return values.clean(note).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cost(lines: Sequence[str]) -> int:
    """Characters ``lines`` add after existing text: each line plus its newline."""
    return sum(len(line) + 1 for line in lines)
