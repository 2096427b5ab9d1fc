"""End to end: one repository manages a parent account and its subaccounts as separate manifest
trees, with the real mgsync executable against the emulator (served over HTTP, or embedded)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "subaccount-e2e-key"
HEADER = "X-Mailgun-On-Behalf-Of"
ROUTE_A = 'match_recipient(".*@a.example.com")'


def seed(client: httpx.Client) -> tuple[str, str]:
    """Plain API calls: subaccounts A and B; a domain and a route in A; another domain and route in the parent."""
    a, b = (
        client.post("/v5/accounts/subaccounts", data={"name": name}).json()["subaccount"]["id"]
        for name in ("Team A", "Team B")
    )
    calls: list[tuple[str, dict[str, Any], str | None]] = [
        ("/v4/domains", {"name": "a.example.com", "spam_action": "tag"}, a),
        (
            "/v3/routes",
            {
                "expression": ROUTE_A,
                "action": ["forward('https://a.example.com/in')", "stop()"],
                "priority": "5",
                "description": "support",
            },
            a,
        ),
        ("/v4/domains", {"name": "parent.example.com"}, None),
        ("/v3/routes", {"expression": "catch_all()", "action": "stop()", "description": "parent-catch-all"}, None),
    ]
    for path, form, account in calls:
        answer = client.post(path, data=form, headers={HEADER: account} if account else {})
        assert answer.status_code == 200, answer.text
    return a, b


@pytest.fixture
def mailgun() -> Iterator[tuple[Emulator, dict[str, str], str, str]]:
    """``(emulator, env, A, B)``: a served account seeded by ``seed``, its request log emptied."""
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        with httpx.Client(base_url=server.url, auth=("api", KEY)) as client:
            a, b = seed(client)
        emu.log.clear()
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}, a, b


def manifests(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.yaml"))}


def account_state(emu: Emulator, account: str | None) -> dict:
    store = emu.store.account(account)
    assert store is not None
    return {k: v for k, v in store.to_data().items() if k not in ("seq", "subaccounts")}


def test_import_of_a_subaccount_sees_only_its_objects_and_plans_empty(mailgun, tmp_path) -> None:
    emu, env, a, _ = mailgun
    flag = run("import", "--subaccount", a, "--out", str(tmp_path / "a"), env=env)
    assert flag.returncode == 0, flag.stderr
    assert "Imported 1 domain, 1 route" in flag.stdout
    by_env = run("import", "--out", str(tmp_path / "a-env"), env={**env, "MAILGUN_SUBACCOUNT": a})
    assert by_env.returncode == 0, by_env.stderr
    imported = manifests(tmp_path / "a")
    assert imported == manifests(tmp_path / "a-env")
    assert sorted(imported) == ["a.example.com.yaml", "routes.yaml"]
    text = "".join(imported.values())
    assert "spam_action: tag" in text and "support:" in text and ROUTE_A in text
    assert "parent" not in text and "catch_all" not in text
    assert emu.log and {entry.account for entry in emu.log} == {a}
    plan = run("plan", "--detailed-exitcode", "--subaccount", a, str(tmp_path / "a"), env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes" in plan.stdout


def test_applying_the_import_to_another_subaccount_reproduces_it_and_leaves_the_parent_alone(mailgun, tmp_path) -> None:
    emu, env, a, b = mailgun
    assert run("import", "--subaccount", a, "--out", str(tmp_path / "a"), env=env).returncode == 0
    parent_before, a_before = account_state(emu, None), account_state(emu, a)
    tree_b = tmp_path / "b"  # one directory per (sub)account, each with its own lockfile
    shutil.copytree(tmp_path / "a", tree_b, ignore=shutil.ignore_patterns("mgsync.lock"))
    emu.log.clear()
    applied = run("apply", "--yes", str(tree_b), env={**env, "MAILGUN_SUBACCOUNT": b})
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete" in applied.stdout
    assert {entry.account for entry in emu.log} == {b}
    again = run("plan", "--detailed-exitcode", "--subaccount", b, str(tree_b), env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert run("import", "--subaccount", b, "--out", str(tmp_path / "b-again"), env=env).returncode == 0
    assert manifests(tmp_path / "b-again") == manifests(tmp_path / "a")
    assert account_state(emu, None) == parent_before and account_state(emu, a) == a_before
    # The same tree planned against the parent would create it there: the accounts really are apart.
    parent = run("plan", "--detailed-exitcode", "--lockfile", str(tmp_path / "parent.lock"), str(tree_b), env=env)
    assert parent.returncode == 2, parent.stdout + parent.stderr


def test_verbose_names_the_subaccount_but_never_the_key(mailgun, tmp_path) -> None:
    _, env, a, _ = mailgun
    result = run("--verbose", "import", "--subaccount", a, "--out", str(tmp_path / "a"), env=env)
    assert result.returncode == 0, result.stderr
    assert f"mgsync.client: http: every request acts on subaccount {a} (X-Mailgun-On-Behalf-Of)" in result.stderr
    assert KEY not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (
            ["--subaccount", "team a"],
            {},
            'Error: --subaccount must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, no spaces), '
            'got "team a"',
        ),
        (
            [],
            {"MAILGUN_SUBACCOUNT": "a\x07b"},
            'Error: MAILGUN_SUBACCOUNT must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, '
            'no spaces), got "a\\u0007b"',
        ),
        (
            ["--subaccount", "0123456789abcdef01234567"],
            {},
            "Error: Mailgun API: GET /v4/domains returned 403: Forbidden: X-Mailgun-On-Behalf-Of names no "
            "subaccount of this account (0123456789abcdef01234567)",
        ),
    ],
)
def test_a_bad_or_unknown_subaccount_is_one_clear_line(
    mailgun, tmp_path, args: list[str], env_extra: dict[str, str], message: str
) -> None:
    emu, env, _, _ = mailgun
    result = run("import", *args, "--out", str(tmp_path / "out"), env={**env, **env_extra})
    assert (result.returncode, result.stderr.strip()) == (1, message)
    assert not (tmp_path / "out").exists()
    if "names no subaccount" not in message:
        assert emu.log == []  # refused before any request


def test_the_embedded_emulator_keeps_each_subaccount_apart_across_runs(tmp_path) -> None:
    state = tmp_path / "account.json"
    emu = Emulator(api_key="emulator-key", state_file=state)
    with httpx.Client(
        transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", "emulator-key")
    ) as client:
        a, _ = seed(client)
    embedded = ["--emulator", "--emulator-state", str(state)]
    assert run("import", *embedded, "--subaccount", a, "--out", str(tmp_path / "a")).returncode == 0
    tree = tmp_path / "a"
    (tree / "a.example.com.yaml").write_text(
        (tree / "a.example.com.yaml").read_text(encoding="utf-8").replace("spam_action: tag", "spam_action: block"),
        encoding="utf-8",
    )
    applied = run("apply", *embedded, "--subaccount", a, "--yes", str(tree))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = run("plan", *embedded, "--subaccount", a, "--detailed-exitcode", str(tree))
    assert again.returncode == 0, again.stdout + again.stderr
    reloaded = Emulator(api_key="emulator-key", state_file=state)  # what the runs left in the state file
    sub = reloaded.store.account(a)
    assert sub is not None and sub.domains["a.example.com"]["spam_action"] == "block"
    assert sorted(reloaded.store.domains) == ["parent.example.com"]
