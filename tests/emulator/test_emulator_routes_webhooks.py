"""Routes (§4) and webhooks v3/v4 (§5)."""

from __future__ import annotations

import httpx
import pytest

from mgsync.emulator import Emulator

ROUTE = {
    "expression": 'match_recipient("support@x.com")',
    "action": ['forward("a@y.com")', "stop()"],
    "priority": "10",
    "description": "support",
}


def test_route_crud(api: httpx.Client) -> None:
    created = api.post("/v3/routes", data=ROUTE)
    assert created.headers["content-type"] == "application/json"
    assert created.json()["message"] == "Route has been created"
    route = created.json()["route"]
    assert set(route) == {"actions", "created_at", "description", "expression", "id", "priority"}
    assert api.get(f"/v3/routes/{route['id']}").json() == {"route": route}
    updated = api.put(f"/v3/routes/{route['id']}", data={"description": "new", "action": ["stop()"]}).json()
    assert updated == {**route, "description": "new", "actions": ["stop()"], "message": "Route has been updated"}
    assert api.delete(f"/v3/routes/{route['id']}").json() == {"id": route["id"], "message": "Route has been deleted"}
    for method in ("GET", "PUT", "DELETE"):
        r = api.request(method, f"/v3/routes/{route['id']}")
        assert (r.status_code, r.json()) == (404, {"message": "Route not found"})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "stop()"}, "Missing mandatory parameter: expression"),
        ({"expression": "catch_all()"}, "Missing mandatory parameter: action"),
    ],
)
def test_route_create_errors(api: httpx.Client, fields, message: str) -> None:
    r = api.post("/v3/routes", data=fields)
    assert (r.status_code, r.json()["message"]) == (400, message)


def test_route_skip_limit_pages(emulator: Emulator, api: httpx.Client) -> None:
    ids = [emulator.store.add_route(f'match_recipient("u{i}@x")', priority=0)["id"] for i in range(7)]
    pages = [api.get("/v3/routes", params={"skip": s, "limit": 3}).json() for s in (0, 3, 6, 9)]
    assert [r["id"] for p in pages for r in p["items"]] == ids
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    assert all(p["total_count"] == 7 for p in pages)
    r = api.get("/v3/routes", params={"limit": 1001})
    assert (r.status_code, r.json()) == (400, {"message": "The 'limit' parameter can't be larger than 1000"})


@pytest.mark.parametrize(
    "expression",
    [
        'match_recipient("sales@.*")',
        "match_recipient('sales@.*')",  # as Mailgun's own tests and the OpenAPI examples write it
        "  MATCH_RECIPIENT( 'sales@.*' )  ",
        r"match_recipient('sales@.*') and match_recipient('.*\.com')",
        "match_header('subject', '.*') or match_recipient(\"sales@.*\")",
    ],
)
def test_route_match(emulator: Emulator, api: httpx.Client, expression: str) -> None:
    emulator.store.add_route(expression, description="sales")
    assert api.get("/v3/routes/match", params={"address": "sales@x.com"}).json()["route"]["description"] == "sales"
    assert api.get("/v3/routes/match", params={"address": "x@x.com"}).status_code == 404


@pytest.mark.parametrize(
    "expression",
    [
        "match_recipient('sales@.*\")",
        "match_recipient(sales@.*)",
        "match_header('subject', 'x')",
        "match_recipient('sales@.*') and match_recipient('nobody')",
        "match_recipient('sales@.*') xor catch_all()",
    ],
)
def test_route_match_needs_a_matching_well_formed_expression(
    emulator: Emulator, api: httpx.Client, expression: str
) -> None:
    emulator.store.add_route(expression, description="sales")
    assert api.get("/v3/routes/match", params={"address": "sales@x.com"}).status_code == 404


# ---- webhooks v3 -------------------------------------------------------------------------------


def test_webhook_v3_lifecycle(api: httpx.Client, domain: str) -> None:
    base = f"/v3/domains/{domain}/webhooks"
    assert api.get(base).json() == {"webhooks": {}}
    r = api.post(base, data={"id": "delivered", "url": ["https://a.example/1", "https://b.example/2"]})
    assert r.json() == {
        "message": "Webhook has been created",
        "webhook": {"urls": ["https://a.example/1", "https://b.example/2"]},
    }
    assert api.post(base, data={"id": "delivered", "url": "https://c.example/3"}).status_code == 400
    assert api.get(f"{base}/delivered").json() == {"webhook": {"urls": ["https://a.example/1", "https://b.example/2"]}}
    r = api.put(f"{base}/delivered", data={"url": "https://c.example/3", "id": "ignored"})
    assert r.json() == {"message": "Webhook has been updated", "webhook": {"urls": ["https://c.example/3"]}}
    assert api.get(base).json() == {"webhooks": {"delivered": {"urls": ["https://c.example/3"]}}}
    r = api.delete(f"{base}/delivered")
    assert r.json() == {"message": "Webhook has been deleted", "webhook": {"urls": ["https://c.example/3"]}}
    assert api.get(f"{base}/delivered").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "https://a.example"}, "Missing parameter 'id'"),
        ({"id": "delivered"}, "Missing parameter 'url'"),
        ({"id": "delivered", "url": "not a url"}, "not a url is not a valid url"),
        (
            {"id": "delivered", "url": [f"https://h{i}.example" for i in range(4)]},
            "Too many URLs: at most 3 URLs are allowed per webhook",
        ),
    ],
)
def test_webhook_v3_errors(api: httpx.Client, domain: str, fields, message: str) -> None:
    r = api.post(f"/v3/domains/{domain}/webhooks", data=fields)
    assert (r.status_code, r.json()["message"]) == (400, message)


def test_webhook_v3_unknown_type(api: httpx.Client, domain: str) -> None:
    r = api.post(f"/v3/domains/{domain}/webhooks", data={"id": "deliverd", "url": "https://a.example"})
    assert r.status_code == 400 and "deliverd" in r.json()["message"]


def test_webhook_v4(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    base = f"/v4/domains/{domain}/webhooks"
    r = api.post(base, data={"url": "https://a.example/h", "event_types": ["clicked", "opened"]})
    assert r.json() == {
        "webhooks": {"clicked": {"urls": ["https://a.example/h"]}, "opened": {"urls": ["https://a.example/h"]}}
    }
    dup = api.post(base, data={"url": "https://a.example/h", "event_types": ["clicked"]})
    assert dup.status_code == 400
    assert dup.json()["message"] == "Webhook for event type 'clicked' with URL 'https://a.example/h' already exists"
    r = api.put(base, data={"url": "https://a.example/h", "event_types": ["delivered"]})
    assert r.json() == {"webhooks": {"delivered": {"urls": ["https://a.example/h"]}}}
    assert api.put(base, data={"url": "https://zzz.example", "event_types": ["delivered"]}).status_code == 404
    emulator.store.add_webhook(domain, "opened", ["https://b.example/h"])
    r = api.delete(base, params={"url": "https://a.example/h,https://b.example/h"})
    assert r.json() == {"webhooks": {}}
    assert api.delete(base).status_code == 400
