"""Plans built by hand for the render tests: no diff, no emulator, just the data render reads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mgsync.changes import SENSITIVE, SENSITIVE_CHANGED, Action, Change, Drift, FieldChange
from mgsync.plan import Plan
from mgsync.state import Address, Resource

GOLDEN = Path(__file__).resolve().parents[1] / "render" / "golden"
SECRET = "hunter2-do-not-print"
UNVERIFIED = "mg.example.com is unverified: Mailgun still reports MX mg.example.com not valid."


class Login(BaseModel):
    """Stands in for a kind model holding a secret in clear, as ``Change.desired`` does."""

    password: str


def addr(text: str) -> Address:
    return Address.parse(text)


def create(address: str, after: dict[str, Any]) -> Change:
    return Change(addr(address), Action.CREATE, None, after)


def update(address: str, *fields: tuple[str, Any, Any]) -> Change:
    changes = tuple(FieldChange(tuple(path.split(".")), old, new) for path, old, new in fields)
    before = {".".join(f.path): f.before for f in changes}
    return Change(addr(address), Action.UPDATE, before, {".".join(f.path): f.after for f in changes}, changes)


def delete(address: str, before: dict[str, Any]) -> Change:
    return Change(addr(address), Action.DELETE, before, None)


def forget(address: str) -> Change:
    return Change(addr(address), Action.FORGET, {"name": "Old list"}, None)


def secret_change() -> Change:
    """A password change whose full resources carry the secret, as the plan builds it."""
    address = addr("credential:mg.example.com/alice")
    resource = Resource(address, Login(password=SECRET))
    return Change(
        address,
        Action.UPDATE,
        {"password": SENSITIVE},
        {"password": SENSITIVE},
        (FieldChange(("password",), SENSITIVE, SENSITIVE_CHANGED),),
        desired=resource,
        observed=resource,
    )


def example_plan() -> Plan:
    """Every feature once: create, nested and secret updates, a sampled bulk group, delete, forget,
    drift, unmanaged objects (one of them Mailgun's own ``postmaster`` login), a note on the change and
    one on the account."""
    body = "<html>\n  <body>Hello {{name}}</body>\n</html>\n" * 10
    return Plan(
        changes=[
            create(
                "route:support-inbox",
                {
                    "priority": 0,
                    "expression": 'match_recipient("support@example.com")',
                    "actions": ['forward("https://app.example.com/inbound")', "stop()"],
                },
            ),
            update("domain:mg.example.com", ("spam_action", "disabled", "tag")),
            update("tracking:mg.example.com", ("open.active", False, True), ("click.active", "htmlonly", True)),
            secret_change(),
            create(
                "template:mg.example.com/welcome",
                {
                    "description": "Welcome email",
                    "template": body,
                    "headers": {"Subject": "Welcome, {{name}}"},
                },
            ),
            update("template:mg.example.com/reset", ("template", body, body.replace("Hello", "Hi"))),
            *[
                create(f"bounce:mg.example.com/a{i}@example.org", {"code": "550", "error": "mailbox removed"})
                for i in range(2500)
            ],
            delete("webhook:mg.example.com/opened", {"urls": ["https://old.example.com/hook"]}),
            forget("list:old@mg.example.com"),
        ],
        drift=[
            Drift(addr("route:support-inbox"), (FieldChange(("priority",), 0, 5),)),
            Drift(addr("webhook:mg.example.com/clicked"), (), deleted=True),
        ],
        unmanaged={
            "route": [addr("route:catch-all"), addr("route:sales"), addr("route:legacy")],
            "member": [addr(f"member:news@mg.example.com/m{i}@example.org") for i in range(120)],
            "allowlist": [addr("allowlist:mg.example.com/partner.example.org")],
            "credential": [addr("credential:mg.example.com/postmaster")],
        },
        notes=["domain mg.example.com: spam_action is not supported on the free plan.", UNVERIFIED],
        account_notes=[UNVERIFIED],
    )


def huge_plan(n: int = 20_000) -> Plan:
    """``n`` webhook changes over ``n // 10`` domains: every group is small, so nothing is sampled."""
    changes = []
    for i in range(n):
        domain, event = f"d{i // 10}.example.com", f"event{i % 10}"
        if i % 4 == 0:
            changes.append(delete(f"webhook:{domain}/{event}", {"urls": [f"https://old.example.com/{i}"]}))
        else:
            changes.append(create(f"webhook:{domain}/{event}", {"urls": [f"https://hooks.example.com/{i}"]}))
    return Plan(changes=changes)


def assert_golden(name: str, actual: str) -> None:
    """Compare with ``golden/<name>``; ``MGSYNC_UPDATE_GOLDEN=1`` rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("MGSYNC_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8", newline="")
        return
    assert path.exists(), f"{path} is missing: run MGSYNC_UPDATE_GOLDEN=1 pytest tests/render"
    with open(path, encoding="utf-8", newline="") as file:
        assert actual == file.read(), f"{name} differs from its golden file"
