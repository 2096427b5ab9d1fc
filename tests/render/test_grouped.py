"""``terminal.grouped`` (run by run of one key) groups exactly as a walk change by change does: small
groups in place, each large bulk group once at its first change's place with the first changes as
its sample, also when its changes are not next to each other."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.changes import Action, Change
from mgsync.kinds import BULK_KINDS
from mgsync.render import terminal
from mgsync.state import Address

KEYS = st.tuples(
    st.sampled_from([Action.CREATE, Action.DELETE]),
    st.sampled_from(["member", "bounce", "route"]),
    st.sampled_from(["a@x.org", "b@x.org", ""]),
)


def _walked(changes: list[Change], sample: int) -> list[Any]:
    """The grouping change by change: (key, count, sample) for a group, the change for the others."""
    key = terminal._change_key
    sizes = Counter(key(c) for c in changes if c.address.kind in BULK_KINDS)
    result: list[Any] = []
    groups: dict[Any, list[Any]] = {}
    for item in changes:
        if sizes.get(key(item), 0) <= terminal.BULK:
            result.append(item)
            continue
        if key(item) not in groups:
            groups[key(item)] = [key(item), sizes[key(item)], []]
            result.append(groups[key(item)])
        if len(groups[key(item)][2]) < sample:
            groups[key(item)][2].append(item)
    return result


@settings(max_examples=150, deadline=None)
@given(
    runs=st.lists(st.tuples(KEYS, st.integers(1, 30)), max_size=6),
    sample=st.integers(0, 7),
    full=st.booleans(),
)
def test_grouped_run_by_run_is_grouped_change_by_change(runs: list[Any], sample: int, full: bool) -> None:
    changes = [
        Change(Address(kind, f"{scope}/{name}" if scope else name), action, None, {})
        for n, ((action, kind, scope), length) in enumerate(runs)
        for i in range(n * 100, n * 100 + length)
        for name in [f"b/n{i}" if i % 3 == 0 else f"n{i}"]  # a name may hold a / (Address.scope)
    ]
    found = [
        [item.key, item.count, item.sample] if isinstance(item, terminal.Group) else item
        for item in terminal.grouped(changes, full=full, sample=sample)
    ]
    assert found == _walked(changes, len(changes) if full else sample)
