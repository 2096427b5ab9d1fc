"""End to end, issue 11's proof: an account seeded with plain API calls (an account webhook, an account
template with two versions, a forward rule on a domain, and a domain and route in a subaccount) goes
through the real mgsync executable against the emulator served over HTTP: import, an empty plan,
apply to an empty account, a webhook deleted behind mgsync's back, and ``import --subaccount``."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "account-capabilities-key"
HEADER = "X-Mailgun-On-Behalf-Of"
HOOK = "https://hooks.example.com/all"
MATCH = "support@mg.example.com"
BODY_V1, BODY_V2 = "<p>{{total}}</p>", "<p>Total: {{total}}</p>"
TEAM_ROUTE = 'match_recipient(".*@team.example.com")'
NO_CHANGES = "No changes. Mailgun matches the manifests."
DRIFT = "Changed outside mgsync since the last apply (drift):"
# What only the parent account holds; none of it may show in the subaccount's import, and vice versa.
PARENT_ONLY = ("mg.example.com", HOOK, "receipt", "support@", "hooks.example.com/in")
SUB_ONLY = ("team.example.com", "team-inbound")


@dataclass
class Account:
    url: str
    client: httpx.Client
    sub: str = ""

    @property
    def env(self) -> dict[str, str]:
        return {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": self.url}


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, (
        f"{answer.request.method} {answer.request.url}: {answer.status_code} {answer.text}"
    )
    return answer.json()


def seed(client: httpx.Client) -> str:
    """What a user with curl would do; returns the subaccount's id."""
    ok(
        client.post(
            "/v1/webhooks", data={"url": HOOK, "event_types": ["delivered", "opened"], "description": "all domains"}
        )
    )
    ok(
        client.post(
            "/v4/templates",
            data={
                "name": "receipt",
                "description": "Order receipt",
                "template": BODY_V1,
                "tag": "v1",
                "comment": "first",
            },
        )
    )
    ok(client.post("/v4/templates/receipt/versions", data={"template": BODY_V2, "tag": "v2", "active": "yes"}))
    ok(client.post("/v4/domains", data={"name": "mg.example.com"}))
    ok(
        client.post(
            "/v3/forwards",
            data={
                "match": MATCH,
                "forward.recipient": ["a@example.org", "b@example.org"],
                "forward.url": "https://hooks.example.com/in",
            },
        )
    )
    sub = ok(client.post("/v5/accounts/subaccounts", data={"name": "Team"}))["subaccount"]["id"]
    ok(client.post("/v4/domains", data={"name": "team.example.com", "spam_action": "tag"}, headers={HEADER: sub}))
    ok(
        client.post(
            "/v3/routes",
            data={"expression": TEAM_ROUTE, "action": ["stop()"], "description": "team-inbound"},
            headers={HEADER: sub},
        )
    )
    return sub


@pytest.fixture
def served() -> Iterator[Callable[[], Account]]:
    """A factory of accounts: each an emulator served on 127.0.0.1, with a plain HTTP client."""
    with ExitStack() as stack:

        def start() -> Account:
            running = stack.enter_context(serve(Emulator(api_key=KEY), host="127.0.0.1", port=0))
            return Account(running.url, stack.enter_context(httpx.Client(base_url=running.url, auth=("api", KEY))))

        yield start


@pytest.fixture
def parent(served, tmp_path) -> tuple[Account, Path]:
    """The seeded account and its import (``A``)."""
    account = served()
    account.sub = seed(account.client)
    tree = tmp_path / "A"
    imported = run("import", "--out", str(tree), env=account.env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        f"Imported 1 domain, 1 forward, 1 account template, 1 account webhook (6 objects) into {tree}; "
        f"run: mgsync plan {tree}"
    ]
    return account, tree


def files(root: Path, *, lock: bool = False) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and (lock or p.name != "mgsync.lock")
    }


def plan_is_empty(*args: str, env: dict[str, str]) -> None:
    plan = run("plan", "--detailed-exitcode", *args, env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert NO_CHANGES in plan.stdout.splitlines()
    assert DRIFT not in plan.stdout, plan.stdout  # nothing changed since the import or apply


def live(account: Account) -> dict[str, Any]:
    """The account-level objects field by field, without the ids and dates each account assigns."""
    hooks = ok(account.client.get("/v1/webhooks"))["webhooks"]
    rules = ok(account.client.get("/v3/forwards"))["items"]
    template = ok(account.client.get("/v4/templates/receipt", params={"active": "yes"}))["template"]
    return {
        "webhooks": [(h["url"], h["event_types"], h["description"]) for h in hooks],
        "forwards": [(r["match"], r["domain_name"], r["forward"]) for r in rules],
        "template": (
            template["name"],
            template["description"],
            template["version"]["template"],
            template["version"]["engine"],
        ),
    }


def lock_id(tree: Path, address: str) -> str:
    return json.loads((tree / "mgsync.lock").read_text(encoding="utf-8"))["resources"][address]["meta"]["id"]


def test_the_import_holds_the_parents_objects_only_and_plans_empty(parent) -> None:
    account, tree = parent
    written = files(tree, lock=True)
    assert sorted(written) == [
        "account_templates.yaml",
        "account_webhooks.yaml",
        "forwards.yaml",
        "mg.example.com.yaml",
        "mgsync.lock",
        "templates/account/receipt.hbs",
    ]
    assert (
        "account_webhooks:\n  https://hooks.example.com/all:\n    events: [delivered, opened]\n"
        "    description: all domains\n"
    ) in written["account_webhooks.yaml"]
    assert (
        "account_templates:\n  receipt:\n    description: Order receipt\n    engine: handlebars\n"
        "    headers: {}\n    file: templates/account/receipt.hbs\n"
    ) in written["account_templates.yaml"]
    assert written["templates/account/receipt.hbs"] == BODY_V2  # the active version's body
    assert (
        "forwards:\n  support@mg.example.com:\n    recipients: [a@example.org, b@example.org]\n"
        "    urls: [https://hooks.example.com/in]\n"
    ) in written["forwards.yaml"]
    assert "domains:\n" in written["mg.example.com.yaml"]
    everything = "".join(written.values())
    assert not any(name in everything for name in SUB_ONLY), "the subaccount's objects leaked into the parent"
    assert (
        lock_id(tree, f"account_webhook:{HOOK}") == ok(account.client.get("/v1/webhooks"))["webhooks"][0]["webhook_id"]
    )
    plan_is_empty(str(tree), env=account.env)


def test_applying_the_import_to_an_empty_account_reproduces_it(parent, served, tmp_path) -> None:
    account, tree = parent
    empty = served()
    copy = tmp_path / "B"
    shutil.copytree(tree, copy, ignore=shutil.ignore_patterns("mgsync.lock"))
    applied = run("apply", "--yes", str(copy), env=empty.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete: 6 added, 0 changed, 0 destroyed." in applied.stdout.splitlines()  # no dkim: none active
    plan_is_empty(str(copy), env=empty.env)
    again = tmp_path / "B-import"
    assert run("import", "--out", str(again), env=empty.env).returncode == 0
    assert files(again) == files(tree)  # byte for byte, template body included
    assert live(empty) == live(account)
    assert lock_id(copy, f"account_webhook:{HOOK}") != lock_id(tree, f"account_webhook:{HOOK}")  # ids are per account
    assert ok(empty.client.get("/v5/accounts/subaccounts"))["subaccounts"] == []  # the parent's import only


def test_an_account_webhook_deleted_behind_mgsyncs_back_is_planned_back_and_restored(parent) -> None:
    account, tree = parent
    before = live(account)
    old_id = lock_id(tree, f"account_webhook:{HOOK}")
    assert account.client.delete(f"/v1/webhooks/{old_id}").status_code == 204
    plan = run("plan", "--detailed-exitcode", str(tree), env=account.env)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    lines = plan.stdout.splitlines()
    assert lines[:5] == [
        "mgsync will perform the following actions:",
        "",
        f"  + account_webhook:{HOOK}",
        '      events:      ["delivered", "opened"]',
        '      description: "all domains"',
    ]
    assert [DRIFT, f"  - account_webhook:{HOOK} (deleted in Mailgun)"] == lines[
        lines.index(DRIFT) : lines.index(DRIFT) + 2
    ]
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in lines
    applied = run("apply", "--yes", str(tree), env=account.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete: 1 added, 0 changed, 0 destroyed." in applied.stdout.splitlines()
    assert live(account) == before
    new_id = ok(account.client.get("/v1/webhooks"))["webhooks"][0]["webhook_id"]
    assert new_id != old_id and lock_id(tree, f"account_webhook:{HOOK}") == new_id
    plan_is_empty(str(tree), env=account.env)


def test_import_of_the_subaccount_sees_only_its_objects_and_plans_empty(parent, tmp_path) -> None:
    account, _ = parent
    tree = tmp_path / "S"
    imported = run("import", "--subaccount", account.sub, "--out", str(tree), env=account.env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        f"Imported 1 domain, 1 route (4 objects) into {tree}; run: mgsync plan --subaccount {account.sub} {tree}"
    ]
    written = files(tree, lock=True)
    assert sorted(written) == ["mgsync.lock", "routes.yaml", "team.example.com.yaml"]
    assert "  team.example.com:\n    spam_action: tag\n" in written["team.example.com.yaml"]
    assert f"routes:\n  team-inbound:\n    priority: 0\n    expression: {TEAM_ROUTE}\n" in written["routes.yaml"]
    everything = "".join(written.values())
    assert not any(name in everything for name in PARENT_ONLY), "the parent's objects leaked into the subaccount"
    plan_is_empty("--subaccount", account.sub, str(tree), env=account.env)
