"""The contract every kind keeps: create → plan empty → change → update → plan empty → delete → plan empty."""

from __future__ import annotations

import pytest

from mgsync.kinds import KINDS
from tests.support.harness import Harness

DOMAIN = "domains:\n  mg.example.com:\n"

CASES = {
    "domain": (
        "domains:\n  mg.other.com: {spam_action: tag}\n",
        "domains:\n  mg.other.com: {spam_action: block, web_scheme: https}\n",
        "domains: {}\n",
        "domain:mg.other.com",
        "delete",
    ),
    "tracking": (
        DOMAIN + "    tracking: {open: true}\n",
        DOMAIN
        + "    tracking: {open: true, click: htmlonly, unsubscribe: {active: true, html_footer: '<p>bye</p>'}}\n",
        DOMAIN + "    spam_action: disabled\n",
        "tracking:mg.example.com",
        "forget",
    ),
    "webhook": (
        DOMAIN + "    webhooks: {delivered: [https://hooks.example.com/a]}\n",
        DOMAIN + "    webhooks: {delivered: [https://hooks.example.com/a, https://hooks.example.com/b]}\n",
        DOMAIN + "    spam_action: disabled\n",
        "webhook:mg.example.com/delivered",
        "delete",
    ),
    "template": (
        DOMAIN + "    templates: {welcome: {description: Hi, template: '<p>Hello {{name}}</p>'}}\n",
        DOMAIN + "    templates: {welcome: {description: Hello, template: '<p>Welcome {{name}}</p>',"
        " headers: {Subject: Welcome}}}\n",
        DOMAIN + "    spam_action: disabled\n",
        "template:mg.example.com/welcome",
        "delete",
    ),
    "credential": (
        DOMAIN + "    credentials: {alice: {password: '${env:PW}'}}\n",
        DOMAIN + "    credentials: {alice: {password: '${env:PW2}'}}\n",
        DOMAIN + "    spam_action: disabled\n",
        "credential:mg.example.com/alice",
        "delete",
    ),
    "bounce": (
        DOMAIN + "    suppressions: {bounces: [{address: gone@example.org, code: '550'}]}\n",
        DOMAIN + "    suppressions: {bounces: [{address: gone@example.org, code: '554', error: full}]}\n",
        DOMAIN + "    prune: [bounces]\n",
        "bounce:mg.example.com/gone@example.org",
        "delete",
    ),
    "unsubscribe": (
        DOMAIN + "    suppressions: {unsubscribes: [{address: quit@example.org, tags: [news]}]}\n",
        DOMAIN + "    suppressions: {unsubscribes: [{address: quit@example.org, tags: [news, promo]}]}\n",
        DOMAIN + "    prune: [unsubscribes]\n",
        "unsubscribe:mg.example.com/quit@example.org",
        "delete",
    ),
    "complaint": (
        DOMAIN + "    suppressions: {complaints: [angry@example.org]}\n",
        None,  # a complaint has no fields to change
        DOMAIN + "    prune: [complaints]\n",
        "complaint:mg.example.com/angry@example.org",
        "delete",
    ),
    "allowlist": (
        DOMAIN + "    suppressions: {allowlist: [{value: partner.example.org, reason: partner}]}\n",
        DOMAIN + "    suppressions: {allowlist: [{value: partner.example.org, reason: contract}]}\n",
        DOMAIN + "    prune: [allowlist]\n",
        "allowlist:mg.example.com/partner.example.org",
        "delete",
    ),
    "dkim_key": (
        DOMAIN + "    dkim_keys: {s1: {bits: 1024}}\n",
        None,  # a key never changes: a new size needs a new selector (refused, see test_dkim.py)
        DOMAIN + "    spam_action: disabled\n",
        "dkim_key:mg.example.com/s1",
        "forget",
    ),
    "dkim": (
        DOMAIN + "    dkim: {rotation: {enabled: false}}\n",
        DOMAIN + "    dkim: {rotation: {enabled: true, interval: 30d}}\n",
        DOMAIN + "    spam_action: disabled\n",
        "dkim:mg.example.com",
        "forget",
    ),
    "route": (
        "routes:\n  support: {priority: 1, expression: 'match_recipient(\"s@example.com\")', actions: ['stop()']}\n",
        "routes:\n  support: {priority: 2, expression: 'match_recipient(\"s@example.com\")',"
        " actions: ['forward(\"https://app.example.com/in\")', 'stop()']}\n",
        "routes: {}\n",
        "route:support",
        "delete",
    ),
    "forward": (  # its domain is created in the same apply: forwards come after domains
        DOMAIN + "    spam_action: tag\nforwards:\n  Support@mg.example.com: {recipients: [a@example.org]}\n",
        DOMAIN + "    spam_action: tag\nforwards:\n  support@mg.example.com:"
        " {recipients: [b@example.org, a@example.org], urls: ['https://app.example.com/in'], store: 'https://app.example.com/n'}\n",
        DOMAIN + "    spam_action: tag\nforwards: {}\n",
        "forward:support@mg.example.com",
        "delete",
    ),
    "list": (
        "mailing_lists:\n  news@mg.example.com: {name: News}\n",
        "mailing_lists:\n  news@mg.example.com: {name: Newsletter, access_level: members}\n",
        "mailing_lists: {}\n",
        "list:news@mg.example.com",
        "delete",
    ),
    "member": (
        "mailing_lists:\n  news@mg.example.com:\n    members: [{address: bob@example.org, name: Bob}]\n",
        "mailing_lists:\n  news@mg.example.com:\n    members: [{address: bob@example.org, name: Robert, vars: {tier: gold}}]\n",
        "mailing_lists:\n  news@mg.example.com:\n    prune: [members]\n",
        "member:news@mg.example.com/bob@example.org",
        "delete",
    ),
    "account_template": (
        "account_templates: {receipt: {description: Receipt, template: '<p>Thanks {{name}}</p>'}}\n",
        "account_templates: {receipt: {description: Your receipt, template: '<p>Thank you {{name}}</p>',"
        " headers: {Subject: Receipt}}}\n",
        "account_templates: {}\n",
        "account_template:receipt",
        "delete",
    ),
    "account_webhook": (
        "account_webhooks:\n  https://hooks.example.com/mg: {events: [delivered]}\n",
        "account_webhooks:\n  https://hooks.example.com/mg: {events: [opened, delivered], description: Events}\n",
        "account_webhooks: {}\n",
        "account_webhook:https://hooks.example.com/mg",
        "delete",
    ),
}


def test_every_kind_has_a_contract_case() -> None:
    assert sorted(CASES) == sorted(kind.name for kind in KINDS)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_kind_contract(kind: str, tmp_path) -> None:
    create, change, remove, address, delete_action = CASES[kind]
    h = Harness(tmp_path, env={"PW": "first-password", "PW2": "second-password"})

    h.write(create)
    assert (address, "create") in h.actions()
    h.apply()
    assert h.actions() == []

    if change is not None:
        h.write(change)
        assert (address, "update") in h.actions()
        h.apply()
        assert h.actions() == []

    h.write(remove)
    assert (address, delete_action) in h.actions()
    h.apply(confirm=frozenset({"domain:mg.other.com"}))
    assert h.actions() == []
    assert address not in h.lock_path.read_text()
