"""Error statuses become one-sentence ApiErrors; idempotent requests are retried, lost POSTs are not."""

from __future__ import annotations

import socket
import time

import pytest

from mgsync.answers import INT, OBJECT, ListOf, Obj
from mgsync.client import Client
from mgsync.errors import ApiError, ConfigError, DnsError, HostNotFoundError, NoAnswerError, UnreadableAnswerError
from mgsync.settings import Settings
from tests.support.client import DOMAIN, KEY, Sleeps

ROUTE = {"expression": 'match_recipient("s@example.com")', "action": ["stop()"], "description": "support"}


def statuses(emu, method: str) -> list[int]:
    return [e.status for e in emu.log if e.method == method]


def test_bad_key_is_a_clear_401(account, connect) -> None:
    emu, url = account
    wrong = "key-wrongwrongwrongwrong0123456789"
    with pytest.raises(ApiError) as err:
        connect(url, key=wrong).get("/v4/domains", limit=10)
    assert err.value.status == 401
    assert str(err.value) == (
        "Mailgun API: GET /v4/domains returned 401: Forbidden: the API key was rejected "
        "(check MAILGUN_API_KEY / MATON_API_KEY and the region)"
    )
    assert wrong not in str(err.value) and KEY not in str(err.value)
    assert statuses(emu, "GET") == [401]  # not retried


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v3/nope.example.com/bounces", "Domain not found: nope.example.com"),
        ("/v3/nope.example.com/templates", "domain not found"),
        ("/v4/domains/nope.example.com", "Domain not found"),
        ("/v3/lists/nobody@example.com", "Mailing list nobody@example.com not found"),
        ("/v3/no/such/endpoint", "not found (no such endpoint)"),  # the HTML 404 page, summarised
    ],
)
def test_404_carries_mailguns_message(account, connect, path: str, message: str) -> None:
    _emu, url = account
    with pytest.raises(ApiError) as err:
        connect(url).get(path, limit=10)
    assert str(err.value) == f"Mailgun API: GET {path} returned 404: {message}"
    assert (err.value.method, err.value.path, err.value.status, err.value.message) == ("GET", path, 404, message)


def test_400_is_not_retried(account, connect) -> None:
    emu, url = account
    with pytest.raises(ApiError) as err:
        connect(url).get("/v3/routes", limit=5000)
    assert str(err.value) == "Mailgun API: GET /v3/routes returned 400: The 'limit' parameter can't be larger than 1000"
    assert len(emu.log) == 1


def test_get_is_retried_after_5xx(account, connect) -> None:
    emu, url = account
    emu.faults.fail_before_commit(method="GET", path="/v3/routes", status=503, times=2)
    sleeps = Sleeps()
    client: Client = connect(url, sleep=sleeps)
    assert client.get("/v3/routes") == {"items": [], "total_count": 0}
    assert statuses(emu, "GET") == [503, 503, 200]
    assert (client.stats.requests, client.stats.retries) == (3, 2)
    assert len(sleeps.calls) == 2 and 0 < sleeps.calls[0] <= 0.25 and 0 < sleeps.calls[1] <= 0.5  # backoff


def test_retries_are_bounded(account, connect) -> None:
    emu, url = account
    emu.faults.fail_before_commit(method="GET", status=502, times=None)
    with pytest.raises(ApiError) as err:
        connect(url, max_retries=2, sleep=Sleeps()).get("/v4/domains")
    assert (
        str(err.value)
        == "Mailgun API: GET /v4/domains returned 502: Bad Gateway (HTML page) (gave up after 3 attempts)"
    )
    assert statuses(emu, "GET") == [502, 502, 502]


def test_post_failing_after_commit_is_not_repeated(account, connect) -> None:
    emu, url = account
    emu.faults.fail_after_commit(method="POST", path="/v3/routes", status=502)
    client: Client = connect(url, sleep=Sleeps())
    with pytest.raises(ApiError) as err:
        client.post("/v3/routes", ROUTE)
    assert str(err.value) == (
        "Mailgun API: POST /v3/routes returned 502: Bad Gateway (HTML page); "
        "not retried because POST may have been applied: re-read before trying again"
    )
    assert statuses(emu, "POST") == [502]  # exactly one POST reached the server...
    assert [r["description"] for r in emu.store.routes.values()] == ["support"]  # ...and it was applied


def test_put_failing_after_commit_is_retried(account, connect) -> None:
    emu, url = account
    emu.faults.fail_after_commit(method="PUT", path=f"/v4/domains/{DOMAIN}", status=500)
    client: Client = connect(url, sleep=Sleeps())
    assert client.put(f"/v4/domains/{DOMAIN}", {"spam_action": "tag"})["domain"]["spam_action"] == "tag"
    assert statuses(emu, "PUT") == [500, 200]


def test_post_whose_connection_dropped_is_not_repeated(account, connect) -> None:
    emu, url = account
    emu.faults.drop_connection(method="POST", path="/v3/routes", after_commit=True)
    with pytest.raises(NoAnswerError) as err:
        connect(url, sleep=Sleeps()).post("/v3/routes", ROUTE)
    assert str(err.value) == (
        "Mailgun API: POST /v3/routes failed: RemoteProtocolError: Server disconnected without sending a response.; "
        "not retried because POST may have been applied: re-read before trying again"
    )
    assert statuses(emu, "POST") == [0]
    assert len(emu.store.routes) == 1


def test_get_whose_connection_dropped_is_retried(account, connect) -> None:
    emu, url = account
    emu.store.add_route('match_recipient("a@example.com")')
    emu.faults.drop_connection(method="GET", path="/v3/routes", times=2)
    client: Client = connect(url, sleep=Sleeps())
    assert [r["expression"] for r in client.iter_skip("/v3/routes")] == ['match_recipient("a@example.com")']
    assert statuses(emu, "GET") == [0, 0, 200]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_refused_connection_fails_at_once_naming_the_base_url(method) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    base = f"http://127.0.0.1:{port}"
    with Client(Settings(base, "basic", KEY), max_retries=2, sleep=sleeps) as client:
        with pytest.raises(NoAnswerError) as err:
            client.request(method, "/v3/routes", data=ROUTE if method == "POST" else None)
        assert client.stats.requests == 1 and sleeps.calls == []
    assert not isinstance(err.value, DnsError)  # the name resolved: nobody listens
    assert str(err.value) == (
        f"Mailgun API: {method} /v3/routes failed: cannot connect to {base} (connection refused); check the base URL "
        "(--base-url / MAILGUN_BASE_URL), the region (--region / MAILGUN_REGION) and the network"
    )


def test_unresolvable_host_fails_at_once() -> None:
    sleeps = Sleeps()
    # .invalid never resolves (RFC 6761); the resolver answers without the network.
    with Client(Settings("https://api.mailgun.invalid", "basic", KEY), max_retries=2, sleep=sleeps) as client:
        with pytest.raises(HostNotFoundError) as err:
            client.get("/v4/domains")
        assert client.stats.requests == 1 and sleeps.calls == []
    assert isinstance(err.value, NoAnswerError) and isinstance(err.value, DnsError)  # a DNS failure, exit 1
    assert "cannot connect to https://api.mailgun.invalid (the host name does not resolve)" in str(err.value)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("<html>proxy error</html>", "expected an object with \"items\", got an HTML page '<html>proxy error</html>'"),
        ('{"items": 3}', "expected items to be a list, got the number 3"),
    ],
)
def test_an_unreadable_answer_has_its_own_class(account, connect, body, why) -> None:
    """Not JSON, or JSON of another shape: an answer came (no ``NoAnswerError``), but it cannot be read."""
    emu, url = account
    emu.faults.replace_body("/v3/routes", body, times=1)
    with pytest.raises(UnreadableAnswerError) as err:
        connect(url, sleep=Sleeps()).read("/v3/routes", Obj({"items": ListOf(OBJECT)}, {"total_count": INT}))
    assert not isinstance(err.value, NoAnswerError) and err.value.exit_code == 1
    assert str(err.value) == f"Mailgun API: GET /v3/routes returned 200: {why}"
    assert statuses(emu, "GET") == [200]  # not retried


def test_post_timing_out_is_not_repeated(account, connect) -> None:
    emu, url = account
    emu.faults.latency = 0.3
    with pytest.raises(NoAnswerError) as err:
        connect(url, timeout=0.1, sleep=Sleeps()).post("/v3/routes", ROUTE)
    assert "ReadTimeout" in str(err.value) and "not retried because POST may have been applied" in str(err.value)
    deadline = time.monotonic() + 2
    while not emu.log and time.monotonic() < deadline:  # the server finishes the request after we gave up
        time.sleep(0.02)
    assert statuses(emu, "POST") == [200]


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        Client(Settings("http://api.example.com", "basic", KEY))
    assert "plain http:// to a non-loopback host (api.example.com)" in str(err.value)
    Client(Settings("http://api.example.com", "basic", KEY, allow_http=True)).close()
