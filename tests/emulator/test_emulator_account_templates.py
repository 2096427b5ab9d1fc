"""Account-level templates (``/v4/templates``): every endpoint, the v4 differences (100 templates, copy
refuses an existing tag), paging with absolute links, per-subaccount state, persistence, real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mgsync.emulator import Emulator
from mgsync.emulator.account_templates import add_template

T = "/v4/templates"


def test_template_lifecycle(api: httpx.Client) -> None:
    r = api.post(
        T,
        data={
            "name": "Welcome",
            "description": "Hi",
            "template": "<p>{{n}}</p>",
            "tag": "V1",
            "engine": "handlebars",
            "comment": "c",
            "headers": json.dumps({"Subject": "Hello"}),
            "createdBy": "me",
        },
    )
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    body = r.json()
    assert body["message"] == "template has been stored"
    tpl = body["template"]
    assert (tpl["name"], tpl["description"], tpl["createdBy"]) == ("welcome", "Hi", "me")
    assert tpl["createdAt"].endswith(" UTC")
    ver = tpl["version"]
    assert (ver["tag"], ver["active"], ver["engine"], ver["headers"], ver["template"], ver["comment"]) == (
        "v1",
        True,
        "handlebars",
        {"Subject": "Hello"},
        "<p>{{n}}</p>",
        "c",
    )
    plain = {k: tpl[k] for k in ("name", "description", "createdAt", "createdBy", "id")}
    assert api.get(f"{T}/WELCOME").json() == {"template": plain}
    assert api.get(f"{T}/welcome", params={"active": "yes"}).json() == {"template": {**plain, "version": ver}}
    r = api.post(T, data={"name": "welcome"})
    assert (r.status_code, r.json()) == (409, {"message": "template welcome already exists"})

    assert api.put(f"{T}/welcome", data={"description": "d2"}).json() == {
        "message": "template has been updated",
        "template": {"name": "welcome"},
    }
    assert api.put(f"{T}/welcome").json() == {"message": "No fields are provided to update"}
    assert api.get(f"{T}/welcome").json()["template"]["description"] == "d2"
    assert api.delete(f"{T}/welcome").json() == {
        "message": "template has been deleted",
        "template": {"name": "welcome"},
    }
    for method in ("GET", "PUT", "DELETE"):
        r = api.request(method, f"{T}/welcome", data={"description": "x"} if method == "PUT" else None)
        assert (r.status_code, r.json()) == (404, {"message": "template not found"})
    api.post(T, data={"name": "a"})
    assert api.delete(T).json() == {"message": "templates have been deleted"}
    assert api.get(T).json()["items"] == []


def test_versions_create_activate_update_copy_delete(api: httpx.Client) -> None:
    assert "version" not in api.post(T, data={"name": "t"}).json()["template"]
    r = api.post(f"{T}/t/versions", data={"template": "one", "tag": "V1"})
    assert r.json()["message"] == "new version of the template has been stored"
    assert r.json()["template"]["version"]["active"] is True  # the first version is active
    r = api.post(f"{T}/t/versions", data={"template": "two", "tag": "v2", "active": "yes"})
    assert r.json()["template"]["version"]["active"] is True
    assert api.post(f"{T}/t/versions", data={"template": "x", "tag": "v2"}).status_code == 409
    assert api.post(f"{T}/t/versions", data={"tag": "v9"}).json() == {
        "message": "Missing mandatory parameter: template"
    }
    listed = api.get(f"{T}/t/versions").json()["template"]["versions"]
    assert [(v["tag"], v["active"]) for v in listed] == [("v1", False), ("v2", True)]
    assert all("template" not in v and "headers" not in v for v in listed)

    r = api.put(f"{T}/t/versions/v1", data={"template": "uno", "comment": "c1", "active": "yes"})
    assert r.json() == {"message": "version has been updated", "template": {"name": "t", "version": {"tag": "v1"}}}
    active = api.get(f"{T}/t", params={"active": "yes"}).json()["template"]["version"]
    assert (active["tag"], active["template"], active["comment"]) == ("v1", "uno", "c1")
    assert api.get(f"{T}/t/versions/v2").json()["template"]["version"]["active"] is False

    r = api.put(f"{T}/t/versions/v1/copy/v3", params={"comment": "copied"})
    assert r.json()["message"] == "version has been copied"
    assert (r.json()["version"]["template"], r.json()["version"]["active"]) == ("uno", False)
    r = api.put(f"{T}/t/versions/v1/copy/v2")  # v4: copying onto an existing tag fails
    assert (r.status_code, r.json()) == (409, {"message": "version v2 already exists"})
    assert api.get(f"{T}/t/versions/v2").json()["template"]["version"]["template"] == "two"

    r = api.delete(f"{T}/t/versions/v3")
    assert r.json() == {"message": "version has been deleted", "template": {"name": "t", "version": {"tag": "v3"}}}
    r = api.get(f"{T}/t/versions/v3")
    assert (r.status_code, r.json()) == (404, {"message": "template version not found"})


def test_limits_100_templates_and_40_versions(emulator: Emulator, api: httpx.Client) -> None:
    for i in range(99):
        add_template(emulator.store, f"t{i:03d}")
    assert api.post(T, data={"name": "last"}).status_code == 200
    r = api.post(T, data={"name": "one-too-many"})
    assert (r.status_code, r.json()) == (400, {"message": "A maximum of 100 templates is allowed"})
    add_template(emulator.store, "v", versions=[{"tag": f"v{i:02d}", "template": "x"} for i in range(40)])
    r = api.post(f"{T}/v/versions", data={"template": "x", "tag": "v99"})
    assert (r.status_code, r.json()) == (400, {"message": "A template can store up to 40 versions"})
    assert api.put(f"{T}/v/versions/v00/copy/v99").status_code == 400


def test_paging_with_absolute_links(emulator: Emulator, api: httpx.Client, walk) -> None:
    for name in ("e", "c", "a", "d", "b"):
        add_template(emulator.store, name, versions=[{"tag": f"v{i}", "template": "x"} for i in range(3)])
    assert [[t["name"] for t in p] for p in walk(f"{T}?limit=2")] == [["a", "b"], ["c", "d"], ["e"], []]
    base = f"https://api.mailgun.net{T}"
    assert api.get(T, params={"limit": 2}).json()["paging"] == {
        "first": f"{base}?limit=2",
        "last": f"{base}?page=last&limit=2",
        "next": f"{base}?page=next&p=b&limit=2",
        "previous": f"{base}?page=previous&p=a&limit=2",
    }
    assert [t["name"] for t in api.get(T, params={"page": "last", "limit": 2}).json()["items"]] == ["d", "e"]
    assert [t["name"] for t in api.get(T, params={"page": "previous", "p": "c", "limit": 2}).json()["items"]] == [
        "a",
        "b",
    ]
    assert api.get(T, params={"limit": 101}).status_code == 400
    pages = walk(f"{T}/c/versions?limit=2", key="versions")
    assert [[v["tag"] for v in p] for p in pages] == [["v0", "v1"], ["v2"], []]
    with_active = api.get(T, params={"limit": 1, "active": "yes"}).json()["items"][0]
    assert with_active["version"]["tag"] == "v0"


def test_account_templates_are_apart_from_domain_templates_and_per_subaccount(
    emulator: Emulator, api: httpx.Client
) -> None:
    emulator.store.add_domain("mg.example.com")
    emulator.store.add_template("mg.example.com", "shared-name")
    assert api.get(T).json()["items"] == []
    assert api.post(T, data={"name": "shared-name"}).status_code == 200
    sub = {"X-Mailgun-On-Behalf-Of": emulator.store.add_subaccount("child")["id"]}
    assert api.get(T, headers=sub).json()["items"] == []
    assert api.post(T, data={"name": "shared-name"}, headers=sub).status_code == 200
    assert [t["name"] for t in api.get("/v3/mg.example.com/templates").json()["items"]] == ["shared-name"]


def test_persistence_and_served_http(tmp_path: Path) -> None:
    from mgsync.emulator.server import serve

    state = tmp_path / "mg.json"
    emu = Emulator(state_file=state)
    with serve(emu, host="127.0.0.1", port=0) as srv, httpx.Client(base_url=srv.url, auth=("api", "test")) as c:
        c.post(T, files={"name": (None, "a"), "template": (None, "A"), "tag": (None, "v1")}).raise_for_status()
        c.post(T, data={"name": "b"}).raise_for_status()
        paging = c.get(T, params={"limit": 1}).json()["paging"]
        assert paging["next"] == f"{srv.url}{T}?page=next&p=a&limit=1"
        assert [t["name"] for t in c.get(paging["next"]).json()["items"]] == ["b"]
        got = c.get(f"{T}/a", params={"active": "yes"}).json()
    again = Emulator(state_file=state)
    with httpx.Client(transport=again.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        assert c.get(f"{T}/a", params={"active": "yes"}).json() == got
        assert [t["name"] for t in c.get(T).json()["items"]] == ["a", "b"]
