"""Smoke test of the route-scaling benchmark (``bench_routes``) on a few routes, so that it cannot rot.

Behaviour only, never timings: each apply into a fresh emulator converges (the plan after it is
empty), writes at least one request per route, and the report judges the CPU ratio against linear.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.bench_account_l import MEASURABLE, UNMEASURABLE_REASON
from tests.benchmarks.bench_routes import report, run_routes


@pytest.mark.long
@pytest.mark.skipif(not MEASURABLE, reason=UNMEASURABLE_REASON)
def test_few_routes_converge_and_the_report_judges_linearity(tmp_path: Path) -> None:
    runs = run_routes([5, 20], [0.0], concurrency=4, workdir=tmp_path)

    assert [(run.routes, run.latency, run.converged) for run in runs] == [(5, 0.0, True), (20, 0.0, True)]
    assert all(run.apply.writes >= run.routes and run.apply.cpu > 0 and run.apply.rss_mib > 0 for run in runs)
    text = report(runs)
    assert "apply CPU 20/5 routes at 0 ms = " in text
    assert "(linear = 4.0); target <= 4.60 (1.15 x linear)   " in text
    assert text.count("PASS") + text.count("MISS") == 1  # no write floor at 0 latency: no wall target
