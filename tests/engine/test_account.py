"""``account.identify`` and ``account.check`` against the in-process emulator: what identifies an
account, and which differences refuse (the CLI side is in tests/e2e/test_account_identity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgsync.account import Account, check, identify, region_of
from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.errors import AccountMismatchError
from mgsync.settings import Settings

KEY = "account-key"
LOCK = Path("mgsync.lock")


def seen(emu: Emulator, base_url: str, subaccount: str | None = None) -> Account:
    settings = Settings(base_url, "basic", KEY, allow_http=True, subaccount=subaccount)
    with Client(settings, transport=emu.transport(), sleep=lambda s: None) as client:
        return identify(client)


def test_the_region_comes_from_mailguns_own_hosts_and_the_sandbox_from_the_listing() -> None:
    emu = Emulator(api_key=KEY)
    sandbox = "sandbox61429c204b744e7fbbb7375ac93ad3d7.mailgun.org"  # mailgun-ruby vcr_cassettes/domains.yml
    emu.store.add_domain(sandbox, state="active", type="sandbox")
    emu.store.add_domain("sandbox.example.com")  # a custom domain whose name holds "sandbox" is not it
    assert seen(emu, "https://api.eu.mailgun.net") == Account("eu", None, sandbox)
    assert seen(emu, "https://api.mailgun.net") == Account("us", None, sandbox)
    assert seen(emu, "https://API.EU.mailgun.net:443") == Account("eu", None, sandbox)
    assert seen(emu, "http://127.0.0.1:8025") == Account(None, None, sandbox)
    assert [(e.path, e.query) for e in emu.log][-1] == ("/v4/domains", "search=sandbox&limit=1000")


@pytest.mark.parametrize(
    ("base_url", "region"),
    [
        ("https://API.EU.mailgun.net", "eu"),  # each of these was no region, and a US lockfile was not refused
        ("https://api.eu.mailgun.net:443/", "eu"),
        ("https://api.eu.mailgun.net.", "eu"),
        ("https://Api.Mailgun.Net", "us"),
        ("https://api.mailgun.net:8443", None),  # another port, a path: not Mailgun's API itself
        ("https://api.mailgun.net/gateway", None),
        ("https://gateway.maton.ai/mailgun", None),
    ],
)
def test_the_region_is_known_however_its_host_is_written(base_url: str, region: str | None) -> None:
    assert region_of(base_url) == region


def test_an_account_without_a_sandbox_domain_is_known_by_what_shows() -> None:
    assert seen(Emulator(api_key=KEY), "https://api.mailgun.net") == Account("us", None, None)


@pytest.mark.parametrize(
    ("recorded", "live", "message"),
    [
        (
            Account("us", None, "sandboxa.mailgun.org"),
            Account("eu", None, None),
            "Refusing to use mgsync.lock: it belongs to Mailgun's US region, and this run talks to the EU API; "
            "check --region, MAILGUN_REGION and MAILGUN_BASE_URL.",
        ),
        (
            Account(None, None, "sandboxa.mailgun.org"),
            Account("us", None, "sandboxb.mailgun.org"),
            "Refusing to use mgsync.lock: it belongs to the Mailgun account whose sandbox domain is sandboxa.mailgun.org, "
            "and this API key reaches the one with sandboxb.mailgun.org; check MAILGUN_API_KEY, or use this account's lockfile.",
        ),
        (
            Account(None, None, None),
            Account(None, "6", None),
            "Refusing to use mgsync.lock: it belongs to the parent account, and this run acts on subaccount 6; "
            "use that account's lockfile and manifests, or check --subaccount and MAILGUN_SUBACCOUNT.",
        ),
    ],
)
def test_a_known_difference_refuses(recorded: Account, live: Account, message: str) -> None:
    with pytest.raises(AccountMismatchError) as refused:
        check(LOCK, recorded, live)
    assert (str(refused.value), refused.value.exit_code) == (message, 6)


@pytest.mark.parametrize(
    ("recorded", "live", "kept"),
    [
        (None, Account("us", None, "sandboxa.mailgun.org"), Account("us", None, "sandboxa.mailgun.org")),
        (
            Account("us", None, "sandboxa.mailgun.org"),
            Account(None, None, None),
            Account("us", None, "sandboxa.mailgun.org"),
        ),
        (
            Account(None, "6", None),
            Account("eu", "6", "sandboxb.mailgun.org"),
            Account("eu", "6", "sandboxb.mailgun.org"),
        ),
    ],
)
def test_missing_evidence_passes_and_what_is_known_is_kept(
    recorded: Account | None, live: Account, kept: Account
) -> None:
    assert check(LOCK, recorded, live) == kept


def test_the_recorded_form_round_trips_and_odd_values_are_unknown() -> None:
    account = Account("eu", "6", "sandboxa.mailgun.org")
    assert account.record() == {"region": "eu", "sandbox": "sandboxa.mailgun.org", "subaccount": "6"}
    assert Account.recorded(account.record()) == account
    assert Account(None, None, None).record() == {"subaccount": None}
    assert Account.recorded({"subaccount": None, "sandbox": "", "region": 1}) == Account(None, None, None)
    assert Account.recorded({"subaccount": 6}) is None  # no evidence of which: adopted anew
    assert Account.recorded(None) is None and Account.recorded(["not", "a", "mapping"]) is None


def test_an_odd_item_in_the_listing_is_no_evidence_and_no_error() -> None:
    emu = Emulator(api_key=KEY)
    emu.faults.replace_body(
        "/v4/domains",
        '{"items": [{"type": "sandbox"}, {"name": 7, "type": "sandbox"}, '
        '{"name": "sandboxb.mailgun.org", "type": "sandbox"}], "total_count": 3}',
    )
    assert seen(emu, "https://api.mailgun.net") == Account("us", None, "sandboxb.mailgun.org")
