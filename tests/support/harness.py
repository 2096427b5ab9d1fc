"""A test harness: the real loader, engine and lockfile against the in-process emulator."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.engine import Checks, Engine, Outcome, held
from mgsync.lockfile import Lockfile
from mgsync.manifest import Desired, load
from mgsync.plan import Plan
from mgsync.settings import Settings

KEY = "engine-test-key"


@dataclass
class Harness:
    root: Path
    emu: Emulator = field(default_factory=lambda: Emulator(api_key=KEY))
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        settings = Settings("http://127.0.0.1", "basic", KEY, allow_http=True)
        self.client = Client(settings, transport=self.emu.transport(), sleep=lambda s: None)

    @property
    def lock_path(self) -> Path:
        return self.root / "mgsync.lock"

    def write(self, text: str, name: str = "mgsync.yaml") -> None:
        (self.root / name).write_text(textwrap.dedent(text), encoding="utf-8")

    def desired(self) -> Desired:
        return load([self.root], self.env)

    def plan(self, targets: tuple[str, ...] = ()) -> Plan:
        return Engine(self.client, self.desired(), Lockfile.read(self.lock_path), targets=targets).plan().plan

    def apply(
        self, *, force: bool = False, confirm: frozenset[str] = frozenset(), targets: tuple[str, ...] = ()
    ) -> Outcome:
        desired = self.desired()
        with held(self.lock_path) as lock:
            return Engine(self.client, desired, lock, targets=targets).apply(Checks(force=force, confirmed=confirm))

    def actions(self, plan: Plan | None = None) -> list[tuple[str, str]]:
        plan = plan if plan is not None else self.plan()
        return [(str(c.address), c.action.value) for c in plan.changes]

    def requests(self, method: str | None = None, prefix: str = "") -> list[str]:
        return [
            f"{e.method} {e.path}"
            for e in self.emu.log
            if (method is None or e.method == method) and e.path.startswith(prefix)
        ]
