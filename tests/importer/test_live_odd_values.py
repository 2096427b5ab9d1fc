"""Values a live account holds that look odd, each imported and planned empty right after: routes
that share a description (the oldest by date keeps it), a route of negative priority, bounce codes
that are not three digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgsync.importer import run_import
from tests.support.harness import Harness


@pytest.fixture
def account(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "imported")


def test_routes_sharing_a_description_are_named_by_date_not_by_the_dates_text(account: Harness) -> None:
    """Mailgun writes ``created_at`` as RFC 2822 text, which sorts by weekday name: "Fri, 06 Mar" before
    "Mon, 02 Mar". The Monday route is the older one and keeps the description; routes whose date is
    missing or cannot be read come last, by id."""
    store = account.emu.store
    dated = {
        "Fri, 06 Mar 2026 09:00:00 GMT": 'match_recipient("newer@mg.example.com")',
        "Mon, 02 Mar 2026 09:00:00 GMT": 'match_recipient("older@mg.example.com")',
        "": 'match_recipient("undated@mg.example.com")',
        "yesterday": 'match_recipient("unreadable@mg.example.com")',
    }
    ids = {}
    for created_at, expression in dated.items():
        route = store.add_route(expression, description="dup")
        store.routes[route["id"]]["created_at"] = created_at
        ids[created_at] = route["id"]
    imported = run_import(account.client, account.root)
    routes = (account.root / "routes.yaml").read_text(encoding="utf-8")
    assert '  dup:\n    priority: 0\n    expression: match_recipient("older@mg.example.com")\n' in routes
    last = sorted((ids[""], ids["yesterday"]))
    assert imported.notes == [
        f"route 'dup#{found}': an older route is also described 'dup': named by its id."
        for found in (ids["Fri, 06 Mar 2026 09:00:00 GMT"], *last)
    ]
    assert account.actions() == []


def test_a_route_of_negative_priority_is_imported_and_applied(account: Harness) -> None:
    """Mailgun documents priority as an integer, "lower numbers have higher priority", with no bound
    (mailgun-api.md §4): a live route at -1 is imported, and a manifest may ask for -2."""
    account.emu.store.add_route('match_recipient("first@mg.example.com")', priority=-1, description="first")
    imported = run_import(account.client, account.root)
    assert imported.notes == []
    routes = account.root / "routes.yaml"
    assert "  first:\n    priority: -1\n" in routes.read_text(encoding="utf-8")
    assert account.actions() == []
    routes.write_text(routes.read_text(encoding="utf-8").replace("priority: -1", "priority: -2"), encoding="utf-8")
    assert account.actions() == [("route:first", "update")]
    account.apply()
    assert [r["priority"] for r in account.emu.store.routes.values()] == [-2]
    assert account.actions() == []


# Mailgun types a bounce's ``code`` as a free string: its own bulk example sends ``code: ""``
# (mailgun-openapi.yaml, POST /v3/{domain}/bounces), mailgun-ruby's cassette stores "777" (§8.1),
# and bounces Mailgun records itself carry what the receiving server said.
CODES = {"enhanced@example.org": "5.1.1", "zero@example.org": "0", "blank@example.org": "", "odd@example.org": "777"}


def live_codes(account: Harness) -> dict[str, str]:
    table = account.emu.store.suppression_table("mg.example.com", "bounces")
    return {row["address"]: row["code"] for row in table.rows.values()}


def test_bounce_codes_other_than_three_digits_are_imported_and_applied(account: Harness) -> None:
    store = account.emu.store
    store.add_domain("mg.example.com", state="active")
    store.add_bounces("mg.example.com", [{"address": a, "code": c} for a, c in CODES.items()])
    imported = run_import(account.client, account.root)
    assert imported.notes == []
    domain = account.root / "mg.example.com.yaml"
    text = domain.read_text(encoding="utf-8")
    assert "- {address: enhanced@example.org, code: 5.1.1}" in text
    assert "- blank@example.org\n" in text  # an empty code is left out, not managed (test_bounce_code.py)
    assert account.actions() == []
    domain.write_text(text.replace("code: 5.1.1", "code: 4.2.2"), encoding="utf-8")
    account.apply()
    assert live_codes(account) == {**CODES, "enhanced@example.org": "4.2.2"}
    assert account.actions() == []


def test_a_csv_bounce_code_is_any_text(account: Harness) -> None:
    account.root.mkdir()
    account.write("domains:\n  mg.example.com:\n    suppressions:\n      bounces: {file: bounces.csv}\n")
    (account.root / "bounces.csv").write_text("address,code,error\na@example.org,99,\nb@example.org,5.7.1,\n")
    account.apply()
    assert live_codes(account) == {"a@example.org": "99", "b@example.org": "5.7.1"}
    assert account.actions() == []
