"""The emulator's DNS records follow the domain's settings (mailgun-api.md §2.3)."""

from __future__ import annotations

import base64

import pytest

from mgsync.emulator import Emulator

from .conftest import create, get


def by_type(answer: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for rec in answer["sending_dns_records"] + answer["receiving_dns_records"]:
        out.setdefault(rec["record_type"], []).append(rec)
    return out


@pytest.mark.parametrize(("size", "key_length"), [("1024", 216), ("2048", 392)])
def test_dkim_key_size_gives_a_real_shaped_rsa_key(emu: Emulator, size: str, key_length: int) -> None:
    answer = create(emu, "mg.example.com", dkim_key_size=size)
    dkim = [r for r in answer["sending_dns_records"] if "._domainkey." in r["name"]]
    assert [r["name"] for r in dkim] == ["smtp._domainkey.mg.example.com"]
    key = dkim[0]["value"].removeprefix("k=rsa; p=")
    assert len(key) == key_length
    der = base64.b64decode(key)
    assert der[0] == 0x30 and bytes.fromhex("2a864886f70d010101") in der  # SubjectPublicKeyInfo, rsaEncryption
    assert (len(dkim[0]["value"]) > 255) == (size == "2048")


def test_automatic_sender_security_gives_two_dkim_cnames(emu: Emulator) -> None:
    answer = create(emu, "mg.example.com", use_automatic_sender_security="true")
    records = by_type(answer)
    cnames = {r["name"]: r["value"] for r in records["CNAME"]}
    assert set(cnames) == {"pdk1._domainkey.mg.example.com", "pdk2._domainkey.mg.example.com", "email.mg.example.com"}
    assert cnames["pdk1._domainkey.mg.example.com"].startswith("pdk1._domainkey.")
    assert cnames["pdk1._domainkey.mg.example.com"].endswith(".dkim1.mailgun.com")
    assert [r["name"] for r in records["TXT"]] == ["mg.example.com"]  # SPF only: no DKIM TXT


def test_eu_region_uses_eu_hosts(eu_emu: Emulator) -> None:
    records = by_type(create(eu_emu, "mg.example.eu"))
    assert sorted(r["value"] for r in records["MX"]) == ["mxa.eu.mailgun.org", "mxb.eu.mailgun.org"]
    assert [r["value"] for r in records["CNAME"]] == ["eu.mailgun.org"]


@pytest.mark.parametrize(
    ("fields", "dkim_name"),
    [
        ({"dkim_selector": "k1"}, "k1._domainkey.mg.example.com"),
        ({"dkim_host_name": "example.com"}, "smtp._domainkey.example.com"),
        ({"force_root_dkim_host": "true"}, "smtp._domainkey.example.com"),
    ],
)
def test_dkim_selector_and_host_place_the_record(emu: Emulator, fields: dict, dkim_name: str) -> None:
    answer = create(emu, "mg.example.com", **fields)
    assert [r["name"] for r in answer["sending_dns_records"] if "._domainkey." in r["name"]] == [dkim_name]


def test_marking_dns_valid_shows_in_every_record(emu: Emulator) -> None:
    create(emu, "mg.example.com")
    assert {r["valid"] for r in records_of(get(emu, "mg.example.com"))} == {"unknown"}
    emu.store.mark_dns_valid("mg.example.com")
    assert {r["valid"] for r in records_of(get(emu, "mg.example.com"))} == {"valid"}


def records_of(answer: dict) -> list[dict]:
    return answer["sending_dns_records"] + answer["receiving_dns_records"]
