"""``--target``: which addresses a plan compares, and what a targeted object needs that the targets
leave out (its container, a forward's domain), taken as Terraform's ``-target`` takes dependencies.
Names no kind: it asks the registry."""

from __future__ import annotations

import fnmatch

from mgsync.kinds import BY_NAME
from mgsync.plan import Inputs
from mgsync.state import Address, State, sort_key

NOTHING_MATCHED = "matches nothing in the manifests, the lockfile or Mailgun: nothing is planned for it"


def matches_target(address: Address, targets: tuple[str, ...]) -> bool:
    """A target is an address or a glob (``route:*``, ``member:news@mg.example.com/*``)."""
    text = str(address)
    return any(text == t or fnmatch.fnmatchcase(text, t) for t in targets)


def with_needs(inputs: Inputs, targets: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """``targets`` and, as exact addresses, the declared objects not live yet that a targeted declared
    object needs (its container, ``Kind.requires``), directly or through each other: without them its
    create would fail at Mailgun. With a note per address so added. Being targets, they are recorded
    in the lockfile after the apply as the others are."""
    if not targets:
        return targets, []
    chosen = {address for address in inputs.desired if matches_target(address, targets)}
    found: set[Address] = set()
    waiting = [needed for address in chosen for needed in _needed_by(address)]
    while waiting:
        address = waiting.pop()
        if address in found or address in chosen or address in inputs.observed.objects:
            continue
        if address not in inputs.desired.objects:  # not declared: Mailgun's to refuse, as without a target
            continue
        found.add(address)
        waiting.extend(_needed_by(address))
    added = sorted(found, key=sort_key)
    notes = [
        f"--target also takes {address}: what it targets needs it, and it does not exist yet." for address in added
    ]
    return (*targets, *map(str, added)), notes


def select(inputs: Inputs, targets: tuple[str, ...]) -> Inputs:
    """Only what the targets match, in each state (everything without targets)."""
    if not targets:
        return inputs

    def keep(state: State) -> State:
        return State(r for r in state.values() if matches_target(r.address, targets))

    return Inputs(keep(inputs.desired), keep(inputs.observed), keep(inputs.locked), inputs.prune, inputs.secret_matches)


def unmatched_targets(selected: Inputs, targets: tuple[str, ...]) -> tuple[str, ...]:
    """The targets that match nothing (a key mistyped): each gets a note, and the plan's summary
    never says Mailgun matches the manifests on them."""
    if not targets:  # then nothing was selected away: no state is walked
        return ()
    found = [address for state in (selected.desired, selected.observed, selected.locked) for address in state]
    return tuple(target for target in targets if not any(matches_target(address, (target,)) for address in found))


def _needed_by(address: Address) -> tuple[Address, ...]:
    kind = BY_NAME[address.kind]
    parent = kind.parent_address(address)
    return (*((parent,) if parent is not None else ()), *kind.requires(address))
