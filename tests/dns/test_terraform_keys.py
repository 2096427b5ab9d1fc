"""Terraform resource keys name what a record is (its domain, purpose, DKIM selector, MX exchange),
never where it falls in a list: a DKIM rotation adds a selector, and the record of the key still
signing must keep its address, or Terraform destroys it and creates it again."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from mgsync.client import Client
from mgsync.dns import export, live
from mgsync.dns.formats import Options
from mgsync.dns.formats.common import identifier
from mgsync.emulator import Emulator

from .conftest import KEY, create

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # Terraform: letters, digits, _ and -; no digit first


def add_key(emu: Emulator, domain: str, selector: str) -> None:
    """``POST /v1/dkim/keys``: what ``dkim_keys: {a2026: {bits: 2048}}`` makes mgsync apply send."""
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", KEY)) as api:
        response = api.post("/v1/dkim/keys", data={"signing_domain": domain, "selector": selector})
    assert response.status_code == 200, response.text


def entries(client: Client, domains: list[str], provider: str) -> dict[str, dict]:
    records = live.read(client, domains, ["example.com"]).records
    (output,) = export.render(records, "terraform", None, Options(provider=provider))
    found: dict[str, dict] = json.loads(output.text)["locals"]["mailgun_dns_records"]
    return found


def by_key(found: dict[str, dict], fqdn: str) -> list[str]:
    return [key for key, entry in found.items() if entry["name"] == fqdn]


@pytest.mark.parametrize("provider", ["route53", "cloudflare"])
def test_a_new_dkim_selector_leaves_every_other_key_as_it_was(emu: Emulator, client: Client, provider: str) -> None:
    create(emu, "mg.example.com", dkim_selector="pic", dkim_key_size="2048")
    before = entries(client, ["mg.example.com"], provider)
    add_key(emu, "mg.example.com", "a2026")  # sorts before "pic": it was dkim_1, and pic's record dkim_2
    after = entries(client, ["mg.example.com"], provider)
    assert {k: v for k, v in after.items() if k in before} == before
    assert by_key(after, "pic._domainkey.mg.example.com") == ["mg_example_com__dkim__pic"]
    assert by_key(after, "a2026._domainkey.mg.example.com") == ["mg_example_com__dkim__a2026"]
    assert set(after) - set(before) == {"mg_example_com__dkim__a2026"}


def test_keys_name_the_record(emu: Emulator, client: Client) -> None:
    create(emu, "mg.example.com")
    assert sorted(entries(client, ["mg.example.com"], "route53")) == [
        "mg_example_com__dkim__smtp",
        "mg_example_com__mx",  # Route53: one record set per name and type
        "mg_example_com__spf",
        "mg_example_com__tracking",
    ]
    assert sorted(entries(client, ["mg.example.com"], "cloudflare")) == [
        "mg_example_com__dkim__smtp",
        "mg_example_com__mx__mxa_mailgun_org",
        "mg_example_com__mx__mxb_mailgun_org",
        "mg_example_com__spf",
        "mg_example_com__tracking",
    ]


# Names that a plain "anything else becomes _" would give one key: -, _ and . in domains and selectors
# (a selector is a dot-atom, RFC 5322: _ + ! and more), a domain that reads like another's key, a digit first.
COLLIDING = [
    ("mg.example.com", "spf"),
    ("mg-example.com", "spf"),
    ("mg.example-com", "spf"),
    ("mg.example.com.dkim", "spf"),
    ("mg.example.com", "dkim", "spf"),
    ("mg.example.com", "dkim", "s_1"),
    ("mg.example.com", "dkim", "s-1"),
    ("mg.example.com", "dkim", "s+1"),
    ("mg.example.com", "dkim", "sX2B1"),
    ("mg.example.com", "dkim", "s_2d1"),
    ("1mg.example.com", "spf"),
    ("_1mg.example.com", "spf"),
    ("x.1mg.example.com", "spf"),
    ("mg.example.com", "other", "a..b"),
    ("mg.example.com", "other", "a_.b"),
    ("mg.example.com", "other", ""),
    ("mg.example.com", "other", "bücher"),
]


def test_keys_are_identifiers_and_never_collide() -> None:
    keys = [identifier(*parts) for parts in COLLIDING]
    assert len(set(keys)) == len(keys), keys
    assert all(IDENTIFIER.fullmatch(k) for k in keys), keys
    assert identifier("mg-example.com", "spf") == "mg-example_com__spf"  # a hyphen is valid in a key: kept
    assert identifier("1mg.example.com", "spf") == "_1mg_example_com__spf"


@pytest.mark.parametrize("provider", ["route53", "cloudflare"])
def test_domains_and_selectors_that_differ_by_punctuation_get_their_own_keys(
    emu: Emulator, client: Client, provider: str
) -> None:
    domains = ["mg.example.com", "mg-example.com", "mg.example-com"]
    for domain in domains:
        create(emu, domain)
    add_key(emu, "mg.example.com", "s-1")
    add_key(emu, "mg.example.com", "s_1")
    records = live.read(client, domains, []).records
    (output,) = export.render(records, "terraform", None, Options(provider=provider))
    found = json.loads(output.text)["locals"]["mailgun_dns_records"]
    assert len(found) == len({(r.fqdn, r.type) for r in records} if provider == "route53" else records)
    assert by_key(found, "s-1._domainkey.mg.example.com") == ["mg_example_com__dkim__s-1"]
    assert by_key(found, "s_1._domainkey.mg.example.com") == ["mg_example_com__dkim__sX5F1"]
    assert by_key(found, "mg-example.com")[0].startswith("mg-example_com__")
    assert by_key(found, "mg.example-com")[0].startswith("mg_example-com__")
