"""The pull-request comment: a hidden marker, a loud banner for deletes, a table, the details.

The head (marker, heading, banner, table, summary) is never cut. The sections after it (notes,
drift, not managed, details) fill the remaining ``limit`` in order; the first that does not fit is
cut at a line boundary and a note says how much was left out, so the comment always posts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgsync.changes import Action, Drift
from mgsync.plan import Plan
from mgsync.render import terminal
from mgsync.render import values
from mgsync.render.summary import counts, summary_line

MARKER = "<!-- mgsync-plan -->"
HEADING = "### mgsync plan"
BANNER_ADDRESSES = 10
UPDATE_GUTTER = "!"
SECTION_ITEMS = 20  # bullets per drift / not-managed section; the rest are counted


@dataclass(frozen=True)
class Section:
    prefix: Sequence[str]
    body: Sequence[str]  # the part that may be cut
    suffix: Sequence[str] = ()


def markdown(plan: Plan, *, limit: int = 60_000) -> str:
    head = [MARKER, HEADING, "", *_banner(plan), *_table(plan), f"**{summary_line(plan)}**"]
    sections = [_notes(plan), _drift(plan), _unmanaged(plan), _details(plan)]
    return _fit(head, [s for s in sections if s is not None], limit)


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
    return Section(["#### Notes", ""], [f"- {_escape(note)}" for note in plan.notes])


def _drift(plan: Plan) -> Section | None:
    if not plan.drift:
        return None
    bullets = [_drift_bullet(d) for d in plan.drift[:SECTION_ITEMS]]
    if len(plan.drift) > SECTION_ITEMS:
        bullets.append(f"- … and {len(plan.drift) - SECTION_ITEMS} more; run `mgsync plan` to see all")
    return Section([f"#### {terminal.DRIFT_HEADER.rstrip(':')}", ""], bullets)


def _drift_bullet(item: Drift) -> str:
    if item.deleted:
        return f"- {code(str(item.address))} was deleted in Mailgun"
    changed = ", ".join(code(f"{f.path}: {values.change(f.before, f.after)}") for f in item.fields)
    return f"- {code(str(item.address))}: {changed}"


def _unmanaged(plan: Plan) -> Section | None:
    groups = terminal.unmanaged_groups(plan)
    if not groups:
        return None
    bullets = []
    for kind, scope, addresses in groups[:SECTION_ITEMS]:
        title = terminal.unmanaged_title(kind, "", len(addresses)) + (f" in {code(scope)}" if scope else "")
        names = ", ".join(code(terminal.name_in(a, scope)) for a in addresses[: terminal.SAMPLE])
        more = f", … and {len(addresses) - terminal.SAMPLE} more" if len(addresses) > terminal.SAMPLE else ""
        bullets.append(f"- {title}: {names}{more}")
    if len(groups) > SECTION_ITEMS:
        bullets.append(f"- … and {len(groups) - SECTION_ITEMS} more groups; run `mgsync plan` to see all")
    return Section([f"#### {terminal.UNMANAGED_HEADER.rstrip(':')}", ""], bullets)


def _details(plan: Plan) -> Section | None:
    if not plan.changes:
        return None
    lines = _diff_lines(plan)
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return Section(["<details><summary>Details</summary>", "", f"{fence}diff"], lines, [fence, "", "</details>"])


def _diff_lines(plan: Plan) -> list[str]:
    """The details' lines; GitHub's diff grammar colours lines starting with ``+``, ``-`` and ``!``
    but not ``~``, so every line of an update block gets a ``!`` gutter."""
    out, updating = [], False
    for line in terminal.action_lines(plan):
        text = line.diff()
        if line.head:
            updating = line.symbol == Action.UPDATE.symbol
        out.append(UPDATE_GUTTER + text[1:] if updating and text and not line.gutter else text)
    return out


def _fit(head: list[str], sections: list[Section], limit: int) -> str:
    out = list(head)
    budget = limit - len("\n".join(out))
    for index, section in enumerate(sections):
        whole = ["", *section.prefix, *section.body, *section.suffix]
        if _cost(whole) <= budget:
            out += whole
            budget -= _cost(whole)
            continue
        later = sum(len(s.body) for s in sections[index + 1:])
        out += _cut(section, budget, later)
        break
    return "\n".join(out)


def _cut(section: Section, budget: int, later: int) -> list[str]:
    """As much of ``section`` as fits in ``budget`` characters, then the truncation note."""
    frame = ["", *section.prefix, *section.suffix, "", truncated(len(section.body) + later)]
    available = budget - _cost(frame)
    taken: list[str] = []
    for line in section.body:
        available -= len(line) + 1
        if available < 0:
            break
        taken.append(line)
    note = truncated(len(section.body) - len(taken) + later)
    if not taken:
        return ["", note] if _cost(["", note]) <= budget else []
    return ["", *section.prefix, *taken, *section.suffix, "", note]


def truncated(lines: int) -> str:
    return f"… truncated: {lines} more lines; run `mgsync plan` locally for the full plan."


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
