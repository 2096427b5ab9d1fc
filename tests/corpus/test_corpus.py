"""A corpus of real-world Mailgun values (``values.yaml``, each with its source) through the real CLI.

Route expressions and actions, list members, webhook URLs and unsubscribe footers. Every value:
validates (``mgsync validate``, warnings only for the values Mailgun stores but may not act on); is
created in the emulator by plain HTTP calls as Mailgun's control panel would (httpx against the
emulator served on 127.0.0.1, never mgsync's client); imports with ``mgsync import``; plans empty;
a second import is byte-identical; and applying the imported manifests to an empty account
recreates every value verbatim (but for the case of member addresses, which mgsync matches case-blind
and writes lower-cased, and the order of an event's webhook URLs, a set). Values are batched into one
account (one import for everything).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.kinds.tracking import DEFAULT_HTML_FOOTER, DEFAULT_TEXT_FOOTER
from mgsync.kinds.webhook import EVENTS  # Mailgun's eight webhook events, as the kind declares them
from mgsync.shapes import rules
from tests.support.cli import run

KEY = "corpus-key"
CORPUS: dict[str, list[dict[str, Any]]] = YAML(typ="safe", pure=True).load(Path(__file__).with_name("values.yaml"))
DEFAULT_FOOTERS = {"html_footer": DEFAULT_HTML_FOOTER, "text_footer": DEFAULT_TEXT_FOOTER}
URLS_PER_EVENT = 3  # Mailgun keeps at most 3 URLs per webhook event (mailgun-api.md §5.1)


def values(family: str) -> list[Any]:
    return [entry["value"] for entry in CORPUS[family]]


def test_every_value_has_a_source_and_the_corpus_is_large() -> None:
    assert all(str(entry.get("source") or "").strip() for family in CORPUS.values() for entry in family)
    counts = {family: len(entries) for family, entries in CORPUS.items()}
    assert counts == {
        "expressions": 29,
        "actions": 25,
        "members": 25,
        "webhook_urls": 27,
        "html_footers": 5,
        "text_footers": 5,
    }
    assert sum(counts.values()) == 116


# --- the account: every value, as Mailgun's control panel creates it ------------------------------


def member_form(value: Any) -> dict[str, Any]:
    """The form Mailgun's "add member" sends for one corpus member."""
    entry = {"address": value} if isinstance(value, str) else dict(value)
    form = {"address": entry["address"]}
    if "name" in entry:
        form["name"] = entry["name"]
    if "vars" in entry:
        form["vars"] = json.dumps(entry["vars"])
    if "subscribed" in entry:
        form["subscribed"] = "yes" if entry["subscribed"] else "no"
    return form


def member_address(value: Any) -> str:
    """The address Mailgun keeps for a member: the one inside "Name <address>", as written."""
    address = value if isinstance(value, str) else value["address"]
    found = rules.mailbox(address)
    return address if found is None else found[1]


def member_identity(value: Any) -> str:
    return member_address(value).lower()


def member_lists() -> list[list[Any]]:
    """The members spread over as few lists as hold them without two of one address in a list."""
    lists: list[list[Any]] = []
    for value in values("members"):
        home = next((held for held in lists if member_identity(value) not in map(member_identity, held)), None)
        if home is None:
            lists.append(home := [])
        home.append(value)
    return lists


def webhook_slots() -> dict[tuple[str, str], list[str]]:
    """(domain, event) -> its URLs: the corpus URLs, three per event, over as many domains as needed."""
    urls = values("webhook_urls")
    chunks = [urls[i : i + URLS_PER_EVENT] for i in range(0, len(urls), URLS_PER_EVENT)]
    return {(f"hooks-{i // len(EVENTS)}.example.com", EVENTS[i % len(EVENTS)]): chunk for i, chunk in enumerate(chunks)}


def footer_domains() -> dict[str, dict[str, str]]:
    html, text = values("html_footers"), values("text_footers")
    return {f"footers-{i}.example.com": {"html_footer": html[i], "text_footer": text[i]} for i in range(len(html))}


def create_account(api: httpx.Client) -> None:
    for i, expression in enumerate(values("expressions")):
        api.post(
            "/v3/routes",
            data={
                "priority": str(i),
                "description": f"expression-{i:02d}",
                "expression": expression,
                "action": "stop()",
            },
        ).raise_for_status()
    for i, action in enumerate(values("actions")):
        api.post(
            "/v3/routes",
            data={
                "priority": str(100 + i),
                "description": f"action-{i:02d}",
                "expression": "catch_all()",
                "action": action,
            },
        ).raise_for_status()
    for n, members in enumerate(member_lists()):
        address = f"corpus-{n}@mg.example.com"
        api.post("/v3/lists", data={"address": address, "name": f"Corpus {n}"}).raise_for_status()
        for value in members:
            api.post(f"/v3/lists/{address}/members", data=member_form(value)).raise_for_status()
    for domain in sorted({domain for domain, _ in webhook_slots()} | set(footer_domains())):
        api.post("/v4/domains", data={"name": domain}).raise_for_status()
    for (domain, event), urls in webhook_slots().items():
        api.post(f"/v3/domains/{domain}/webhooks", data={"id": event, "url": urls}).raise_for_status()
    for domain, footers in footer_domains().items():
        api.put(f"/v3/domains/{domain}/tracking/unsubscribe", data={"active": "true", **footers}).raise_for_status()


@pytest.fixture(scope="module")
def account() -> Iterator[tuple[Emulator, dict[str, str]]]:
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        with httpx.Client(base_url=server.url, auth=("api", KEY)) as api:
            create_account(api)
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


@pytest.fixture(scope="module")
def imported(account: tuple[Emulator, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "manifests"
    done = run("import", "--out", str(out), env=account[1])
    assert done.returncode == 0, done.stderr
    return out


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path)


# --- the tests ---------------------------------------------------------------------------------------


def test_every_value_validates_with_warnings_only_where_mailgun_may_not_act(imported: Path) -> None:
    done = run("validate", str(imported))
    warned = sorted(line.split(": ", 3)[3] for line in done.stderr.splitlines())
    odd = (
        "is neither an email address nor an http(s) URL; Mailgun accepts it, but forwards only to addresses and "
        "URLs (a pattern is not expanded), so mail may not arrive where you expect"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: ")
    assert warned == [
        f'action at column 9: forward destination ".*@" {odd}',
        f'action at column 9: forward destination ".*@example.com" {odd}',
        'expression at column 17: "^+?d+@me" is not a valid Python regular expression (nothing to repeat at '
        "position 1); Mailgun accepts it, but its route engine may never match it",
    ]


def test_import_writes_every_value_verbatim(imported: Path) -> None:
    routes = load(imported / "routes.yaml")["routes"]
    expressions, actions = values("expressions"), values("actions")
    assert [routes[f"expression-{i:02d}"]["expression"] for i in range(len(expressions))] == expressions
    assert [routes[f"action-{i:02d}"]["actions"] for i in range(len(actions))] == [[a] for a in actions]
    for (domain, event), urls in webhook_slots().items():
        written = load(imported / f"{domain}.yaml")["domains"][domain]["webhooks"][event]
        assert sorted(written if isinstance(written, list) else [written]) == sorted(urls)  # a set of URLs
    for domain, footers in footer_domains().items():
        unsubscribe = load(imported / f"{domain}.yaml")["domains"][domain]["tracking"]["unsubscribe"]
        written = unsubscribe if isinstance(unsubscribe, dict) else {}
        for name, text in footers.items():
            if name in written or text != DEFAULT_FOOTERS[name]:  # Mailgun's default may be left unwritten
                assert written.get(name) == text


def test_members_import_as_mailgun_holds_them(imported: Path) -> None:
    lists = load(imported / "lists.yaml")["mailing_lists"]
    for n, members in enumerate(member_lists()):
        written = lists[f"corpus-{n}@mg.example.com"]["members"]
        addresses = [m if isinstance(m, str) else m["address"] for m in written]
        assert sorted(addresses) == sorted(member_address(value) for value in members)
    alice = lists["corpus-0@mg.example.com"]["members"]
    assert {"address": "alice@example.com", "name": "Alice"} in alice  # written "Alice <alice@example.com>"


def test_plan_after_import_is_empty(account: tuple[Emulator, dict[str, str]], imported: Path) -> None:
    planned = run("plan", "--detailed-exitcode", str(imported), env=account[1])
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes." in planned.stdout


def test_a_second_import_is_byte_identical(
    account: tuple[Emulator, dict[str, str]], imported: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    done = run("import", "--out", str(again), env=account[1])
    assert done.returncode == 0, done.stderr
    assert files(again) == files(imported)


def live_values(emu: Emulator) -> dict[str, Any]:
    """What the account holds of the corpus, read over plain HTTP (as the values went in)."""
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", KEY)) as api:
        routes = api.get("/v3/routes", params={"limit": 1000}).json()["items"]
        found: dict[str, Any] = {
            "routes": sorted((r["description"], r["priority"], r["expression"], tuple(r["actions"])) for r in routes)
        }
        for n in range(len(member_lists())):
            page = api.get(f"/v3/lists/corpus-{n}@mg.example.com/members/pages", params={"limit": 100}).json()
            # mgsync matches member addresses case-blind and sends them lower-cased (kinds/base.py identity)
            found[f"list {n}"] = sorted(
                json.dumps({**m, "address": m["address"].lower()}, sort_keys=True) for m in page["items"]
            )
        for domain, event in webhook_slots():  # an event's URLs are a set: mgsync writes them sorted
            found[f"{domain} {event}"] = sorted(
                api.get(f"/v3/domains/{domain}/webhooks/{event}").json()["webhook"]["urls"]
            )
        for domain in footer_domains():
            found[domain] = api.get(f"/v3/domains/{domain}/tracking").json()["tracking"]["unsubscribe"]
    return found


def test_apply_of_the_imported_manifests_recreates_every_value(
    account: tuple[Emulator, dict[str, str]], imported: Path, tmp_path: Path
) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    for name, data in files(imported).items():
        if name != "mgsync.lock":  # a new account: nothing of it is known yet
            (manifests / name).parent.mkdir(parents=True, exist_ok=True)
            (manifests / name).write_bytes(data)
    fresh = Emulator(api_key=KEY)
    with serve(fresh, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        applied = run("apply", "--yes", str(manifests), env=env)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "No changes." in run("plan", str(manifests), env=env).stdout
    assert live_values(fresh) == live_values(account[0])
