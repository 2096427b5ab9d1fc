"""Connection choice for commands that talk to Mailgun: direct, the Maton gateway, or the embedded
emulator. Settings come from the environment and flags only, never from manifests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgsync.settings import Secret, Settings, subaccount_from

if TYPE_CHECKING:
    from mgsync.client import Client, Observer

EMULATOR_KEY = "emulator-key"
DEFAULT_EMULATOR_STATE = Path(".mgsync-emulator.json")


@dataclass(frozen=True)
class Connection:
    emulator: bool = False
    emulator_state: Path = DEFAULT_EMULATOR_STATE
    base_url: str | None = None
    region: str | None = None
    concurrency: int = 8
    subaccount: str | None = None  # the --subaccount flag; MAILGUN_SUBACCOUNT when None


@contextmanager
def connect(conn: Connection, env: Mapping[str, str], observer: Observer | None = None) -> Iterator[Client]:
    """A client for ``conn``; with ``emulator`` the bundled emulator runs in-process, its state
    kept in ``emulator_state`` so that plan, apply and plan again see one account (and its
    subaccounts, each kept apart). ``observer`` hears about requests and rate-limit waits (the CLI's
    status line). The HTTP client (httpx) is imported here, so that commands that never talk to
    Mailgun (``validate``, ``schema``, ``template``) start without it."""
    from mgsync.client import Client

    if conn.emulator:
        from mgsync.emulator import Emulator

        subaccount = subaccount_from(env, conn.subaccount)  # validated before the emulator loads
        emu = Emulator(api_key=EMULATOR_KEY, state_file=conn.emulator_state, sandbox=True)
        settings = Settings("http://127.0.0.1", "basic", Secret(EMULATOR_KEY), allow_http=True, subaccount=subaccount)
        with Client(settings, transport=emu.transport(), concurrency=conn.concurrency, observer=observer) as client:
            yield client
        return
    settings = Settings.from_env(env, base_url=conn.base_url, region=conn.region, subaccount=conn.subaccount)
    with Client(settings, concurrency=conn.concurrency, observer=observer) as client:
        yield client
