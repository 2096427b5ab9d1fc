"""The generic per-family account state (``Store.family``): isolated per (sub)account, saved and
loaded through the state file without ``store`` knowing the family's shape."""

from __future__ import annotations

import json
from pathlib import Path

from mgsync.emulator import Emulator, Store
from mgsync.emulator.wire import GO, render


def _fill(store: Store, tag: str) -> None:
    family = store.family("example")
    family.table("things").put("Key-1", {"name": f"{tag}-1"})
    family.group("versions").setdefault("t", family.table("unused"))
    family.group("versions")["t"].put("v1", {"tag": "v1", "owner": tag})
    family.settings["switch"] = tag


def _dump(store: Store) -> dict:
    family = store.family("example")
    return {
        "things": dict(family.table("things").rows),
        "versions": {k: dict(t.rows) for k, t in family.group("versions").items()},
        "settings": dict(family.settings),
    }


def test_family_is_created_on_first_use_and_keys_lower_case() -> None:
    store = Store()
    family = store.family("example")
    assert store.family("example") is family
    assert len(family.table("things")) == 0 and family.group("g") == {} and family.settings == {}
    family.table("things").put("MiXed", {"x": 1})
    assert family.table("things").get("mixed") == {"x": 1}


def test_families_round_trip_per_account_through_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "mg.json"
    emu = Emulator(state_file=state)
    sub_id = emu.store.add_subaccount("child")["id"]
    _fill(emu.store, "parent")
    _fill(emu.store.account(sub_id), "child")
    emu.save()
    saved = json.loads(state.read_text())
    assert saved["families"]["example"]["tables"]["things"] == {"key-1": {"name": "parent-1"}}
    assert saved["subaccounts"][sub_id]["state"]["families"]["example"]["settings"] == {"switch": "child"}

    again = Emulator(state_file=state)
    assert _dump(again.store) == _dump(emu.store)
    assert _dump(again.store)["versions"] == {"t": {"v1": {"tag": "v1", "owner": "parent"}}}
    assert _dump(again.store.account(sub_id)) == _dump(emu.store.account(sub_id))
    assert _dump(again.store.account(sub_id))["things"] == {"key-1": {"name": "child-1"}}


def test_state_files_without_families_still_load(tmp_path: Path) -> None:
    state = tmp_path / "old.json"
    data = Store().to_data()
    del data["families"]
    state.write_text(json.dumps(data))
    store = Store()
    store.load(state)
    assert store.families == {} and len(store.family("example").table("things")) == 0


def test_a_204_answer_has_no_body() -> None:
    assert render(GO, 204, None) == (204, [], b"")
