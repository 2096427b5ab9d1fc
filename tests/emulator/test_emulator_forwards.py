"""Forwards (``/v3/forwards``): every endpoint, fields as form and as query, the limits and validation,
duplicate matches, the domain scope, opaque-token paging with absolute links, per-subaccount state,
persistence, and one pass over real HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.forwards import FAMILY, add_forward

F = "/v3/forwards"
D = "mg.example.com"


def test_lifecycle_and_shape(api: httpx.Client, domain: str) -> None:
    r = api.post(
        F,
        files=[
            ("match", (None, "Support@mg.example.com")),
            ("forward.recipient", (None, "a@example.net")),
            ("forward.recipient", (None, "b@example.net")),
        ],
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
    rule = r.json()
    assert list(rule) == [
        "id",
        "account_id",
        "domain_name",
        "domain_id",
        "match",
        "forward",
        "created_at",
        "updated_at",
    ]
    assert re.fullmatch(r"[0-9a-f]{24}", rule["id"]) and re.fullmatch(r"[0-9a-f]{24}", rule["account_id"])
    assert (rule["domain_name"], rule["domain_id"], rule["match"]) == (
        D,
        api.get(f"/v4/domains/{D}").json()["domain"]["id"],
        "Support@mg.example.com",
    )
    assert rule["forward"] == {"urls": [], "recipients": ["a@example.net", "b@example.net"]}
    assert rule["created_at"].endswith(" UTC") and rule["updated_at"] == rule["created_at"]
    assert api.get(f"{F}/{rule['id']}").json() == rule

    r = api.put(
        f"{F}/{rule['id']}", data={"forward.url": "https://h.example/in", "forward.store": "https://h.example/n"}
    )
    updated = r.json()
    assert updated == {
        **rule,
        "updated_at": updated["updated_at"],
        "forward": {
            "urls": ["https://h.example/in"],
            "recipients": ["a@example.net", "b@example.net"],
            "store": "https://h.example/n",
        },
    }
    r = api.put(f"{F}/{rule['id']}", data={"forward.recipient": "", "forward.store": ""})  # an empty value clears
    assert r.json()["forward"] == {"urls": ["https://h.example/in"]}
    r = api.put(f"{F}/{rule['id']}", data={"forward.url": ""})
    assert (r.status_code, r.json()) == (
        400,
        {"message": "At least one of forward.recipient, forward.url or forward.store is required"},
    )

    assert api.delete(f"{F}/{rule['id']}").json() == {"message": "Forward rule has been deleted"}
    for method in ("GET", "PUT", "DELETE"):
        r = api.request(method, f"{F}/{rule['id']}")
        assert (r.status_code, r.json()) == (404, {"message": "Forward rule not found"})


def test_fields_as_query_parameters(api: httpx.Client, domain: str) -> None:
    r = api.post(
        F,
        params=[
            ("match", "*@mg.example.com"),
            ("forward.url", "https://a.example/1"),
            ("forward.url", "https://a.example/2"),
        ],
    )
    assert r.json()["forward"] == {"urls": ["https://a.example/1", "https://a.example/2"]}
    r = api.put(f"{F}/{r.json()['id']}", params={"match": "all*@mg.example.com"}, data={"forward.recipient": "x@y.org"})
    assert (r.json()["match"], r.json()["forward"]) == (
        "all*@mg.example.com",
        {"urls": ["https://a.example/1", "https://a.example/2"], "recipients": ["x@y.org"]},
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"forward.recipient": "a@example.net"}, "Missing mandatory parameter: match"),
        ({"match": "a@mg.example.com"}, "At least one of forward.recipient, forward.url or forward.store is required"),
        (
            {"match": "a@*.example.com", "forward.recipient": "a@example.net"},
            "Invalid match 'a@*.example.com': expected local@domain with * as the only wildcard, and no wildcard in the domain",
        ),
        (
            {"match": "(sales|info)@mg.example.com", "forward.recipient": "a@example.net"},
            "Invalid match '(sales|info)@mg.example.com': expected local@domain with * as the only wildcard, "
            "and no wildcard in the domain",
        ),
        (
            {"match": "support", "forward.recipient": "a@example.net"},
            "Invalid match 'support': expected local@domain with * as the only wildcard, and no wildcard in the domain",
        ),
        ({"match": "a@other.example.com", "forward.recipient": "a@example.net"}, "Domain not found: other.example.com"),
        (
            {"match": "a@mg.example.com", "forward.recipient": [f"r{i}@example.net" for i in range(6)]},
            "Too many forward.recipient values: at most 5 are allowed",
        ),
        (
            {"match": "a@mg.example.com", "forward.recipient": "not-an-address"},
            "Invalid forward.recipient 'not-an-address': not a valid e-mail address",
        ),
        (
            {"match": "a@mg.example.com", "forward.url": [f"https://h{i}.example" for i in range(4)]},
            "Too many forward.url values: at most 3 are allowed",
        ),
        (
            {"match": "a@mg.example.com", "forward.url": "ftp://h.example"},
            "Invalid forward.url 'ftp://h.example': not a valid http(s) URL",
        ),
        (
            {"match": "a@mg.example.com", "forward.store": "mailto:x@y.org"},
            "Invalid forward.store 'mailto:x@y.org': not a valid http(s) URL",
        ),
    ],
)
def test_create_errors(api: httpx.Client, domain: str, fields, message: str) -> None:
    r = api.post(F, data=fields)
    assert (r.status_code, r.json()) == (400, {"message": message})
    assert api.get(F).json()["items"] == []


def test_limits_are_accepted_at_the_edge(api: httpx.Client, domain: str) -> None:
    r = api.post(
        F,
        data={
            "match": "a.*@mg.example.com",
            "forward.recipient": [f"r{i}@example.net" for i in range(5)],
            "forward.url": [f"https://h{i}.example/x" for i in range(3)],
        },
    )
    assert r.status_code == 200
    assert (len(r.json()["forward"]["recipients"]), len(r.json()["forward"]["urls"])) == (5, 3)


def test_duplicate_match_is_refused_case_insensitively(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    first = api.post(F, data={"match": "help@mg.example.com", "forward.recipient": "a@example.net"}).json()
    r = api.post(F, data={"match": "HELP@mg.example.com", "forward.recipient": "b@example.net"})
    assert (r.status_code, r.json()) == (
        400,
        {"message": "A forward rule with match 'HELP@mg.example.com' already exists"},
    )
    other = api.post(F, data={"match": "other@mg.example.com", "forward.recipient": "a@example.net"}).json()
    assert api.put(f"{F}/{other['id']}", data={"match": "Help@mg.example.com"}).status_code == 400
    assert api.put(f"{F}/{first['id']}", data={"match": "Help@MG.example.com"}).status_code == 200  # itself
    emulator.store.family(FAMILY).settings["allow_duplicate_match"] = True
    assert api.post(F, data={"match": "help@mg.example.com", "forward.recipient": "b@example.net"}).status_code == 200
    add_forward(emulator.store, "other@mg.example.com", urls=["https://seed.example"])  # seeding never checks
    assert [r["match"].lower() for r in api.get(F).json()["items"]].count("help@mg.example.com") == 2


def test_domain_scope_and_domain_deletion(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    emulator.store.add_domain("b.example.com")
    a = add_forward(emulator.store, "x@mg.example.com", recipients=["r@example.net"])
    b = add_forward(emulator.store, "x@b.example.com", recipients=["r@example.net"])
    assert [r["id"] for r in api.get(F).json()["items"]] == [a["id"], b["id"]]
    assert [r["id"] for r in api.get(F, params={"domain.name": "B.example.com"}).json()["items"]] == [b["id"]]
    assert api.get(F, params={"domain.name": "none.example.com"}).json()["items"] == []
    r = api.delete(f"{F}/{b['id']}", params={"domain.name": D})
    assert (r.status_code, r.json()) == (404, {"message": "Forward rule not found"})
    assert api.delete(f"{F}/{b['id']}", params={"domain.name": "b.example.com"}).status_code == 200
    assert api.delete("/v3/domains/mg.example.com").status_code == 200
    assert api.get(F).json()["items"] == [] and api.get(f"{F}/{a['id']}").status_code == 404


def test_paging_follows_opaque_absolute_links(emulator: Emulator, api: httpx.Client, domain: str, walk) -> None:
    ids = [add_forward(emulator.store, f"u{i}@mg.example.com", recipients=["r@example.net"])["id"] for i in range(5)]
    pages = walk(f"{F}?limit=2")
    assert [[r["id"] for r in p] for p in pages] == [ids[:2], ids[2:4], ids[4:], []]
    paging = api.get(F, params={"limit": 2, "domain.name": D}).json()["paging"]
    assert paging["first"] == f"https://api.mailgun.net{F}?limit=2&domain.name={D}"
    assert all(
        u.startswith(f"https://api.mailgun.net{F}?page=") and u.endswith(f"&limit=2&domain.name={D}")
        for k, u in paging.items()
        if k != "first"
    )
    assert [r["id"] for r in api.get(paging["last"]).json()["items"]] == ids[3:]
    second = api.get(paging["next"]).json()
    assert [r["id"] for r in api.get(second["paging"]["previous"]).json()["items"]] == ids[:2]
    assert api.get(F, params={"page": "!!garbage"}).status_code == 400
    assert api.get(F, params={"limit": 1001}).status_code == 400


def test_switches_and_subaccounts(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    sub_id = emulator.store.add_subaccount("child")["id"]
    sub = {"X-Mailgun-On-Behalf-Of": sub_id}
    emulator.store.account(sub_id).add_domain(D)
    api.post(F, data={"match": "a@mg.example.com", "forward.recipient": "r@example.net"}).raise_for_status()
    assert api.get(F, headers=sub).json()["items"] == []
    r = api.post(F, data={"match": "a@mg.example.com", "forward.recipient": "r@example.net"}, headers=sub)
    assert r.json()["account_id"] == sub_id
    emulator.store.family(FAMILY).settings["disabled"] = True
    r = api.get(F)
    assert (r.status_code, r.json()) == (400, {"message": "this feature is disabled for the account"})
    assert api.get(F, headers=sub).status_code == 200


def test_persistence_and_served_http(tmp_path: Path) -> None:
    from mgsync.emulator.server import serve

    state = tmp_path / "mg.json"
    emu = Emulator(state_file=state)
    emu.store.add_domain(D)
    with serve(emu, host="127.0.0.1", port=0) as srv, httpx.Client(base_url=srv.url, auth=("api", "test")) as c:
        for i in range(3):
            c.post(F, data={"match": f"u{i}@{D}", "forward.recipient": "r@example.net"}).raise_for_status()
        first = c.get(F, params={"limit": 2}).json()
        assert first["paging"]["next"].startswith(f"{srv.url}{F}?page=")
        rest = c.get(first["paging"]["next"]).json()["items"]
        listed = first["items"] + rest
    assert [r["match"] for r in listed] == [f"u{i}@{D}" for i in range(3)]
    again = Emulator(state_file=state)
    with httpx.Client(transport=again.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        assert c.get(F).json()["items"] == listed
