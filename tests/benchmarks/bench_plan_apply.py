"""Benchmark (not a test): plan and apply a large synthetic account over loopback HTTP.

Prints requests made vs. the minimum, wall and CPU time and peak memory for: the first apply into an
empty account, the plan of the unchanged account, and the import of it. The emulator is served on
127.0.0.1 with injected latency per request, so concurrency and request counts show as they would
against Mailgun.

    python tests/benchmarks/bench_plan_apply.py [--latency 0.02] [--members 20000] [--bounces 5000]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.engine import apply_changes, observe, plan_changes, wanted_scopes
from mgsync.lockfile import Lockfile
from mgsync.manifest import load
from mgsync.settings import Settings
from mgsync.state import State

KEY = "bench-key"
DOMAINS = ("mg1.example.com", "mg2.example.com", "mg3.example.com")
EVENTS = ("delivered", "opened", "clicked", "permanent_fail")


def write_account(root: Path, members: int, bounces: int, routes: int, templates: int) -> None:
    lists = root / "lists"
    lists.mkdir()
    for domain in DOMAINS:
        csv = root / f"{domain}-bounces.csv"
        csv.write_text(
            "address,code,error\n" + "".join(f"b{i}@{domain}.example.org,550,gone\n" for i in range(bounces))
        )
        hooks = "".join(f"      {e}: [https://hooks.example.com/{e}]\n" for e in EVENTS)
        tpls = "".join(
            f"      t{i}: {{description: T{i}, template: '<p>{i} {{{{name}}}}</p>'}}\n" for i in range(templates)
        )
        (root / f"{domain}.yaml").write_text(
            f"domains:\n  {domain}:\n    spam_action: tag\n    tracking: {{open: true, click: true}}\n"
            f"    webhooks:\n{hooks}    templates:\n{tpls}"
            f"    suppressions:\n      bounces: {{file: {csv.name}}}\n      complaints: [c@{domain}.example.org]\n"
        )
    route_lines = "".join(
        f"  r{i:04d}: {{priority: {i}, expression: 'match_recipient(\"r{i}@example.com\")', actions: ['stop()']}}\n"
        for i in range(routes)
    )
    (root / "routes.yaml").write_text("routes:\n" + route_lines)
    (lists / "news.csv").write_text("address,name\n" + "".join(f"m{i}@example.org,M {i}\n" for i in range(members)))
    (root / "lists.yaml").write_text(
        "mailing_lists:\n  news@mg1.example.com:\n    name: News\n    members: {file: lists/news.csv}\n"
    )


def minimum_reads(members: int, bounces: int, routes: int, templates: int) -> int:
    pages = lambda n, size=1000: max(1, math.ceil((n + 1) / size))  # noqa: E731 - a short page ends a listing
    # Only declared scopes are read: tracking, webhooks, templates, bounces and complaints per domain.
    per_domain = 1 + 1 + pages(templates, 100) + pages(bounces) + 1
    return 1 + pages(routes) + 1 + len(DOMAINS) * per_domain + pages(members)


def measure(label: str, minimum: int | None, client: Client, fn: Callable[[], object]) -> object:
    client.reset_stats()
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    import resource  # POSIX only: imported where it is used, as in bench_account_l

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floor = f" (minimum {minimum})" if minimum is not None else ""
    print(
        f"{label:<28} requests {client.stats.requests:>6}{floor:<16} wall {wall:7.2f}s  cpu {cpu:6.2f}s  peak {peak:6.0f} MiB"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--bounces", type=int, default=5_000)
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--templates", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mgsync-bench-"))
    write_account(root, args.members, args.bounces, args.routes, args.templates)
    emu = Emulator(api_key=KEY)
    with serve(emu, host="127.0.0.1", port=0) as server:
        emu.faults.latency = args.latency
        settings = Settings(server.url, "basic", KEY)
        with Client(settings, concurrency=args.concurrency) as client:
            desired = load([root], {})
            lock = Lockfile.read(root / "mgsync.lock")
            print(
                f"account: {len(desired.state)} declared objects, latency {args.latency * 1000:.0f} ms, "
                f"concurrency {args.concurrency}"
            )
            outcome = measure("plan (empty account)", None, client, lambda: plan_changes(client, desired, lock))
            measure("apply (first)", None, client, lambda: apply_changes(client, desired, lock, outcome))
            minimum = minimum_reads(args.members, args.bounces, args.routes, args.templates)
            lock = Lockfile.read(root / "mgsync.lock")
            plan = measure("plan (unchanged account)", minimum, client, lambda: plan_changes(client, desired, lock))
            assert plan.plan.empty, "benchmark account did not converge"
            measure(
                "observe everything (import)",
                None,
                client,
                lambda: observe(client, wanted_scopes(None, State(), everything=True), State()),
            )


if __name__ == "__main__":
    main()
