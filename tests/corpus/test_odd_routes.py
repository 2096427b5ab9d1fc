"""Issue 18: an account whose routes Mailgun accepted but mgsync once refused imports, and plans empty.

The account is made over plain HTTP, as Mailgun's control panel and working code make it: a route
forwarding to ``.*@example.com`` (regex-like, as real Mailgun stored ``forward(".*@")``,
mailgun-ruby vcr_cassettes/routes.yml, 27 Jan 2025), one with a parenthesised expression (posted by
keephq/keep's Mailgun provider), one forwarding to a comma-separated list (Mailgun's user manual,
"Route Actions"), and a list member added as ``Alice <alice@example.com>`` (Mailgun's mailing-list
docs). The real ``mgsync`` runs against the emulator served on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ruamel.yaml import YAML

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "odd-routes-key"
ROUTES = {
    "regex-like": ('match_recipient("alice@example.com")', ['forward(".*@example.com")', "stop()"]),
    "grouped": (
        '(match_recipient(".*@a.example") and match_header("from", ".*@b.example"))',
        ['forward("https://app.example.com/inbound")'],
    ),
    "two-places": (
        'match_recipient("support@example.com")',
        ['forward("http://myapp.com/messages, mailbox@myapp.com")'],
    ),
}


@pytest.fixture
def account() -> Iterator[dict[str, str]]:
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        with httpx.Client(base_url=server.url, auth=("api", KEY)) as api:
            for priority, (name, (expression, actions)) in enumerate(ROUTES.items()):
                api.post(
                    "/v3/routes",
                    data={"priority": str(priority), "description": name, "expression": expression, "action": actions},
                ).raise_for_status()
            api.post("/v3/lists", data={"address": "team@mg.example.com", "name": "Team"}).raise_for_status()
            api.post(
                "/v3/lists/team@mg.example.com/members", data={"address": "Alice <alice@example.com>"}
            ).raise_for_status()
        yield {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def test_odd_routes_and_a_named_member_import_and_plan_empty(account: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    imported = run("import", "--out", str(out), env=account)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == (f"Imported 3 routes, 1 mailing list (5 objects) into {out}; run: mgsync plan {out}\n")
    assert imported.stderr == ""
    routes = YAML(typ="safe", pure=True).load(out / "routes.yaml")["routes"]
    assert {name: (r["expression"], r["actions"]) for name, r in routes.items()} == {
        name: (expression, actions) for name, (expression, actions) in ROUTES.items()
    }
    members = YAML(typ="safe", pure=True).load(out / "lists.yaml")["mailing_lists"]["team@mg.example.com"]["members"]
    assert members == [{"address": "alice@example.com", "name": "Alice"}]
    planned = run("plan", "--detailed-exitcode", str(out), env=account)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert planned.stdout.startswith("No changes. Mailgun matches the manifests.")


def test_the_member_written_name_and_address_applies_and_plans_empty(account: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    assert run("import", "--out", str(out), env=account).returncode == 0
    lists = out / "lists.yaml"
    text = lists.read_text(encoding="utf-8")
    assert "- {address: alice@example.com, name: Alice}\n" in text
    lists.write_text(
        text.replace(
            "- {address: alice@example.com, name: Alice}\n",
            "- Alice <alice@example.com>\n      - Bob <bob@example.com>\n",
        ),
        encoding="utf-8",
    )
    planned = run("plan", str(out), env=account)
    assert planned.returncode == 0, planned.stderr
    assert "+ member:team@mg.example.com/bob@example.com" in planned.stdout
    assert "alice@example.com" not in planned.stdout  # the same member, named as Mailgun holds it
    applied = run("apply", "--yes", str(out), env=account)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = run("plan", "--detailed-exitcode", str(out), env=account)
    assert again.returncode == 0, again.stdout + again.stderr
