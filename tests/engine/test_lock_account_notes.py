"""The lockfile's ``account_notes``: apply records the digest of the notes on the account (unverified
domains, certificates) as the plan after it shows them, so a review can leave them out while they
are unchanged; a no-op apply rewrites the file byte for byte; absent when there are none; a targeted
apply and an import leave it as it was; a top-level field this version does not know is kept."""

from __future__ import annotations

import hashlib
import json

from mgsync.emulator import x509
from mgsync.importer import run_import
from mgsync.lockfile import Lockfile
from tests.support.harness import Harness

HTTPS = "domains:\n  mg.new.com: {web_scheme: https}\n"
UNVERIFIED = (
    "mg.new.com is unverified: Mailgun still reports CNAME email.mg.new.com, MX mg.new.com, TXT mg.new.com, "
    "TXT smtp._domainkey.mg.new.com not valid; publish them (mgsync dns export), then run "
    "mgsync apply --verify-domain mg.new.com."
)
NO_CERTIFICATE = (
    "HTTPS tracking certificate for email.mg.new.com: none yet; apply generates it once Mailgun has "
    "verified the domain (its tracking CNAME serves the challenge)."
)


def recorded(h: Harness) -> str | None:
    return json.loads(h.lock_path.read_text(encoding="utf-8")).get("account_notes")


def sha256_of_sorted(notes: list[str]) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(sorted(notes), separators=(",", ":")).encode()).hexdigest()


def verify(h: Harness, domain: str = "mg.new.com") -> None:
    """Mailgun finds the domain's records published and verifies it (outside any apply)."""
    h.emu.store.mark_dns_valid(domain)
    h.client.put(f"/v4/domains/{domain}/verify")


def test_apply_records_the_digest_of_the_sorted_notes_and_a_no_op_apply_keeps_the_file(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(HTTPS)
    h.apply()
    plan = h.plan()
    assert (h.actions(plan), plan.account_notes) == ([], [UNVERIFIED, NO_CERTIFICATE])
    assert recorded(h) == sha256_of_sorted([NO_CERTIFICATE, UNVERIFIED]) == plan.account_digest
    before = h.lock_path.read_bytes()
    assert h.apply().applied == 0
    assert h.lock_path.read_bytes() == before


def test_the_record_follows_the_account_and_is_left_out_when_there_are_no_notes(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.new.com: {}\n")
    h.apply()
    assert recorded(h) == sha256_of_sorted([UNVERIFIED])
    verify(h)
    plan = h.plan()
    assert (h.actions(plan), plan.account_notes, plan.account_digest) == ([], [], None)
    h.apply()  # nothing to change; the notes are gone, and so is the field
    assert '"account_notes"' not in h.lock_path.read_text(encoding="utf-8")


def test_a_changed_account_is_recorded_by_the_next_apply(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(x509, "PROCESSING_READS", 10)  # issued by advance_certificates only
    h = Harness(tmp_path)
    h.write(HTTPS)
    h.apply()
    first = recorded(h)
    verify(h)  # no longer unverified; the certificate can now be generated, which the next apply does
    assert h.plan().account_notes == [NO_CERTIFICATE]
    h.apply()
    issuing = [
        "HTTPS tracking certificate for email.mg.new.com: being issued by Mailgun (Let's Encrypt); plan again "
        "in a few minutes."
    ]
    assert h.plan().account_notes == issuing
    assert recorded(h) == sha256_of_sorted(issuing) != first
    h.emu.store.advance_certificates()
    plan = h.plan()
    assert (h.actions(plan), plan.account_notes) == ([], ["HTTPS tracking certificate for email.mg.new.com: active."])
    assert recorded(h) != plan.account_digest  # what a review compares: the account changed since
    h.apply()
    assert recorded(h) == plan.account_digest


def test_a_targeted_apply_keeps_the_last_whole_record(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(HTTPS)
    h.apply()
    first = recorded(h)
    verify(h)
    h.apply(targets=("domain:mg.new.com",))
    assert recorded(h) == first != h.plan().account_digest


def test_an_import_leaves_it_out_and_the_first_apply_records_it(tmp_path) -> None:
    """Import reads no domain's detail (Mailgun's invalid records), so it cannot see the notes a plan shows."""
    (tmp_path / "source").mkdir()
    source = Harness(tmp_path / "source")
    source.write("domains:\n  mg.new.com: {}\n")
    source.apply()
    h = Harness(tmp_path / "imported", emu=source.emu)
    run_import(h.client, h.root)
    assert recorded(h) is None
    assert h.apply().applied == 0
    assert recorded(h) == sha256_of_sorted([UNVERIFIED]) == h.plan().account_digest


def test_a_top_level_field_this_version_does_not_know_is_kept(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(HTTPS)
    h.apply()
    data = json.loads(h.lock_path.read_text(encoding="utf-8"))
    data["zz_from_a_newer_mgsync"] = {"kept": ["as", "read"], "n": 1}
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    h.lock_path.write_text(text, encoding="utf-8")
    assert Lockfile.read(h.lock_path).render() == text
    h.write(HTTPS.replace("}", ", spam_action: tag}"))
    assert h.apply().applied == 1
    after = json.loads(h.lock_path.read_text(encoding="utf-8"))
    assert after["zz_from_a_newer_mgsync"] == {"kept": ["as", "read"], "n": 1}
    assert after["resources"]["domain:mg.new.com"]["body"]["spam_action"] == "tag"
