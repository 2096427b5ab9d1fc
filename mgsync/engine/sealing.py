"""What people and files see of values that came from the environment: their ``${env:NAME}``.

A value substituted into a field that is not secret and that looks like a secret (a token in a
webhook URL, a password in a forward's URL: ``Desired.shown_env``, ``shapes.env._secret_like``)
goes to Mailgun as it is, but wherever mgsync writes for people
or files it is shown by its reference: the plan in every format, its digest and fingerprints, saved
plans, notes, the lockfile. A live value that stands where a manifest or the lockfile has a
reference, but is not the variable's value (the token before a rotation, or one changed in
Mailgun's dashboard), is a secret too: it is shown ``(not ${env:NAME})`` (``(earlier ${env:NAME})``
where only the lockfile has the reference), so the plan still says that it changes and never what
it was.

The lockfile keeps bodies sealed (``Lockfile.record``), and digests collections sealed (a token in a
member's ``vars``: ``Lockfile.record_collection``), so where Mailgun has the value the lockfile has the
reference: a plan takes a recorded string with references as the live string at the same
place whenever that one fits it (``unsealed``), so drift is judged as before, but for the secret.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring  # the escaper json.dumps uses (C)
from typing import Any

from pydantic import ValidationError

from mgsync import jsontext
from mgsync.changes import Change, FieldChange
from mgsync.kinds import BY_NAME
from mgsync.plan import Plan
from mgsync.plandigest import LiveFingerprints
from mgsync.rows import Row
from mgsync.shapes.env import MIN_SHOWN, REFERENCE
from mgsync.state import Resource, State

_OTHER = "(not {})"  # a live value where a manifest has a reference, other than the variable's
_EARLIER = "(earlier {})"  # a live value where the lockfile has one (the object's manifest may name none now)


@dataclass(frozen=True)
class Seal:
    """Each value to keep out of what is shown or recorded, and what stands in its place."""

    shown: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.shown)

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(map(re.escape, sorted(self.shown, key=len, reverse=True))))

    def text(self, text: str) -> str:
        """``text`` with every value replaced by what stands in its place."""
        if not self.shown or not self._pattern.search(text):
            return text
        return self._pattern.sub(lambda found: self.shown[found.group()], text)

    def found_in_json(self, text: str) -> bool:
        """Whether JSON ``text`` may hold a value to seal: each value is looked for as JSON writes it
        inside a string (it escapes character by character, so a string holding the value holds that)."""
        return any(encode_basestring(value)[1:-1] in text for value in self.shown)

    def data(self, value: Any) -> Any:
        """JSON-like ``value`` with every string sealed (``text``); the same object when nothing changed."""
        if not self.shown:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            items = {key: self.data(item) for key, item in value.items()}
            return value if all(items[key] is item for key, item in value.items()) else items
        if isinstance(value, (list, tuple)):
            sealed = [self.data(item) for item in value]
            return value if all(a is b for a, b in zip(sealed, value)) else type(value)(sealed)
        return value

    def recorded(self, resource: Resource) -> Any:
        """The body the lockfile records of ``resource``: sealed, but for each field whose sealed value
        its kind refuses (a reference where a setting takes one of a few words: ``click: htmlonly``),
        kept as it is, so the lockfile always reads back (``Lockfile.state``)."""
        body = resource.body.comparable()
        sealed = self.data(body)
        if sealed is body:
            return body
        model = BY_NAME[resource.address.kind].model
        for _ in range(len(sealed) + 1):
            try:
                model.model_validate(sealed)
            except ValidationError as err:
                refused = {loc[0] for loc in (error["loc"] for error in err.errors()) if loc and loc[0] in body}
                if not refused:
                    return body
                sealed = {**sealed, **{name: body[name] for name in refused}}
            else:
                return sealed
        return body

    def learning(self, changes: list[Change]) -> Seal:
        """This seal and, from the changes of bulk entries (a list member's ``vars``, written inline:
        CSV cells take no ``${env:}``), each live value where the desired entry has a reference:
        ``sealing`` walks objects, and 200,000 entries that did not change need no walk."""
        if not self.shown:
            return self
        learned: dict[str, str] = {}
        for change in changes:
            desired, observed = change.desired, change.observed
            if desired is not None and observed is not None and isinstance(desired.body, Row):
                pairs = _beside(self.data(desired.body.comparable()), observed.body.comparable())
                _learn(pairs, _OTHER, self.shown, learned)
        return Seal({**learned, **self.shown}) if learned else self

    def plan(self, plan: Plan) -> Plan:
        """``plan`` as people and files see it: values, notes and refusals sealed, and the live
        fingerprints made from sealed bodies. Apply uses the plan itself, whose values Mailgun gets."""
        if not self.shown:
            return plan
        return replace(
            plan,
            changes=[self._change(change) for change in plan.changes],
            drift=[replace(d, fields=self._fields(d.fields)) for d in plan.drift],
            notes=[self.text(note) for note in plan.notes],
            refusals=[self.text(note) for note in plan.refusals],
            account_notes=[self.text(note) for note in plan.account_notes],
            fingerprints=found.sealed(self.data) if isinstance(found := plan.fingerprints, LiveFingerprints) else found,
        )

    def _change(self, change: Change) -> Change:
        after = change.after
        before, sealed_after, fields = self.data(change.before), self.data(after), self._fields(change.fields)
        if before is change.before and sealed_after is after and fields is change.fields:
            return change
        return Change(change.address, change.action, before, sealed_after, fields, change.desired, change.observed)

    def _fields(self, fields: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
        sealed = tuple(FieldChange(f.path, self.data(f.before), self.data(f.after)) for f in fields)
        return fields if all(a.before is b.before and a.after is b.after for a, b in zip(sealed, fields)) else sealed


def sealing(shown_env: Mapping[str, str], wanted: State, locked: State, observed: State, *, recorded: bool) -> Seal:
    """The seal of one plan: each value of ``shown_env`` by its reference; each other live value found
    where a desired string (sealed) has a reference, ``(not ${env:NAME})``; and with ``recorded`` (the
    lockfile has references), each other live value where a recorded string has one, ``(earlier
    ${env:NAME})``: the variable's value at an earlier apply (an object deleted since, whose manifest
    names no variable now, or a variable set to a value too short to hide). Each at the same place
    in the bodies (``_beside``): a whole-value reference would fit any string."""
    if not shown_env and not recorded:
        return Seal()
    current = Seal(shown_env)
    learned: dict[str, str] = {}
    for address, live in observed.objects.items():
        found = live.body.comparable()
        if current:  # the manifest's value is another
            _learn(_beside(current.data(_body(wanted.get(address))), found), _OTHER, shown_env, learned)
        if recorded:  # the variable's value at an earlier apply, as the lockfile recorded it
            _learn(_beside(_body(locked.get(address)), found), _EARLIER, shown_env, learned)
    return Seal({**learned, **shown_env})


def _learn(pairs: Iterator[tuple[str, str]], form: str, shown: Mapping[str, str], learned: dict[str, str]) -> None:
    """Into ``learned``: each text of a live string that stands in a reference of the template string
    beside it, unless it is a current value or too short to hide, as ``form`` names that reference."""
    for template, live_text in pairs:
        if "${env:" not in template:
            continue
        for name, value in _spans(template, live_text) or ():
            if value not in shown and len(value) >= MIN_SHOWN:
                learned.setdefault(value, form.format(f"${{env:{name}}}"))


def _body(resource: Resource | None) -> Any:
    return None if resource is None else resource.body.comparable()


def _beside(template: Any, live: Any) -> Iterator[tuple[str, str]]:
    """(template string, live string) at the same place in two bodies: a field's value beside the
    live value of that field; in lists of one length, item by item, else each beside each."""
    if isinstance(template, str):
        if isinstance(live, str):
            yield template, live
    elif isinstance(template, dict) and isinstance(live, dict):
        for key, value in template.items():
            yield from _beside(value, live.get(key))
    elif isinstance(template, (list, tuple)) and isinstance(live, (list, tuple)):
        if len(template) == len(live):
            for a, b in zip(template, live):
                yield from _beside(a, b)
        else:
            for a in template:
                for b in live:
                    yield from _beside(a, b)


def unsealed(locked: State, observed: State) -> State:
    """``locked`` with each recorded string that has references taken as the live one at the same
    place when that one fits it: the lockfile records references where Mailgun has the values."""
    fitted = {}
    for address, resource in locked.objects.items():
        live = observed.get(address)
        if live is not None and any("${env:" in s for s in _strings(resource)):
            body = _fitted(resource.body.comparable(), live.body.comparable())
            try:
                model = BY_NAME[address.kind].model.model_validate(body)
            except ValidationError:  # recorded as Mailgun showed a value the model refuses (Kind.as_read)
                continue
            fitted[address] = Resource(address, model, resource.source, resource.meta)
    if not fitted:
        return locked
    result = State(fitted.get(address, resource) for address, resource in locked.objects.items())
    result.tables, result.origins = locked.tables, locked.origins
    return result


def _fitted(recorded: Any, live: Any) -> Any:
    if isinstance(recorded, str):
        return (
            live if isinstance(live, str) and "${env:" in recorded and _spans(recorded, live) is not None else recorded
        )
    if isinstance(recorded, dict) and isinstance(live, dict):
        return {key: _fitted(value, live.get(key)) for key, value in recorded.items()}
    if isinstance(recorded, list) and isinstance(live, list) and len(recorded) == len(live):
        return [_fitted(a, b) for a, b in zip(recorded, live)]
    return recorded


def _spans(template: str, text: str) -> list[tuple[str, str]] | None:
    """(variable, the text standing in its reference) for each reference of ``template``, when
    ``text`` is the template with some text (one character or more) in each; else None. Each literal
    part is found at its first place after the one before: if any split fits, that one does. Linear
    in the text, where a pattern of lazy groups could backtrack for minutes on a long live value."""
    parts = REFERENCE.split(template)  # literal, name, literal, name, ..., literal
    literals, names = parts[::2], parts[1::2]
    head, tail = literals[0], literals[-1]
    if not names or len(text) < len(head) + len(tail) + len(names):
        return None
    if not text.startswith(head) or not text.endswith(tail):
        return None
    end, at, values = len(text) - len(tail), len(head), []
    for literal in literals[1:-1]:
        found = text.find(literal, at + 1, end)
        if found < 0:
            return None
        values.append(text[at:found])
        at = found + len(literal)
    if at >= end:
        return None
    return list(zip(names, [*values, text[at:end]]))


def _strings(resource: Resource | None) -> Iterator[str]:
    """Every string in the body of ``resource`` (none when there is none)."""
    return jsontext.strings(_body(resource))
