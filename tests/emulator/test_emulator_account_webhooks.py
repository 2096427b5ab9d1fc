"""Account-level webhooks (``/v1/webhooks``): every endpoint, the shapes recorded live, the 3-URL limit,
URL uniqueness, the error bodies, per-subaccount state, persistence, and one pass over real HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.account_webhooks import add_webhook

BASE = "/v1/webhooks"
HOOK = {"url": "http://example.com/mailgun/events", "event_types": ["accepted"], "description": "test"}


def _create(api: httpx.Client, **fields) -> str:
    r = api.post(BASE, data={**HOOK, **fields})
    assert r.status_code == 200, r.text
    assert list(r.json()) == ["webhook_id"]
    return r.json()["webhook_id"]


def test_lifecycle_with_recorded_shapes(api: httpx.Client) -> None:
    hook_id = _create(api)
    assert re.fullmatch(r"[0-9a-f]{24}", hook_id)
    got = api.get(f"{BASE}/{hook_id}")
    assert got.headers["content-type"] == "application/json; charset=utf-8"
    hook = got.json()
    assert hook == {
        "webhook_id": hook_id,
        "description": "test",
        "url": HOOK["url"],
        "event_types": ["accepted"],
        "created_at": hook["created_at"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", hook["created_at"])
    assert api.get(BASE).json() == {"webhooks": [hook]}

    r = api.put(f"{BASE}/{hook_id}", data={"url": "https://b.example/h", "event_types": ["delivered", "opened"]})
    assert (r.status_code, r.content, r.headers.get("content-type")) == (204, b"", None)
    # a full replacement: the omitted description is emptied, id and created_at stay
    assert api.get(f"{BASE}/{hook_id}").json() == {
        **hook,
        "url": "https://b.example/h",
        "description": "",
        "event_types": ["delivered", "opened"],
    }

    r = api.delete(f"{BASE}/{hook_id}")
    assert (r.status_code, r.content) == (204, b"")
    for method in ("GET", "PUT", "DELETE"):
        r = api.request(method, f"{BASE}/{hook_id}", data=HOOK if method == "PUT" else None)
        assert (r.status_code, r.json()) == (404, {"Description": "Webhook not found"})
    assert api.get(BASE).json() == {"webhooks": []}


def test_list_filter_and_bulk_deletes(api: httpx.Client) -> None:
    ids = [
        _create(api, url=f"https://h{i}.example/e", event_types=[e]) for i, e in enumerate(("opened", "clicked") * 2)
    ]
    assert [h["webhook_id"] for h in api.get(BASE).json()["webhooks"]] == ids  # creation order
    assert [h["webhook_id"] for h in api.get(BASE, params={"webhook_ids": ""}).json()["webhooks"]] == ids
    picked = api.get(BASE, params={"webhook_ids": f"{ids[2]},{ids[0]},nope"}).json()["webhooks"]
    assert [h["webhook_id"] for h in picked] == [ids[0], ids[2]]

    r = api.delete(BASE, params={"webhook_ids": f"{ids[0]},unknown"})
    assert (r.status_code, r.json()) == (404, {"Description": "Webhook not found"})
    assert len(api.get(BASE).json()["webhooks"]) == 4  # nothing deleted
    r = api.delete(BASE, params={"webhook_ids": f"{ids[0]},{ids[1]}", "all": "true"})  # the ids win over all
    assert (r.status_code, r.content) == (204, b"")
    assert [h["webhook_id"] for h in api.get(BASE).json()["webhooks"]] == ids[2:]
    assert api.delete(BASE).status_code == 400
    assert api.delete(BASE, params={"all": "false"}).status_code == 400
    assert api.delete(BASE, params={"all": "true"}).status_code == 204
    assert api.get(BASE).json() == {"webhooks": []}


def test_three_urls_per_event_type(api: httpx.Client) -> None:
    for i in range(3):
        _create(api, url=f"https://h{i}.example/e", event_types=["delivered", "opened"])
    r = api.post(BASE, data={"url": "https://h3.example/e", "event_types": ["clicked", "opened"]})
    assert (r.status_code, r.json()) == (
        400,
        {"message": "Maximum of 3 unique URLs per event type reached for 'opened'"},
    )
    last = _create(api, url="https://h3.example/e", event_types=["clicked"])
    r = api.put(f"{BASE}/{last}", data={"url": "https://h3.example/e", "event_types": ["delivered"]})
    assert r.status_code == 400
    # replacing one of the three keeps the count at three
    first = api.get(BASE).json()["webhooks"][0]["webhook_id"]
    assert (
        api.put(f"{BASE}/{first}", data={"url": "https://new.example/e", "event_types": ["opened"]}).status_code == 204
    )


def test_a_url_is_one_webhook(api: httpx.Client) -> None:
    first = _create(api)
    r = api.post(BASE, data={**HOOK, "event_types": ["clicked"]})
    assert (r.status_code, r.json()) == (409, {"Description": f"A webhook with url {HOOK['url']} already exists"})
    other = _create(api, url="https://other.example/e")
    r = api.put(f"{BASE}/{other}", data=HOOK)
    assert r.status_code == 409
    assert api.put(f"{BASE}/{first}", data=HOOK).status_code == 204  # its own URL is no conflict


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"event_types": "accepted"}, "Missing mandatory parameter: url"),
        ({"url": "https://a.example"}, "Missing mandatory parameter: event_types"),
        ({"url": "ftp://a.example", "event_types": "accepted"}, "ftp://a.example is not a valid url"),
        (
            {"url": "https://a.example", "event_types": ["accepted", "deliverd"]},
            "Invalid event type 'deliverd'. It can be any of: accepted, clicked, opened, unsubscribed, delivered, "
            "permanent_fail, temporary_fail, complained",
        ),
    ],
)
def test_create_errors(api: httpx.Client, fields, message: str) -> None:
    r = api.post(BASE, data=fields)
    assert (r.status_code, r.json()) == (400, {"message": message})
    assert api.get(BASE).json() == {"webhooks": []}


def test_multipart_and_repeated_event_types(api: httpx.Client) -> None:
    files = [
        ("url", (None, "https://m.example/e")),
        ("event_types", (None, "opened")),
        ("event_types", (None, "clicked")),
        ("event_types", (None, "opened")),
    ]
    hook_id = api.post(BASE, files=files).json()["webhook_id"]
    assert api.get(f"{BASE}/{hook_id}").json()["event_types"] == ["opened", "clicked"]


def test_each_subaccount_has_its_own_webhooks(emulator: Emulator, api: httpx.Client) -> None:
    sub = emulator.store.add_subaccount("child")["id"]
    _create(api)
    on_behalf = {"X-Mailgun-On-Behalf-Of": sub}
    assert api.get(BASE, headers=on_behalf).json() == {"webhooks": []}
    assert api.post(BASE, data=HOOK, headers=on_behalf).status_code == 200  # the parent's URL is no conflict there
    assert len(api.get(BASE).json()["webhooks"]) == 1


def test_persistence_and_served_http(tmp_path: Path) -> None:
    from mgsync.emulator.server import serve

    state = tmp_path / "mg.json"
    emu = Emulator(state_file=state)
    seeded = add_webhook(emu.store, "https://seed.example/e", ["complained"])
    with serve(emu, host="127.0.0.1", port=0) as srv, httpx.Client(base_url=srv.url, auth=("api", "test")) as c:
        hook_id = c.post(BASE, data=HOOK).json()["webhook_id"]
        r = c.put(f"{BASE}/{hook_id}", data={**HOOK, "description": "test2"})
        assert (r.status_code, r.content) == (204, b"")
        listed = c.get(BASE).json()["webhooks"]
    assert [h["webhook_id"] for h in listed] == [seeded["webhook_id"], hook_id]
    again = Emulator(state_file=state)
    with httpx.Client(transport=again.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        assert c.get(BASE).json() == {"webhooks": listed}
        assert c.get(f"{BASE}/{hook_id}").json()["description"] == "test2"
