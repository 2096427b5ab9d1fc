"""The official-SDK read baseline of issue 21: an account read with the ``mailgun`` package from PyPI.

Owns what the baseline reads and how: sequentially, one request at a time, at the largest page each
endpoint allows (``account_l.READ_PAGE``, templates ``account_l.TEMPLATE_PAGE``), following the
paging links with the SDK's own ``Endpoint.stream`` until a page comes back empty (skip/limit
listings: until ``total_count``). It reads the scopes a no-op plan of account L reads: the domains,
each domain's tracking, webhooks, templates (the active version comes in the listing, as the plan
reads it), credentials, bounces, unsubscribes, complaints and allowlist; the routes; the lists and
each list's members. It leaves out the plan's per-domain status reads (an unverified domain's
details, the HTTPS certificate's status): they are mgsync's choice, not the account's content, and
leaving them out only makes the baseline cheaper, so the target harder.

Run as a script, in its own process so that its CPU and peak RSS are its own (the benchmark measures
it with ``os.wait4`` beside the no-op plan); prints one JSON line: the requests sent and the items read
per collection. The SDK is the ``bench`` extra (``pip install -e '.[bench]'``), not a test dependency.

    MAILGUN_API_KEY=... python tests/benchmarks/sdk_read.py http://127.0.0.1:PORT
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

try:
    from tests.benchmarks import account_l
except ModuleNotFoundError:  # run as a script: this file's folder is on sys.path
    import account_l  # type: ignore[no-redef]

SUPPRESSIONS = ("bounces", "unsubscribes", "complaints", "whitelists")


def installed() -> bool:
    """Whether the official SDK can be imported (the ``bench`` extra)."""
    return importlib.util.find_spec("mailgun") is not None


def items_of(shape: account_l.Shape) -> dict[str, int]:
    """What ``read_account`` finds in account L of ``shape`` (applied, before the change run), per
    collection: every item ``Shape.items`` counts, and the postmaster credential Mailgun makes for
    each domain."""
    d = shape.domains
    return {
        "domains": d,
        "tracking": d,
        "webhook events": d * shape.webhooks,
        "templates": d * shape.templates,
        "credentials": d * (shape.credentials + 1),
        "bounces": d * shape.bounces,
        "unsubscribes": d * shape.unsubscribes,
        "complaints": d * shape.complaints,
        "whitelists": d * shape.allowlist,
        "routes": shape.routes,
        "lists": shape.lists,
        "members": shape.lists * shape.members,
    }


def read_account(client: Any) -> Counter[str]:
    """Items read per collection; every read is one sequential SDK call."""
    items: Counter[str] = Counter()
    # the sandbox domain Mailgun gives every account is not configuration: a plan reads none of its scopes
    domains = [d["name"] for d in _skip_pages(client.domainlist) if d.get("type") != "sandbox"]
    items["domains"] = len(domains)
    for domain in domains:
        _read_domain(client, domain, items)
    items["routes"] = sum(1 for _ in _skip_pages(client.routes))
    lists = [entry["address"] for entry in client.lists_pages.stream(filters={"limit": account_l.READ_PAGE})]
    items["lists"] = len(lists)
    for address in lists:
        members = client.lists_members_pages.stream(address=address, filters={"limit": account_l.READ_PAGE})
        items["members"] += sum(1 for _ in members)
    return items


def _read_domain(client: Any, domain: str, items: Counter[str]) -> None:
    items["tracking"] += 1 if _json(client.domains_tracking.get(domain=domain))["tracking"] else 0
    items["webhook events"] += len(_json(client.domains_webhooks.get(domain=domain))["webhooks"])
    templates = client.templates.stream(domain=domain, filters={"limit": account_l.TEMPLATE_PAGE, "active": "yes"})
    items["templates"] += sum(1 for _ in templates)
    items["credentials"] += sum(1 for _ in _skip_pages(client.domains_credentials, domain=domain))
    for table in SUPPRESSIONS:
        items[table] += sum(
            1 for _ in getattr(client, table).stream(domain=domain, filters={"limit": account_l.READ_PAGE})
        )


def _skip_pages(endpoint: Any, **where: str) -> Iterator[dict[str, Any]]:
    """A skip/limit listing (domains, routes, credentials) page by page, until ``total_count``: the SDK
    follows no links here, so a script counts ``skip`` itself."""
    skip = 0
    while True:
        page = _json(endpoint.get(filters={"skip": skip, "limit": account_l.READ_PAGE}, **where))
        yield from page["items"]
        skip += len(page["items"])
        if not page["items"] or skip >= page.get("total_count", 0):
            return


def _json(response: Any) -> Any:
    response.raise_for_status()
    return response.json()


def main() -> None:
    from mailgun.client import Client  # the bench extra; imported here so `installed()` needs no SDK

    sent = 0

    def count(response: Any, *_: Any, **__: Any) -> Any:
        nonlocal sent
        sent += 1
        return response

    with Client(auth=("api", os.environ["MAILGUN_API_KEY"]), api_url=sys.argv[1]) as client:
        # every attempt, retries included, as mgsync's --verbose log counts them; the SDK's Endpoint
        # shares this one session, and has no counter of its own
        client._session.hooks["response"].append(count)
        items = read_account(client)
    print(json.dumps({"requests": sent, "items": dict(items)}))


if __name__ == "__main__":
    main()
