"""Forwards (kind ``forward``): keyed by the lower-cased match, destinations managed together, the
domain created in the same apply first, a lost create re-read by match, live duplicates named apart
(listed, prunable, left out of import with a note), import round trips, and a golden plan.

Regenerate the golden plan after an intended change with MGSYNC_UPDATE_GOLDEN=1 (read the diff).
"""

from __future__ import annotations

from pathlib import Path

from mgsync import render
from mgsync.emulator.forwards import FAMILY, add_forward
from mgsync.importer import run_import
from tests.support.harness import Harness

from .test_golden import check

D = "mg.example.com"
DOMAIN = f"domains:\n  {D}: {{spam_action: tag}}\n"


def rules(h: Harness) -> list[tuple[str, dict]]:
    """(match, forward) of every live rule, oldest first (lists sorted: their order means nothing)."""
    items = h.client.get("/v3/forwards", limit=1000)["items"]
    return [(r["match"], {k: sorted(v) if isinstance(v, list) else v for k, v in r["forward"].items()}) for r in items]


def test_domain_created_in_the_same_apply_comes_first(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.write(DOMAIN + f"forwards:\n  '*@{D}': {{urls: ['https://app.example.com/in']}}\n")
    h.apply()
    posts = h.requests("POST")
    assert posts.index("POST /v4/domains") < posts.index("POST /v3/forwards")
    assert rules(h) == [(f"*@{D}", {"urls": ["https://app.example.com/in"]})]
    assert h.actions() == []


def test_a_change_puts_only_the_changed_destinations_and_an_emptied_one_is_cleared(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_domain(D, state="active")
    h.write(f"forwards:\n  Support@{D}: {{recipients: [a@example.org], urls: ['https://app.example.com/in']}}\n")
    h.apply()
    assert rules(h) == [(f"support@{D}", {"urls": ["https://app.example.com/in"], "recipients": ["a@example.org"]})]
    h.write(f"forwards:\n  support@{D}: {{recipients: [a@example.org], store: 'https://app.example.com/n'}}\n")
    assert h.actions() == [(f"forward:support@{D}", "update")]
    h.apply()
    assert rules(h) == [
        (f"support@{D}", {"urls": [], "recipients": ["a@example.org"], "store": "https://app.example.com/n"})
    ]
    assert h.requests("PUT") and h.requests("POST", "/v3/forwards") == ["POST /v3/forwards"]  # updated in place
    assert h.actions() == []


def test_a_create_whose_answer_was_lost_is_re_read_by_match(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_domain(D, state="active")
    h.write(f"forwards:\n  help@{D}: {{recipients: [a@example.org]}}\n")
    h.emu.faults.fail_after_commit(method="POST", path="/v3/forwards", status=502)
    h.apply()
    assert h.requests("POST", "/v3/forwards") == ["POST /v3/forwards"]
    assert "GET /v3/forwards" in h.requests("GET")
    assert h.actions() == []
    assert f'"forward:help@{D}"' in h.lock_path.read_text()


def seed_duplicates(h: Harness) -> tuple[dict, dict]:
    h.emu.store.add_domain(D, state="active")
    h.emu.store.family(FAMILY).settings["allow_duplicate_match"] = True
    older = add_forward(h.emu.store, f"Sales@{D}", recipients=["old@example.org"])
    newer = add_forward(h.emu.store, f"sales@{D}", urls=["https://crm.example.com/in"])
    return older, newer


def test_live_duplicates_are_listed_apart_and_pruned_on_request(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    _, newer = seed_duplicates(h)
    h.write(f"forwards:\n  sales@{D}: {{recipients: [old@example.org]}}\n")
    plan = h.plan()
    assert h.actions(plan) == []
    assert [str(a) for a in plan.unmanaged["forward"]] == [f"forward:sales@{D}#{newer['id']}"]
    h.write(f"forwards:\n  sales@{D}: {{recipients: [old@example.org]}}\nprune: [forwards]\n")
    assert h.actions() == [(f"forward:sales@{D}#{newer['id']}", "delete")]
    h.apply()
    assert rules(h) == [(f"Sales@{D}", {"urls": [], "recipients": ["old@example.org"]})]


def test_import_keeps_the_oldest_of_duplicates_and_says_so(tmp_path: Path) -> None:
    h = Harness(tmp_path / "out")
    older, newer = seed_duplicates(h)
    imported = run_import(h.client, h.root)
    assert imported.notes == [
        f"forward 'sales@{D}': Mailgun has another rule with this match (id {newer['id']}); "
        "imported the oldest only. Delete the other in Mailgun, or add prune: [forwards]"
    ]
    text = (h.root / "forwards.yaml").read_text(encoding="utf-8")
    assert f"  sales@{D}:\n    recipients: [old@example.org]\n" in text
    assert older["id"] in h.lock_path.read_text() and newer["id"] not in h.lock_path.read_text()
    assert h.actions() == []


def test_import_round_trip(tmp_path: Path) -> None:
    h = Harness(tmp_path / "imported")
    h.emu.store.add_domain(D, state="active", spam_action="tag")
    add_forward(
        h.emu.store,
        f"Support*@{D}",
        recipients=["b@example.org", "a@example.org"],
        urls=["https://app.example.com/in"],
        store_url="https://app.example.com/n",
    )
    add_forward(h.emu.store, f"*@{D}", store_url="https://app.example.com/all")
    imported = run_import(h.client, h.root)
    assert imported.counts == {"domain": 1, "forward": 2}
    text = (h.root / "forwards.yaml").read_text(encoding="utf-8")
    assert text.endswith(
        "forwards:\n"
        f"  '*@{D}':\n    store: https://app.example.com/all\n"
        f"  support*@{D}:\n    recipients: [a@example.org, b@example.org]\n"
        "    urls: [https://app.example.com/in]\n    store: https://app.example.com/n\n"
    )
    assert h.actions() == []

    fresh = Harness(tmp_path / "imported")  # an empty account with the same domain: the import rebuilds it
    fresh.lock_path.unlink()
    fresh.emu.store.add_domain(D, state="active")
    fresh.apply()
    assert sorted(rules(fresh)) == sorted((m.lower(), f) for m, f in rules(h))
    assert fresh.actions() == []


def test_golden_plan_of_an_add_a_change_and_a_delete(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_domain(D, state="active")
    h.write(
        f"forwards:\n"
        f"  support@{D}: {{recipients: [a@example.org], urls: ['https://app.example.com/in']}}\n"
        f"  old@{D}: {{recipients: [legacy@example.org]}}\n"
    )
    h.apply()
    h.write(
        f"forwards:\n"
        f"  support@{D}: {{recipients: [a@example.org, b@example.org], store: 'https://app.example.com/n'}}\n"
        f"  'billing*@{D}': {{urls: ['https://billing.example.com/in']}}\n"
    )
    check("forwards.txt", render.text(h.plan()))
