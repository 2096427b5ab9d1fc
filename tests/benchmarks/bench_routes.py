"""Benchmark (not a test): applying many routes into an empty account through the real ``mgsync`` CLI.

Issue 21's route-scaling run: for each latency (0 and 20 ms) and each count of routes (500 and 2,000),
a fresh served emulator (``bench_account_l.served_emulator``: its own process, ``--memory``), the
routes of account L's kind (``account_l.write_routes``: distinct names, expressions and actions) in
an otherwise empty directory, ``mgsync apply --yes``, then a plan that must be empty (converged).
Each apply is measured as ``bench_account_l`` measures a run (wall; CPU and peak RSS from ``os.wait4``;
writes counted in the ``--verbose`` log). The figures are judged against issue 21's targets: apply
CPU linear in the routes (the largest count's over the smallest's within 1.15 x their ratio), and the
largest count at a latency above 0 within 4 x its write floor (routes x latency / concurrency).

    python tests/benchmarks/bench_routes.py [--routes 500 2000] [--latency 0 0.02] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:
    from tests.benchmarks import account_l
    from tests.benchmarks.bench_account_l import Bench, Run, cli_env, must, plan_is_empty, served_emulator
except ModuleNotFoundError:  # run as a script: this file's folder is on sys.path
    import account_l  # type: ignore[no-redef]
    from bench_account_l import Bench, Run, cli_env, must, plan_is_empty, served_emulator  # type: ignore[no-redef]

LINEAR_SLACK = 1.15  # issue 21: "within 1.15 x of linear"
WALL_ON_FLOOR = 4  # issue 21: "2,000 routes at 20 ms: wall <= 4 x their write floor"


@dataclass
class RouteRun:
    routes: int
    latency: float
    concurrency: int
    apply: Run
    converged: bool  # the plan after the apply is empty

    @property
    def write_floor(self) -> float:
        """Seconds the writes need at the least: one per route, ``concurrency`` at a time."""
        return self.routes * self.latency / self.concurrency


def run_routes(
    counts: list[int],
    latencies: list[float],
    concurrency: int,
    workdir: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> list[RouteRun]:
    """Apply each count of routes at each latency, each into a fresh emulator."""
    key = "bench-" + secrets.token_hex(8)
    runs = []
    for latency in latencies:
        for count in counts:
            progress(f"{count} routes at {latency * 1000:g} ms")
            shape = account_l.Shape(routes=count)
            folder = workdir / f"{count}-routes-{latency * 1000:g}-ms"
            root = folder / "account"
            root.mkdir(parents=True)
            account_l.write_routes(root, shape)
            with served_emulator(latency, key, folder) as (pid, url):
                bench = Bench(root, cli_env(url, key, shape), pid, concurrency)
                applied = must(bench.cli(f"apply of {count} routes", "apply", "--yes", "."))
                runs.append(RouteRun(count, latency, concurrency, applied, plan_is_empty(bench, root)))
    return runs


def report(runs: list[RouteRun]) -> str:
    lines = [
        f"routes applied into an empty account, concurrency {runs[0].concurrency}",
        "",
        f"{'routes':>7}{'latency':>9}{'writes':>8}{'wall s':>9}{'floor s':>9}{'cpu s':>8}{'rss MiB':>9}"
        f"{'emu cpu s':>11}  converged",
    ]
    for run in runs:
        lines.append(
            f"{run.routes:>7}{run.latency * 1000:>7g}ms{run.apply.writes:>8}{run.apply.wall:>9.2f}"
            f"{run.write_floor:>9.2f}{run.apply.cpu:>8.2f}{run.apply.rss_mib:>9.0f}{run.apply.emulator_cpu:>11.2f}"
            f"  {'yes' if run.converged else 'NO (the plan is not empty)'}"
        )
    return "\n".join([*lines, "", *targets(runs)])


def targets(runs: list[RouteRun]) -> list[str]:
    """Issue 21's two route targets, each beside its figure, at each latency measured."""
    out = []
    for latency in sorted({run.latency for run in runs}):
        at = sorted((run for run in runs if run.latency == latency), key=lambda run: run.routes)
        small, large = at[0], at[-1]
        ms = f"{latency * 1000:g} ms"
        if large.routes > small.routes:
            linear = large.routes / small.routes
            ratio = large.apply.cpu / small.apply.cpu
            out.append(
                f"apply CPU {large.routes:,}/{small.routes:,} routes at {ms} = {ratio:.2f} (linear = {linear:.1f});"
                f" target <= {LINEAR_SLACK * linear:.2f} ({LINEAR_SLACK:g} x linear)   {_verdict(ratio <= LINEAR_SLACK * linear)}"
            )
        if latency > 0:
            floor = large.write_floor
            out.append(
                f"{large.routes:,} routes at {ms}: wall / write floor ({large.routes}*{latency:g}/{large.concurrency})"
                f" = {large.apply.wall:.2f} s / {floor:.2f} s = {large.apply.wall / floor:.2f};"
                f" target <= {WALL_ON_FLOOR}   {_verdict(large.apply.wall <= WALL_ON_FLOOR * floor)}"
            )
    return out


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, nargs="+", default=[500, 2000], help="counts of routes to apply")
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.02], help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mgsync-bench-routes-") as tmp:
        runs = run_routes(
            args.routes,
            args.latency,
            args.concurrency,
            Path(tmp),
            progress=lambda step: print(step, file=sys.stderr, flush=True),
        )
    print(report(runs))


if __name__ == "__main__":
    main()
