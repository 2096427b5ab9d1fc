"""Domains (v4 and legacy v3), connection settings and tracking (mailgun-api.md §2–3)."""

from __future__ import annotations

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.records import HTML_FOOTER, TEXT_FOOTER


def test_create_returns_domain_and_dns_records(api: httpx.Client) -> None:
    r = api.post("/v4/domains", data={"name": "New.Example.com", "spam_action": "tag", "wildcard": "true"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    body = r.json()
    assert body["message"] == "Domain DNS records have been created"
    d = body["domain"]
    assert (d["name"], d["state"], d["type"], d["spam_action"], d["wildcard"]) == (
        "new.example.com",
        "unverified",
        "custom",
        "tag",
        True,
    )
    assert d["smtp_login"] == "postmaster@new.example.com"
    assert d["created_at"].endswith(" GMT") and len(d["id"]) == 24
    assert [(x["record_type"], x["value"], x["priority"]) for x in body["receiving_dns_records"]] == [
        ("MX", "mxa.mailgun.org", "10"),
        ("MX", "mxb.mailgun.org", "10"),
    ]
    sending = {x["record_type"] + ":" + x["name"]: x for x in body["sending_dns_records"]}
    assert sending["TXT:new.example.com"]["value"] == "v=spf1 include:mailgun.org ~all"
    assert sending["CNAME:email.new.example.com"]["value"] == "mailgun.org"
    assert sending["TXT:smtp._domainkey.new.example.com"]["is_active"] is False


def test_eu_region_dns(emulator: Emulator) -> None:
    eu = Emulator(api_key="test", region="eu")
    eu.store.add_domain("mg.example.eu")
    with httpx.Client(transport=eu.transport(), auth=("api", "test")) as c:
        body = c.get("https://api.eu.mailgun.net/v4/domains/mg.example.eu").json()
    assert body["receiving_dns_records"][0]["value"] == "mxa.eu.mailgun.org"


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"name": "mg.example.com"}, 400, "This domain name is already taken"),
        ({}, 400, "Missing mandatory parameter: name"),
        (
            {"name": "x.com", "smtp_password": "abc"},
            400,
            "Password is too short. It must be between 5 and 32 characters.",
        ),
        (
            {"name": "x.com", "spam_action": "drop"},
            400,
            "Invalid spam_action 'drop'. It can be any of: 'disabled', 'block', 'tag'",
        ),
    ],
)
def test_create_errors(api: httpx.Client, domain: str, fields, status: int, message: str) -> None:
    r = api.post("/v4/domains", data=fields)
    assert (r.status_code, r.json()) == (status, {"message": message})


def test_legacy_v3_create_message(api: httpx.Client) -> None:
    assert (
        api.post("/v3/domains", data={"name": "old.example.com"}).json()["message"]
        == "Domain DNS records have been created"
    )
    assert api.get("/v3/domains/old.example.com").json()["domain"]["name"] == "old.example.com"


def test_get_update_verify_delete(emulator: Emulator, api: httpx.Client) -> None:
    api.post("/v4/domains", files={"name": (None, "mg.example.com")})
    r = api.put("/v4/domains/mg.example.com", data={"web_scheme": "https", "require_tls": "true"})
    assert r.json()["message"] == "Domain has been updated"
    assert r.json()["domain"]["web_scheme"] == "https"
    assert api.get("/v4/domains/mg.example.com").json()["domain"]["require_tls"] is True
    verify = api.put("/v4/domains/mg.example.com/verify")
    assert verify.json()["message"] == "Domain DNS records have been updated"
    assert verify.json()["domain"]["state"] == "unverified"
    emulator.store.mark_dns_valid("mg.example.com")
    assert api.put("/v4/domains/mg.example.com/verify").json()["domain"]["state"] == "active"
    assert api.delete("/v3/domains/mg.example.com").json() == {"message": "Domain will be deleted in the background"}
    r = api.get("/v4/domains/mg.example.com")
    assert (r.status_code, r.json()) == (404, {"message": "Domain not found"})


def test_delete_removes_everything_scoped_to_the_domain(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    s = emulator.store
    s.add_bounces(domain, [{"address": "a@x.com"}])
    s.add_template(domain, "t", versions=[{"tag": "v1", "template": "x"}])
    s.add_webhook(domain, "delivered", ["https://h.example/x"])
    s.add_credential(domain, "alice", "secret1")
    api.delete(f"/v3/domains/{domain}")
    api.post("/v4/domains", data={"name": domain})
    assert api.get(f"/v3/{domain}/bounces").json()["items"] == []
    assert api.get(f"/v3/{domain}/templates").json()["items"] == []
    assert api.get(f"/v3/domains/{domain}/webhooks").json() == {"webhooks": {}}
    logins = [c["login"] for c in api.get(f"/v3/domains/{domain}/credentials").json()["items"]]
    assert logins == [f"postmaster@{domain}"]


def test_list_skip_limit_pages_and_default_order(emulator: Emulator, api: httpx.Client) -> None:
    for i in range(7):
        emulator.store.add_domain(f"d{i}.example.com", state="active" if i % 2 else "unverified")
    pages = [api.get("/v4/domains", params={"limit": 3, "skip": skip}).json() for skip in (0, 3, 6, 9)]
    assert [p["total_count"] for p in pages] == [7, 7, 7, 7]
    names = [d["name"] for p in pages for d in p["items"]]
    assert names == [f"d{i}.example.com" for i in reversed(range(7))]  # newest first
    assert pages[-1]["items"] == []
    by_name = api.get("/v4/domains", params={"sort": "name:asc", "state": "active"}).json()
    assert [d["name"] for d in by_name["items"]] == ["d1.example.com", "d3.example.com", "d5.example.com"]
    assert api.get("/v4/domains", params={"search": "d4"}).json()["total_count"] == 1


def test_list_limit_max(api: httpx.Client) -> None:
    assert api.get("/v4/domains", params={"limit": 1000}).status_code == 200
    assert api.get("/v4/domains", params={"limit": 1001}).status_code == 400


def test_connection_flat_shape(api: httpx.Client, domain: str) -> None:
    assert api.get(f"/v3/domains/{domain}/connection").json() == {"require_tls": False, "skip_verification": False}
    r = api.put(f"/v3/domains/{domain}/connection", data={"require_tls": "true"})
    assert r.json() == {
        "message": "Domain connection settings have been updated, may take 10 minutes to fully propagate",
        "require_tls": True,
        "skip_verification": False,
    }


def test_unknown_domain_families(api: httpx.Client) -> None:
    assert api.get("/v3/domains/nope.com/tracking").json() == {"message": "Domain not found"}
    assert api.get("/v3/domains/nope.com/webhooks").json() == {"message": "Domain not found"}
    assert api.get("/v3/nope.com/templates").json() == {"message": "domain not found"}
    assert api.get("/v3/nope.com/bounces").json() == {"message": "Domain not found: nope.com"}


# ---- tracking --------------------------------------------------------------------------------


def test_tracking_defaults(api: httpx.Client, domain: str) -> None:
    assert api.get(f"/v3/domains/{domain}/tracking").json() == {
        "tracking": {
            "open": {"active": False, "place_at_the_top": False},
            "click": {"active": False},
            "unsubscribe": {"active": False, "html_footer": HTML_FOOTER, "text_footer": TEXT_FOOTER},
            "web_scheme": "http",
        }
    }


@pytest.mark.parametrize(
    ("section", "fields", "echo"),
    [
        ("open", {"active": "yes", "place_at_the_top": "true"}, {"active": True, "place_at_the_top": True}),
        ("click", {"active": "htmlonly"}, {"active": "htmlonly"}),
        ("click", {"active": "HTMLONLY"}, {"active": "htmlonly"}),
        ("click", {"active": "false"}, {"active": False}),
        (
            "unsubscribe",
            {"active": "true", "html_footer": "<a>u</a>"},
            {"active": True, "html_footer": "<a>u</a>", "text_footer": TEXT_FOOTER},
        ),
    ],
)
def test_tracking_put_echoes_only_the_changed_section(api: httpx.Client, domain: str, section, fields, echo) -> None:
    r = api.put(f"/v3/domains/{domain}/tracking/{section}", data=fields)
    assert r.json() == {"message": "Domain tracking settings have been updated", section: echo}
    assert api.get(f"/v3/domains/{domain}/tracking").json()["tracking"][section] == echo


def test_seeded_tracking(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    emulator.store.set_tracking(domain, open=True, click="htmlonly", unsubscribe=True, text_footer="bye")
    t = api.get(f"/v3/domains/{domain}/tracking").json()["tracking"]
    assert (t["open"]["active"], t["click"]["active"], t["unsubscribe"]["text_footer"]) == (True, "htmlonly", "bye")
