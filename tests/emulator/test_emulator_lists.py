"""Mailing lists and members (mailgun-api.md §7)."""

from __future__ import annotations

import json

import httpx
import pytest

from mgsync.emulator import Emulator

LIST = "news@mg.example.com"


@pytest.fixture
def mlist(emulator: Emulator) -> str:
    emulator.store.add_list(LIST, name="News")
    return LIST


def test_list_crud_and_pretty_sorted_json(api: httpx.Client) -> None:
    r = api.post(
        "/v3/lists", data={"address": "News <news@mg.example.com>", "description": "d", "access_level": "members"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.text.startswith('{\n  "list": {\n    "access_level": "members",')
    lst = r.json()["list"]
    assert lst["name"] == "News" and lst["address"] == LIST and lst["created_at"].endswith(" -0000")
    assert lst["reply_preference"] == "list" and lst["members_count"] == 0
    assert api.post("/v3/lists", data={"address": LIST}).json() == {"message": "Duplicate object"}
    assert api.get(f"/v3/lists/{LIST}").json() == {"list": lst}
    r = api.put(f"/v3/lists/{LIST}", data={"address": "weekly@mg.example.com", "reply_preference": "sender"})
    assert r.json()["message"] == "Mailing list has been updated"
    assert r.json()["list"]["address"] == "weekly@mg.example.com"
    assert api.get(f"/v3/lists/{LIST}").json() == {"message": f"Mailing list {LIST} not found"}
    r = api.delete("/v3/lists/weekly@mg.example.com")
    assert r.json() == {"address": "weekly@mg.example.com", "message": "Mailing list has been removed"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"address": "a@x.com", "access_level": "all"},
            "Invalid access level 'all'. It can be any of: 'readonly', 'members', 'everyone'.",
        ),
        (
            {"address": "a@x.com", "reply_preference": "me"},
            "Invalid reply preference 'me'. It can be any of: 'sender', 'list'",
        ),
        ({}, "Missing mandatory parameter: address"),
    ],
)
def test_list_create_errors(api: httpx.Client, fields, message: str) -> None:
    r = api.post("/v3/lists", data=fields)
    assert (r.status_code, r.json()) == (400, {"message": message})


def test_lists_pages_and_legacy(emulator: Emulator, api: httpx.Client, walk) -> None:
    for i in (3, 1, 4, 0, 2):
        emulator.store.add_list(f"l{i}@x.com")
    pages = walk("/v3/lists/pages?limit=2")
    assert [[x["address"] for x in p] for p in pages] == [
        ["l0@x.com", "l1@x.com"],
        ["l2@x.com", "l3@x.com"],
        ["l4@x.com"],
        [],
    ]
    body = api.get("/v3/lists/pages", params={"limit": 2}).json()
    assert body["paging"] == {
        "first": "https://api.mailgun.net/v3/lists/pages?page=first&limit=2",
        "last": "https://api.mailgun.net/v3/lists/pages?page=last&limit=2",
        "next": "https://api.mailgun.net/v3/lists/pages?page=next&address=l1%40x.com&limit=2",
        "previous": "https://api.mailgun.net/v3/lists/pages?page=prev&address=l0%40x.com&limit=2",
    }
    prev = api.get("/v3/lists/pages", params={"page": "prev", "address": "l4@x.com", "limit": 2}).json()
    assert [x["address"] for x in prev["items"]] == ["l2@x.com", "l3@x.com"]
    legacy = api.get("/v3/lists", params={"skip": 3, "limit": 10}).json()
    assert legacy["total_count"] == 5 and [x["address"] for x in legacy["items"]] == ["l3@x.com", "l4@x.com"]


def test_member_crud(api: httpx.Client, mlist: str) -> None:
    base = f"/v3/lists/{mlist}/members"
    r = api.post(base, data={"address": "Bob <bob@x.com>", "vars": json.dumps({"age": 3}), "subscribed": "no"})
    member = {"address": "bob@x.com", "name": "Bob", "subscribed": False, "vars": {"age": 3}}
    assert r.json() == {"member": member, "message": "Mailing list member has been created"}
    assert api.post(base, data={"address": "bob@x.com"}).json() == {"message": "Address already exists 'bob@x.com'"}
    upsert = api.post(base, data={"address": "bob@x.com", "upsert": "yes", "subscribed": "True"}).json()
    assert upsert["member"]["subscribed"] is True and upsert["member"]["vars"] == {"age": 3}
    assert api.get(f"{base}/bob@x.com").json() == {"member": {**member, "subscribed": True}}
    r = api.put(f"{base}/bob%40x.com", data={"name": "Robert"})
    assert r.json()["message"] == "Mailing list member has been updated" and r.json()["member"]["name"] == "Robert"
    r = api.delete(f"{base}/bob@x.com")
    assert r.json() == {"member": {"address": "bob@x.com"}, "message": "Mailing list member has been deleted"}
    missing = api.get(f"{base}/bob@x.com")
    assert (missing.status_code, missing.json()) == (
        404,
        {"message": f"Member bob@x.com of mailing list {mlist} not found"},
    )
    assert api.get("/v3/lists/none@x.com/members/pages").json() == {"message": "Mailing list 'none@x.com' not found"}


def test_members_pages_three_pages_with_subscribed_filter(
    emulator: Emulator, api: httpx.Client, mlist: str, walk
) -> None:
    emulator.store.add_members(mlist, [{"address": f"m{i}@x.com", "subscribed": i % 2 == 0} for i in range(10)])
    pages = walk(f"/v3/lists/{mlist}/members/pages?limit=2&subscribed=yes")
    assert [[m["address"] for m in p] for p in pages] == [
        ["m0@x.com", "m2@x.com"],
        ["m4@x.com", "m6@x.com"],
        ["m8@x.com"],
        [],
    ]
    assert api.get(f"/v3/lists/{mlist}").json()["list"]["members_count"] == 10


def test_members_legacy_limit_max_100(emulator: Emulator, api: httpx.Client, mlist: str) -> None:
    emulator.store.add_members(mlist, [{"address": f"m{i}@x.com"} for i in range(5)])
    body = api.get(f"/v3/lists/{mlist}/members", params={"skip": 1, "limit": 3}).json()
    assert body["total_count"] == 5 and [m["address"] for m in body["items"]] == ["m1@x.com", "m2@x.com", "m3@x.com"]
    assert api.get(f"/v3/lists/{mlist}/members", params={"limit": 101}).status_code == 400


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (2, "Mailing list has been updated"),
        (150, "Mailing list upload started in background"),
    ],
)
def test_members_json_bulk(api: httpx.Client, mlist: str, count: int, message: str) -> None:
    members = ["a0@x.com"] + [{"address": f"a{i}@x.com", "vars": {"i": i}} for i in range(1, count)]
    r = api.post(f"/v3/lists/{mlist}/members.json", data={"members": json.dumps(members), "upsert": "no"})
    assert r.json()["message"] == message and r.json()["list"]["members_count"] == count
    assert "task-id" in r.json()


def test_members_json_upsert_semantics(emulator: Emulator, api: httpx.Client, mlist: str) -> None:
    emulator.store.add_members(mlist, [{"address": "a@x.com", "name": "Old"}])
    url = f"/v3/lists/{mlist}/members.json"
    api.post(url, files={"members": (None, json.dumps([{"address": "a@x.com", "name": "New"}]))})
    assert api.get(f"/v3/lists/{mlist}/members/a@x.com").json()["member"]["name"] == "Old"  # upsert=no ignores
    api.post(
        url, data={"members": json.dumps([{"address": "a@x.com", "name": "New", "subscribed": False}]), "upsert": "yes"}
    )
    assert api.get(f"/v3/lists/{mlist}/members/a@x.com").json()["member"] == {
        "address": "a@x.com",
        "name": "New",
        "subscribed": False,
        "vars": {},
    }


def test_members_json_over_1000_is_refused(api: httpx.Client, mlist: str) -> None:
    members = json.dumps([f"a{i}@x.com" for i in range(1001)])
    assert api.post(f"/v3/lists/{mlist}/members.json", data={"members": members}).status_code == 400
    assert api.get(f"/v3/lists/{mlist}").json()["list"]["members_count"] == 0


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_vars_holding_a_number_json_has_not_are_refused(api: httpx.Client, mlist: str, number: str) -> None:
    """Mailgun's services are Go: 1e400 overflows its float64 and NaN is no JSON, so a member is never
    stored with either, nor served back as "Infinity" (the whole members.json batch is refused)."""
    vars_text = f'{{"a": {number}}}'
    one = api.post(f"/v3/lists/{mlist}/members", data={"address": "a@x.com", "vars": vars_text})
    assert (one.status_code, one.json()) == (400, {"message": "Invalid vars: must be a valid JSON object"})
    members = f'[{{"address": "b@x.com"}}, {{"address": "c@x.com", "vars": {vars_text}}}]'
    bulk = api.post(f"/v3/lists/{mlist}/members.json", data={"members": members, "upsert": "yes"})
    assert (bulk.status_code, bulk.json()) == (400, {"message": "Invalid 'members' parameter: it must be a JSON array"})
    assert api.get(f"/v3/lists/{mlist}").json()["list"]["members_count"] == 0


def test_members_csv_upload(api: httpx.Client, mlist: str) -> None:
    csv_text = "address,name\nc1@x.com,C One\nc2@x.com,\n"
    r = api.post(
        f"/v3/lists/{mlist}/members.csv", files={"members": ("m.csv", csv_text, "text/csv")}, data={"subscribed": "no"}
    )
    assert r.status_code == 200 and r.json()["list"]["members_count"] == 2
    assert api.get(f"/v3/lists/{mlist}/members/c1@x.com").json()["member"] == {
        "address": "c1@x.com",
        "name": "C One",
        "subscribed": False,
        "vars": {},
    }
