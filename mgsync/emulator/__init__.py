"""The bundled Mailgun emulator: an in-memory, faithful Mailgun (mailgun-api.md) for tests, benchmarks
and ``mgsync emulator serve``.

    emu = Emulator(api_key="test")
    client = httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net")
    with serve(emu) as srv: ...          # mgsync.emulator.server: a real HTTP server on loopback

Modules: ``app`` (entry point, routing, auth, faults, log; the only module that imports every family),
``store``/``tables`` (state, persistence, seeding), ``wire``/``paging``/``records`` (shared plumbing),
``dkimkeys``/``certificates`` (state a family and the store's test hooks share), one module per endpoint
family, ``faults``, ``transport`` (httpx in-process) and ``server`` (HTTP). Imports go one way: families
→ shared modules, never back (tests/test_architecture.py checks there is no cycle).
"""

from __future__ import annotations

from mgsync.emulator.app import Emulator, LogEntry
from mgsync.emulator.faults import DropConnection, Faults, Rule
from mgsync.emulator.store import Store

__all__ = ["DropConnection", "Emulator", "Faults", "LogEntry", "Rule", "Store"]
