"""The real ``mgsync dns`` CLI against the emulator served on 127.0.0.1, and ``dns check`` against a
real authoritative DNS server (dnslib) on 127.0.0.1 serving the exported zone. No public DNS."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run
from tests.support.dnsserver import dns_server

from .conftest import KEY, create

MANIFEST = "domains:\n  mg.example.com: {}\n"


@pytest.fixture
def mailgun(emu: Emulator) -> Iterator[dict[str, str]]:
    create(emu, "mg.example.com", dkim_key_size="2048")
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "mgsync.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


@pytest.fixture
def zone_text(mailgun: dict[str, str], manifest: Path, tmp_path: Path) -> str:
    out = tmp_path / "example.com.zone"
    result = run(
        "dns", "export", str(manifest), "--format", "bind", "--zone", "example.com", "--out", str(out), env=mailgun
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and f"Wrote {out}" in result.stderr
    return out.read_text(encoding="utf-8")


def check(mailgun: dict[str, str], manifest: Path, resolver: str, *extra: str):
    return run("dns", "check", str(manifest), "--resolver", resolver, "--zone", "example.com", *extra, env=mailgun)


def test_check_passes_against_a_server_serving_the_exported_zone(mailgun, manifest, zone_text) -> None:
    with dns_server(zone_text) as resolver:
        result = check(mailgun, manifest, resolver)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "mg.example.com",
        "  ok       SPF       TXT    mg.example.com",
        "  ok       DKIM      TXT    smtp._domainkey.mg.example.com",
        "  ok       tracking  CNAME  email.mg.example.com",
        "  ok       MX        MX     mg.example.com",
        "  ok       MX        MX     mg.example.com",
        "DNS check: 5 ok, 0 missing, 0 wrong.",
    ]


def test_check_without_the_dkim_record_fails_and_names_it(mailgun, manifest, zone_text) -> None:
    without = "\n".join(line for line in zone_text.splitlines() if "_domainkey" not in line)
    with dns_server(without) as resolver:
        result = check(mailgun, manifest, resolver)
    assert result.returncode == 1
    assert "  missing  DKIM      TXT    smtp._domainkey.mg.example.com" in result.stdout
    assert '           expected: "k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' in result.stdout
    assert result.stdout.rstrip().endswith("DNS check: 4 ok, 1 missing, 0 wrong.")


def test_an_existing_spf_without_mailguns_include_must_be_merged(mailgun, manifest, zone_text) -> None:
    theirs = zone_text.replace("v=spf1 include:mailgun.org ~all", "v=spf1 include:_spf.google.com ~all")
    with dns_server(theirs) as resolver:
        result = check(mailgun, manifest, resolver, "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    (spf,) = [r for r in document["results"] if r["purpose"] == "SPF"]
    assert (spf["status"], spf["message"], spf["found"]) == (
        "wrong",
        "merge include:mailgun.org into the existing SPF record",
        ["v=spf1 include:_spf.google.com ~all"],
    )
    assert document["summary"] == {"ok": 4, "missing": 0, "wrong": 1, "failed": 0}
    merged = zone_text.replace(
        "v=spf1 include:mailgun.org ~all", "v=spf1 include:_spf.google.com include:mailgun.org -all"
    )
    with dns_server(merged) as resolver:
        assert check(mailgun, manifest, resolver).returncode == 0


def test_a_failing_name_is_its_records_result_and_the_rest_are_still_checked(mailgun, manifest, zone_text) -> None:
    """A delegated DKIM zone answering SERVFAIL, a tracking name whose queries go unanswered: each was
    the whole check's one error line ("is the resolver reachable?") with none of the report."""
    failing = {"smtp._domainkey.mg.example.com": "SERVFAIL", "email.mg.example.com": "drop"}
    with dns_server(zone_text, failing) as resolver:
        result = check(mailgun, manifest, resolver, "--timeout", "0.5")
    assert (result.returncode, result.stderr) == (1, "")
    lines = result.stdout.splitlines()
    assert lines[:2] == ["mg.example.com", "  ok       SPF       TXT    mg.example.com"]
    assert lines[2].startswith(
        "  failed   DKIM      TXT    smtp._domainkey.mg.example.com: the query failed: All nameservers failed"
    )
    assert lines[4:] == [
        "  failed   tracking  CNAME  email.mg.example.com: the query failed: no answer within 0.5 s",
        '           expected: "mailgun.org"',
        "  ok       MX        MX     mg.example.com",
        "  ok       MX        MX     mg.example.com",
        "DNS check: 3 ok, 0 missing, 0 wrong, 2 failed.",
    ]


def test_a_declared_domain_not_yet_in_mailgun_is_a_note(mailgun, zone_text, tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(MANIFEST + "  new.example.com: {}\n", encoding="utf-8")
    note = (
        "new.example.com is declared in the manifests but does not exist in Mailgun yet; "
        "run mgsync apply to create it, then run this command again."
    )
    result = run("dns", "export", str(path), "--format", "json", env=mailgun)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"Note: {note}"
    assert [z["zone"] for z in json.loads(result.stdout)["zones"]] == ["mg.example.com"]
    with dns_server(zone_text) as resolver:  # every record of mg is published, yet new has none: not ok
        checked = run("dns", "check", str(path), "--resolver", resolver, "--format", "json", env=mailgun)
    assert checked.returncode == 1
    document = json.loads(checked.stdout)
    assert (document["notes"], document["summary"]) == ([note], {"ok": 5, "missing": 0, "wrong": 0, "failed": 0})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("export", "--format", "bind", "--zone", "example.org"),
            "Note: mg.example.com is in none of the zones given; left out.\n"
            "Error: No DNS records to export: no declared domain both exists in Mailgun and lies in the zones given.",
        ),
        (("export", "--format", "bind", "--zone", "bad zone"), "Error: --zone 'bad zone' is not a DNS name."),
        (
            ("check", "--resolver", "127.0.0.1:99999"),
            "Error: --resolver '127.0.0.1:99999': the port must be a number from 1 to 65535.",
        ),
    ],
)
def test_bad_options_give_one_clear_message(mailgun, manifest, args: tuple[str, ...], message: str) -> None:
    result = run("dns", args[0], str(manifest), *args[1:], env=mailgun)
    assert (result.returncode, result.stderr.strip(), result.stdout) == (1, message, "")


@pytest.mark.parametrize(
    ("declared", "command", "message"),
    [
        (
            "domains:\n  new.example.com: {}\n",
            "export",
            "Note: new.example.com is declared in the manifests but does not exist in Mailgun yet; run mgsync "
            "apply to create it, then run this command again.\n"
            "Error: No DNS records to export: no declared domain exists in Mailgun yet (run mgsync apply).",
        ),
        ("routes: {}\n", "export", "Error: No DNS records to export: the manifests declare no domain."),
        ("routes: {}\n", "check", "Error: No DNS records to check: the manifests declare no domain."),
    ],
)
def test_nothing_to_export_or_check_says_why_without_naming_zones_never_given(
    mailgun, tmp_path: Path, declared: str, command: str, message: str
) -> None:
    """Both said "no declared domain ... lies in the zones given" where no --zone was given."""
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "m.yaml").write_text(f"version: 1\n{declared}", encoding="utf-8")
    args = ("--format", "bind") if command == "export" else ()
    result = run("dns", command, str(tmp_path / "other"), *args, env=mailgun)
    assert (result.returncode, result.stderr.strip(), result.stdout) == (1, message, "")


@pytest.mark.parametrize("out", ["zones/", "mg.zone/", ""])
def test_out_ending_in_a_slash_must_be_a_directory_and_empty_is_refused(mailgun, manifest, tmp_path, out) -> None:
    """``zones/`` (no such directory) was written as a file ``zones``, ``mg.zone/`` overwrote the file
    ``mg.zone``, and an empty ``--out`` (an unset CI variable) wrote into the current directory."""
    (tmp_path / "mg.zone").write_text("kept\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("dns", "export", str(manifest), "--format", "bind", "--out", out, env=mailgun, cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    detail = "is empty: give a file, or an existing directory" if not out else f"{out}: no such directory"
    assert f"Invalid value for '--out': {detail}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "mg.zone").read_text(encoding="utf-8") == "kept\n"


HAND_KEPT = "---\n'':\n  - type: A\n    value: 192.0.2.10\nwww:\n  type: CNAME\n  value: example.com.\n"


def test_export_refuses_to_overwrite_a_zone_file_mgsync_did_not_write(emu, mailgun, tmp_path: Path) -> None:
    """A hand-kept octoDNS zone was replaced by Mailgun's records alone, and the next octoDNS sync
    deleted every other record of the zone. Nothing is written, not even the other zone's file."""
    create(emu, "mg.example.org")
    manifest = tmp_path / "two.yaml"
    manifest.write_text(MANIFEST + "  mg.example.org: {}\n", encoding="utf-8")
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "example.com.yaml").write_text(HAND_KEPT, encoding="utf-8")
    args = ("dns", "export", str(manifest), "--format", "octodns", "--zone", "example.com", "--zone", "example.org")
    refused = run(*args, "--out", str(zones), env=mailgun)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.splitlines()[-1] == (
        f"Error: Refusing to overwrite {zones / 'example.com.yaml'}: mgsync dns export did not write it (its first "
        "line is not mgsync's). Write into another file or directory, or re-run with --force to replace it."
    )
    assert (zones / "example.com.yaml").read_text(encoding="utf-8") == HAND_KEPT
    assert sorted(p.name for p in zones.iterdir()) == ["example.com.yaml"]
    forced = run(*args, "--out", str(zones), "--force", env=mailgun)
    assert forced.returncode == 0, forced.stderr
    assert "mxa.mailgun.org" in (zones / "example.com.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["octodns", "dnscontrol", "bind", "terraform", "json"])
def test_export_overwrites_its_own_earlier_output_and_refuses_a_hand_kept_file(
    mailgun, manifest, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "records.out"
    args = ("dns", "export", str(manifest), "--format", fmt, "--zone", "example.com", "--out", str(out))
    assert run(*args, env=mailgun).returncode == 0
    again = run(*args, env=mailgun)  # mgsync's own file, recognised by its header in this format
    assert (again.returncode, again.stderr.strip()) == (0, f"Wrote {out}")
    out.write_text("$ORIGIN example.com.\n@ 3600 IN SOA ns1 host 1 3600 600 86400 300\n", encoding="utf-8")
    refused = run(*args, env=mailgun)
    assert refused.returncode == 1 and refused.stderr.startswith(f"Error: Refusing to overwrite {out}:")
    assert out.read_text(encoding="utf-8").startswith("$ORIGIN example.com.\n@ 3600 IN SOA")


def test_an_mx_that_takes_the_mail_before_mailguns_is_wrong_and_named(mailgun, manifest, zone_text) -> None:
    """Google's MX at preference 1 beside Mailgun's two at 10: all mail went to Google, and both of
    Mailgun's MX records were said ok."""
    with dns_server(zone_text + "mg  3600  IN  MX  1 aspmx.l.google.com.\n") as resolver:
        result = check(mailgun, manifest, resolver)
    assert result.returncode == 1
    rival = (
        ": aspmx.l.google.com (preference 1) takes mail before Mailgun's exchanges (preference 10): "
        "remove it, or give it a preference over 10"
    )
    assert [line for line in result.stdout.splitlines() if " MX " in line] == [
        f"  wrong    MX        MX     mg.example.com{rival}",
        f"  wrong    MX        MX     mg.example.com{rival}",
    ]


def test_a_name_that_times_out_first_is_failed_while_the_resolver_answers_others(mailgun, manifest, zone_text) -> None:
    """The first name asked timing out (a lame delegation) ended the whole check with "is the
    resolver reachable?" and no report. The resolver answers a probe, so it is that name's result."""
    with dns_server(zone_text, {"mg.example.com": "drop"}) as resolver:
        result = check(mailgun, manifest, resolver, "--timeout", "0.5")
    assert (result.returncode, result.stderr) == (1, "")
    assert [line for line in result.stdout.splitlines() if not line.startswith("           ")] == [
        "mg.example.com",
        "  failed   SPF       TXT    mg.example.com: the query failed: no answer within 0.5 s",
        "  ok       DKIM      TXT    smtp._domainkey.mg.example.com",
        "  ok       tracking  CNAME  email.mg.example.com",
        "  failed   MX        MX     mg.example.com: the query failed: no answer within 0.5 s",
        "  failed   MX        MX     mg.example.com: the query failed: no answer within 0.5 s",
        "DNS check: 2 ok, 0 missing, 0 wrong, 3 failed.",
    ]


def test_a_resolver_that_answers_nothing_is_one_error(mailgun, manifest) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never read: no answer
        silent.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        result = check(mailgun, manifest, address, "--timeout", "0.3")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"Error: DNS query mg.example.com TXT to {address} timed out; is the resolver reachable?\n"


@pytest.mark.parametrize("zone", ["bücher.example", "BÜCHER.example.", "xn--bcher-kva.example"])
def test_a_zone_written_in_unicode_is_its_punycode(emu, mailgun, tmp_path: Path, zone: str) -> None:
    """``--zone bücher.example`` was "not a DNS name"; Mailgun's names, and so the records, are punycode."""
    create(emu, "mg.xn--bcher-kva.example")
    manifest = tmp_path / "idn.yaml"
    manifest.write_text("domains:\n  mg.xn--bcher-kva.example: {}\n", encoding="utf-8")
    result = run("dns", "export", str(manifest), "--format", "json", "--zone", zone, env=mailgun)
    assert result.returncode == 0, result.stderr
    (exported,) = json.loads(result.stdout)["zones"]
    assert exported["zone"] == "xn--bcher-kva.example"
    assert {r["name"] for r in exported["records"]} == {"mg", "smtp._domainkey.mg", "email.mg"}


@pytest.mark.parametrize(
    ("end", "status", "message"),
    [
        (
            "mailgun.org.",
            "ok",
            "reaches mailgun.org through track.example.com (UNCONFIRMED that Mailgun's verification follows "
            "a chain: if it reports this record not valid, point it at mailgun.org itself)",
        ),
        ("eu.mailgun.org.", "wrong", "the CNAME chain track.example.com → eu.mailgun.org ends at eu.mailgun.org"),
    ],
)
def test_a_tracking_cname_chain_is_followed_and_its_end_shown(
    mailgun, manifest, zone_text, end: str, status: str, message: str
) -> None:
    """``email CNAME track`` and ``track CNAME mailgun.org`` was wrong, showing the first hop only."""
    chained = re.sub(r"(?m)^(email\.mg\s.*CNAME\s+)mailgun\.org\.", r"\1track.example.com.", zone_text)
    assert chained != zone_text
    with dns_server(chained + f"track  3600  IN  CNAME  {end}\n") as resolver:
        result = check(mailgun, manifest, resolver, "--format", "json")
    (tracking,) = [r for r in json.loads(result.stdout)["results"] if r["purpose"] == "tracking"]
    assert (tracking["status"], tracking["message"], tracking["found"]) == (status, message, ["track.example.com"])


def test_a_tracking_name_that_answers_with_addresses_is_missing_and_says_why(mailgun, manifest, zone_text) -> None:
    """A proxied tracking CNAME (Cloudflare's orange cloud answers with its own addresses) was a bare
    ``missing``, as if nothing were published; the addresses now show a proxy or flattened record."""
    proxied = re.sub(r"(?m)^(email\.mg\s+\d+\s+IN\s+)CNAME\s+mailgun\.org\.", r"\1A  104.21.3.4", zone_text)
    assert proxied != zone_text
    with dns_server(proxied + "email.mg  3600  IN  AAAA  2606:4700::6815:304\n") as resolver:
        result = check(mailgun, manifest, resolver, "--format", "json")
    (tracking,) = [r for r in json.loads(result.stdout)["results"] if r["purpose"] == "tracking"]
    assert (tracking["status"], tracking["found"]) == ("missing", [])
    assert tracking["message"] == (
        "no CNAME, but addresses (104.21.3.4, 2606:4700::6815:304): a proxy or a flattened record answers in its "
        "place (Cloudflare's proxied CNAME, an ALIAS); publish a plain CNAME to mailgun.org (DNS only), which "
        "Mailgun looks for"
    )
    with dns_server(proxied) as resolver:
        shown = check(mailgun, manifest, resolver)
    assert "  missing  tracking  CNAME  email.mg.example.com: no CNAME, but addresses (104.21.3.4)" in shown.stdout


def test_a_dkim_key_at_the_root_host_is_checked_without_a_zone(emu, tmp_path: Path) -> None:
    """``force_root_dkim_host`` puts the key at ``smtp._domainkey.example.com``, outside the domain
    ``mg.example.com``: ``dns check`` asks for each name whole, but it refused with "outside zone
    mg.example.com; pass --zone". Export still needs the zone its file is for."""
    create(emu, "mg.example.com", force_root_dkim_host="true")
    manifest = tmp_path / "mgsync.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        zone = tmp_path / "example.com.zone"
        exported = run(
            "dns", "export", str(manifest), "--format", "bind", "--zone", "example.com", "--out", str(zone), env=env
        )
        assert exported.returncode == 0, exported.stderr
        with dns_server(zone.read_text(encoding="utf-8")) as resolver:
            result = run("dns", "check", str(manifest), "--resolver", resolver, "--format", "json", env=env)
        bare = run("dns", "export", str(manifest), "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    dkim = [r for r in json.loads(result.stdout)["results"] if r["purpose"] == "DKIM"]
    assert [(r["fqdn"], r["zone"], r["status"]) for r in dkim] == [("smtp._domainkey.example.com", "example.com", "ok")]
    assert bare.returncode == 1
    assert "smtp._domainkey.example.com is outside zone mg.example.com; pass --zone" in bare.stderr
