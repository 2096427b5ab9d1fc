"""DKIM rotation policy, HTTPS tracking certificates and the DMARC suggestion (wire-issue12.md §3.3, §4, §5)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.dkim_management import rotation_of
from mgsync.emulator.dmarc import set_available

D = "mg.example.com"
HOST = "email.mg.example.com"
ROT = f"/v1/dkim_management/domains/{D}"


@pytest.fixture
def ass_domain(emulator: Emulator) -> str:
    emulator.store.add_domain(D, state="active", use_automatic_sender_security=True)
    return D


def test_rotation_put_answers_the_policy(emulator: Emulator, api: httpx.Client, ass_domain: str) -> None:
    r = api.put(f"{ROT}/rotation", data={"rotation_enabled": "true", "rotation_interval": "5d"})
    assert r.status_code == 200
    dom = r.json()["domain"]
    assert (dom["name"], dom["state"], dom["active_selector"], dom["rotation_enabled"], dom["rotation_interval"]) == (
        D,
        "enabled",
        "pdk1",
        "true",
        "120h",
    )
    assert [(x["name"], x["type"], x["identifier"]) for x in dom["records"]] == [
        (f"pdk1._domainkey.{D}", "CNAME", "DKIM"),
        (f"pdk2._domainkey.{D}", "CNAME", "DKIM"),
    ]
    cnames = {x["name"]: x["value"] for x in api.get(f"/v4/domains/{D}").json()["sending_dns_records"]}
    assert cnames[f"pdk1._domainkey.{D}"] == dom["records"][0]["value"]  # the same target both APIs show
    assert rotation_of(emulator.store.domains[D])["interval_hours"] == 120
    assert api.get(f"{ROT}/rotation").status_code == 405  # Mailgun documents no way to read it back


@pytest.mark.parametrize(
    ("fields", "status", "body"),
    [
        (
            {"rotation_enabled": "false", "rotation_interval": "5d"},
            400,
            {"Reason": "rotation_interval is not allowed unless also enabling DKIM rotation"},
        ),
        ({"rotation_interval": "5d"}, 400, {"Reason": "rotation_enabled is required"}),
        (
            {"rotation_enabled": "true", "rotation_interval": "4d"},
            400,
            {"Reason": "rotation_interval '4d' is below the minimum of 5 days"},
        ),
    ],
)
def test_rotation_errors(api: httpx.Client, ass_domain: str, fields: dict, status: int, body: dict) -> None:
    r = api.put(f"{ROT}/rotation", data=fields)
    assert (r.status_code, r.json()) == (status, body)


def test_rotate_flips_the_active_selector_only_when_enabled(emulator: Emulator, api: httpx.Client) -> None:
    missing = api.post(f"{ROT}/rotate")
    assert (missing.status_code, missing.json()) == (404, {"Description": "domain not found"})
    emulator.store.add_domain(D)
    r = api.post(f"{ROT}/rotate")
    assert r.json() == {"Reason": "only domains in enabled can rotate their keys. Current state: disabled"}
    api.put(f"/v4/domains/{D}", data={"use_automatic_sender_security": "true"})
    assert api.post(f"{ROT}/rotate").json()["Reason"].endswith("Current state: wait_verify")
    emulator.store.mark_dns_valid(D)
    api.put(f"/v4/domains/{D}/verify")
    assert api.post(f"{ROT}/rotate").json() == {"message": "ok"}
    assert api.put(f"{ROT}/rotation", data={"rotation_enabled": "false"}).json()["domain"]["active_selector"] == "pdk2"


def test_certificate_lifecycle(emulator: Emulator, api: httpx.Client) -> None:
    emulator.store.add_domain(D)
    no_cname = api.post(f"/v2/x509/{HOST}")
    assert (no_cname.status_code, no_cname.json()) == (400, {"Reason": "invalid CNAME record"})
    emulator.store.mark_dns_valid(D)
    none = api.get(f"/v2/x509/{HOST}/status")
    assert (none.status_code, none.json()) == (
        404,
        {"Description": f"Please initiate x509 key pair generation at POST /v2/x509/{HOST}"},
    )
    assert api.put(f"/v2/x509/{HOST}").json() == {"Description": "x509 cert not found"}
    r = api.post(f"/v2/x509/{HOST}")
    assert (r.status_code, r.json()) == (
        202,
        {"message": "Initiated x509 key pair generation", "location": f"/v2/x509/{HOST}/status"},
    )
    assert api.post(f"/v2/x509/{HOST}").json() == {
        "Description": f"x509 key pair generation has already been initiated for {HOST}"
    }
    busy = api.put(f"/v2/x509/{HOST}")
    assert (busy.status_code, busy.json()) == (
        429,
        {"Description": f"x509 key pair generation job is already in progress for {HOST}"},
    )
    assert api.get(f"/v2/x509/{HOST}/status").json() == {
        "status": "processing",
        "error": "Waiting for x509 key pair generation",
    }
    active = api.get(f"/v2/x509/{HOST}/status").json()
    assert active["status"] == "active" and active["certificate"].startswith("-----BEGIN CERTIFICATE-----\n")
    still = api.put(f"/v2/x509/{HOST}")
    assert still.status_code == 409 and still.json()["Description"].startswith(
        "x509 certificate is still valid until 20"
    )
    emulator.store.expire_certificate(HOST)
    expired = api.get(f"/v2/x509/{HOST}/status").json()
    assert (expired["status"], expired["error"]) == ("expired", "x509 certificate has expired")
    assert api.put(f"/v2/x509/{HOST}").status_code == 202
    assert emulator.store.advance_certificates() == 1
    renewed = api.get(f"/v2/x509/{HOST}/status").json()
    assert renewed["status"] == "active" and renewed["certificate"] != active["certificate"]


def test_certificates_only_for_tracking_hosts_and_persist(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    emu = Emulator(api_key="test", state_file=state)
    emu.store.add_domain(D, state="active", web_prefix="track")
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        assert c.post(f"/v2/x509/{HOST}").json() == {"Description": "x509 cert not found"}
        assert c.post(f"/v2/x509/{D}").status_code == 404
        assert c.post(f"/v2/x509/track.{D}").status_code == 202
        c.put(f"{ROT}/rotation", data={"rotation_enabled": "true"})
    again = Emulator(api_key="test", state_file=state)
    with httpx.Client(transport=again.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        assert c.get(f"/v2/x509/track.{D}/status").json()["status"] == "processing"
    assert rotation_of(again.store.domains[D])["enabled"] is True


def test_dmarc_suggestion(emulator: Emulator, api: httpx.Client) -> None:
    emulator.store.add_domain(D)
    body = api.get(f"/v1/dmarc/records/{D}").json()
    assert body["entry"].startswith("v=DMARC1; p=none; pct=100; fo=1; ri=3600; rua=mailto:")
    assert (body["current"], body["configured"]) == ("", False)
    emulator.store.mark_dns_valid(D)
    body = api.get(f"/v1/dmarc/records/{D}").json()
    assert (body["current"], body["configured"]) == (body["entry"], True)
    assert not any("_dmarc" in r.get("name", "") for r in api.get(f"/v4/domains/{D}").json()["sending_dns_records"])
    assert api.get("/v1/dmarc/records/nope.example.com").json() == {"message": "domain not found"}
    set_available(emulator.store.domains[D], False)
    assert api.get(f"/v1/dmarc/records/{D}").status_code == 403
