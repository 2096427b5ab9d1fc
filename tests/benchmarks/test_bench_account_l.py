"""Smoke test of the account-L benchmark harness on a tiny account, so that it cannot rot.

It asserts behaviour only, never timings: the account converges (the plans after apply, after the
change and after import are empty), requests are counted, and no count is below its minimum.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks import account_l, sdk_read
from tests.benchmarks.bench_account_l import (
    LOADED_LINE,
    MEASURABLE,
    UNMEASURABLE_REASON,
    Result,
    Run,
    compile_like_installed,
    linearity,
    report,
    run_benchmark,
)

TINY = account_l.Shape(
    domains=2,
    templates=2,
    credentials=1,
    webhooks=2,
    bounces=3,
    unsubscribes=2,
    complaints=1,
    allowlist=2,
    routes=2,
    lists=2,
    members=150,
)


def test_full_shape_is_account_l() -> None:
    shape = account_l.Shape()
    assert shape.items() == 201_920
    assert account_l.read_min(shape) == 323  # issue 10: R_min of the no-op plan
    # issue 10 counted bulk adds of 1,000 (W_min 1,200, "an apply of 21 writes"); Mailgun refuses a
    # suppression batch of 1,000, so per domain 5,000 bounces take 6 adds and 2,000 unsubscribes 3
    assert account_l.write_min(shape) == 1_200 + 20 * 2  # W_min of the apply from empty
    assert account_l.change_write_min(shape) == 21 + 1  # its 1,000 new bounces: 999, then 1
    assert account_l.change_touched_reads(shape) == 20 * 3 + 7  # 2,500 members: 3 pages; 6,000 bounces: 6 + 1 empty
    assert account_l.Shape().scaled(0.05).bounces == 250


@pytest.mark.long
@pytest.mark.skipif(not MEASURABLE, reason=UNMEASURABLE_REASON)
def test_tiny_run_converges_and_counts_requests(tmp_path: Path) -> None:
    result = run_benchmark(TINY, latency=0.0, concurrency=4, workdir=tmp_path, repeat=2)  # repeated, as the real run

    assert result.converged == {"after apply": True, "after change": True, "after import": True}
    runs = result.runs
    assert runs["apply from empty"].writes >= account_l.write_min(TINY)
    assert runs["no-op plan"].writes == 0
    assert runs["no-op plan"].reads >= account_l.read_min(TINY) + account_l.status_reads(
        TINY
    )  # R_need is no more than needed
    assert runs["change apply"].writes >= account_l.change_write_min(TINY) == 2 + 1
    assert runs["import"].reads >= account_l.read_min(TINY, TINY.extra_bounces()) + account_l.import_reads(TINY)
    assert all(run.rss_mib > 0 and run.cpu > 0 for run in runs.values())
    text = report(result)
    assert "converged after import: yes" in text
    # issue 21 added a target (apply from empty: wall / write floor) and, with the bench extra, the
    # no-op plan's CPU against the official SDK's read; without the extra, one line says so instead
    measured = sdk_read.installed()
    assert text.count("PASS") + text.count("MISS") == 11 + measured
    assert ("no-op plan CPU vs SDK read CPU: not measured" in text) is not measured
    if measured:
        assert runs["SDK read"].items == sdk_read.items_of(TINY)
    # mgsync's own read (no manifests): every bulk entry of the account, beside each no-op plan
    bulk = TINY.domains * (TINY.bounces + TINY.unsubscribes + TINY.complaints + TINY.allowlist)
    assert runs["own read"].items["entries"] == bulk + TINY.lists * TINY.members
    assert len(result.repeats["own read"]) == len(result.repeats["no-op plan"]) == len(result.repeats["import"]) == 2
    assert "mgsync's engine merely reading the whole account" in text
    # the plan's CPU before its first request (mgsync --verbose says it once the manifests are loaded)
    loaded = LOADED_LINE.search(runs["no-op plan"].stderr)
    assert loaded is not None
    assert loaded.group(1).endswith(f" objects and {bulk + TINY.lists * TINY.members} bulk entries")
    assert 0 < float(loaded.group(2)) < runs["no-op plan"].cpu
    assert "of the plan's CPU, before its first request" in text


def test_linearity_judges_scale_against_the_base() -> None:
    def result(scale: float, apply_cpu: float, apply_rss: float, plan_cpu: float, plan_rss: float) -> Result:
        runs = {
            "apply from empty": Run("apply from empty", 0, 1.0, apply_cpu, apply_rss, 0.1),
            "no-op plan": Run("no-op plan", 0, 1.0, plan_cpu, plan_rss, 0.1),
        }
        return Result(account_l.Shape().scaled(scale), 0.02, 8, runs, {})

    base, large = result(1, 20.0, 270.0, 2.0, 170.0), result(5, 116.0, 1400.0, 11.0, 700.0)

    assert linearity(base, large, 5) == [
        "linearity: 1,007,920 items vs 201,920 (5 x the large collections)",
        "run               measure    value                                   target                    result",
        "apply from empty  CPU        116.00 s / 20.00 s = 5.80               <= 5.75 (1.15 x 5)        MISS",
        "no-op plan        CPU        11.00 s / 2.00 s = 5.50                 <= 5.75 (1.15 x 5)        PASS",
        "no-op plan        peak RSS   700.00 MiB / 170.00 MiB = 4.12          <= 5.75 (1.15 x 5)        PASS",
        "apply from empty  peak RSS   1400.00 MiB / 270.00 MiB = 5.19         <= 5                      MISS",
    ]


def test_mgsync_is_byte_compiled_like_an_installed_package() -> None:
    """The runs time mgsync as pip installs it, modules compiled (not compiled again by every run)."""
    import importlib.util

    import mgsync.cli

    assert compile_like_installed()
    assert Path(importlib.util.cache_from_source(mgsync.cli.__file__)).is_file()
