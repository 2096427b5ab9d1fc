"""Domain settings on create/update, the extended domain view and verification (wire-issue12.md §1–2)."""

from __future__ import annotations

import httpx
import pytest

from mgsync.emulator import Emulator

CREATE_ALL = {
    "name": "mg.example.com",
    "use_automatic_sender_security": "false",
    "archive_to": "https://archive.example.com/in",
    "message_ttl": "259200",
    "spam_action": "tag",
    "web_scheme": "https",
    "web_prefix": "track",
    "wildcard": "true",
    "require_tls": "true",
    "skip_verification": "true",
    "dkim_key_size": "2048",
    "dkim_host_name": "mg.example.com",
    "encrypt_incoming_message": "true",
    "ips": "192.0.2.1, 192.0.2.2",
    "pool_id": "pool-1",
    "dkim_selector": "k1",
    "force_dkim_authority": "true",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_000_000.0

    def __call__(self) -> float:
        return self.now


def dkim_records(body: dict) -> list[dict]:
    return [r for r in body["sending_dns_records"] if "._domainkey." in r.get("name", "")]


def test_create_accepts_every_field_and_get_shows_them(api: httpx.Client) -> None:
    fields = {k: v for k, v in CREATE_ALL.items() if k != "force_dkim_authority"}
    assert api.post("/v4/domains", data=fields).status_code == 200
    d = api.get("/v4/domains/mg.example.com").json()
    assert {
        k: d["domain"][k]
        for k in (
            "archive_to",
            "message_ttl",
            "spam_action",
            "web_scheme",
            "web_prefix",
            "wildcard",
            "require_tls",
            "skip_verification",
            "encrypt_incoming_message",
            "use_automatic_sender_security",
        )
    } == {
        "archive_to": "https://archive.example.com/in",
        "message_ttl": 259200,
        "spam_action": "tag",
        "web_scheme": "https",
        "web_prefix": "track",
        "wildcard": True,
        "require_tls": True,
        "skip_verification": True,
        "encrypt_incoming_message": True,
        "use_automatic_sender_security": False,
    }
    assert not {"ips", "pool_id", "dkim_key_size", "mailfrom_host", "dkim_host", "pod"} & set(d["domain"])
    (dkim,) = dkim_records(d)
    assert dkim["name"] == "k1._domainkey.mg.example.com" and len(dkim["value"]) > 255  # 2048-bit key
    assert any(r["name"] == "track.mg.example.com" for r in d["sending_dns_records"])


def test_archive_to_absent_when_unset_and_extended_view(api: httpx.Client) -> None:
    api.post("/v4/domains", data={"name": "mg.example.com", "mailfrom_host": "bounce.mg.example.com"})
    plain = api.get("/v4/domains/mg.example.com").json()["domain"]
    assert "archive_to" not in plain and "mailfrom_host" not in plain
    ext = api.get("/v4/domains/mg.example.com", params={"h:extended": "true"}).json()["domain"]
    assert (ext["dkim_host"], ext["mailfrom_host"], ext["pod"]) == ("mg.example.com", "", "")  # POST ignores it
    api.put("/v4/domains/mg.example.com", data={"mailfrom_host": "bounce.mg.example.com"})
    ext = api.get("/v4/domains/mg.example.com", params={"h:extended": "true"}).json()["domain"]
    assert ext["mailfrom_host"] == "bounce.mg.example.com"
    no_dns = api.get("/v4/domains/mg.example.com", params={"h:with_dns": "false"}).json()
    assert (no_dns["sending_dns_records"], no_dns["receiving_dns_records"]) == (None, None)


def test_put_changes_updatable_fields_and_ignores_create_only(api: httpx.Client) -> None:
    api.post("/v4/domains", data={"name": "mg.example.com", "dkim_key_size": "1024"})
    before = api.get("/v4/domains/mg.example.com").json()
    r = api.put(
        "/v4/domains/mg.example.com",
        data={
            "archive_to": "https://a.example/x",
            "message_ttl": "3600",
            "dkim_key_size": "2048",
            "encrypt_incoming_message": "true",
            "dkim_selector": "other",
            "ips": "192.0.2.9",
            "force_root_dkim_host": "true",
        },
    )
    assert r.status_code == 200
    after = r.json()
    assert (after["domain"]["archive_to"], after["domain"]["message_ttl"]) == ("https://a.example/x", 3600)
    assert after["domain"]["encrypt_incoming_message"] is False and after["domain"]["id"] == before["domain"]["id"]
    assert dkim_records(after) == dkim_records(before)  # same selector, same 1024-bit key, same host


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dkim_key_size": "4096"}, "Invalid dkim_key_size '4096'. It can be any of: '1024', '2048'"),
        ({"dkim_selector": "a.b"}, "Invalid dkim_selector 'a.b': it must be a dot atom without dots"),
        ({"ips": "not-an-ip"}, "Invalid ips 'not-an-ip': expected comma-separated IP addresses"),
        ({"message_ttl": "-1"}, "Invalid message_ttl '-1': it must be a whole number of seconds"),
        ({"archive_to": "ftp://x"}, "Invalid archive_to 'ftp://x': it must be an http or https URL"),
        ({"web_prefix": "a b"}, "Invalid web_prefix 'a b': it must be a valid atom (letters, digits, hyphens)"),
        (
            {"dkim_host_name": "other.org"},
            "Invalid dkim_host_name 'other.org': it must be the domain, a subdomain or the root domain",
        ),
        (
            {"dkim_host_name": "example.com", "force_root_dkim_host": "true"},
            "dkim_host_name cannot be combined with force_dkim_authority or force_root_dkim_host",
        ),
    ],
)
def test_create_validation(api: httpx.Client, fields: dict, message: str) -> None:
    r = api.post("/v4/domains", data={"name": "mg.example.com", **fields})
    assert (r.status_code, r.json()) == (400, {"message": message})


def test_mailfrom_host_must_be_lower_case(api: httpx.Client, domain: str) -> None:
    r = api.put(f"/v4/domains/{domain}", data={"mailfrom_host": "Bounce.mg.example.com"})
    assert (r.status_code, r.json()["message"]) == (
        400,
        "Invalid mailfrom_host 'Bounce.mg.example.com': it must be in lower case",
    )


def test_sender_security_on_in_place_switches_dkim_to_cnames(emulator: Emulator, api: httpx.Client) -> None:
    api.post("/v4/domains", data={"name": "mg.example.com"})
    emulator.store.mark_dns_valid("mg.example.com")
    domain_id = api.get("/v4/domains/mg.example.com").json()["domain"]["id"]
    body = api.put("/v4/domains/mg.example.com", data={"use_automatic_sender_security": "true"}).json()
    assert body["domain"]["id"] == domain_id and body["domain"]["use_automatic_sender_security"] is True
    dkim = dkim_records(body)
    assert [(r["record_type"], r["name"], r["valid"]) for r in dkim] == [
        ("CNAME", "pdk1._domainkey.mg.example.com", "unknown"),
        ("CNAME", "pdk2._domainkey.mg.example.com", "unknown"),
    ]
    emulator.store.mark_dns_valid("mg.example.com")
    assert {r["valid"] for r in dkim_records(api.get("/v4/domains/mg.example.com").json())} == {"valid"}
    off = api.put("/v4/domains/mg.example.com", data={"use_automatic_sender_security": "false"}).json()
    assert [r["record_type"] for r in dkim_records(off)] == ["TXT"]


def test_verify_activates_only_when_published_and_lists_sending_first(emulator: Emulator, api: httpx.Client) -> None:
    api.post("/v4/domains", data={"name": "mg.example.com"})
    first = api.put("/v4/domains/mg.example.com/verify")
    assert list(first.json()) == ["message", "domain", "sending_dns_records", "receiving_dns_records"]
    assert first.json()["domain"]["state"] == "unverified"
    assert [r["is_active"] for r in dkim_records(first.json())] == [False]
    emulator.store.mark_dns_valid("mg.example.com")
    body = api.put("/v4/domains/mg.example.com/verify").json()
    assert body["domain"]["state"] == "active"
    assert [(r["is_active"], r["valid"]) for r in dkim_records(body)] == [(True, "valid")]


def test_verify_rate_limit_answers_429_with_headers() -> None:
    clock = Clock()
    emu = Emulator(api_key="test", clock=clock)
    emu.store.add_domain("mg.example.com")
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        answers = [c.put("/v4/domains/mg.example.com/verify") for _ in range(11)]
        assert [a.status_code for a in answers] == [200] * 10 + [429]
        assert answers[0].headers["x-request-limit"] == "10" and answers[0].headers["x-request-remaining"] == "9"
        assert answers[0].headers["x-request-reset"] == str(int((clock.now + 1) * 1000))
        last = answers[-1]
        assert last.json() == {"message": "Too Many Requests"}
        assert (last.headers["x-request-remaining"], last.headers["retry-after"]) == ("0", "1")
        clock.now += 1.0
        assert c.put("/v4/domains/mg.example.com/verify").status_code == 200
        assert c.put("/v4/domains/nope.example.com/verify").status_code == 404
