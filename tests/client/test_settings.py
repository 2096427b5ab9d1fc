"""Connection settings from the environment: precedence, regions, the gateway, and refusals."""

from __future__ import annotations

import pytest

from mgsync.errors import ConfigError
from mgsync.settings import Secret, Settings

KEY = "key-0123456789abcdef-SECRET"
MATON = "maton-0123456789-SECRET"


@pytest.mark.parametrize(
    ("env", "flags", "expected"),
    [
        ({"MAILGUN_API_KEY": KEY}, {}, ("https://api.mailgun.net", "basic", KEY, None)),
        ({"MAILGUN_API_KEY": KEY, "MAILGUN_REGION": "us"}, {}, ("https://api.mailgun.net", "basic", KEY, None)),
        ({"MAILGUN_API_KEY": KEY, "MAILGUN_REGION": "EU"}, {}, ("https://api.eu.mailgun.net", "basic", KEY, None)),
        ({"MAILGUN_API_KEY": KEY}, {"region": "eu"}, ("https://api.eu.mailgun.net", "basic", KEY, None)),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_REGION": "eu"},
            {"region": "us"},
            ("https://api.mailgun.net", "basic", KEY, None),
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "https://mg-proxy.example.com/api/"},
            {},
            ("https://mg-proxy.example.com/api", "basic", KEY, None),
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "https://ignored.example.com"},
            {"base_url": "http://127.0.0.1:8025"},
            ("http://127.0.0.1:8025", "basic", KEY, None),
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "http://localhost:8025"},
            {},
            ("http://localhost:8025", "basic", KEY, None),
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "http://[::1]:8025"},
            {},
            ("http://[::1]:8025", "basic", KEY, None),
        ),
        ({"MATON_API_KEY": MATON}, {}, ("https://api.maton.ai/mailgun", "bearer", MATON, None)),
        (
            {"MATON_API_KEY": MATON, "MATON_CONNECTION": "conn-1"},
            {},
            ("https://api.maton.ai/mailgun", "bearer", MATON, "conn-1"),
        ),
        (
            {"MATON_API_KEY": MATON, "MAILGUN_BASE_URL": "http://127.0.0.1:9/mailgun"},
            {},
            ("http://127.0.0.1:9/mailgun", "bearer", MATON, None),
        ),
        # Both keys: the Mailgun key wins, unless the base URL is the gateway.
        ({"MAILGUN_API_KEY": KEY, "MATON_API_KEY": MATON}, {}, ("https://api.mailgun.net", "basic", KEY, None)),
        (
            {"MAILGUN_API_KEY": KEY, "MATON_API_KEY": MATON, "MAILGUN_BASE_URL": "https://api.maton.ai/mailgun"},
            {},
            ("https://api.maton.ai/mailgun", "bearer", MATON, None),
        ),
        # Empty variables count as unset.
        (
            {"MAILGUN_API_KEY": "", "MATON_API_KEY": MATON, "MAILGUN_REGION": ""},
            {},
            ("https://api.maton.ai/mailgun", "bearer", MATON, None),
        ),
        # Plain http to a remote host when explicitly allowed.
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "http://mg.internal:8080", "MGSYNC_ALLOW_HTTP": "1"},
            {},
            ("http://mg.internal:8080", "basic", KEY, None),
        ),
        (
            {"MAILGUN_API_KEY": KEY},
            {"base_url": "http://mg.internal:8080", "allow_http": True},
            ("http://mg.internal:8080", "basic", KEY, None),
        ),
    ],
)
def test_from_env(env: dict[str, str], flags: dict, expected: tuple) -> None:
    settings = Settings.from_env(env, **flags)
    assert (settings.base_url, settings.auth, settings.api_key.reveal(), settings.connection) == expected


@pytest.mark.parametrize(
    ("env", "flags", "message"),
    [
        (
            {},
            {},
            "MAILGUN_API_KEY is not set: export it, or use MATON_API_KEY for the Maton gateway, "
            "or --emulator to try mgsync without an account",
        ),
        ({"MAILGUN_REGION": "eu"}, {}, "MAILGUN_API_KEY is not set: export it, or use MATON_API_KEY"),
        ({"MAILGUN_API_KEY": KEY, "MAILGUN_REGION": "xx"}, {}, 'MAILGUN_REGION must be "us" or "eu", got "xx"'),
        ({"MAILGUN_API_KEY": KEY}, {"region": "ap"}, '--region must be "us" or "eu", got "ap"'),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "http://api.example.com"},
            {},
            "MAILGUN_BASE_URL uses plain http:// to a non-loopback host (api.example.com)",
        ),
        (
            {"MAILGUN_API_KEY": KEY},
            {"base_url": "http://10.0.0.5"},
            "--base-url uses plain http:// to a non-loopback host (10.0.0.5)",
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "api.mailgun.net"},
            {},
            "MAILGUN_BASE_URL must be an http(s) URL",
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "ftp://api.mailgun.net"},
            {},
            "MAILGUN_BASE_URL must be an http(s) URL",
        ),
        (  # the base URL as Mailgun's documentation writes it, version included
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "https://api.eu.mailgun.net/v3/"},
            {},
            'MAILGUN_BASE_URL ends in an API version ("/v3"): give it without, like "https://api.eu.mailgun.net"; '
            "mgsync adds /v3 or /v4 to each request",
        ),
        (
            {"MAILGUN_API_KEY": KEY},
            {"base_url": "https://mailgun-proxy.example.com/mailgun/v4"},
            '--base-url ends in an API version ("/v4"): give it without, like '
            '"https://mailgun-proxy.example.com/mailgun"',
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "https://api.maton.ai/mailgun"},
            {},
            "MAILGUN_BASE_URL points at the Maton gateway, which needs MATON_API_KEY",
        ),
        (  # httpx would send them as Basic auth instead of the key; the password is never repeated
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "https://ops:proxy-SECRET@mailgun-proxy.example.com"},
            {},
            "MAILGUN_BASE_URL must not hold a user name or password (the key goes in MAILGUN_API_KEY or "
            'MATON_API_KEY), got "https://***@mailgun-proxy.example.com"',
        ),
        (
            {"MAILGUN_API_KEY": KEY},
            {"base_url": "https://api.mailgun.net:99999"},
            '--base-url is not a URL (Port out of range 0-65535), got "https://api.mailgun.net:99999"',
        ),
        (
            {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": "https://[::1"},
            {},
            'MAILGUN_BASE_URL is not a URL (Invalid IPv6 URL), got "https://[::1"',
        ),
        (  # a Bearer key goes into its header as it is: httpx cannot encode é (it was an internal error)
            {"MATON_API_KEY": "maton-SECRET-\u00e9"},
            {},
            "MATON_API_KEY holds a character an HTTP header cannot carry (U+00E9, character 14); copy the key again",
        ),
        (  # a line break would end the header (it was sent 7 times, each refused by h11)
            {"MATON_API_KEY": MATON, "MATON_CONNECTION": "conn\nX-Injected: 1"},
            {},
            "MATON_CONNECTION holds a character an HTTP header cannot carry (U+000A, character 5); "
            "got 'conn\\nX-Injected: 1'",
        ),
        (  # the gateway reaches the US region: EU domains would be planned into the US account
            {"MATON_API_KEY": MATON, "MAILGUN_REGION": "eu"},
            {},
            "MAILGUN_REGION is eu, but the Maton gateway (MATON_API_KEY) reaches Mailgun's US region: unset "
            "MAILGUN_REGION to use the gateway, or use MAILGUN_API_KEY to reach the EU region directly",
        ),
        ({"MATON_API_KEY": MATON}, {"region": "EU"}, "--region is eu, but the Maton gateway (MATON_API_KEY)"),
        (  # the gateway's key is never sent to Mailgun itself
            {"MATON_API_KEY": MATON, "MAILGUN_BASE_URL": "https://api.eu.mailgun.net."},
            {},
            "MAILGUN_BASE_URL points at Mailgun's own API (api.eu.mailgun.net), which needs MAILGUN_API_KEY",
        ),
        (  # a key that could not be encoded was an internal error; the others were sent, each a 401
            {"MAILGUN_API_KEY": "key-SECRET\udcff"},
            {},
            "MAILGUN_API_KEY holds a character no Mailgun key has (U+DCFF, character 11): copy the key again",
        ),
        ({"MAILGUN_API_KEY": "key-SECRET\u200b1"}, {}, "MAILGUN_API_KEY holds a character no Mailgun key has (U+200B"),
        ({"MAILGUN_API_KEY": "key-SE CRET"}, {}, "MAILGUN_API_KEY holds a character no Mailgun key has (U+0020, "),
        ({"MAILGUN_API_KEY": "key-SECRET\u00e9"}, {}, "MAILGUN_API_KEY holds a character no Mailgun key has (U+00E9"),
        ({"MAILGUN_API_KEY": '"key-SECRET"'}, {}, "MAILGUN_API_KEY is written in quotes, which are not part of a key"),
        ({"MAILGUN_API_KEY": "'key-SECRET'"}, {}, "MAILGUN_API_KEY is written in quotes, which are not part of a key"),
    ],
)
def test_from_env_refuses(env: dict[str, str], flags: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env, **flags)
    assert str(err.value).startswith(message)
    assert KEY not in str(err.value) and "SECRET" not in str(err.value)


def test_secret_never_shows() -> None:
    settings = Settings.from_env({"MAILGUN_API_KEY": KEY, "MATON_CONNECTION": "c"})
    for text in (repr(settings), str(settings), repr(settings.api_key), str(settings.api_key), f"{settings.api_key}"):
        assert KEY not in text
    assert "api_key=***" in repr(settings)
    assert settings.api_key == Secret(KEY) and settings.api_key.reveal() == KEY


def test_settings_accepts_a_plain_key_and_trims_the_base_url() -> None:
    settings = Settings("https://api.mailgun.net/", "basic", KEY)  # type: ignore[arg-type]
    assert settings.base_url == "https://api.mailgun.net"
    assert isinstance(settings.api_key, Secret) and KEY not in repr(settings)


def test_the_gateway_host_with_a_trailing_dot_is_the_gateway() -> None:
    """Both keys set and the gateway's URL written with a final dot: the Mailgun key never goes there."""
    settings = Settings.from_env(
        {"MAILGUN_API_KEY": KEY, "MATON_API_KEY": MATON, "MAILGUN_BASE_URL": "https://api.maton.ai./mailgun"}
    )
    assert settings.auth == "bearer" and settings.api_key.reveal() == MATON
