"""DKIM keys: ``/v1/dkim/keys`` and ``/v4/domains/{d}/keys`` (wire-issue12.md §3.1–3.2)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator

DATA = Path(__file__).parent / "data"
RSA_PEM = (DATA / "dkim-test-rsa1024.pem").read_text()  # openssl genrsa -traditional 1024 (test-only key)
RSA_PUB = (DATA / "dkim-test-rsa1024.pub").read_text()  # its SPKI from openssl rsa -pubout
ED25519_PEM = (DATA / "dkim-test-ed25519.pem").read_text()  # PKCS#8, as Mailgun's own live test sends
D = "mg.example.com"


def dkim_txt(api: httpx.Client, domain: str = D) -> dict[str, tuple[bool, str]]:
    body = api.get(f"/v4/domains/{domain}").json()
    return {r["name"]: (r["is_active"], r["valid"]) for r in body["sending_dns_records"] if "._domainkey." in r["name"]}


def test_create_list_and_delete(api: httpx.Client, domain: str) -> None:
    r = api.post("/v1/dkim/keys", data={"signing_domain": D, "selector": "s2", "bits": "1024"})
    assert r.status_code == 200
    assert r.json() == {
        "signing_domain": D,
        "selector": "s2",
        "dns_record": {
            "cached": [],
            "is_active": False,
            "record_type": "TXT",
            "valid": "unknown",
            "name": "s2._domainkey.mg.example.com",
            "value": r.json()["dns_record"]["value"],
        },
    }
    assert len(r.json()["dns_record"]["value"].removeprefix("k=rsa; p=")) == 216
    default = api.post("/v1/dkim/keys", data={"signing_domain": D, "selector": "s3"}).json()
    assert len(default["dns_record"]["value"]) > 255  # 2048 bits when bits is omitted
    items = api.get(f"/v4/domains/{D}/keys").json()
    assert [(i["selector"], i["dns_record"]["is_active"]) for i in items["items"]] == [
        ("smtp", True),
        ("s2", False),
        ("s3", False),
    ] and "paging" not in items
    assert dkim_txt(api) == {
        f"smtp._domainkey.{D}": (True, "valid"),
        f"s2._domainkey.{D}": (False, "unknown"),
        f"s3._domainkey.{D}": (False, "unknown"),
    }
    gone = api.delete("/v1/dkim/keys", params={"signing_domain": D, "selector": "s2"})
    assert gone.json() == {"message": "success"}
    again = api.delete("/v1/dkim/keys", params={"signing_domain": D, "selector": "s2"})
    assert (again.status_code, again.json()) == (404, {"message": "domain key not found"})
    assert list(dkim_txt(api)) == [f"smtp._domainkey.{D}", f"s3._domainkey.{D}"]


def test_list_filters_and_opaque_page_tokens(emulator: Emulator, api: httpx.Client, walk) -> None:
    for name in ("a.example.com", "b.example.com"):
        emulator.store.add_domain(name)
        for i in range(4):
            api.post("/v1/dkim/keys", data={"signing_domain": name, "selector": f"k{i}", "bits": "1024"})
    pages = walk("/v1/dkim/keys?limit=3")
    keys = [(i["signing_domain"], i["selector"]) for page in pages for i in page]
    assert len(keys) == 10 and [len(p) for p in pages] == [3, 3, 3, 1, 0]
    assert keys[:2] == [("a.example.com", "smtp"), ("a.example.com", "k0")]
    body = api.get("/v1/dkim/keys", params={"signing_domain": "b.example.com", "selector": "k2"}).json()
    assert [(i["signing_domain"], i["selector"]) for i in body["items"]] == [("b.example.com", "k2")]
    assert set(body["paging"]) == {"previous", "first", "next", "last"}
    assert body["paging"]["first"].startswith("https://api.mailgun.net/v1/dkim/keys?signing_domain=b.example.com")
    assert api.get("/v1/dkim/keys", params={"page": "string"}).json()["items"][0]["selector"] == "smtp"
    assert api.get("/v1/dkim/keys", params={"limit": 101}).status_code == 400


def test_imported_pem_gives_its_public_key_and_is_never_kept(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    emu = Emulator(api_key="test", state_file=state)
    emu.store.add_domain(D)
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        r = c.post("/v1/dkim/keys", data={"signing_domain": D, "selector": "imp"}, files={"pem": ("k.pem", RSA_PEM)})
        assert r.json()["dns_record"]["value"] == f"k=rsa; p={RSA_PUB}"
        as_string = c.post("/v1/dkim/keys", data={"signing_domain": D, "selector": "imp2", "pem": RSA_PEM})
        assert as_string.json()["dns_record"]["value"] == f"k=rsa; p={RSA_PUB}"
        listed = c.get("/v1/dkim/keys").text + c.get(f"/v4/domains/{D}").text
    body = RSA_PEM.splitlines()[1]
    saved = state.read_text()
    assert body not in saved and body not in listed and "PRIVATE" not in saved
    reloaded = Emulator(api_key="test", state_file=state)
    with httpx.Client(transport=reloaded.transport(), base_url="https://api.mailgun.net", auth=("api", "test")) as c:
        assert [i["selector"] for i in c.get(f"/v4/domains/{D}/keys").json()["items"]] == ["smtp", "imp", "imp2"]


@pytest.mark.parametrize(
    ("fields", "files", "status", "message"),
    [
        ({"selector": "x", "pem": "lorem ipsum"}, None, 400, "failed to import domain key: failed to parse PEM"),
        (
            {"selector": "x"},
            {"pem": ("k.pem", ED25519_PEM)},
            400,
            "failed to import domain key: failed to parse private key: key must be PKCS1 format",
        ),
        ({"selector": "smtp"}, None, 400, "failed to create domain key: duplicate key"),
        ({"selector": "x", "bits": "4096"}, None, 400, "Invalid bits '4096'. It can be any of: 1024, 2048"),
        ({"selector": "a.b"}, None, 400, "Invalid selector 'a.b': it must be a dot atom without dots"),
        ({}, None, 400, "Missing mandatory parameter: selector"),
        ({"selector": "x", "signing_domain": "nope.example.com"}, None, 404, "domain not found"),
    ],
)
def test_create_errors(api: httpx.Client, domain: str, fields: dict, files, status: int, message: str) -> None:
    r = api.post("/v1/dkim/keys", data={"signing_domain": D, **fields}, files=files)
    assert (r.status_code, r.json()) == (status, {"message": message})


def test_activate_deactivate_and_the_last_active_key(api: httpx.Client, domain: str) -> None:
    api.post("/v1/dkim/keys", data={"signing_domain": D, "selector": "new", "bits": "1024"})
    r = api.put(f"/v4/domains/{D}/keys/smtp/deactivate")
    assert (r.status_code, r.json()) == (
        400,
        {"message": "cannot deactivate domain key: must have at least one active domain key"},
    )
    r = api.delete("/v1/dkim/keys", params={"signing_domain": D, "selector": "smtp"})
    assert (r.status_code, r.json()) == (
        400,
        {"message": "cannot delete domain key: must have at least one active domain key"},
    )
    assert api.put(f"/v4/domains/{D}/keys/new/activate").json() == {"message": "domain key activated"}
    assert dkim_txt(api)[f"new._domainkey.{D}"] == (True, "unknown")  # activation does not wait for DNS (VCR)
    assert api.put(f"/v4/domains/{D}/keys/smtp/deactivate").json() == {"message": "domain key deactivated"}
    assert dkim_txt(api) == {f"smtp._domainkey.{D}": (False, "valid"), f"new._domainkey.{D}": (True, "unknown")}
    assert api.delete("/v1/dkim/keys", params={"signing_domain": D, "selector": "smtp"}).status_code == 200
    for verb in ("activate", "deactivate"):
        r = api.put(f"/v4/domains/{D}/keys/nope/{verb}")
        assert (r.status_code, r.json()) == (404, {"message": "domain key not found"})


def test_new_keys_stay_unpublished_until_the_hook_and_die_with_the_domain(
    emulator: Emulator, api: httpx.Client, domain: str
) -> None:
    api.post("/v1/dkim/keys", data={"signing_domain": D, "selector": "k2", "bits": "1024"})
    assert dkim_txt(api)[f"k2._domainkey.{D}"] == (False, "unknown")
    emulator.store.mark_dns_valid(D)
    assert dkim_txt(api)[f"k2._domainkey.{D}"] == (False, "valid")
    api.delete(f"/v3/domains/{D}")
    api.post("/v4/domains", data={"name": D})
    assert [i["selector"] for i in api.get(f"/v4/domains/{D}/keys").json()["items"]] == ["smtp"]


def test_dkim_selector_renames_the_domain_key(api: httpx.Client, domain: str) -> None:
    assert api.put(f"/v3/domains/{D}/dkim_selector", data={"dkim_selector": "mailo1"}).json() == {
        "message": "DKIM selector changed"
    }
    assert list(dkim_txt(api)) == [f"mailo1._domainkey.{D}"]


def test_keys_over_served_http(served_emulator) -> None:
    emu, url = served_emulator
    emu.store.add_domain(D)
    with httpx.Client(base_url=url, auth=("api", "test")) as c:
        r = c.post(
            "/v1/dkim/keys", files={"signing_domain": (None, D), "selector": (None, "k9"), "pem": ("k.pem", RSA_PEM)}
        )
        assert r.status_code == 200 and r.json()["dns_record"]["value"] == f"k=rsa; p={RSA_PUB}"
        assert c.get("/v1/dkim/keys").json()["paging"]["first"].startswith(f"{url}/v1/dkim/keys?")
