"""The Maton gateway form, the headers sent, and the key never showing up anywhere."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from mgsync import __version__
from mgsync.client import Client
from mgsync.errors import ApiError, MgsyncError
from mgsync.settings import Settings
from tests.support.client import DOMAIN, KEY, MATON_KEY, Sleeps


def test_gateway_form_over_http(account) -> None:
    emu, url = account
    env = {"MATON_API_KEY": MATON_KEY, "MATON_CONNECTION": "conn-b", "MAILGUN_BASE_URL": url + "/mailgun"}
    with Client(Settings.from_env(env)) as client:
        assert [d["name"] for d in client.iter_skip("/v4/domains")] == [DOMAIN]
        client.post("/v3/routes", {"expression": "catch_all()", "action": ["stop()"]})
    assert [(e.method, e.path, e.status) for e in emu.log] == [("GET", "/v4/domains", 200), ("POST", "/v3/routes", 200)]


@pytest.mark.parametrize(
    ("settings", "status", "message"),
    [
        (
            {"auth": "bearer", "api_key": MATON_KEY},
            400,
            "Several Mailgun connections exist: send the Maton-Connection header",
        ),
        ({"auth": "bearer", "api_key": MATON_KEY, "connection": "conn-x"}, 400, "No Mailgun connection with id conn-x"),
        (
            {"auth": "bearer", "api_key": "maton-wrong-000000000000", "connection": "conn-a"},
            401,
            "Forbidden: the API key was rejected (check MAILGUN_API_KEY / MATON_API_KEY and the region)",
        ),
        (
            {"auth": "basic", "api_key": KEY},
            401,
            "Forbidden: the API key was rejected (check MAILGUN_API_KEY / MATON_API_KEY and the region)",
        ),
    ],
)
def test_gateway_refusals(account, settings: dict, status: int, message: str) -> None:
    _emu, url = account
    with Client(Settings(base_url=url + "/mailgun", **settings)) as client, pytest.raises(ApiError) as err:
        client.get("/v4/domains")
    assert (err.value.status, err.value.message) == (status, message)


@pytest.mark.parametrize(
    ("settings", "authorization", "connection"),
    [
        (
            Settings("https://api.mailgun.net", "basic", KEY),
            "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode(),
            None,
        ),
        (
            Settings("https://api.maton.ai/mailgun", "bearer", MATON_KEY, connection="conn-1"),
            f"Bearer {MATON_KEY}",
            "conn-1",
        ),
        (Settings("https://api.maton.ai/mailgun", "bearer", MATON_KEY), f"Bearer {MATON_KEY}", None),
    ],
)
def test_headers_sent(settings: Settings, authorization: str, connection: str | None) -> None:
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with Client(settings, transport=httpx.MockTransport(server)) as client:
        client.get("/v3/routes")
    headers = seen[0].headers
    assert str(seen[0].url) == settings.base_url + "/v3/routes"
    assert headers["Authorization"] == authorization
    assert headers.get("Maton-Connection") == connection
    assert headers["User-Agent"] == f"mgsync/{__version__}"


def test_the_key_never_appears_in_reprs_errors_or_logs(account, caplog: pytest.LogCaptureFixture) -> None:
    emu, url = account
    caplog.set_level(logging.DEBUG)
    secrets = (KEY, MATON_KEY, base64.b64encode(f"api:{KEY}".encode()).decode())
    emu.faults.fail_before_commit(method="GET", path="/v3/routes", status=503)
    emu.faults.drop_connection(method="POST", path="/v3/routes")
    errors: list[MgsyncError] = []
    basic = Client(Settings(url, "basic", KEY), sleep=Sleeps())
    gateway = Client(Settings(url + "/mailgun", "bearer", MATON_KEY, connection="conn-a"), sleep=Sleeps())
    wrong = Client(Settings(url, "basic", "key-wrong-but-long-enough"))
    with basic, gateway, wrong:
        basic.get("/v3/routes")
        gateway.get("/v4/domains")
        for call in (
            lambda: basic.post("/v3/routes", {"expression": "catch_all()", "action": "stop()"}),
            lambda: basic.get("/v3/nope.example.com/bounces"),
            lambda: wrong.get("/v4/domains"),
            lambda: basic.get("https://evil.example.com/steal"),
        ):
            with pytest.raises(MgsyncError) as err:
                call()
            errors.append(err.value)
        texts = [repr(basic), repr(gateway), repr(basic.settings), str(basic.settings), repr(gateway.settings)]
    texts += [str(e) for e in errors] + [repr(e) for e in errors] + [caplog.text]
    assert "http: GET /v3/routes -> 503" in caplog.text and "http: GET /v3/routes -> 200" in caplog.text
    assert len(errors) == 4
    for text in texts:
        for secret in secrets:
            assert secret not in text
