"""The emulator takes the unusual values real Mailgun takes, and stores them as Mailgun does."""

from __future__ import annotations

import httpx


def test_routes_store_odd_values_as_sent(api: httpx.Client) -> None:
    # forward(".*@"): stored by real Mailgun (mailgun-ruby vcr_cassettes/routes.yml, 27 Jan 2025)
    actions = ['forward(".*@")', 'forward("http://myapp.com/messages, mailbox@myapp.com")', "stop()"]
    expression = '(match_recipient(".*@a.example") and match_header("from", ".*@b.example"))'
    created = api.post("/v3/routes", data={"expression": expression, "action": actions, "priority": "1"})
    assert created.status_code == 200
    assert created.json()["message"] == "Route has been created"
    stored = api.get(f"/v3/routes/{created.json()['route']['id']}").json()["route"]
    assert (stored["expression"], stored["actions"]) == (expression, actions)


def test_route_match_follows_grouping(api: httpx.Client) -> None:
    api.post(
        "/v3/routes",
        data={
            "expression": '(match_recipient("a@x.com") or match_recipient("b@x.com")) and catch_all()',
            "action": "stop()",
            "description": "grouped",
        },
    ).raise_for_status()
    assert api.get("/v3/routes/match", params={"address": "b@x.com"}).json()["route"]["description"] == "grouped"
    assert api.get("/v3/routes/match", params={"address": "c@x.com"}).status_code == 404


def test_a_member_written_name_and_address_is_that_address_with_that_name(api: httpx.Client) -> None:
    api.post("/v3/lists", data={"address": "team@mg.example.com"}).raise_for_status()
    created = api.post("/v3/lists/team@mg.example.com/members", data={"address": "Alice <alice@example.com>"})
    assert created.json()["member"] == {"address": "alice@example.com", "name": "Alice", "subscribed": True, "vars": {}}
    read = api.get("/v3/lists/team@mg.example.com/members/alice@example.com").json()["member"]
    assert (read["address"], read["name"]) == ("alice@example.com", "Alice")
