"""Summaries name only the account-level kinds that have objects, so a new kind changes no output."""

from __future__ import annotations

from pathlib import Path

from mgsync.importer import run_import
from mgsync.manifest import load
from tests.support.harness import Harness


def test_validate_summary_names_only_declared_kinds(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("domains:\n  mg.example.com: {spam_action: tag}\n", encoding="utf-8")
    assert load([tmp_path], {}).summary() == "OK: 1 resource in 1 file (1 domain)"


def test_import_summary_names_only_kinds_found(tmp_path: Path) -> None:
    h = Harness(tmp_path / "account")
    empty = run_import(h.client, tmp_path / "empty")
    assert (empty.counts, empty.summary()) == (
        {},
        f"Imported nothing (0 objects) into {tmp_path / 'empty'}; run: mgsync plan {tmp_path / 'empty'}",
    )
    h.emu.store.add_domain("mg.example.com", state="active")
    one = run_import(h.client, tmp_path / "one")
    assert one.counts == {"domain": 1}
    assert one.summary().startswith("Imported 1 domain (")
