"""Issue 18, item 4: the sandbox domain Mailgun gives each new account (``"type": "sandbox"`` in the
domain listing; user manual, "Sandbox Domain": "Each new Mailgun account is automatically
provisioned with a sandbox domain, sandbox<uniq-alpha-numeric-string>.mailgun.org") is never managed
by default. Import leaves it out with a line saying so and reads nothing inside it; a plan lists it
under not managed only with ``--full``; naming it (``--domain``) imports it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.domains import SANDBOX as EMULATED
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "sandbox-key"
SANDBOX = "sandbox61429c204b744e7fbbb7375ac93ad3d7.mailgun.org"  # mailgun-ruby vcr_cassettes/domains.yml
D = "mg.example.com"


@pytest.fixture
def mailgun() -> Iterator[tuple[Emulator, dict[str, str]]]:
    emu = Emulator(api_key=KEY)
    emu.store.add_domain(SANDBOX, state="active", type="sandbox")
    emu.store.add_template(SANDBOX, "hello", "Hello", versions=[{"tag": "v1", "template": "<p>Hi</p>"}])
    emu.store.add_domain(D, state="active")
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def test_import_leaves_the_sandbox_domain_out_and_plan_lists_it_only_with_full(mailgun, tmp_path: Path) -> None:
    emu, env = mailgun
    out = tmp_path / "imported"
    imported = run("import", "--out", str(out), env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == (
        f"Note: {SANDBOX} is Mailgun's sandbox domain (for testing): not imported, and left "
        f"alone (import it by naming it: --domain {SANDBOX}).\n"
    )
    assert imported.stdout.startswith(f"Imported 1 domain (4 objects) into {out};")
    assert sorted(p.name for p in out.iterdir()) == [f"{D}.yaml", "mgsync.lock"]
    lock = json.loads((out / "mgsync.lock").read_text(encoding="utf-8"))
    assert not [key for key in [*lock["resources"], *lock["collections"]] if SANDBOX in key]  # nothing of it managed
    assert lock["account"]["sandbox"] == SANDBOX  # only named as the account's fingerprint (account.py)
    assert not [e.path for e in emu.log if SANDBOX in e.path]  # nothing inside it was read

    planned = run("plan", "--detailed-exitcode", str(out), env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert planned.stdout == "No changes. Mailgun matches the manifests.\n"
    full = run("plan", "--full", "--detailed-exitcode", str(out), env=env)
    assert full.returncode == 0, full.stdout + full.stderr
    assert f"Not managed (left alone):\n  1 domain: {SANDBOX}\n" in full.stdout
    assert "No changes" in full.stdout


def test_naming_the_sandbox_domain_imports_it(mailgun, tmp_path: Path) -> None:
    _, env = mailgun
    out = tmp_path / "imported"
    imported = run("import", "--out", str(out), "--domain", SANDBOX, env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == ""
    assert "      hello:\n" in (out / f"{SANDBOX}.yaml").read_text(encoding="utf-8")
    assert f"domain:{SANDBOX}" in json.loads((out / "mgsync.lock").read_text(encoding="utf-8"))["resources"]
    planned = run("plan", "--detailed-exitcode", str(out), env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr


def test_the_cli_emulator_gives_a_new_account_its_sandbox_domain(tmp_path: Path) -> None:
    state = tmp_path / "emulator.json"
    flags = ("--emulator", "--emulator-state", str(state))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "mgsync.yaml").write_text("domains:\n  mg.example.com: {spam_action: tag}\n", encoding="utf-8")
    applied = run("apply", *flags, "--yes", str(tmp_path / "m"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    listed = json.loads(state.read_text(encoding="utf-8"))
    assert EMULATED in json.dumps(listed)  # saved with the account: not made again on the next run
    imported = run("import", *flags, "--out", str(tmp_path / "imported"))
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == (
        f"Note: {EMULATED} is Mailgun's sandbox domain (for testing): not imported, and left "
        f"alone (import it by naming it: --domain {EMULATED}).\n"
    )
    reloaded = Emulator(state_file=state, sandbox=True)
    assert sorted(reloaded.store.domains) == ["mg.example.com", EMULATED]
    assert reloaded.store.domains[EMULATED]["type"] == "sandbox"
    assert sorted(Emulator(sandbox=False).store.domains) == []  # tests seed their accounts from nothing
