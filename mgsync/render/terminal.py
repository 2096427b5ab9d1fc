"""The terminal rendering: Terraform-like blocks, deterministic, colour only on request.

A plan is built as ``Line`` data first and painted last, so the markdown rendering can reuse the same
lines with a diff gutter instead of colour. Big collections stay readable: more than ``BULK`` changes
of one action in one (kind, scope) become one header with a sample of ``SAMPLE``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from mgsync.changes import Action, Change, Drift
from mgsync.kinds import BY_NAME
from mgsync.plan import Plan
from mgsync.render import values
from mgsync.render.summary import summary_line
from mgsync.state import Address

BULK = 20  # more changes than this in one (action, kind, scope) are sampled
SAMPLE = 5
HEADER = "mgsync will perform the following actions:"
DRIFT_HEADER = "Changed outside mgsync since the last apply (drift):"
UNMANAGED_HEADER = "Not managed (left alone):"
FORGOTTEN = "(no longer managed; left as it is)"
FORGOTTEN_MANY = "no longer managed; left as they are"

_COLOURS = {"+": "32", "~": "33", "-": "31", ".": "2"}
_DIM = "2"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Line:
    indent: int = 0
    symbol: str = ""  # + ~ - . painted in its colour
    body: str = ""
    note: str = ""  # trailing remark, painted dim
    gutter: str = ""  # markdown diff gutter: "+" / "-" on every line of a create / delete block
    head: bool = False  # a change's first line: markdown moves its symbol into the gutter

    def render(self, paint: Callable[[str, str], str]) -> str:
        parts = [" " * self.indent]
        if self.symbol:
            parts += [paint(self.symbol, _COLOURS[self.symbol]), " "]
        parts.append(self.body)
        if self.note:
            parts += [" " if self.body else "", paint(self.note, _DIM)]
        return "".join(parts)

    def diff(self) -> str:
        """The line for a ```diff fence: GitHub colours lines starting with + or -."""
        plain = self.render(_plain)
        if self.head:
            return f"{self.symbol}{' ' * (self.indent + 1)}{plain[self.indent + 2:]}"
        if self.gutter and plain:
            return self.gutter + plain[1:]
        return plain


@dataclass
class Group(Generic[_T]):
    key: tuple[Any, str, str]  # (action or deleted, kind, scope)
    count: int
    sample: list[_T] = field(default_factory=list)


def _plain(text: str, _code: str) -> str:
    return text


def _ansi(text: str, code: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def grouped(items: Iterable[_T], key: Callable[[_T], tuple[Any, str, str]]) -> list[_T | Group[_T]]:
    """``items`` in order, except that each key with more than ``BULK`` items becomes one ``Group``
    (at its first item's place) holding a sample of the first ``SAMPLE``."""
    items = list(items)
    sizes = Counter(key(item) for item in items)
    result: list[_T | Group[_T]] = []
    groups: dict[tuple[Any, str, str], Group[_T]] = {}
    for item in items:
        k = key(item)
        if sizes[k] <= BULK:
            result.append(item)
            continue
        if k not in groups:
            groups[k] = Group(k, sizes[k])
            result.append(groups[k])
        if len(groups[k].sample) < SAMPLE:
            groups[k].sample.append(item)
    return result


def text(plan: Plan, *, color: bool = False) -> str:
    paint = _ansi if color else _plain
    sections = [s for s in (_actions(plan), _drift(plan), _unmanaged(plan), _notes(plan)) if s]
    sections.append([Line(body=summary_line(plan))])
    lines: list[Line] = []
    for section in sections:
        lines += [*section, Line()]
    return "\n".join(line.render(paint) for line in lines[:-1])


def _actions(plan: Plan) -> list[Line]:
    if not plan.changes:
        return []
    return [Line(body=HEADER), Line(), *action_lines(plan)]


def action_lines(plan: Plan) -> list[Line]:
    """One block per change (or per sampled group), blocks separated by a blank line."""
    lines: list[Line] = []
    for item in grouped(plan.changes, _change_key):
        block = _group_block(item) if isinstance(item, Group) else _change_block(item)
        lines += [*block, Line()]
    return lines[:-1]


def _change_key(item: Change) -> tuple[Action, str, str]:
    return (item.action, item.address.kind, item.address.scope)


def _change_block(item: Change) -> list[Line]:
    head = Line(2, item.action.symbol, _addr(item.address), head=True)
    match item.action:
        case Action.CREATE:
            return [head, *_rows(values.body_rows(item.after), 6, "+")]
        case Action.UPDATE:
            return [head, *_rows(values.field_rows(item.fields), 6)]
        case Action.DELETE:
            return [head, *_rows(values.body_rows(item.before), 6, "-")]
        case Action.FORGET:
            return [replace(head, note=FORGOTTEN)]


def _group_block(group: Group[Change]) -> list[Line]:
    action, kind, scope = group.key
    gutter = action.symbol if action in (Action.CREATE, Action.DELETE) else ""
    extra = FORGOTTEN_MANY if action is Action.FORGET else ""
    lines = [Line(2, action.symbol, _bulk(group, kind, scope), _showing(group, extra), gutter, head=True)]
    for item in group.sample:
        lines.append(Line(6, action.symbol, _addr(item.address), gutter=gutter))
        if action is Action.UPDATE:
            lines += _rows(values.field_rows(item.fields), 10)
    return [*lines, _more(group, gutter)]


def _bulk(group: Group, kind: str, scope: str) -> str:
    """``2500 bounce:mg.example.com/…``"""
    return values.clean(f"{group.count} {kind}:{scope}/…" if scope else f"{group.count} {kind}:…")


def _showing(group: Group, extra: str = "") -> str:
    return f"(showing {len(group.sample)}; {extra})" if extra else f"(showing {len(group.sample)})"


def _more(group: Group, gutter: str = "") -> Line:
    return Line(6, note=f"… and {group.count - len(group.sample)} more", gutter=gutter)


def _drift(plan: Plan) -> list[Line]:
    if not plan.drift:
        return []
    lines = [Line(body=DRIFT_HEADER)]
    for item in grouped(plan.drift, lambda d: (d.deleted, d.address.kind, d.address.scope)):
        if isinstance(item, Group):
            lines += _drift_group(item)
        else:
            lines += _drift_item(item, 2)
    return lines


def _drift_item(item: Drift, indent: int) -> list[Line]:
    if item.deleted:
        return [Line(indent, "-", _addr(item.address), "(deleted in Mailgun)")]
    return [Line(indent, "~", _addr(item.address)), *_rows(values.field_rows(item.fields), indent + 4)]


def _drift_group(group: Group[Drift]) -> list[Line]:
    deleted, kind, scope = group.key
    extra = "deleted in Mailgun" if deleted else ""
    lines = [Line(2, "-" if deleted else "~", _bulk(group, kind, scope), _showing(group, extra))]
    for item in group.sample:
        lines += [Line(6, "-", _addr(item.address))] if item.deleted else _drift_item(item, 6)
    return [*lines, _more(group)]


def _unmanaged(plan: Plan) -> list[Line]:
    if not any(plan.unmanaged.values()):
        return []
    lines = [Line(body=UNMANAGED_HEADER)]
    for kind, scope, addresses in unmanaged_groups(plan):
        names = ", ".join(values.clean(name_in(a, scope)) for a in addresses[:SAMPLE])
        more = f", … and {len(addresses) - SAMPLE} more" if len(addresses) > SAMPLE else ""
        lines.append(Line(2, body=f"{unmanaged_title(kind, scope, len(addresses))}: {names}{more}"))
    return lines


def unmanaged_groups(plan: Plan) -> list[tuple[str, str, list[Address]]]:
    """``(kind, scope, addresses)`` in the plan's order of kinds and of first appearance of scopes."""
    result: list[tuple[str, str, list[Address]]] = []
    for kind, addresses in plan.unmanaged.items():
        by_scope: dict[str, list[Address]] = {}
        for address in addresses:
            by_scope.setdefault(address.scope, []).append(address)
        result += [(kind, scope, found) for scope, found in by_scope.items()]
    return result


def unmanaged_title(kind: str, scope: str, count: int) -> str:
    """``120 members in news@mg.example.com`` / ``1 route``."""
    noun = BY_NAME[kind].noun(count)
    return values.clean(f"{count} {noun} in {scope}" if scope else f"{count} {noun}")


def name_in(address: Address, scope: str) -> str:
    return address.key[len(scope) + 1:] if scope else address.key


def _notes(plan: Plan) -> list[Line]:
    return [Line(note=values.clean(f"Note: {note}")) for note in plan.notes]


def _rows(rows: Sequence[str], indent: int, gutter: str = "") -> list[Line]:
    return [Line(indent, body=row, gutter=gutter) for row in rows]


def _addr(address: Address) -> str:
    return values.clean(str(address))
