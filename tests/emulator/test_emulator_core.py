"""Cross-cutting wire behaviour: auth, unknown paths, encodings, booleans, path decoding, the request
log, rate-limit headers and the Maton gateway form."""

from __future__ import annotations

import json

import httpx
import pytest

from mgsync.emulator import Emulator, LogEntry

BASE = "https://api.mailgun.net"
DOMAIN = "mg.example.com"


@pytest.mark.parametrize("auth", [None, ("api", "wrong"), ("user", "test")])
def test_bad_or_missing_key_is_401_text_forbidden(emulator: Emulator, auth) -> None:
    with httpx.Client(transport=emulator.transport(), base_url=BASE, auth=auth) as client:
        r = client.get("/v4/domains")
    assert r.status_code == 401
    assert r.text == "Forbidden"
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["www-authenticate"] == 'Basic realm="MG API"'


@pytest.mark.parametrize("path", ["/v3/lists/", "/v9/nothing", "/", "/v3/routes/a/b/c"])
def test_unknown_path_is_html_404(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<title>404 Not Found</title>" in r.text


def test_known_path_with_wrong_method_is_405(api: httpx.Client) -> None:
    assert api.patch("/v3/routes").status_code == 405


def test_rate_limit_headers_on_normal_responses(api: httpx.Client) -> None:
    first = api.get("/v3/routes")
    second = api.get("/v3/routes")
    assert first.headers["x-request-limit"] == "2500"
    assert int(second.headers["x-request-remaining"]) == int(first.headers["x-request-remaining"]) - 1
    assert int(first.headers["x-request-reset"]) > 1e12  # epoch milliseconds


def _form(data: dict[str, list[str]]) -> dict:
    return {"data": data}


def _multipart(data: dict[str, list[str]]) -> dict:
    return {"files": [(k, (None, v)) for k, values in data.items() for v in values]}


@pytest.mark.parametrize("encode", [_form, _multipart], ids=["urlencoded", "multipart"])
def test_form_encodings_and_repeated_keys(api: httpx.Client, encode) -> None:
    fields = {
        "expression": ['match_recipient("a@x")'],
        "action": ['forward("b@x")', "stop()"],
        "priority": ["3"],
        "description": ["r"],
    }
    r = api.post("/v3/routes", **encode(fields))
    assert r.status_code == 200
    assert r.json()["route"]["actions"] == ['forward("b@x")', "stop()"]
    assert r.json()["route"]["priority"] == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("no", False),
        ("True", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("t", True),
    ],
)
def test_booleans_are_lenient(api: httpx.Client, domain: str, value: str, expected: bool) -> None:
    r = api.put(f"/v3/domains/{domain}/tracking/open", data={"active": value})
    assert r.json()["open"]["active"] is expected


def test_invalid_boolean_is_400(api: httpx.Client, domain: str) -> None:
    r = api.put(f"/v3/domains/{domain}/tracking/open", data={"active": "maybe"})
    assert r.status_code == 400
    assert "active" in r.json()["message"]


@pytest.mark.parametrize("path_address", ["a+b@x.com", "a%2Bb%40x.com"])
def test_path_segments_are_unquoted_not_unquote_plus(
    emulator: Emulator, api: httpx.Client, domain: str, path_address: str
) -> None:
    emulator.store.add_bounces(domain, [{"address": "a+b@x.com"}])
    r = api.get(f"/v3/{domain}/bounces/{path_address}")
    assert r.status_code == 200
    assert r.json()["address"] == "a+b@x.com"


def test_request_log_records_decoded_paths(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    api.get(f"/v3/{domain}/bounces/a%40x.com", params={"x": "1"})
    api.get("/v3/routes")
    assert emulator.log == [
        LogEntry("GET", f"/v3/{domain}/bounces/a@x.com", "x=1", 404),
        LogEntry("GET", "/v3/routes", "", 200),
    ]
    assert emulator.requests_count("GET", "/v3/routes") == 1
    assert emulator.requests_count(path_prefix="/v3/") == 2
    emulator.log.clear()
    assert emulator.requests_count() == 0


def test_json_only_where_documented(api: httpx.Client, domain: str) -> None:
    r = api.post(f"/v3/{domain}/bounces", json={"address": "one@x.com", "code": "551"})
    assert (r.status_code, r.json()) == (400, {"message": "Invalid JSON: expected an array of objects"})
    r = api.post(f"/v3/{domain}/whitelists", json=[{"address": "one@x.com"}])  # no JSON bulk for allowlists
    assert r.status_code == 400
    assert api.post(
        f"/v3/{domain}/bounces", content=b"[not json", headers={"Content-Type": "application/json"}
    ).json() == {"message": "Invalid JSON body"}


# ---- the Maton gateway form (mailgun-api.md §15) -----------------------------------------------


@pytest.fixture
def gateway() -> Emulator:
    emu = Emulator(api_key="test", gateway_key="mtn", gateway_connections=("c1", "c2"))
    emu.store.add_domain(DOMAIN)
    return emu


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Authorization": "Bearer mtn", "Maton-Connection": "c1"}, 200),
        ({"Authorization": "Bearer mtn", "Maton-Connection": "c2"}, 200),
        ({"Authorization": "Bearer mtn"}, 400),  # several connections: the header is required
        ({"Authorization": "Bearer mtn", "Maton-Connection": "c3"}, 400),
        ({"Authorization": "Bearer nope", "Maton-Connection": "c1"}, 401),
        ({"Maton-Connection": "c1"}, 401),
    ],
)
def test_gateway_auth(gateway: Emulator, headers: dict[str, str], status: int) -> None:
    with httpx.Client(transport=gateway.transport(), base_url="https://api.maton.ai/mailgun", headers=headers) as c:
        r = c.get("/v4/domains")
    assert r.status_code == status
    if status == 200:
        assert r.json()["items"][0]["name"] == DOMAIN
        assert gateway.log[-1] == LogEntry("GET", "/v4/domains", "", 200)


def test_gateway_paging_urls_keep_the_prefix(gateway: Emulator) -> None:
    gateway.store.add_bounces(DOMAIN, [{"address": f"u{i}@x.com"} for i in range(3)])
    headers = {"Authorization": "Bearer mtn", "Maton-Connection": "c1"}
    with httpx.Client(transport=gateway.transport(), base_url="https://api.maton.ai/mailgun", headers=headers) as c:
        body = c.get(f"/v3/{DOMAIN}/bounces", params={"limit": 2}).json()
        assert body["paging"]["next"] == (
            f"https://api.maton.ai/mailgun/v3/{DOMAIN}/bounces?page=next&address=u1%40x.com&limit=2&term="
        )
        assert [i["address"] for i in c.get(body["paging"]["next"]).json()["items"]] == ["u2@x.com"]


def test_basic_auth_is_not_accepted_on_gateway_path(gateway: Emulator) -> None:
    with httpx.Client(transport=gateway.transport(), auth=("api", "test")) as c:
        assert c.get("https://api.maton.ai/mailgun/v4/domains").status_code == 401
        assert c.get("https://api.mailgun.net/v4/domains").status_code == 200


def test_gateway_disabled_without_gateway_key(emulator: Emulator) -> None:
    with httpx.Client(transport=emulator.transport(), headers={"Authorization": "Bearer x"}) as c:
        assert c.get("https://gw/mailgun/v4/domains").status_code == 401


def test_handle_is_the_single_entry_point(emulator: Emulator) -> None:
    status, headers, body = emulator.handle("GET", "/v3/routes?limit=5", {"AUTHORIZATION": "Basic YXBpOnRlc3Q="}, b"")
    assert status == 200
    assert ("Content-Type", "application/json") in headers
    assert json.loads(body) == {"total_count": 0, "items": []}
