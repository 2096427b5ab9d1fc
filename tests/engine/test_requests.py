"""Request counts where they matter: batching, and no per-item reads on an unchanged account."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.support.harness import Harness

REPO = Path(__file__).resolve().parents[2]
LISTING = re.compile(
    r"^GET /(v4/domains|v3/routes|v3/lists/pages"
    r"|v3/domains/[^/]+/(tracking|webhooks|credentials)"
    r"|v3/[^/]+/(templates|bounces|unsubscribes|complaints|whitelists)"
    r"|v3/lists/[^/]+/members/pages)$"
)
# An https domain's tracking certificate status (issue 12): one read per managed https domain.
CERTIFICATE = re.compile(r"^GET /v2/x509/[^/]+/status$")


def test_2500_bounces_are_applied_in_3_posts(tmp_path) -> None:
    h = Harness(tmp_path)
    rows = "".join(f"b{i}@example.org,550,gone\n" for i in range(2500))
    (tmp_path / "bounces.csv").write_text("address,code,error\n" + rows)
    h.write("domains:\n  mg.example.com:\n    suppressions:\n      bounces: {file: bounces.csv}\n")
    h.apply()
    assert h.requests("POST", "/v3/mg.example.com/bounces") == ["POST /v3/mg.example.com/bounces"] * 3
    assert h.actions() == []


@pytest.mark.parametrize(
    ("section", "row"),
    [
        ("bounces", "b{i}@example.org,550,gone"),
        ("unsubscribes", "u{i}@example.org,*"),
        ("complaints", "c{i}@example.org"),
    ],
)
def test_1000_suppressions_are_applied_in_2_posts(tmp_path, section: str, row: str) -> None:
    """Mailgun refuses 1,000 in one bulk add ("Batch size should be less than 1000"): 999, then 1."""
    h = Harness(tmp_path)
    header = {"bounces": "address,code,error", "unsubscribes": "address,tags", "complaints": "address"}[section]
    rows = "".join(row.format(i=i) + "\n" for i in range(1000))
    (tmp_path / f"{section}.csv").write_text(f"{header}\n{rows}")
    h.write(f"domains:\n  mg.example.com:\n    suppressions:\n      {section}: {{file: {section}.csv}}\n")
    h.apply()
    assert h.requests("POST", f"/v3/mg.example.com/{section}") == [f"POST /v3/mg.example.com/{section}"] * 2
    assert h.actions() == []


def test_an_allowlist_is_added_through_one_csv_import(tmp_path) -> None:
    h = Harness(tmp_path)
    rows = "".join(f"a{i}@partner.example.org,contract {i}\npartner{i}.example.org,\n" for i in range(30))
    (tmp_path / "allowlist.csv").write_text("value,reason\n" + rows)
    h.write("domains:\n  mg.example.com:\n    suppressions:\n      allowlist: {file: allowlist.csv}\n")
    h.apply()
    assert h.requests("POST") == ["POST /v4/domains", "POST /v3/mg.example.com/whitelists/import"]
    assert h.actions() == []
    h.write(
        "domains:\n  mg.example.com:\n    suppressions:\n"
        "      allowlist: [{value: a3@partner.example.org, reason: renewed}]\n"
    )
    h.emu.log.clear()
    h.apply()
    assert h.requests("POST") == ["POST /v3/mg.example.com/whitelists/import"]
    assert h.actions() == []


def test_after_an_apply_only_the_scopes_written_to_are_read_again(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(
        "domains:\n  mg.example.com:\n    suppressions:\n      bounces: [a@example.org]\n"
        "      complaints: [c@example.org]\n"
        "mailing_lists:\n  news@mg.example.com:\n    members: [m@example.org]\n"
    )
    h.apply()
    h.write(
        "domains:\n  mg.example.com:\n    suppressions:\n      bounces: [a@example.org, b@example.org]\n"
        "      complaints: [c@example.org]\n"
        "mailing_lists:\n  news@mg.example.com:\n    members: [m@example.org]\n"
    )
    h.emu.log.clear()
    h.apply()
    after = [f"{e.method} {e.path}" for e in h.emu.log]
    writes = [i for i, r in enumerate(after) if not r.startswith("GET")]
    assert [after[i] for i in writes] == ["POST /v3/mg.example.com/bounces"]
    assert after[writes[-1] + 1 :] == ["GET /v3/mg.example.com/bounces"]
    assert h.actions() == []


def test_a_new_domain_is_read_again_with_what_was_written_inside_it(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(
        "domains:\n  mg.example.com:\n    webhooks: {delivered: 'https://h.example.com/d'}\n"
        "    suppressions:\n      bounces: [a@example.org]\n"
    )
    h.apply()
    after = [f"{e.method} {e.path}" for e in h.emu.log]
    last_write = max(i for i, r in enumerate(after) if not r.startswith("GET"))
    # The new domain is unverified, so its details are read once too (which records Mailgun still
    # reports invalid: the plan's note).
    assert sorted(after[last_write + 1 :]) == [
        "GET /v3/domains/mg.example.com/webhooks",
        "GET /v3/mg.example.com/bounces",
        "GET /v4/domains",
        "GET /v4/domains/mg.example.com",
    ]
    assert h.actions() == []


def test_members_are_upserted_in_batches_of_1000(tmp_path) -> None:
    h = Harness(tmp_path)
    rows = "".join(f"m{i}@example.org,M {i}\n" for i in range(2001))
    (tmp_path / "members.csv").write_text("address,name\n" + rows)
    h.write("mailing_lists:\n  news@mg.example.com:\n    members: {file: members.csv}\n")
    h.apply()
    posts = h.requests("POST", "/v3/lists/news@mg.example.com/members.json")
    assert len(posts) == 3
    assert h.actions() == []


def test_new_and_changed_members_of_a_list_go_in_one_batch(tmp_path) -> None:
    """Creates and updates of one list's members are one phase of the apply (``apply._phases``), so
    one batch, however the plan orders them."""
    h = Harness(tmp_path)
    h.write("mailing_lists:\n  news@mg.example.com:\n    members: [{address: b@example.org, name: B}]\n")
    h.apply()
    h.write(
        "mailing_lists:\n  news@mg.example.com:\n    members:\n"
        "      - a@example.org\n      - {address: b@example.org, name: Bee}\n      - c@example.org\n"
    )
    h.emu.log.clear()
    assert sorted(h.actions()) == [
        ("member:news@mg.example.com/a@example.org", "create"),
        ("member:news@mg.example.com/b@example.org", "update"),
        ("member:news@mg.example.com/c@example.org", "create"),
    ]
    h.apply()
    assert h.requests("POST", "/v3/lists/news@mg.example.com/members.json") == [
        "POST /v3/lists/news@mg.example.com/members.json"
    ]
    assert h.actions() == []


def _verified(h: Harness) -> None:
    """Publish and verify every domain, then let apply issue the https domains' certificates."""
    for name in list(h.emu.store.domains):
        h.emu.store.mark_dns_valid(name)
        h.client.put(f"/v4/domains/{name}/verify")
    h.apply()
    h.emu.store.advance_certificates()


def test_unchanged_production_account_is_planned_with_listings_only(tmp_path, example_env) -> None:
    root = tmp_path / "production"
    shutil.copytree(REPO / "examples" / "production", root)
    h = Harness(root, env=example_env)
    h.apply()
    _verified(h)
    h.emu.log.clear()
    assert h.actions() == []
    identity = [e for e in h.emu.log if e.path == "/v4/domains" and "search=sandbox" in e.query]
    assert len(identity) == 1  # which account this is (account.py): one read of its own, not the listing
    reads = [f"{e.method} {e.path}" for e in h.emu.log if e not in identity]
    assert reads, "the plan read nothing"
    assert [r for r in reads if not LISTING.match(r) and not CERTIFICATE.match(r)] == []
    hosts = ["email.eu.example.net", "email.news.example.com", "track.mg.example.com"]  # the https domains
    assert sorted(r for r in reads if CERTIFICATE.match(r)) == [f"GET /v2/x509/{host}/status" for host in hosts]
    assert len(reads) == len(set(reads)), "a listing was read twice"


def test_an_unverified_managed_domain_costs_one_read_for_its_records(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.example.com: {spam_action: tag}\n  mg.other.com: {spam_action: tag}\n")
    h.apply()
    h.emu.store.mark_dns_valid("mg.other.com")
    h.client.put("/v4/domains/mg.other.com/verify")
    h.emu.log.clear()
    plan = h.plan()
    assert h.requests(prefix="/v4/domains/") == ["GET /v4/domains/mg.example.com"]  # the verified one: none
    assert any(n.startswith("mg.example.com is unverified: Mailgun still reports") for n in plan.notes)
