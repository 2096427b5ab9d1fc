"""The lockfile names the account (and subaccount) it belongs to (issue 19): used against another it
is refused with one line (exit 6) before anything is sent; an older lockfile is adopted. The real
``mgsync`` executable against emulators served on 127.0.0.1, each account seeded with its sandbox domain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

from .test_cli import copy_example
from .test_least_privilege import said

KEY = "account-identity-key"
# A real account's sandbox domain (mailgun-ruby vcr_cassettes/domains.yml, GET /v4/domains: "type":
# "sandbox", active), and another of the same shape: Mailgun names each account's at random.
SANDBOXES = (
    "sandbox61429c204b744e7fbbb7375ac93ad3d7.mailgun.org",
    "sandbox0f9e8d7c6b5a49382716a5b4c3d2e1f0.mailgun.org",
)


def with_sandbox(emu: Emulator, name: str, account: str | None = None) -> Emulator:
    store = emu.store.account(account)
    assert store is not None
    store.add_domain(name, state="active", type="sandbox")
    return emu


@pytest.fixture
def two_accounts() -> Iterator[tuple[tuple[Emulator, dict[str, str]], tuple[Emulator, dict[str, str]]]]:
    """Two Mailgun accounts (each with its own sandbox domain), served on two ports."""
    first, second = (with_sandbox(Emulator(api_key=KEY), name) for name in SANDBOXES)
    with serve(first, host="127.0.0.1", port=0) as one, serve(second, host="127.0.0.1", port=0) as two:
        yield (
            (first, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": one.url}),
            (second, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": two.url}),
        )


def account_of(lockfile: Path) -> dict:
    return json.loads(lockfile.read_text())["account"]


def writes(emu: Emulator) -> list[str]:
    return [f"{e.method} {e.path}" for e in emu.log if e.method != "GET"]


def test_a_lockfile_from_another_account_is_refused_with_one_line(two_accounts, tmp_path: Path) -> None:
    (_first, env_first), (second, env_second) = two_accounts
    path = copy_example("quickstart", tmp_path)
    assert run("apply", "--yes", str(path), env=env_first).returncode == 0
    lockfile = path / "mgsync.lock"
    assert account_of(lockfile) == {"sandbox": SANDBOXES[0], "subaccount": None}
    same = run("plan", "--detailed-exitcode", str(path), env=env_first)
    assert same.returncode == 0, same.stderr
    expected = [
        f"Error: Refusing to use {lockfile}: it belongs to the Mailgun account whose sandbox domain is "
        f"{SANDBOXES[0]}, and this API key reaches the one with {SANDBOXES[1]}; check MAILGUN_API_KEY, "
        "or use this account's lockfile."
    ]
    before = lockfile.read_bytes()
    for command in (["plan"], ["apply", "--yes"]):
        refused = run(*command, str(path), env=env_second)
        assert (refused.returncode, refused.stdout, said(refused.stderr)) == (6, "", expected)
    assert [f"{e.method} {e.path}" for e in second.log] == ["GET /v4/domains"] * 2  # the identity read, no more
    assert lockfile.read_bytes() == before and writes(second) == []


def test_a_lockfile_from_another_subaccount_or_the_parent_is_refused(two_accounts, tmp_path: Path) -> None:
    (emu, env), _ = two_accounts
    with httpx.Client(base_url=env["MAILGUN_BASE_URL"], auth=("api", KEY)) as api:
        a, b = (
            api.post("/v5/accounts/subaccounts", data={"name": name}).json()["subaccount"]["id"]
            for name in ("Team A", "Team B")
        )
    with_sandbox(emu, SANDBOXES[1], a)  # UNCONFIRMED whether a subaccount has its own: the id tells them apart
    path = copy_example("quickstart", tmp_path)
    lockfile = path / "mgsync.lock"
    assert run("apply", "--yes", "--subaccount", a, str(path), env=env).returncode == 0
    assert account_of(lockfile) == {"sandbox": SANDBOXES[1], "subaccount": a}
    assert run("plan", "--detailed-exitcode", "--subaccount", a, str(path), env=env).returncode == 0
    emu.log.clear()
    other = run("plan", "--subaccount", b, str(path), env=env)
    assert (other.returncode, said(other.stderr)) == (
        6,
        [
            f"Error: Refusing to use {lockfile}: it belongs to subaccount {a}, and this run acts on subaccount {b}; "
            "use that account's lockfile and manifests, or check --subaccount and MAILGUN_SUBACCOUNT."
        ],
    )
    parent = run("apply", "--yes", str(path), env=env)
    assert (parent.returncode, said(parent.stderr)) == (
        6,
        [
            f"Error: Refusing to use {lockfile}: it belongs to subaccount {a}, and this run acts on the parent "
            "account; use that account's lockfile and manifests, or check --subaccount and MAILGUN_SUBACCOUNT."
        ],
    )
    assert writes(emu) == []


def test_an_older_lockfile_is_adopted_and_the_account_recorded_at_the_next_apply(two_accounts, tmp_path: Path) -> None:
    (emu, env), _ = two_accounts
    path = copy_example("quickstart", tmp_path)
    lockfile = path / "mgsync.lock"
    assert run("apply", "--yes", str(path), env=env).returncode == 0
    recorded = json.loads(lockfile.read_text())
    older = {key: value for key, value in recorded.items() if key != "account"}
    lockfile.write_text(json.dumps(older, indent=2, sort_keys=True) + "\n")
    saved = tmp_path / "plan.json"
    planned = run("plan", "--detailed-exitcode", "--out", str(saved), str(path), env=env)
    assert planned.returncode == 0, planned.stderr
    assert "account" not in json.loads(lockfile.read_text())  # a plan never writes the lockfile
    emu.log.clear()
    applied = run("apply", "--yes", str(saved), env=env)  # the saved plan still matches the older lockfile
    assert applied.returncode == 0, applied.stderr
    assert json.loads(lockfile.read_text()) == recorded and writes(emu) == []


def test_missing_evidence_never_refuses_and_what_is_learnt_is_recorded(tmp_path: Path) -> None:
    """An account seen without a sandbox domain records only that it is the parent account; the
    same lockfile later used where a sandbox domain shows is not refused, and records it."""
    without, sandboxed = Emulator(api_key=KEY), with_sandbox(Emulator(api_key=KEY), SANDBOXES[0])
    path = copy_example("quickstart", tmp_path)
    lockfile = path / "mgsync.lock"
    with serve(without, host="127.0.0.1", port=0) as server:
        assert (
            run("apply", "--yes", str(path), env={"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}).returncode
            == 0
        )
    assert account_of(lockfile) == {"subaccount": None}
    with serve(sandboxed, host="127.0.0.1", port=0) as server:
        applied = run("apply", "--yes", str(path), env={"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url})
    assert applied.returncode == 0, applied.stderr
    assert account_of(lockfile) == {"sandbox": SANDBOXES[0], "subaccount": None}


def test_import_records_the_account(two_accounts, tmp_path: Path) -> None:
    (emu, env), _ = two_accounts
    emu.store.add_domain("mg.example.com")
    done = run("import", "--out", str(tmp_path / "imported"), env=env)
    assert done.returncode == 0, done.stderr
    assert account_of(tmp_path / "imported" / "mgsync.lock") == {"sandbox": SANDBOXES[0], "subaccount": None}
