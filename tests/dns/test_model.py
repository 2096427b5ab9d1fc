"""The record model: purpose labels, names relative to the zone, TXT strings, odd answers."""

from __future__ import annotations

import pytest

from mgsync.client import Client
from mgsync.dns import live
from mgsync.dns.model import TXT_CHUNK, from_answer, group_zones
from mgsync.emulator import Emulator
from mgsync.errors import MgsyncError

from .conftest import create, get


def labelled(records) -> list[tuple[str, str, str]]:
    return [(r.name, r.type, r.purpose) for r in records]


def test_records_are_labelled_and_named_relative_to_the_zone(emu: Emulator) -> None:
    create(emu, "mg.example.com")
    assert labelled(from_answer(get(emu, "mg.example.com"), ["example.com"])) == [
        ("mg", "TXT", "SPF"),
        ("smtp._domainkey.mg", "TXT", "DKIM"),
        ("email.mg", "CNAME", "tracking"),
        ("mg", "MX", "MX"),
        ("mg", "MX", "MX"),
    ]


def test_without_a_zone_each_domain_is_its_own_zone(emu: Emulator) -> None:
    create(emu, "mg.example.com", web_prefix="track")
    records = from_answer(get(emu, "mg.example.com"))
    assert labelled(records)[:3] == [
        ("", "TXT", "SPF"),
        ("smtp._domainkey", "TXT", "DKIM"),
        ("track", "CNAME", "tracking"),
    ]
    assert {r.zone for r in records} == {"mg.example.com"}


def test_the_longest_containing_zone_wins(emu: Emulator) -> None:
    create(emu, "mg.example.com")
    records = from_answer(get(emu, "mg.example.com"), ["com", "example.com"])
    assert {r.zone for r in records} == {"example.com"}


def test_a_record_outside_the_zone_is_a_clear_error(emu: Emulator) -> None:
    create(emu, "mg.example.com", dkim_host_name="example.com")
    with pytest.raises(MgsyncError, match=r"^smtp._domainkey.example.com is outside zone mg.example.com; pass --zone"):
        from_answer(get(emu, "mg.example.com"))
    with pytest.raises(MgsyncError, match=r"inside none of the zones given \(example.org\)"):
        from_answer(get(emu, "mg.example.com"), ["example.org"])


def test_records_sort_by_purpose_whatever_order_mailgun_sends() -> None:
    answer = {
        "domain": {"name": "d.example"},
        "sending_dns_records": [
            {"record_type": "CNAME", "name": "email.d.example", "value": "mailgun.org"},
            {"record_type": "TXT", "name": "k1._domainkey.d.example", "value": "k=rsa; p=B"},
            {"record_type": "TXT", "name": "d.example", "value": "v=spf1 include:mailgun.org ~all"},
            {"record_type": "TXT", "name": "a1._domainkey.d.example", "value": "k=rsa; p=A"},
        ],
    }
    assert [r.fqdn for r in from_answer(answer)] == [
        "d.example",
        "a1._domainkey.d.example",
        "k1._domainkey.d.example",
        "email.d.example",
    ]


def test_dkim_cnames_and_dmarc_are_labelled() -> None:
    answer = {
        "domain": {"name": "mg.example.com", "web_prefix": "email"},
        "sending_dns_records": [
            {
                "record_type": "CNAME",
                "name": "pdk1._domainkey.mg.example.com",
                "value": "pdk1._domainkey.x.dkim1.mailgun.com",
                "valid": "VALID",
            },
            {"record_type": "TXT", "name": "_dmarc.mg.example.com", "value": "v=DMARC1; p=none"},
            {"record_type": "CNAME", "name": "other.mg.example.com", "value": "mailgun.org."},
        ],
        "receiving_dns_records": [{"record_type": "MX", "value": "mxa.mailgun.org", "priority": "20"}],
    }
    records = from_answer(answer)
    assert [(r.purpose, r.valid, r.priority, r.value) for r in records] == [
        ("DKIM", "valid", None, "pdk1._domainkey.x.dkim1.mailgun.com"),
        ("MX", "unknown", 20, "mxa.mailgun.org"),
        ("DMARC", "unknown", None, "v=DMARC1; p=none"),
        ("other", "unknown", None, "mailgun.org"),
    ]


def test_a_long_txt_value_splits_into_strings_of_at_most_255(emu: Emulator) -> None:
    create(emu, "mg.example.com", dkim_key_size="2048")
    dkim = next(r for r in from_answer(get(emu, "mg.example.com")) if r.purpose == "DKIM")
    assert len(dkim.value) > TXT_CHUNK and len(dkim.strings) == 2
    assert all(len(s) <= TXT_CHUNK for s in dkim.strings) and "".join(dkim.strings) == dkim.value


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"nothing": 1}, "GET /v4/domains/? returned no domain object"),
        (
            {"domain": {"name": "d.example"}, "sending_dns_records": "x"},
            "returned sending_dns_records that is not a list",
        ),
        (
            {"domain": {"name": "d.example"}, "sending_dns_records": [{"record_type": "A", "value": "1.2.3.4"}]},
            "returned a DNS record of type A with value '1.2.3.4'",
        ),
        (
            {
                "domain": {"name": "d.example"},
                "receiving_dns_records": [{"record_type": "MX", "value": "m.", "priority": "x"}],
            },
            "returned an MX record with priority 'x'",
        ),
    ],
)
def test_an_odd_answer_is_one_clear_error(answer: dict, message: str) -> None:
    with pytest.raises(MgsyncError, match=r"^Mailgun API: ") as err:
        from_answer(answer)
    assert message in str(err.value)


def test_live_read_notes_declared_domains_mailgun_lacks(emu: Emulator, client: Client) -> None:
    create(emu, "mg.example.com")
    found = live.read(client, ["mg.example.com", "new.example.com"], ["example.com"])
    assert found.absent == ("new.example.com",)
    assert found.notes == [
        "new.example.com is declared in the manifests but does not exist in Mailgun yet; "
        "run mgsync apply to create it, then run this command again."
    ]
    assert [z.name for z in group_zones(found.records)] == ["example.com"]
