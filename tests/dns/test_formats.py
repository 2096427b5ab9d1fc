"""Each export format is accepted by its target's own parser: octoDNS's YamlProvider and validators,
dnspython's zone parser for BIND, node for DNSControl, JSON for Terraform and plain JSON. The domain
has a 2048-bit DKIM key, so its TXT value is over 255 characters."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import dns.rdatatype
import dns.zone
import pytest
from octodns.provider.yaml import YamlProvider
from octodns.record.exception import ValidationError
from octodns.zone import Zone as OctoZone

from mgsync.client import Client
from mgsync.dns import export, live
from mgsync.dns.formats import FORMATS, Options
from mgsync.dns.model import Record
from mgsync.emulator import Emulator
from mgsync.errors import MgsyncError
from mgsync.settings import Settings

from .conftest import KEY, create

DOMAIN = "mg.example.com"


@pytest.fixture
def records(emu: Emulator, client: Client) -> list[Record]:
    create(emu, DOMAIN, dkim_key_size="2048")
    return list(live.read(client, [DOMAIN], ["example.com"]).records)


def dkim_value(records: list[Record]) -> str:
    (dkim,) = [r for r in records if r.purpose == "DKIM"]
    assert len(dkim.value) > 255
    return dkim.value


def render(records: list[Record], fmt: str, provider: str = "route53") -> str:
    (output,) = export.render(records, fmt, None, Options(provider=provider))
    return output.text


def test_the_registry_names_every_cli_choice() -> None:
    from mgsync.cli import dns_export

    choices = next(p for p in dns_export.params if p.name == "fmt").type.choices
    assert sorted(choices) == sorted(FORMATS)


def test_bind_parses_with_dnspython_and_splits_dkim_into_255_strings(records: list[Record]) -> None:
    zone = dns.zone.from_text(render(records, "bind"), origin="example.com.", relativize=True, check_origin=False)
    txt = {str(name): rdataset for name, rdataset in zone.iterate_rdatasets(dns.rdatatype.TXT)}
    assert [b"".join(r.strings).decode() for r in txt["mg"]] == ["v=spf1 include:mailgun.org ~all"]
    (dkim,) = txt["smtp._domainkey.mg"]
    assert len(dkim.strings) == 2 and all(len(s) <= 255 for s in dkim.strings)
    assert b"".join(dkim.strings).decode() == dkim_value(records)
    mx = zone.get_rdataset("mg", "MX")
    assert sorted((r.preference, r.exchange.to_text()) for r in mx) == [
        (10, "mxa.mailgun.org."),
        (10, "mxb.mailgun.org."),
    ]
    assert [r.target.to_text() for r in zone.get_rdataset("email.mg", "CNAME")] == ["mailgun.org."]
    assert "; SPF: if mg.example.com already has an SPF record, merge include:mailgun.org into it" in render(
        records, "bind"
    )


def populate_octodns(directory: Path, zone: str = "example.com.") -> dict[tuple[str, str], object]:
    octo = OctoZone(zone, [])
    # escaped_semicolons=True is octoDNS 1.x's default, stated so its deprecation warning stays quiet
    YamlProvider("mgsync-export", str(directory), escaped_semicolons=True).populate(octo, lenient=False)
    return {(r.name, r._type): r for r in octo.records}


def mx_values(record: object) -> list[tuple[int, str]]:
    return sorted((v.preference, v.exchange) for v in record.values)  # type: ignore[attr-defined]


def test_octodns_yaml_passes_octodns_validation(records: list[Record], tmp_path: Path) -> None:
    (tmp_path / "example.com.yaml").write_text(render(records, "octodns"), encoding="utf-8")
    found = populate_octodns(tmp_path)
    assert set(found) == {("mg", "TXT"), ("mg", "MX"), ("smtp._domainkey.mg", "TXT"), ("email.mg", "CNAME")}
    dkim = found[("smtp._domainkey.mg", "TXT")]
    assert dkim.values == [dkim_value(records).replace(";", "\\;")]  # octoDNS keeps ; escaped
    (chunked,) = dkim.chunked_values
    assert all(len(part) <= 255 for part in chunked.strip('"').split('" "'))
    assert mx_values(found[("mg", "MX")]) == [(10, "mxa.mailgun.org."), (10, "mxb.mailgun.org.")]
    assert found[("email.mg", "CNAME")].value == "mailgun.org."


def test_octodns_rejects_an_unescaped_semicolon(records: list[Record], tmp_path: Path) -> None:
    """The validator is real: the same file with the escape undone is refused."""
    text = render(records, "octodns").replace("\\\\;", ";")
    (tmp_path / "example.com.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match="unescaped ;"):
        populate_octodns(tmp_path)


DNSCONTROL_STUBS = """
const out = [];
function NewRegistrar(n) { return n; } function NewDnsProvider(n) { return n; } function DnsProvider(p) { return p; }
function TXT(name, value) { return {type: "TXT", name, value}; }
function MX(name, priority, target) { return {type: "MX", name, priority, target}; }
function CNAME(name, target) { return {type: "CNAME", name, target}; }
function D(zone, registrar, provider, ...records) { out.push({zone, records}); }
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: cannot check DNSControl JavaScript")
def test_dnscontrol_javascript_is_valid_and_declares_the_records(records: list[Record], tmp_path: Path) -> None:
    script = tmp_path / "dnsconfig.js"
    script.write_text(render(records, "dnscontrol"), encoding="utf-8")
    assert subprocess.run(["node", "--check", str(script)], capture_output=True, text=True).returncode == 0
    # no comma before D()'s closing parenthesis: DNSControl before 4.15 (an ES5 interpreter) refuses it
    assert re.search(r",[ \t]*(//[^\n]*)?\n\s*\)", script.read_text(encoding="utf-8")) is None
    program = DNSCONTROL_STUBS + script.read_text(encoding="utf-8") + "\nconsole.log(JSON.stringify(out));"
    ran = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    (zone,) = json.loads(ran.stdout)
    assert zone["zone"] == "example.com"
    by_name = {(r["name"], r["type"]): r for r in zone["records"] if r["type"] != "MX"}
    assert by_name[("mg", "TXT")]["value"] == "v=spf1 include:mailgun.org ~all"
    dkim = by_name[("smtp._domainkey.mg", "TXT")]["value"]
    assert isinstance(dkim, list) and all(len(s) <= 255 for s in dkim) and "".join(dkim) == dkim_value(records)
    assert by_name[("email.mg", "CNAME")]["target"] == "mailgun.org."
    assert [r for r in zone["records"] if r["type"] == "MX"] == [
        {"type": "MX", "name": "mg", "priority": 10, "target": f"{mx}.mailgun.org."} for mx in ("mxa", "mxb")
    ]


def test_terraform_route53_uses_static_keys_and_splits_long_txt(records: list[Record]) -> None:
    document = json.loads(render(records, "terraform"))
    entries = document["locals"]["mailgun_dns_records"]
    assert list(entries) == [
        "mg_example_com__spf",
        "mg_example_com__dkim__smtp",
        "mg_example_com__tracking",
        "mg_example_com__mx",
    ]
    resource = document["resource"]["aws_route53_record"]["mailgun"]
    assert resource["for_each"] == "${local.mailgun_dns_records}"
    assert resource["zone_id"] == "${var.mailgun_dns_zone_ids[each.value.zone]}"
    assert document["variable"]["mailgun_dns_zone_ids"]["type"] == "map(string)"
    (dkim,) = entries["mg_example_com__dkim__smtp"]["records"]
    parts = dkim.split('" "')
    assert len(parts) == 2 and all(len(p) <= 255 for p in parts) and "".join(parts) == dkim_value(records)
    assert entries["mg_example_com__mx"]["records"] == ["10 mxa.mailgun.org.", "10 mxb.mailgun.org."]
    assert entries["mg_example_com__spf"] == {
        "zone": "example.com",
        "name": "mg.example.com",
        "type": "TXT",
        "ttl": 3600,
        "records": ["v=spf1 include:mailgun.org ~all"],
    }
    assert "merge include:mailgun.org" in document["//"]


def test_terraform_cloudflare_has_one_record_per_value(records: list[Record]) -> None:
    document = json.loads(render(records, "terraform", provider="cloudflare"))
    entries = document["locals"]["mailgun_dns_records"]
    assert sorted(entries) == [
        "mg_example_com__dkim__smtp",
        "mg_example_com__mx__mxa_mailgun_org",
        "mg_example_com__mx__mxb_mailgun_org",
        "mg_example_com__spf",
        "mg_example_com__tracking",
    ]
    assert entries["mg_example_com__mx__mxb_mailgun_org"] == {
        "zone": "example.com",
        "name": "mg.example.com",
        "type": "MX",
        "ttl": 3600,
        "content": "mxb.mailgun.org",
        "priority": 10,
    }
    assert entries["mg_example_com__dkim__smtp"]["content"] == dkim_value(records)
    assert all(re.fullmatch(r"[a-z0-9_]+", k) for k in entries)
    assert set(document["resource"]) == {"cloudflare_dns_record"}


def test_plain_json_lists_every_record_with_its_purpose(records: list[Record]) -> None:
    (zone,) = json.loads(render(records, "json"))["zones"]
    assert zone["zone"] == "example.com"
    assert [(r["name"], r["type"], r["purpose"], r["valid"]) for r in zone["records"]] == [
        ("mg", "TXT", "SPF", "unknown"),
        ("smtp._domainkey.mg", "TXT", "DKIM", "unknown"),
        ("email.mg", "CNAME", "tracking", "unknown"),
        ("mg", "MX", "MX", "unknown"),
        ("mg", "MX", "MX", "unknown"),
    ]
    assert "".join(zone["records"][1]["strings"]) == dkim_value(records)


def test_automatic_sender_security_and_eu_hosts_export_to_octodns(eu_emu: Emulator, tmp_path: Path) -> None:
    create(eu_emu, "mg.example.eu", use_automatic_sender_security="true")
    settings = Settings("http://127.0.0.1", "basic", KEY, allow_http=True)
    with Client(settings, transport=eu_emu.transport()) as client:
        records = list(live.read(client, ["mg.example.eu"]).records)
    (tmp_path / "mg.example.eu.yaml").write_text(render(records, "octodns"), encoding="utf-8")
    found = populate_octodns(tmp_path, "mg.example.eu.")
    assert found[("pdk1._domainkey", "CNAME")].value.endswith(".dkim1.eu.mgsend.org.")
    assert found[("pdk2._domainkey", "CNAME")].value.startswith("pdk2._domainkey.")
    assert mx_values(found[("", "MX")]) == [(10, "mxa.eu.mailgun.org."), (10, "mxb.eu.mailgun.org.")]
    assert found[("email", "CNAME")].value == "eu.mailgun.org."


def test_several_zones_go_one_file_each_into_a_directory(emu: Emulator, client: Client, tmp_path: Path) -> None:
    create(emu, "mg.example.com")
    create(emu, "mg.example.org")
    records = list(live.read(client, ["mg.example.com", "mg.example.org"], ["example.com", "example.org"]).records)
    with pytest.raises(MgsyncError, match=r"span 2 zones \(example.com, example.org\); pass --out DIRECTORY"):
        export.render(records, "octodns", None, Options())
    export.write(export.render(records, "octodns", tmp_path, Options()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example.com.yaml", "example.org.yaml"]
    assert ("mg", "MX") in populate_octodns(tmp_path, "example.org.")
    (combined,) = export.render(records, "terraform", tmp_path, Options())
    assert combined.path == tmp_path / "mailgun-dns.tf.json"
    assert len(json.loads(combined.text)["locals"]["mailgun_dns_records"]) == 8


def test_two_domains_whose_keys_land_on_one_name_are_a_note(emu: Emulator, client: Client) -> None:
    """Two domains of one zone with force_root_dkim_host and the default selector: both keys at
    smtp._domainkey.example.com, exported and checked without a word."""
    for domain in ("mg.example.com", "mg2.example.com"):
        create(emu, domain, force_root_dkim_host="true")
    found = live.read(client, ["mg.example.com", "mg2.example.com"], ["example.com"])
    assert found.notes == [
        "smtp._domainkey.example.com would hold 2 different DKIM keys (mg.example.com, mg2.example.com): a "
        "verifier takes either, so signatures fail; give each domain its own dkim_selector."
    ]
