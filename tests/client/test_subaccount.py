"""Acting on a subaccount: MAILGUN_SUBACCOUNT / the subaccount flag, its validation, and the
X-Mailgun-On-Behalf-Of header on every request (direct and through the gateway)."""

from __future__ import annotations

import logging

import pytest

from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.errors import ApiError, ConfigError
from mgsync.settings import Settings
from tests.support.client import DOMAIN, KEY, MATON_KEY


@pytest.mark.parametrize(
    ("env", "flag", "expected"),
    [
        ({}, None, None),
        ({"MAILGUN_SUBACCOUNT": "646d00a1b32c35364a2ad34f"}, None, "646d00a1b32c35364a2ad34f"),
        ({"MAILGUN_SUBACCOUNT": "  646d00a1b32c35364a2ad34f\n"}, None, "646d00a1b32c35364a2ad34f"),
        ({"MAILGUN_SUBACCOUNT": ""}, None, None),  # empty variables count as unset
        ({"MAILGUN_SUBACCOUNT": "from-env"}, "from-flag", "from-flag"),
        ({}, "from-flag", "from-flag"),
    ],
)
@pytest.mark.parametrize("key", ["MAILGUN_API_KEY", "MATON_API_KEY"])
def test_the_flag_wins_over_the_variable(env: dict[str, str], flag: str | None, expected: str | None, key: str) -> None:
    settings = Settings.from_env({key: KEY, **env}, subaccount=flag)
    assert settings.subaccount == expected


@pytest.mark.parametrize(
    ("env", "flag", "message"),
    [
        (
            {},
            "",
            '--subaccount must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, no spaces), got ""',
        ),
        (
            {},
            "team a",
            '--subaccount must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, no spaces), got "team a"',
        ),
        (
            {},
            "id\r\nX-Evil: 1",
            '--subaccount must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, no spaces), got "id\\r\\nX-Evil: 1"',
        ),
        (
            {"MAILGUN_SUBACCOUNT": "id\tx"},
            None,
            'MAILGUN_SUBACCOUNT must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, no spaces), got "id\\tx"',
        ),
        (
            {"MAILGUN_SUBACCOUNT": "équipe"},
            None,
            'MAILGUN_SUBACCOUNT must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, no spaces), got "\\u00e9quipe"',
        ),
    ],
)
def test_a_bad_subaccount_id_is_one_line_error(env: dict[str, str], flag: str | None, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"MAILGUN_API_KEY": KEY, **env}, subaccount=flag)
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("gateway", [False, True])
def test_every_request_carries_the_header_and_only_that_account_is_seen(
    account: tuple[Emulator, str], gateway: bool, caplog: pytest.LogCaptureFixture
) -> None:
    emu, url = account
    sub = emu.store.add_subaccount("Team A")["id"]
    store = emu.store.account(sub)
    assert store is not None
    for n in range(5):
        store.add_domain(f"d{n}.example.com")
    settings = (
        Settings(url + "/mailgun", "bearer", MATON_KEY, connection="conn-a", subaccount=sub)
        if gateway
        else Settings(url, "basic", KEY, subaccount=sub)
    )
    caplog.set_level(logging.DEBUG, logger="mgsync.client")
    with Client(settings) as client:
        seen = [d["name"] for d in client.iter_skip("/v4/domains", limit=2)]  # three pages
        client.post("/v3/routes", {"expression": "catch_all()", "action": ["stop()"]})
    assert sorted(seen) == [f"d{n}.example.com" for n in range(5)]  # not the parent's DOMAIN
    assert [(e.path, e.account) for e in emu.log] == [("/v4/domains", sub)] * 3 + [("/v3/routes", sub)]
    assert len(store.routes) == 1 and emu.store.routes == {}
    assert f"every request acts on subaccount {sub}" in caplog.text
    assert KEY not in caplog.text and MATON_KEY not in caplog.text


def test_without_a_subaccount_no_header_is_sent(account: tuple[Emulator, str]) -> None:
    emu, url = account
    with Client(Settings(url, "basic", KEY)) as client:
        assert [d["name"] for d in client.iter_skip("/v4/domains")] == [DOMAIN]
    assert [e.account for e in emu.log] == [None]


def test_an_unknown_subaccount_is_a_clear_api_error(account: tuple[Emulator, str]) -> None:
    _emu, url = account
    with (
        Client(Settings(url, "basic", KEY, subaccount="0123456789abcdef01234567")) as client,
        pytest.raises(ApiError) as raised,
    ):
        client.get("/v4/domains")
    assert str(raised.value) == (
        "Mailgun API: GET /v4/domains returned 403: Forbidden: X-Mailgun-On-Behalf-Of names "
        "no subaccount of this account (0123456789abcdef01234567)"
    )
