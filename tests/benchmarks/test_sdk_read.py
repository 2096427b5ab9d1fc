"""Smoke test of the official-SDK read baseline (``sdk_read``) on a tiny account, so that it cannot rot.

Behaviour only, never timings: the SDK, pointed at the served emulator, reads every item the account
holds, in the requests a sequential reader of the paging links needs. The SDK is the ``bench`` extra,
which the test command does not install; without it, that test is skipped and the report's one line
saying so is checked instead.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.benchmarks import account_l, sdk_read
from tests.benchmarks.bench_account_l import (
    MEASURABLE,
    SDK_MISSING,
    UNMEASURABLE_REASON,
    Bench,
    Result,
    Run,
    cli_env,
    sdk_comparison,
    served_emulator,
)
from tests.benchmarks.test_bench_account_l import TINY


@pytest.mark.skipif(not MEASURABLE, reason=UNMEASURABLE_REASON)
def test_the_sdk_reads_every_item_of_a_tiny_account(tmp_path: Path) -> None:
    pytest.importorskip("mailgun", reason="the official Mailgun SDK is the bench extra: pip install -e '.[test,bench]'")
    key, root = "bench-" + secrets.token_hex(8), tmp_path / "account"
    account_l.write_account(root, TINY)
    with served_emulator(0.0, key, tmp_path) as (pid, url):
        bench = Bench(root, cli_env(url, key, TINY), pid, concurrency=4)
        assert bench.cli("apply", "apply", "--yes", ".").exit_code == 0
        read = bench.sdk_read("SDK read")

    assert read.items == sdk_read.items_of(TINY)
    assert sum(read.items.values()) == TINY.items() + TINY.domains  # + each domain's postmaster
    # per domain: tracking, webhooks, credentials (skip/limit: one page), templates and the four
    # suppression tables (paging links: a page, then the empty one that ends it); the domains and the
    # routes (one page each), the lists and each list's 150 members (a page and the empty one)
    assert read.reads == TINY.domains * (3 + 2 * 5) + 2 + 2 + TINY.lists * 2
    assert read.cpu > 0 and read.rss_mib > 0


def test_without_the_sdk_the_report_says_so_in_one_line() -> None:
    plan = Run("no-op plan", 0, wall=1.0, cpu=0.5, rss_mib=50.0, emulator_cpu=0.1)
    result = Result(TINY, 0.0, 4, {"no-op plan": plan}, {}, sdk_note=SDK_MISSING)

    assert sdk_comparison(result) == [
        "no-op plan CPU vs SDK read CPU: not measured, the official SDK is not installed"
        " (the bench extra: pip install -e '.[test,bench]')"
    ]
