"""What the loop's tests share: the manifests they change and how they read Mailgun, the state branch and GitHub."""

from __future__ import annotations

import re

import httpx

from mgsync.emulator import Emulator
from tests.gitops.fakegithub import BOT, Fake
from tests.gitops.runner import World, git

KEY = "sim-key"
PASSWORD = "Alice-smtp-pass-1"
BASE = "version: 1\n"  # routes come in one file per pull request, so merges never conflict
APPLY_MARKER = "<!-- mgsync-apply: mailgun -->"
PLAN_MARKER = "<!-- mgsync-plan: mailgun -->"
DIGEST = re.compile(r"^Plan digest: `(sha256:[0-9a-f]{64})`$", re.M)


def route(name: str, priority: int = 10) -> str:
    return (
        f"version: 1\nroutes:\n  {name}:\n    priority: {priority}\n"
        f'    expression: match_recipient("{name}@mg.example.com")\n    actions: [stop()]\n'
    )


def route_file(name: str, priority: int = 10) -> dict[str, str | None]:
    return {f"mailgun/{name}.yaml": route(name, priority)}


def routes(url: str) -> list[str]:
    items = httpx.get(f"{url}/v3/routes", auth=("api", KEY), params={"limit": 1000}).json()["items"]
    return sorted(item["description"] for item in items)


def route_creations(emulator: Emulator) -> int:
    return sum(1 for e in emulator.log if e.method == "POST" and e.path == "/v3/routes" and e.status == 200)


def route_reads(emulator: Emulator) -> int:
    return sum(1 for e in emulator.log if e.method == "GET" and e.path == "/v3/routes")


def state(world: World, suffix: str = "") -> str:
    return git(world.origin, "show", f"mgsync-state:mailgun/mgsync.lock{suffix}")


def results(fake: Fake, number: int) -> list[str]:
    return [c["body"] for c in fake.comments_on(number) if c["body"].startswith(APPLY_MARKER)]


def plan_comment(fake: Fake, number: int) -> dict:
    (comment,) = [c for c in fake.comments_on(number) if c["body"].startswith(PLAN_MARKER) and c["user"] == BOT]
    return comment


def main_tip(world: World) -> str:
    return git(world.origin, "rev-parse", "refs/heads/main")
