"""The terminal rendering: Terraform-like blocks, deterministic, colour only on request.

A plan is built as ``Line`` data first and painted last (``click.style``), so the markdown rendering
can reuse the same lines with a diff gutter instead of colour. Every change to an object of a
non-bulk kind is always listed in full. Only bulk collections (a kind that says ``bulk``: members,
suppressions) with more than ``BULK`` changes of one action in one scope are summarised, as one
header with their exact count and the first ``SAMPLE``; ``full=True`` lists every one of them too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress, groupby, islice
from operator import attrgetter, itemgetter, methodcaller
from typing import Any, Generic, TypeVar

import click

from mgsync.changes import Action, Change, Drift
from mgsync.kinds import BULK_KINDS, BY_NAME, KINDS, Lossy
from mgsync.plan import Plan
from mgsync.render import rendered, values
from mgsync.render.summary import summary_line
from mgsync.state import Address

BULK = 20  # more bulk changes than this in one (action, kind, scope) are summarised
SAMPLE = 5
DETAIL = 6  # indent of a change's detail rows
HEADER = "mgsync will perform the following actions:"
DRIFT_HEADER = "Changed outside mgsync since the last apply (drift):"
UNMANAGED_HEADER = "Not managed (left alone):"
FORGOTTEN = "(no longer managed; left as it is)"
FORGOTTEN_MANY = "no longer managed; left as they are"
FULL_HINT = "plan --full lists every one"

CAUTION_HEADER = "Caution:"
CAUTION_LINES = 10  # lines of the caution; the changes above name every deleted object

_COLOURS = {"+": "green", "~": "yellow", "-": "red", ".": "dim", "!": "red"}
_T = TypeVar("_T")
Paint = Callable[[str, str], str]


@dataclass(frozen=True)
class Line:
    indent: int = 0
    symbol: str = ""  # + ~ - . painted in its colour
    body: str = ""
    note: str = ""  # trailing remark, painted dim
    gutter: str = ""  # markdown diff gutter: "+" / "-" on every line of a create / delete block
    head: bool = False  # a change's first line: markdown moves its symbol into the gutter

    def render(self, paint: Paint) -> str:
        parts = [" " * self.indent]
        if self.symbol:
            parts += [paint(self.symbol, _COLOURS[self.symbol]), " "]
        parts.append(self.body)
        if self.note:
            parts += [" " if self.body else "", paint(self.note, "dim")]
        return "".join(parts)

    def diff(self) -> str:
        """The line for a ```diff fence: GitHub colours lines starting with + or -."""
        plain = self.render(_plain)
        if self.head:
            return f"{self.symbol}{' ' * (self.indent + 1)}{plain[self.indent + 2 :]}"
        if self.gutter and plain:
            return self.gutter + plain[1:]
        if self.symbol in ("+", "-") and self.indent:  # an added / removed element or text line
            return f"{self.symbol}{' ' * self.indent}{plain[self.indent + 1 :]}"
        return plain


@dataclass
class Group(Generic[_T]):
    key: tuple[Any, str, str]  # (action, kind, scope)
    count: int
    sample: list[_T] = field(default_factory=list)


def _plain(text: str, _colour: str) -> str:
    return text


def _styled(text: str, colour: str) -> str:
    return click.style(text, dim=True) if colour == "dim" else click.style(text, fg=colour)


def grouped(changes: Iterable[Change], *, full: bool = False, sample: int = SAMPLE) -> list[Change | Group[Change]]:
    """``changes`` in order, except that each (action, bulk kind, scope) with more than ``BULK``
    changes becomes one ``Group`` (at its first change's place) holding the first ``sample``
    (with ``full``, all of them)."""
    changes = list(changes)
    if full:
        sample = len(changes)  # every item, still under its group's counted header
    keys = _change_keys(changes)
    sizes = Counter(compress(keys, map(BULK_KINDS.__contains__, map(itemgetter(1), keys))))
    result: list[Change | Group[Change]] = []
    groups: dict[tuple[Any, str, str], Group[Change]] = {}
    # Run by run of one key (an apply from empty of a large account: 200,000 changes in a few
    # hundred runs); the items of a run past its group's sample are skipped in C.
    for key, run in groupby(zip(changes, keys), itemgetter(1)):
        if sizes.get(key, 0) <= BULK:
            result += map(itemgetter(0), run)
            continue
        found = groups.get(key)
        if found is None:
            found = groups[key] = Group(key, sizes[key])
            result.append(found)
        found.sample += map(itemgetter(0), islice(run, max(0, sample - len(found.sample))))
    return result


def _change_keys(changes: list[Change]) -> list[tuple[Action, str, str]]:
    """``_change_key`` of every change, in C loops: the scope is the key's part before its first
    ``/``, as ``Address.scope`` says (a member's name may hold one too)."""
    addresses = list(map(attrgetter("address"), changes))
    scopes = map(_scope, map(methodcaller("partition", "/"), map(attrgetter("key"), addresses)))
    return list(zip(map(attrgetter("action"), changes), map(attrgetter("kind"), addresses), scopes))


def _scope(parts: tuple[str, str, str]) -> str:
    """``Address.scope`` from the key's ``partition("/")``."""
    return parts[0] if parts[1] else ""


def text(plan: Plan, *, color: bool = False, full: bool = False) -> str:
    paint = _styled if color else _plain
    items = grouped(plan.changes, full=full)  # once: the actions and the caution both walk it
    sections = [s for s in (_actions(items), _drift(plan), _unmanaged(plan), _notes(plan), _caution(items)) if s]
    sections.append([Line(body=summary_line(plan))])
    lines: list[Line] = []
    for section in sections:
        lines += [*section, Line()]
    return "\n".join(line.render(paint) for line in lines[:-1])


def _actions(items: list[Change | Group[Change]]) -> list[Line]:
    """One block per change (or per summarised bulk group: ``grouped``), blocks separated by a blank line."""
    if not items:
        return []
    return [Line(body=HEADER), Line(), *joined(change_blocks(items))]


def change_blocks(items: list[Change | Group[Change]]) -> list[tuple[bool, list[Line]]]:
    """``(is_bulk, lines)`` per change or summarised group (``grouped``), in plan order."""
    blocks = []
    for item in items:
        if isinstance(item, Group):
            blocks.append((True, group_block(item)))
        else:
            block = [*change_block(item), *rows(rendered.rows(item), DETAIL)]  # a template's rendered diff
            blocks.append((item.address.kind in BULK_KINDS, block))
    return blocks


def joined(blocks: Iterable[tuple[bool, list[Line]]]) -> list[Line]:
    lines: list[Line] = []
    for _, block in blocks:
        lines += [*block, Line()]
    return lines[:-1]


def _change_key(item: Change) -> tuple[Action, str, str]:
    return (item.action, item.address.kind, item.address.scope)


def change_block(item: Change, indent: int = 2) -> list[Line]:
    head = Line(indent, item.action.symbol, _addr(item.address), head=True)
    detail = indent + DETAIL - 2
    match item.action:
        case Action.CREATE:
            return [head, *rows(values.body_rows(item.after), detail, "+")]
        case Action.UPDATE:
            return [head, *rows(values.field_rows(item.fields), detail)]
        case Action.DELETE:
            return [head, *rows(values.body_rows(item.before), detail, "-")]
        case Action.FORGET:
            return [replace(head, note=FORGOTTEN)]


def group_block(group: Group[Change]) -> list[Line]:
    action, kind, scope = group.key
    gutter = action.symbol if action in (Action.CREATE, Action.DELETE) else ""
    extra = f"{FORGOTTEN_MANY}; " if action is Action.FORGET else ""
    if len(group.sample) == group.count:
        note = f"({extra}all listed)"
    elif group.sample:
        note = f"({extra}first {len(group.sample)} shown; {FULL_HINT})"
    else:
        note = f"({extra}{FULL_HINT})"
    lines = [Line(2, action.symbol, bulk_title(kind, scope, group.count), note, gutter, head=True)]
    for item in group.sample:
        lines.append(Line(6, action.symbol, _addr(item.address), gutter=gutter))
        if action is Action.UPDATE:
            lines += rows(values.field_rows(item.fields), 10)
    if group.sample and len(group.sample) < group.count:
        lines.append(Line(6, note=f"… and {group.count - len(group.sample):,} more", gutter=gutter))
    return lines


def bulk_title(kind: str, scope: str, count: int) -> str:
    """``2,000 members in crew@mg.example.com`` / ``3 routes``."""
    noun = BY_NAME[kind].noun(count)
    return values.clean(f"{count:,} {noun} in {scope}" if scope else f"{count:,} {noun}")


def _drift(plan: Plan) -> list[Line]:
    if not plan.drift:
        return []
    lines = [Line(body=DRIFT_HEADER)]
    for item in plan.drift:
        lines += drift_item(item, 2)
    return lines


def drift_item(item: Drift, indent: int) -> list[Line]:
    if item.deleted:
        return [Line(indent, "-", _addr(item.address), "(deleted in Mailgun)")]
    return [Line(indent, "~", _addr(item.address)), *rows(values.field_rows(item.fields), indent + 4)]


def _unmanaged(plan: Plan) -> list[Line]:
    if not any(plan.unmanaged.values()):
        return []
    lines = [Line(body=UNMANAGED_HEADER)]
    for kind, scope, addresses in unmanaged_groups(plan):
        names = ", ".join(values.clean(name_in(a, scope)) for a in addresses[:SAMPLE])
        more = f", … and {len(addresses) - SAMPLE:,} more" if len(addresses) > SAMPLE else ""
        lines.append(Line(2, body=f"{unmanaged_title(kind, scope, len(addresses))}: {names}{more}"))
    return lines


def unmanaged_groups(plan: Plan) -> list[tuple[str, str, list[Address]]]:
    """``(kind, scope, addresses)`` in the plan's order of kinds and of first appearance of scopes."""
    result: list[tuple[str, str, list[Address]]] = []
    for kind, addresses in plan.unmanaged.items():
        by_scope: dict[str, list[Address]] = {}
        for address in addresses:  # the kind knows its scope: an account-level key may hold "/" (a URL)
            by_scope.setdefault(BY_NAME[kind].scope_of(address), []).append(address)
        result += [(kind, scope, found) for scope, found in by_scope.items()]
    return result


def unmanaged_title(kind: str, scope: str, count: int) -> str:
    """``120 members in news@mg.example.com`` / ``1 route``."""
    noun = BY_NAME[kind].noun(count)
    return values.clean(f"{count:,} {noun} in {scope}" if scope else f"{count:,} {noun}")


def name_in(address: Address, scope: str) -> str:
    return address.key[len(scope) + 1 :] if scope else address.key


def _caution(items: list[Change | Group[Change]]) -> list[Line]:
    """What the plan (``grouped``) ends, last before its summary, where the question to apply it is
    asked: each deleted object and each loss its kind names (as the comment's caution)."""
    found = endings(items, values.clean, values.clean)
    if not found:
        return []
    lines = [Line(2, "!", line) for line in found[:CAUTION_LINES]]
    if len(found) > CAUTION_LINES:
        lines.append(Line(2, "!", f"… and {len(found) - CAUTION_LINES:,} more (the changes above name each)"))
    return [Line(body=CAUTION_HEADER), *lines]


def endings(items: list[Change | Group[Change]], code: Callable[[str], str], escape: Callable[[str], str]) -> list[str]:
    """One line per deleted object (a container: "and everything in it") or bulk collection, and per
    loss a kind names (``Kind.losses``: a webhook URL whose deliveries stop, a list's members), of a
    plan's changes as ``grouped`` gives them (any sample), with addresses through ``code`` and the
    kinds' words through ``escape``."""
    return [line for item in items for line in _ends(item, code, escape)]


def _ends(item: Change | Group[Change], code: Callable[[str], str], escape: Callable[[str], str]) -> list[str]:
    if isinstance(item, Group):
        action, name, scope = item.key
        return [f"Deletes {bulk_title(name, scope, item.count)}"] if action is Action.DELETE else []
    kind = BY_NAME[item.address.kind]
    losses = "; ".join(escape(loss) for loss in (kind.losses(item) if isinstance(kind, Lossy) else []))
    if item.action is Action.DELETE:
        inside = " and everything in it" if any(child.parent is kind for child in KINDS) else ""
        return [f"Deletes {code(str(item.address))}" + (f"; {losses}" if losses else inside)]
    return [f"{code(str(item.address))}: {losses}"] if losses else []


def _notes(plan: Plan) -> list[Line]:
    return [Line(note=values.clean(f"Note: {note}")) for note in plan.notes]


def rows(found: Sequence[values.Row], indent: int, gutter: str = "") -> list[Line]:
    """Detail rows as lines: marks become painted symbols, hunk headers and elisions dim notes."""
    lines = []
    for row in found:
        at = indent + row.offset
        if row.mark == "@":
            lines.append(Line(at, note=row.text, gutter=gutter))
        else:
            lines.append(Line(at, row.mark, row.text, gutter=gutter))
    return lines


def _addr(address: Address) -> str:
    return values.clean(str(address))
