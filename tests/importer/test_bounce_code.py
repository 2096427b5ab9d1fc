"""A bounce whose code is empty in Mailgun (``code: ""``; Mailgun's own bulk example sends one):
apply cannot write an empty code (the emulator stores "" as 550, the documented default of a form
POST; UNCONFIRMED for JSON), so an imported ``code: ''`` never converged once the entry was written
again, every later plan showing ``code: "550" -> ""``. Import leaves such a code out (not managed,
as an empty CSV cell is), and validate warns of a ``code: ''`` a person writes. Found by an import probe."""

from __future__ import annotations

from pathlib import Path

from mgsync.importer import run_import
from tests.support.cli import run
from tests.support.harness import Harness

D = "mg.example.com"


def test_an_empty_code_is_left_out_by_import_and_an_edit_converges(tmp_path: Path) -> None:
    h = Harness(tmp_path / "imported")
    h.emu.store.add_domain(D, state="active")
    h.emu.store.add_bounces(D, [{"address": "b@example.com", "code": "550", "error": "x"}])
    h.emu.store.suppression_table(D, "bounces").rows["b@example.com"]["code"] = ""  # as Mailgun may hold it
    run_import(h.client, h.root)
    manifest = h.root / f"{D}.yaml"
    assert "      bounces:\n        - {address: b@example.com, error: x}\n" in manifest.read_text(encoding="utf-8")
    assert h.actions() == []
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("error: x}", "error: y}"), encoding="utf-8")
    assert h.actions() == [(f"bounce:{D}/b@example.com", "update")]
    assert h.apply().pending is None  # converged: no change left that Mailgun is said to catch up on
    assert h.actions() == []


def test_validate_warns_of_an_empty_code(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        f"domains:\n  {D}:\n    suppressions:\n      bounces:\n"
        "      - {address: a@example.com, code: ''}\n      - {address: b@example.com, code: '551'}\n",
        encoding="utf-8",
    )
    done = run("validate", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "OK: 3 resources in 1 file (1 domain), 1 warning\n"
    assert done.stderr == (
        f"Warning: {tmp_path}/m.yaml:5:40: domains.{D}.suppressions.bounces[0].code: an empty code is stored "
        "as Mailgun's default, 550 (documented for a form POST; UNCONFIRMED for the JSON mgsync sends), so this "
        "entry would never match what Mailgun holds; leave code out to leave it as it is\n"
    )
