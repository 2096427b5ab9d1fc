"""A large account imports in close to the minimum number of page reads (figures are printed)."""

from __future__ import annotations

import math
import time
from pathlib import Path

from mgsync.importer import run_import
from tests.support.harness import Harness

PAGE = 1000
LISTS = {"big@mg.example.com": 17_500, "news@mg.example.com": 12_500}
SUPPRESSIONS = {"bounces": 20_000, "unsubscribes": 3_200, "complaints": 0, "whitelists": 0}
PER_DOMAIN = ("tracking", "webhooks", "templates", "credentials", "dkim keys")  # one read each
ACCOUNT = ("domains", "routes", "forwards", "lists", "account templates", "account webhooks")  # one read each


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def test_large_account_is_read_in_close_to_the_minimum_of_pages(tmp_path: Path) -> None:
    harness = Harness(tmp_path / "big")
    store = harness.emu.store
    store.add_domain("mg.example.com", state="active")
    for address, count in LISTS.items():
        store.add_list(address)
        store.add_members(
            address, ({"address": f"m{i}@example.org", "name": f"Member {i}", "vars": {"n": i}} for i in range(count))
        )
    store.add_bounces(
        "mg.example.com", ({"address": f"b{i}@example.net", "error": "gone"} for i in range(SUPPRESSIONS["bounces"]))
    )
    store.add_unsubscribes(
        "mg.example.com",
        (
            {"address": f"u{i}@example.net", "tags": ["a", "b"] if i % 2 else None}
            for i in range(SUPPRESSIONS["unsubscribes"])
        ),
    )

    started = time.perf_counter()
    imported = run_import(harness.client, harness.root)
    seconds = time.perf_counter() - started

    minimum = len(ACCOUNT) + len(PER_DOMAIN) + sum(map(pages, [*LISTS.values(), *SUPPRESSIONS.values()]))
    made = len(harness.emu.log)
    print(f"\nimport of {imported.objects:,} objects: {made} requests (minimum {minimum}), {seconds:.2f} s")
    domain_tracking_and_dkim = 4  # the domain, its tracking, its DKIM key and signing setting
    assert imported.objects == domain_tracking_and_dkim + len(LISTS) + sum(LISTS.values()) + sum(SUPPRESSIONS.values())
    assert all(entry.method == "GET" for entry in harness.emu.log)
    assert minimum <= made <= minimum + 5
    members = (harness.root / "lists/big@mg.example.com.csv").read_text().splitlines()
    assert len(members) == 1 + LISTS["big@mg.example.com"]
