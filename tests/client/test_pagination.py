"""The three pagination styles, each across at least three pages, with the exact requests checked; and
a page read is freed as soon as it is read."""

from __future__ import annotations

import gc
from urllib.parse import parse_qs

import httpx
import pytest

from mgsync.answers import ANY, INT, ListOf, Obj
from mgsync.client import Client
from mgsync.errors import UnreadableAnswerError
from mgsync.settings import Settings
from tests.support.client import DOMAIN, KEY

ROUTES_PAGE = Obj({"items": ListOf(ANY)}, {"total_count": INT})


def gets(emu) -> list[tuple[str, dict[str, list[str]]]]:
    return [(e.path, parse_qs(e.query)) for e in emu.log if e.method == "GET"]


@pytest.mark.parametrize(("count", "requests"), [(25, 3), (30, 3), (0, 1)])
def test_skip_limit_stops_at_total_count(account, connect, count: int, requests: int) -> None:
    emu, url = account
    for i in range(count):
        emu.store.add_route(f'match_recipient("r{i:02d}@example.com")', description=f"r{i:02d}")
    routes = list(connect(url).iter_skip("/v3/routes", limit=10))
    assert sorted(r["description"] for r in routes) == [f"r{i:02d}" for i in range(count)]
    assert [q["skip"] for _, q in gets(emu)] == [[str(skip)] for skip in range(0, 10 * requests, 10)]


def test_skip_limit_credentials(account, connect) -> None:
    emu, url = account
    for i in range(22):
        emu.store.add_credential(DOMAIN, f"user{i:02d}", "password")
    logins = [c["login"] for c in connect(url).iter_skip(f"/v3/domains/{DOMAIN}/credentials", limit=10)]
    assert len(set(logins)) == 23  # + postmaster
    assert len(gets(emu)) == 3


@pytest.mark.parametrize(("count", "requests"), [(25, 3), (30, 4)])
def test_address_pivot_suppressions(account, connect, count: int, requests: int) -> None:
    emu, url = account
    emu.store.add_bounces(DOMAIN, [{"address": f"b{i:02d}+x@example.org"} for i in range(count)])
    found = [b["address"] for b in connect(url).iter_pages(f"/v3/{DOMAIN}/bounces", {"term": "b"}, limit=10)]
    assert found == [f"b{i:02d}+x@example.org" for i in range(count)]
    log = gets(emu)
    assert len(log) == requests  # a short page ends it; a full last page costs one empty read
    assert log[0][1] == {"limit": ["10"], "term": ["b"]}
    assert log[1][1]["page"] == ["next"] and log[1][1]["address"] == ["b09+x@example.org"]


def test_address_pivot_lists_and_members(account, connect) -> None:
    emu, url = account
    client: Client = connect(url)
    for i in range(23):
        emu.store.add_list(f"list{i:02d}@{DOMAIN}")
    emu.store.add_members(f"list00@{DOMAIN}", [{"address": f"m{i:02d}@example.org"} for i in range(21)])
    assert len(list(client.iter_pages("/v3/lists/pages", limit=10))) == 23
    members = list(client.iter_pages(f"/v3/lists/list00@{DOMAIN}/members/pages", limit=10))
    assert [m["address"] for m in members] == [f"m{i:02d}@example.org" for i in range(21)]
    assert [path for path, _ in gets(emu)] == ["/v3/lists/pages"] * 3 + [f"/v3/lists/list00@{DOMAIN}/members/pages"] * 3


def test_p_pivot_templates_and_versions(account, connect) -> None:
    emu, url = account
    client: Client = connect(url)
    for i in range(24):
        emu.store.add_template(DOMAIN, f"t{i:02d}")
    emu.store.add_template(DOMAIN, "many", versions=[{"tag": f"v{i:02d}", "template": "x"} for i in range(22)])
    names = [t["name"] for t in client.iter_pages(f"/v3/{DOMAIN}/templates", limit=10)]
    assert names == sorted(["many"] + [f"t{i:02d}" for i in range(24)])
    versions = client.iter_pages(f"/v3/{DOMAIN}/templates/many/versions", limit=10, items="template.versions")
    assert [v["tag"] for v in versions] == [f"v{i:02d}" for i in range(22)]
    log = gets(emu)
    assert len(log) == 6 and log[1][1]["p"] == ["t08"] and log[4][1]["p"] == ["v09"]


def test_paging_through_the_gateway_keeps_the_prefix(account) -> None:
    emu, url = account
    emu.store.add_bounces(DOMAIN, [{"address": f"g{i:02d}@example.org"} for i in range(12)])
    settings = Settings(url + "/mailgun", "bearer", "maton-7f3c1e9a4b2d8c6e0f5a3b1d9e7c5a3b", connection="conn-b")
    with Client(settings) as client:
        assert len(list(client.iter_pages(f"/v3/{DOMAIN}/bounces", limit=5))) == 12
    assert len(gets(emu)) == 3


def test_links_to_any_host_are_rebased_onto_the_base_url(account, connect) -> None:
    emu, url = account
    client: Client = connect(url)
    assert client.get("https://api.mailgun.net/v3/routes?limit=5") == {"items": [], "total_count": 0}
    assert client.get("https://evil.example.com/v3/routes?page=next") == {"items": [], "total_count": 0}
    # Both went to the emulator (the base URL), the only host that ever sees the key.
    assert gets(emu) == [("/v3/routes", {"limit": ["5"]}), ("/v3/routes", {"page": ["next"]})]


@pytest.mark.parametrize(("base", "link", "sent"), [
    ("https://api.mailgun.net", "https://api.eu.mailgun.net/v3/d/bounces?page=next&address=a%40b.c",
     "https://api.mailgun.net/v3/d/bounces?page=next&address=a%40b.c"),
    ("https://gw.example.com/mailgun", "https://api.mailgun.net/v3/lists/pages?page=next&address=x%40y.z&limit=2",
     "https://gw.example.com/mailgun/v3/lists/pages?page=next&address=x%40y.z&limit=2"),  # prefix added
    ("https://gw.example.com/mailgun", "https://gw.example.com/mailgun/v3/d/templates?page=next&p=t1",
     "https://gw.example.com/mailgun/v3/d/templates?page=next&p=t1"),  # prefix kept once
    ("https://gw.example.com/mailgun", "http://10.0.0.7:8080/internal/mg/v3/d/templates/t/versions?p=v2",
     "https://gw.example.com/mailgun/v3/d/templates/t/versions?p=v2"),  # an upstream's own prefix dropped
    ("https://gw.example.com/v1/proxy", "https://gw.example.com/v1/proxy/v4/domains?skip=2",
     "https://gw.example.com/v1/proxy/v4/domains?skip=2"),  # a prefix that looks like an API version
    ("https://gw.example.com/v1/proxy", "https://api.mailgun.net/v1/dkim/keys?page=abc",
     "https://gw.example.com/v1/proxy/v1/dkim/keys?page=abc"),
])  # fmt: skip
def test_a_paging_link_keeps_its_path_and_query_on_the_base_url(base: str, link: str, sent: str) -> None:
    seen: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"items": []})

    with Client(Settings(base, "basic", KEY), transport=httpx.MockTransport(server)) as client:
        client.get(link)
    assert seen == [sent]


def test_a_page_size_lowered_by_the_server_is_not_mistaken_for_the_end() -> None:
    # A fake server that caps `limit` at 2 and says so in its paging link (templates cap at 100, §6.2).
    names = [f"t{i}" for i in range(5)]

    def server(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("p")
        start = names.index(after) + 1 if after else 0
        page = names[start : start + 2]
        nxt = f"https://api.mailgun.net/v3/d/templates?page=next&p={page[-1] if page else after}&limit=2"
        return httpx.Response(200, json={"items": [{"name": n} for n in page], "paging": {"next": nxt}})

    with Client(Settings("https://api.mailgun.net", "basic", KEY), transport=httpx.MockTransport(server)) as client:
        assert [t["name"] for t in client.iter_pages("/v3/d/templates", limit=100)] == names
        assert client.stats.requests == 3


def test_an_answer_read_is_freed_at_once_not_left_to_the_cycle_collector(account, connect) -> None:
    """httpx binds each answer's stream to the answer (a reference cycle); the client breaks it, so a
    page's body goes when it has been read, and the tuned command may rest the collector while it reads."""
    emu, url = account
    for i in range(30):
        emu.store.add_route(f'match_recipient("r{i:02d}@example.com")', description=f"r{i:02d}")
    client = connect(url)
    client.read("/v3/routes", ROUTES_PAGE)  # the connection and its pool made before counting
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(20):
            assert len(client.read("/v3/routes", ROUTES_PAGE)["items"]) == 30
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if type(o).__module__.startswith(("httpx", "httpcore"))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    assert left == []  # before: a Response, its Request, streams and headers for every answer


def test_a_server_that_ignores_skip_is_an_error_not_an_endless_read(account, connect) -> None:
    """Each page the same route, with a total_count of 10**15: read until the run was killed (73,343
    requests in a minute, memory growing), or with a small total the same route listed twice."""
    emu, url = account
    page = '{"items": [{"id": "r1", "priority": 0, "expression": "catch_all()", "actions": []}], "total_count": %d}'
    for total in (3, 10**15):  # the small one first: before the fix, the large one never ended
        emu.faults.clear()
        emu.faults.replace_body("/v3/routes", page % total, exact=True)
        with pytest.raises(UnreadableAnswerError) as err:
            list(connect(url).iter_skip("/v3/routes", limit=1))
        assert str(err.value) == (
            "Mailgun API: GET /v3/routes returned 200: the page at skip=1 repeats the one before it: "
            "the server does not page"
        )
    assert len([e for e in emu.log if e.path == "/v3/routes"]) == 4
