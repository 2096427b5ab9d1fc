"""A domain setting mgsync's manifests cannot hold leaves out that setting only, never the domain and
what lives in it; and a live value the model cannot read in one setting fails no plan that does not
manage it (found by a probe: one web prefix lost a domain's webhooks, bounces, credentials and
templates, then failed every plan with "please report this").

Values are seeded straight into the emulator's store, past its own checks, as a real account may
hold what mgsync's emulator would refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mgsync.importer import run_import
from mgsync.manifest import load
from tests.support.harness import Harness

D = "mg.example.com"


@pytest.fixture
def account(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path / "imported")
    store = harness.emu.store
    store.add_domain(D, state="active")
    store.add_webhook(D, "delivered", ["https://hooks.example.com/d"])
    store.add_bounces(D, [{"address": "gone@example.org", "code": "550", "error": "gone"}])
    store.add_template(D, "welcome", "Welcome", versions=[{"tag": "v1", "template": "<p>hi</p>"}])
    return harness


def imported_domain(account: Harness) -> dict:
    return yaml.safe_load((account.root / f"{D}.yaml").read_text(encoding="utf-8"))["domains"][D]


# Mailgun's OpenAPI, PUT /v4/domains/{name}, web_prefix: "Must be a valid atom" (an RFC 5322 atom:
# letters, digits and !#$%&'*+-/=?^_`{|}~); mgsync's emulator takes an underscore (ATOM_RE). The
# OpenAPI says of archive_to only "If set to a URL"; the probe's seed_dom.py holds an address.
@pytest.mark.parametrize(
    ("setting", "value"),
    [("web_prefix", "e_mail"), ("web_prefix", "Track"), ("archive_to", "archive@example.com")],
)
def test_a_setting_mailgun_documents_is_imported_and_planned_empty(account: Harness, setting: str, value: str) -> None:
    account.emu.store.domains[D][setting] = value
    imported = run_import(account.client, account.root)
    assert imported.notes == []
    domain = imported_domain(account)
    assert domain[setting] == value
    assert set(domain) >= {"webhooks", "templates", "suppressions"}
    assert account.actions() == []


def test_a_setting_the_manifest_cannot_hold_is_left_out_alone(account: Harness) -> None:
    """``archive_to`` (probe's seed_dom.py) that is no URL, and a web prefix that is no atom: each is
    left out with a note naming it; the domain and all in it are imported; the plan is empty."""
    account.emu.store.domains[D]["web_prefix"] = "e mail"
    imported = run_import(account.client, account.root)
    assert imported.left_out == 1
    assert imported.notes == [
        f"domain:{D}: web_prefix was left out: mgsync cannot write it as a manifest (domains.{D}.web_prefix: "
        '"e mail" is not a valid web prefix (Mailgun takes an atom: letters, digits and !#$%&\'*+-/=?^_`{|}~)); '
        "it stays as it is in Mailgun, not managed."
    ]
    domain = imported_domain(account)
    assert "web_prefix" not in domain
    assert domain["webhooks"] == {"delivered": "https://hooks.example.com/d"}
    assert domain["suppressions"]["bounces"] == [{"address": "gone@example.org", "code": "550", "error": "gone"}]
    assert list(domain["templates"]) == ["welcome"]
    assert account.actions() == []


def test_a_live_value_the_model_cannot_read_fails_no_plan_that_leaves_it_alone(account: Harness) -> None:
    """A spam action Mailgun may add one day, in a setting the manifests stopped managing: the plan
    notes it and leaves it alone; a manifest that sets it plans the change from the value Mailgun shows."""
    run_import(account.client, account.root)
    manifest = account.root / f"{D}.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("    spam_action: disabled\n", ""), encoding="utf-8")
    account.emu.store.domains[D]["spam_action"] = "quarantine"
    plan = account.plan()
    assert plan.changes == []
    assert plan.notes == [
        f"Mailgun API: domain:{D} has a value mgsync cannot read: spam_action: Input should be 'disabled', "
        "'block' or 'tag' (got 'quarantine'); kept as Mailgun has it, changed only if the manifests set it."
    ]
    manifest.write_text(text.replace("spam_action: disabled", "spam_action: tag"), encoding="utf-8")
    changed = account.plan().changes
    assert [(str(c.address), [(f.field, f.before, f.after) for f in c.fields]) for c in changed] == [
        (f"domain:{D}", [("spam_action", "quarantine", "tag")])
    ]
    account.apply()
    assert account.emu.store.domains[D]["spam_action"] == "tag"
    assert account.actions() == []


def test_validate_warns_of_a_web_prefix_no_host_name_takes_and_an_archive_to_that_is_no_url(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        f"domains:\n  {D}:\n    web_prefix: e_mail\n    archive_to: archive@example.com\n", encoding="utf-8"
    )
    assert [(w.line, w.message) for w in load([tmp_path], {}).warnings] == [
        (
            3,
            '"e_mail" is no host name label (letters, digits, hyphens), yet tracking links go to e_mail.<domain>: '
            "browsers or its HTTPS certificate may refuse it",
        ),
        (4, '"archive@example.com" is not an http or https URL, where Mailgun posts each delivered message'),
    ]


def test_a_null_unsubscribe_footer_costs_no_tracking_settings(account: Harness) -> None:
    """``html_footer: null`` (the probe's seed_trk.py; whether Mailgun sends one is UNCONFIRMED, its
    answer shape allows it) left out the domain's whole tracking block, open and click included."""
    account.emu.store.set_tracking(D, open=True, click="htmlonly", unsubscribe=False, text_footer="bye")
    account.emu.store.tracking[D]["unsubscribe"]["html_footer"] = None
    imported = run_import(account.client, account.root)
    assert imported.notes == []
    tracking = imported_domain(account)["tracking"]
    assert (tracking["open"], tracking["click"]) == (True, "htmlonly")
    assert "html_footer" not in tracking["unsubscribe"]
    assert account.actions() == []
