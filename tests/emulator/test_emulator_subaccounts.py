"""Subaccounts in the emulator: the /v5/accounts/subaccounts endpoints, one separate account per
X-Mailgun-On-Behalf-Of id (in-process, over HTTP and through the gateway form), and persistence."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve

KEY, GATEWAY_KEY = "sub-key", "maton-sub-key"
HEADER = "X-Mailgun-On-Behalf-Of"
Connect = Callable[[Emulator], httpx.Client]


@pytest.fixture(params=["in-process", "http", "gateway"])
def connect(request: pytest.FixtureRequest) -> Iterator[Connect]:
    """``connect(emu)``: an httpx client reaching ``emu`` in-process, over loopback HTTP, or over
    loopback HTTP in the Maton gateway form (``/mailgun``, Bearer)."""
    clients: list[httpx.Client] = []
    servers = []

    def make(emu: Emulator) -> httpx.Client:
        if request.param == "in-process":
            client = httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", KEY))
        else:
            server = serve(emu, host="127.0.0.1", port=0)
            url = server.__enter__().url
            servers.append(server)
            client = (
                httpx.Client(base_url=url, auth=("api", KEY))
                if request.param == "http"
                else httpx.Client(base_url=url + "/mailgun", headers={"Authorization": f"Bearer {GATEWAY_KEY}"})
            )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    for server in servers:
        server.__exit__(None, None, None)


def new_emulator(**kwargs) -> Emulator:
    return Emulator(api_key=KEY, gateway_key=GATEWAY_KEY, **kwargs)


def create(client: httpx.Client, name: str) -> str:
    answer = client.post("/v5/accounts/subaccounts", data={"name": name})
    assert answer.status_code == 200, answer.text
    return answer.json()["subaccount"]["id"]


def names(client: httpx.Client, path: str, key: str, field: str, account: str | None) -> list[str]:
    answer = client.get(path, headers={HEADER: account} if account else {})
    assert answer.status_code == 200, answer.text
    return sorted(item[field] for item in answer.json()[key])


def test_each_subaccount_is_a_separate_account(connect: Connect) -> None:
    emu = new_emulator()
    client = connect(emu)
    a, b = create(client, "Team A"), create(client, "Team B")
    assert a != b
    seeded = [
        ("/v4/domains", {"name": "a.example.com"}, a),
        ("/v3/routes", {"expression": 'match_recipient(".*@a.example.com")', "action": "stop()"}, a),
        ("/v4/domains", {"name": "parent.example.com"}, None),
        ("/v4/domains", {"name": "b.example.com"}, b),
    ]
    for path, form, account in seeded:
        answer = client.post(path, data=form, headers={HEADER: account} if account else {})
        assert answer.status_code == 200, answer.text
    assert names(client, "/v4/domains", "items", "name", a) == ["a.example.com"]
    assert names(client, "/v4/domains", "items", "name", b) == ["b.example.com"]
    assert names(client, "/v4/domains", "items", "name", None) == ["parent.example.com"]
    assert names(client, "/v3/routes", "items", "expression", a) == ['match_recipient(".*@a.example.com")']
    assert names(client, "/v3/routes", "items", "expression", b) == []
    assert names(client, "/v3/routes", "items", "expression", None) == []
    assert client.get("/v4/domains/a.example.com").status_code == 404  # not the parent's
    assert [e.account for e in emu.log] == [None, None, a, a, None, b, a, b, None, a, b, None, None]


def test_an_unknown_subaccount_is_refused_and_nothing_is_written(connect: Connect) -> None:
    emu = new_emulator()
    client = connect(emu)
    answer = client.post("/v4/domains", data={"name": "x.example.com"}, headers={HEADER: "0123456789abcdef01234567"})
    assert answer.status_code == 403
    assert answer.json() == {
        "message": "Forbidden: X-Mailgun-On-Behalf-Of names no subaccount of this account (0123456789abcdef01234567)"
    }
    assert emu.store.domains == {} and emu.store.subaccounts == {}
    assert emu.log[-1].account == "0123456789abcdef01234567" and emu.log[-1].status == 403


def test_subaccount_endpoints_answer_in_the_documented_shapes(connect: Connect) -> None:
    client = connect(new_emulator())
    created = client.post("/v5/accounts/subaccounts", params={"name": "Zeta"})  # the OpenAPI's query form
    assert created.status_code == 200
    sub = created.json()["subaccount"]
    assert set(sub) == {"id", "name", "status", "created_at", "updated_at"}
    assert (sub["name"], sub["status"], len(sub["id"])) == ("Zeta", "open", 24)
    assert sub["created_at"].endswith(" GMT")
    alpha = create(client, "Alpha")
    listed = client.get("/v5/accounts/subaccounts", params={"sort": "asc"}).json()
    assert listed == {
        "subaccounts": [client.get(f"/v5/accounts/subaccounts/{alpha}").json()["subaccount"], sub],
        "total": 2,
    }
    assert client.get("/v5/accounts/subaccounts", params={"limit": 1, "skip": 1, "sort": "desc"}).json() == {
        "subaccounts": [listed["subaccounts"][0]],
        "total": 2,
    }
    assert client.get("/v5/accounts/subaccounts", params={"filter": "alp"}).json()["total"] == 1
    disabled = client.post(f"/v5/accounts/subaccounts/{alpha}/disable")
    assert disabled.json()["subaccount"]["status"] == "disabled"
    assert client.post(f"/v5/accounts/subaccounts/{alpha}/disable").json() == {
        "message": "subaccount is already disabled"
    }
    assert client.get("/v5/accounts/subaccounts", params={"enabled": "false"}).json()["total"] == 1
    assert client.post(f"/v5/accounts/subaccounts/{alpha}/enable").json()["subaccount"]["status"] == "open"
    missing = client.get("/v5/accounts/subaccounts/nope")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    assert client.post("/v5/accounts/subaccounts").status_code == 400  # no name


def test_only_the_parent_manages_subaccounts_and_delete_names_one_in_the_header(connect: Connect) -> None:
    emu = new_emulator()
    client = connect(emu)
    a = create(client, "Team A")
    on_behalf = {HEADER: a}
    assert client.get("/v5/accounts/subaccounts", headers=on_behalf).status_code == 403
    assert client.post("/v5/accounts/subaccounts", data={"name": "nested"}, headers=on_behalf).status_code == 403
    assert client.delete("/v5/accounts/subaccounts").status_code == 400  # no header: nothing named
    deleted = client.delete("/v5/accounts/subaccounts", headers=on_behalf)
    assert deleted.json() == {"message": "Subaccount successfully deleted"}
    assert client.get("/v4/domains", headers=on_behalf).status_code == 403
    assert client.get("/v5/accounts/subaccounts").json() == {"subaccounts": [], "total": 0}


def test_subaccounts_and_their_state_survive_a_restart(tmp_path) -> None:
    state = tmp_path / "state.json"
    emu = new_emulator(state_file=state)
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", KEY)) as client:
        a = create(client, "Team A")
        assert client.post("/v4/domains", data={"name": "a.example.com"}, headers={HEADER: a}).status_code == 200
        assert client.post("/v4/domains", data={"name": "parent.example.com"}).status_code == 200
    again = new_emulator(state_file=state)
    assert [s["name"] for s in (sub.record for sub in again.store.subaccounts.values())] == ["Team A"]
    restored = again.store.account(a)
    assert restored is not None and sorted(restored.domains) == ["a.example.com"]
    assert sorted(again.store.domains) == ["parent.example.com"]
    # A state file written before subaccounts existed still loads, with none.
    data = json.loads(state.read_text(encoding="utf-8"))
    del data["subaccounts"]
    state.write_text(json.dumps(data), encoding="utf-8")
    older = new_emulator(state_file=state)
    assert older.store.subaccounts == {} and sorted(older.store.domains) == ["parent.example.com"]


def test_ids_stay_unique_across_accounts() -> None:
    emu = new_emulator(clock=lambda: 1_700_000_000.0)
    a = emu.store.account(emu.store.add_subaccount("A")["id"])
    assert a is not None
    ids = {
        a.add_domain("a.example.com")["id"],
        emu.store.add_domain("p.example.com")["id"],
        a.add_route("catch_all()")["id"],
        emu.store.add_route("catch_all()")["id"],
    }
    assert len(ids) == 4
