"""Every endpoint family, read and written over real loopback HTTP against the emulator."""

from __future__ import annotations

import json

from mgsync.client import Client, segment
from tests.support.client import DOMAIN


def calls(emu, method: str) -> list[str]:
    return [e.path for e in emu.log if e.method == method]


def test_domains(account, connect) -> None:
    emu, url = account
    client: Client = connect(url)
    assert [d["name"] for d in client.iter_skip("/v4/domains")] == [DOMAIN]
    created = client.post("/v4/domains", {"name": "new.example.com", "spam_action": "tag", "wildcard": False})
    assert created["domain"]["name"] == "new.example.com"
    client.put(f"/v4/domains/{DOMAIN}", {"web_scheme": "https"})
    assert client.get(f"/v4/domains/{DOMAIN}")["domain"]["web_scheme"] == "https"
    assert calls(emu, "PUT") == [f"/v4/domains/{DOMAIN}"]


def test_tracking(account, connect) -> None:
    _emu, url = account
    client = connect(url)
    assert client.get(f"/v3/domains/{DOMAIN}/tracking")["tracking"]["open"]["active"] is False
    client.put(f"/v3/domains/{DOMAIN}/tracking/open", {"active": "yes"})
    assert client.get(f"/v3/domains/{DOMAIN}/tracking")["tracking"]["open"]["active"] is True


def test_routes_send_repeated_actions(account, connect) -> None:
    emu, url = account
    client = connect(url)
    emu.store.add_route('match_recipient("a@example.com")', description="seeded")
    form = [
        ("priority", 1),
        ("description", "support"),
        ("expression", 'match_recipient("s@example.com")'),
        ("action", 'forward("https://app.example.com/in")'),
        ("action", "stop()"),
    ]
    route = client.post("/v3/routes", form)["route"]
    assert route["actions"] == ['forward("https://app.example.com/in")', "stop()"]
    assert sorted(r["description"] for r in client.iter_skip("/v3/routes")) == ["seeded", "support"]
    client.delete(f"/v3/routes/{route['id']}")
    assert [r["description"] for r in client.iter_skip("/v3/routes")] == ["seeded"]


def test_webhooks_send_repeated_urls(account, connect) -> None:
    _emu, url = account
    client = connect(url)
    urls = ["https://hooks.example.com/a", "https://hooks.example.com/b"]
    client.post(f"/v3/domains/{DOMAIN}/webhooks", {"id": "delivered", "url": urls})
    hooks = client.get(f"/v3/domains/{DOMAIN}/webhooks")["webhooks"]
    assert hooks["delivered"]["urls"] == urls


def test_templates_and_versions(account, connect) -> None:
    _emu, url = account
    client = connect(url)
    client.post(
        f"/v3/{DOMAIN}/templates",
        {"name": "welcome", "template": "Hi {{name}}", "tag": "v1", "headers": json.dumps({"Subject": "Welcome"})},
    )
    client.post(f"/v3/{DOMAIN}/templates/welcome/versions", {"tag": "v2", "template": "Hello", "active": "yes"})
    assert [t["name"] for t in client.iter_pages(f"/v3/{DOMAIN}/templates", limit=100)] == ["welcome"]
    versions = client.iter_pages(f"/v3/{DOMAIN}/templates/welcome/versions", limit=100, items="template.versions")
    assert [(v["tag"], v["active"]) for v in versions] == [("v1", False), ("v2", True)]
    active = client.get(f"/v3/{DOMAIN}/templates/welcome", active="yes")["template"]["version"]
    assert active["template"] == "Hello"


def test_mailing_lists(account, connect) -> None:
    emu, url = account
    client = connect(url)
    emu.store.add_list(f"seeded@{DOMAIN}")
    client.post("/v3/lists", {"address": f"news@{DOMAIN}", "name": "News", "access_level": "readonly"})
    assert [x["address"] for x in client.iter_pages("/v3/lists/pages", limit=100)] == [
        f"news@{DOMAIN}",
        f"seeded@{DOMAIN}",
    ]
    client.put(f"/v3/lists/{segment(f'news@{DOMAIN}')}", {"description": "Monthly"})
    assert client.get(f"/v3/lists/news@{DOMAIN}")["list"]["description"] == "Monthly"


def test_members_with_plus_addresses_stay_literal(account, connect) -> None:
    emu, url = account
    client = connect(url)
    lst = f"news@{DOMAIN}"
    emu.store.add_list(lst)
    members = [{"address": "bob+news@example.org", "name": "Bob", "vars": {"tier": 1}}, "carol@example.org"]
    client.post(f"/v3/lists/{lst}/members.json", {"members": json.dumps(members), "upsert": "yes"})
    path = f"/v3/lists/{lst}/members/{segment('bob+news@example.org')}"
    assert path.endswith("/members/bob+news@example.org")  # @ and + travel raw (mailgun-api.md §1.3)
    client.put(path, {"subscribed": "no"})
    got = {m["address"]: m["subscribed"] for m in client.iter_pages(f"/v3/lists/{lst}/members/pages", limit=100)}
    assert got == {"bob+news@example.org": False, "carol@example.org": True}
    assert f"/v3/lists/{lst}/members/bob+news@example.org" in calls(emu, "PUT")


def test_suppressions_json_bulk_and_delete(account, connect) -> None:
    _emu, url = account
    client = connect(url)
    bounces = [
        {"address": "gone+1@example.org", "code": "550", "error": "mailbox removed"},
        {"address": "gone2@example.org"},
    ]
    client.post(f"/v3/{DOMAIN}/bounces", json=bounces)
    assert [b["address"] for b in client.iter_pages(f"/v3/{DOMAIN}/bounces")] == [
        "gone+1@example.org",
        "gone2@example.org",
    ]
    client.delete(f"/v3/{DOMAIN}/bounces/{segment('gone+1@example.org')}")
    assert [b["address"] for b in client.iter_pages(f"/v3/{DOMAIN}/bounces")] == ["gone2@example.org"]
    client.post(f"/v3/{DOMAIN}/unsubscribes", json=[{"address": "quit@example.org", "tags": ["*"]}])
    client.post(f"/v3/{DOMAIN}/whitelists", {"domain": "partner.example.org"})
    assert [u["address"] for u in client.iter_pages(f"/v3/{DOMAIN}/unsubscribes")] == ["quit@example.org"]
    assert [w["value"] for w in client.iter_pages(f"/v3/{DOMAIN}/whitelists")] == ["partner.example.org"]


def test_credentials(account, connect) -> None:
    emu, url = account
    client = connect(url)
    client.post(f"/v3/domains/{DOMAIN}/credentials", {"login": "alice", "password": "s3cret-pass"})
    logins = sorted(c["login"] for c in client.iter_skip(f"/v3/domains/{DOMAIN}/credentials"))
    assert logins == [f"alice@{DOMAIN}", f"postmaster@{DOMAIN}"]
    client.put(f"/v3/domains/{DOMAIN}/credentials/alice", {"password": "n3w-password"})
    assert emu.store.password_matches(DOMAIN, "alice", "n3w-password")


def test_multipart_upload(account, connect) -> None:
    emu, url = account
    client = connect(url)
    lst = f"csv@{DOMAIN}"
    emu.store.add_list(lst)
    csv = b"address,name\nann@example.org,Ann\nben@example.org,Ben\n"
    client.post(f"/v3/lists/{lst}/members.csv", {"upsert": "yes"}, files={"members": ("m.csv", csv, "text/csv")})
    assert [m["address"] for m in client.iter_pages(f"/v3/lists/{lst}/members/pages")] == [
        "ann@example.org",
        "ben@example.org",
    ]
