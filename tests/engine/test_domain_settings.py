"""Every domain setting (issue 12): updatable ones change in place, create-only ones are sent at
creation and refused on a live domain; plan notes for unverified domains and HTTPS certificates;
``apply --verify-domain``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mgsync.cli import main
from mgsync.emulator import x509
from mgsync.emulator.store import Store
from mgsync.errors import ManifestError, UnsafePlanError
from mgsync.importer import run_import
from tests.support.harness import Harness

NEW = "domains:\n  mg.new.com: {spam_action: tag, dkim_key_size: 1024, encrypt_incoming_message: true}\n"


def _domain(h: Harness, name: str = "mg.new.com") -> dict:
    return h.emu.store.domains[name]


def test_create_only_settings_are_sent_with_the_post_and_remembered(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(
        "domains:\n  mg.new.com: {dkim_key_size: 2048, dkim_selector: s1, ips: [192.0.2.10], pool_id: p1,"
        " mailfrom_host: bounce.mg.new.com, archive_to: 'https://archive.example.com/in', message_ttl: 3600}\n"
    )
    h.apply()
    rec = _domain(h)
    assert (rec["_dkim_key_size"], rec["_dkim_selector"], rec["_ips"], rec["_pool_id"]) == (
        2048,
        "s1",
        ["192.0.2.10"],
        "p1",
    )
    assert rec["_mailfrom_host"] == "bounce.mg.new.com"  # POST ignores it: a PUT right after
    assert (rec["archive_to"], rec["message_ttl"]) == ("https://archive.example.com/in", 3600)
    assert h.requests("PUT") == ["PUT /v4/domains/mg.new.com"]
    assert h.actions() == []
    assert '"dkim_key_size": 2048' in h.lock_path.read_text()


def test_changing_dkim_key_size_on_a_live_domain_is_refused_and_the_domain_untouched(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(NEW)
    h.apply()
    before = dict(_domain(h))
    h.write(NEW.replace("dkim_key_size: 1024", "dkim_key_size: 2048"))
    plan = h.plan()
    message = (
        "domain:mg.new.com: dkim_key_size cannot change in place (1024 → 2048); remove it from the manifest, "
        "or re-create the domain deliberately"
    )
    assert any(n.startswith(message) for n in plan.refusals)
    assert any(n.startswith(message) for n in plan.notes)  # shown in the plan
    h.emu.log.clear()
    with pytest.raises(UnsafePlanError, match=r"Refusing to apply: domain:mg.new.com: dkim_key_size cannot change"):
        h.apply(force=True)  # --force never overrides it
    assert [e for e in h.emu.log if e.method != "GET"] == []
    assert _domain(h)["id"] == before["id"] and _domain(h)["_dkim_key_size"] == 1024


def test_encrypt_incoming_message_is_read_back_and_refused_too(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(NEW)
    h.apply()
    h.write(NEW.replace("encrypt_incoming_message: true", "encrypt_incoming_message: false"))
    assert any("encrypt_incoming_message cannot change in place (true → false)" in r for r in h.plan().refusals)


def test_automatic_sender_security_is_turned_on_in_place(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(NEW)
    h.apply()
    domain_id = _domain(h)["id"]
    h.write(NEW.replace("spam_action: tag", "spam_action: tag, use_automatic_sender_security: true"))
    assert h.actions() == [("domain:mg.new.com", "update")]
    h.emu.log.clear()
    h.apply()
    assert h.requests("PUT") == ["PUT /v4/domains/mg.new.com"] and h.requests("POST") == []
    assert _domain(h)["id"] == domain_id and _domain(h)["use_automatic_sender_security"] is True
    assert h.actions() == []


def test_updatable_settings_change_in_place(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(NEW)
    h.apply()
    h.write(
        NEW.replace(
            "spam_action: tag",
            "spam_action: tag, message_ttl: 600, archive_to: 'https://a.example.com/x', mailfrom_host: mail.mg.new.com",
        )
    )
    plan = h.plan()
    assert {f.field for f in plan.changes[0].fields} == {"message_ttl", "archive_to", "mailfrom_host"}
    h.apply()
    assert _domain(h)["_mailfrom_host"] == "mail.mg.new.com" and _domain(h)["message_ttl"] == 600
    assert h.actions() == []
    _domain(h)["_mailfrom_host"] = "other.mg.new.com"  # changed by hand: read back (h:extended) and drift
    plan = h.plan()
    assert [c.address.key for c in plan.drift] == ["mg.new.com"]
    assert h.actions(plan) == [("domain:mg.new.com", "update")]


def test_an_imported_unverified_domain_plans_without_drift(tmp_path) -> None:
    """The import cannot read ``mailfrom_host`` (no lockfile yet); the next plan reads it for an
    unverified domain, where Mailgun shows "" for none set: that is no change."""
    h = Harness(tmp_path)
    h.emu.store.add_domain("mg.old.com", spam_action="tag")
    run_import(h.client, h.root)
    plan = h.plan()
    assert "GET /v4/domains/mg.old.com" in h.requests("GET")  # the detail was read
    assert plan.drift == [] and h.actions(plan) == []


def test_a_mailfrom_host_cleared_by_hand_is_drift_and_set_again(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(NEW.replace("spam_action: tag", "spam_action: tag, mailfrom_host: mail.mg.new.com"))
    h.apply()
    _domain(h)["_mailfrom_host"] = ""  # cleared by hand
    plan = h.plan()
    assert [(c.address.key, [(f.path, f.before, f.after) for f in c.fields]) for c in plan.drift] == [
        ("mg.new.com", [(("mailfrom_host",), "mail.mg.new.com", None)])
    ]
    assert h.actions(plan) == [("domain:mg.new.com", "update")]
    h.apply()
    assert _domain(h)["_mailfrom_host"] == "mail.mg.new.com" and h.actions() == []


def test_a_create_only_setting_on_a_domain_mgsync_did_not_create_is_noted_not_checked(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_domain("mg.old.com")
    h.write("domains:\n  mg.old.com: {dkim_key_size: 2048}\n")
    plan = h.plan()
    assert plan.refusals == [] and h.actions(plan) == []
    assert (
        "mg.old.com: dkim_key_size is not checked: Mailgun does not show it and mgsync did not create this domain."
        in plan.notes
    )


def test_dkim_host_name_beside_force_dkim_authority_fails_validation(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.new.com: {dkim_host_name: mg.new.com, force_dkim_authority: true}\n")
    with pytest.raises(ManifestError, match="dkim_host_name cannot be combined with force_dkim_authority"):
        h.desired()


def test_the_plan_names_the_records_mailgun_still_reports_invalid(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(NEW)
    h.apply()
    notes = h.plan().notes
    assert (
        "mg.new.com is unverified: Mailgun still reports CNAME email.mg.new.com, MX mg.new.com, TXT mg.new.com, "
        "TXT smtp._domainkey.mg.new.com not valid; publish them (mgsync dns export), then run "
        "mgsync apply --verify-domain mg.new.com."
    ) in notes
    h.emu.store.mark_dns_valid("mg.new.com")
    h.client.put("/v4/domains/mg.new.com/verify")
    assert not [n for n in h.plan().notes if "unverified" in n]


def test_an_https_domain_shows_its_certificate_and_apply_generates_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(x509, "PROCESSING_READS", 10)  # issued by advance_certificates only
    h = Harness(tmp_path)
    h.write("domains:\n  mg.new.com: {web_scheme: https}\n")
    h.apply()
    note = "HTTPS tracking certificate for email.mg.new.com: none yet; apply generates it once Mailgun has verified"
    plan = h.plan()
    assert h.actions(plan) == [] and any(n.startswith(note) for n in plan.notes)  # waits: no CNAME yet
    h.emu.store.mark_dns_valid("mg.new.com")
    h.client.put("/v4/domains/mg.new.com/verify")
    plan = h.plan()
    assert [(f.field, f.after) for f in plan.changes[0].fields] == [("tracking_certificate", "active")]
    h.emu.log.clear()
    h.apply()
    assert h.requests("POST") == ["POST /v2/x509/email.mg.new.com"]
    assert any("email.mg.new.com: being issued by Mailgun" in n for n in h.plan().notes)
    h.emu.store.advance_certificates()
    plan = h.plan()
    assert h.actions(plan) == [] and "HTTPS tracking certificate for email.mg.new.com: active." in plan.notes
    h.emu.store.expire_certificate("email.mg.new.com")
    assert any("email.mg.new.com: expired; apply regenerates it" in n for n in h.plan().notes)
    h.emu.log.clear()
    h.apply()
    assert h.requests("PUT", "/v2/x509") == ["PUT /v2/x509/email.mg.new.com"]


def _mark_verified(state: Path, name: str) -> None:
    store = Store()
    store.load(state)
    store.mark_dns_valid(name)
    store.save(state)


def test_apply_verify_domain_asks_mailgun_and_says_what_it_answered(tmp_path) -> None:
    """``--verify-domain`` exists because the domain kind is ``verifiable``; it names declared domains only."""
    state, manifest = tmp_path / "emulator.json", tmp_path / "mgsync.yaml"
    cli = ["apply", "--yes", "--emulator", "--emulator-state", str(state), str(manifest)]
    manifest.write_text("domains:\n  mg.new.com: {spam_action: tag}\n")
    typo = CliRunner().invoke(main, [*cli, "--verify-domain", "mg.nwe.com"])
    assert (
        typo.exit_code == 1 and "Cannot verify domain:mg.nwe.com: it is not declared in the manifests." in typo.stderr
    )
    assert not state.exists()  # refused before any request
    first = CliRunner().invoke(main, [*cli, "--verify-domain", "mg.new.com"])
    assert first.exit_code == 0, first.stderr
    assert (
        "Asked Mailgun to verify mg.new.com: it is still unverified; not valid yet: CNAME email.mg.new.com"
        in first.stdout
    )
    _mark_verified(state, "mg.new.com")
    second = CliRunner().invoke(main, [*cli, "--verify-domain", "MG.new.com"])
    assert second.exit_code == 0, second.stderr
    assert "Verified mg.new.com: Mailgun reports it active." in second.stdout
