"""Object ids (domains, routes, account webhooks, subaccounts, forwards) are unique per account, as
Mailgun's ObjectIds are: two emulators started in the same second never hand out the same id."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mgsync.emulator import Emulator, Store, account_webhooks, forwards
from mgsync.errors import ConfigError

NOW = 1_796_000_000.0  # one frozen second for every store below


def _ids(store: Store) -> list[str]:
    domain = store.add_domain("mg.example.com", state="active")["id"]
    route = store.add_route("match_recipient('a@example.com')")["id"]
    hook = account_webhooks.add_webhook(store, "https://hooks.example.com/all", ["delivered"])["webhook_id"]
    forward = forwards.add_forward(store, "support@mg.example.com", recipients=["a@example.org"])["id"]
    return [domain, route, hook, forward]


def test_two_accounts_created_in_the_same_second_share_no_id() -> None:
    first, second = Store(clock=lambda: NOW), Store(clock=lambda: NOW)
    ours, theirs = _ids(first), _ids(second)
    assert all(re.fullmatch(f"{int(NOW):08x}[0-9a-f]{{16}}", i) for i in ours + theirs)  # ObjectId: time first
    assert not set(ours) & set(theirs)
    assert len(set(ours)) == len(ours)


def test_a_subaccount_shares_its_parents_id_space_and_the_ids_stay_unique() -> None:
    parent = Store(clock=lambda: NOW)
    sub_id = parent.add_subaccount("child")["id"]
    sub = parent.account(sub_id)
    assert sub is not None
    everything = [sub_id, *_ids(parent), *_ids(sub)]
    assert len(set(everything)) == len(everything)


def test_the_id_space_survives_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "mg.json"
    emu = Emulator(state_file=state)
    before = emu.store.add_route("catch_all()")["id"]
    emu.save()
    again = Emulator(state_file=state)
    after = again.store.add_route("catch_all()")["id"]
    assert after != before and after[8:18] == before[8:18]  # the same account: the same random part


@pytest.mark.parametrize("salt", ["x", 1.5, None, True])
def test_a_state_file_with_a_bad_id_space_is_refused_by_name(tmp_path: Path, salt: object) -> None:
    state = tmp_path / "mg.json"
    state.write_text(json.dumps({**Store().to_data(), "salt": salt}))
    with pytest.raises(ConfigError, match=r"mg\.json is not a usable emulator state file \(JSON of another shape\)"):
        Store().load(state)
