"""Templates and versions (mailgun-api.md §6) and SMTP credentials (§9)."""

from __future__ import annotations

import json

import httpx
import pytest

from mgsync.emulator import Emulator

D = "mg.example.com"
T = f"/v3/{D}/templates"


def test_template_create_lowercases_and_first_version_is_active(api: httpx.Client, domain: str) -> None:
    r = api.post(
        T,
        data={
            "name": "Welcome",
            "description": "Hi",
            "template": "<p>{{n}}</p>",
            "tag": "V1",
            "comment": "c",
            "headers": json.dumps({"Subject": "Hello"}),
        },
    )
    body = r.json()
    assert body["message"] == "template has been stored"
    tpl = body["template"]
    assert (tpl["name"], tpl["description"], tpl["createdBy"]) == ("welcome", "Hi", "")
    assert tpl["createdAt"].endswith(" UTC")
    ver = tpl["version"]
    assert (ver["tag"], ver["active"], ver["engine"], ver["headers"], ver["template"]) == (
        "v1",
        True,
        "handlebars",
        {"Subject": "Hello"},
        "<p>{{n}}</p>",
    )
    got = api.get(f"{T}/WELCOME").json()
    assert got == {"template": {k: tpl[k] for k in ("name", "description", "createdAt", "createdBy", "id")}}
    assert api.get(f"{T}/welcome", params={"active": "yes"}).json()["template"]["version"] == ver


def test_template_without_content_has_no_version(api: httpx.Client, domain: str) -> None:
    assert "version" not in api.post(T, data={"name": "empty"}).json()["template"]
    assert api.post(T, data={}).json() == {"message": "Missing mandatory parameter: name"}


def test_versions_activate_copy_update_delete(api: httpx.Client, domain: str) -> None:
    api.post(T, data={"name": "t", "template": "one", "tag": "v1"})
    r = api.post(f"{T}/t/versions", data={"template": "two", "tag": "v2", "active": "yes"})
    assert r.json()["message"] == "new version of the template has been stored"
    assert r.json()["template"]["version"]["active"] is True
    assert api.post(f"{T}/t/versions", data={"template": "x", "tag": "V2"}).status_code == 409
    listed = api.get(f"{T}/t/versions").json()["template"]["versions"]
    assert [(v["tag"], v["active"]) for v in listed] == [("v1", False), ("v2", True)]
    assert all("template" not in v and "headers" not in v for v in listed)
    r = api.put(f"{T}/t/versions/v1", data={"template": "uno", "active": "yes"})
    assert r.json() == {"message": "version has been updated", "template": {"name": "t", "version": {"tag": "v1"}}}
    assert api.get(f"{T}/t", params={"active": "yes"}).json()["template"]["version"]["template"] == "uno"
    r = api.put(f"{T}/t/versions/v1/copy/v3", params={"comment": "copied"})
    assert r.json()["message"] == "version has been copied"
    assert r.json()["version"]["template"] == "uno" and r.json()["version"]["active"] is False
    assert r.json()["template"] == r.json()["version"]
    r = api.delete(f"{T}/t/versions/v2")
    assert r.json() == {"message": "version has been deleted", "template": {"name": "t", "version": {"tag": "v2"}}}
    assert api.get(f"{T}/t/versions/v2").json() == {"message": "template version not found"}
    assert api.get(f"{T}/t/versions/v3").json()["template"]["version"]["comment"] == "copied"


def test_version_cap_40(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    emulator.store.add_template(D, "t", versions=[{"tag": f"v{i:02d}", "template": "x"} for i in range(40)])
    r = api.post(f"{T}/t/versions", data={"template": "x", "tag": "v99"})
    assert (r.status_code, r.json()) == (400, {"message": "A template can store up to 40 versions"})


def test_template_update_delete(api: httpx.Client, domain: str) -> None:
    api.post(T, data={"name": "t"})
    assert api.put(f"{T}/t", data={"description": "d2"}).json() == {
        "message": "template has been updated",
        "template": {"name": "t"},
    }
    assert api.delete(f"{T}/t").json() == {"message": "template has been deleted", "template": {"name": "t"}}
    assert api.get(f"{T}/t").json() == {"message": "template not found"}
    api.post(T, data={"name": "a"})
    assert api.delete(T).json() == {"message": "templates have been deleted"}


def test_template_paging_p_pivot(emulator: Emulator, api: httpx.Client, domain: str, walk) -> None:
    for name in ("e", "c", "a", "d", "b"):
        emulator.store.add_template(D, name)
    pages = walk(f"{T}?limit=2")
    assert [[t["name"] for t in p] for p in pages] == [["a", "b"], ["c", "d"], ["e"], []]
    paging = api.get(T, params={"limit": 2}).json()["paging"]
    base = f"https://api.mailgun.net{T}"
    assert paging == {
        "first": f"{base}?limit=2",
        "last": f"{base}?page=last&limit=2",
        "next": f"{base}?page=next&p=b&limit=2",
        "previous": f"{base}?page=previous&p=a&limit=2",
    }
    assert api.get(T, params={"limit": 101}).status_code == 400


def test_version_paging(emulator: Emulator, domain: str, walk) -> None:
    emulator.store.add_template(D, "t", versions=[{"tag": f"v{i}", "template": "x"} for i in range(5)])
    pages = walk(f"{T}/t/versions?limit=2", key="versions")
    assert [[v["tag"] for v in p] for p in pages] == [["v0", "v1"], ["v2", "v3"], ["v4"], []]


# ---- credentials ----------------------------------------------------------------------------


def test_credentials_lifecycle(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    base = f"/v3/domains/{D}/credentials"
    r = api.post(base, data={"login": "alice", "password": "secret1"})
    assert r.json() == {"message": "Created 1 credentials pair(s)"}
    assert emulator.store.password_matches(D, "alice", "secret1")
    items = api.get(base).json()
    assert items["total_count"] == 2
    alice = next(i for i in items["items"] if i["login"] == f"alice@{D}")
    assert set(alice) == {"mailbox", "login", "created_at", "size_bytes"}  # never a password
    assert alice["created_at"].endswith(" +0000")
    assert api.put(f"{base}/alice", data={"password": "secret22"}).json() == {"message": "Password changed"}
    assert emulator.store.password_matches(D, "alice", "secret22")
    assert api.delete(f"{base}/alice").json() == {"message": "Credentials have been deleted", "spec": f"alice@{D}"}
    assert api.delete(f"{base}/alice").json() == {"message": "Credentials not found"}
    assert api.delete(base).json() == {"message": "All domain credentials have been deleted", "count": 1}


def test_credentials_generated_password_and_multi(api: httpx.Client, domain: str) -> None:
    base = f"/v3/domains/{D}/credentials"
    r = api.post(base, data={"login": ["bob", "carol"], "password": ["secret1"]}).json()
    assert r["message"] == "Created 2 credentials pair(s)"
    assert list(r["credentials"]) == [f"carol@{D}"] and "note" in r


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Parameter 'login' is missing"),
        ({"login": "x", "password": "abc"}, "Password is too short. It must be between 5 and 32 characters."),
        ({"login": "x", "password": "a" * 33}, "Password is too short. It must be between 5 and 32 characters."),
    ],
)
def test_credentials_errors(api: httpx.Client, domain: str, fields, message: str) -> None:
    r = api.post(f"/v3/domains/{D}/credentials", data=fields)
    assert (r.status_code, r.json()) == (400, {"message": message})


def test_credentials_skip_limit(emulator: Emulator, api: httpx.Client, domain: str) -> None:
    for i in range(6):
        emulator.store.add_credential(D, f"u{i}", "secret1")
    pages = [api.get(f"/v3/domains/{D}/credentials", params={"skip": s, "limit": 3}).json() for s in (0, 3, 6, 9)]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    r = api.get(f"/v3/domains/{D}/credentials", params={"limit": 1001})
    assert r.json() == {"message": "Limit parameter can't be larger than 1000"}
