"""Client test fixtures: an emulated account served over real loopback HTTP with a distinctive key."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.settings import Settings
from tests.support.client import DOMAIN, KEY, MATON_KEY


@pytest.fixture
def account() -> Iterator[tuple[Emulator, str]]:
    """``(emulator, url)``: one domain, Basic key ``KEY``, and a two-connection Maton gateway."""
    emu = Emulator(api_key=KEY, gateway_key=MATON_KEY, gateway_connections=("conn-a", "conn-b"))
    emu.store.add_domain(DOMAIN)
    with serve(emu, host="127.0.0.1", port=0) as srv:
        yield emu, srv.url


@pytest.fixture
def connect() -> Iterator[Callable[..., Client]]:
    """``connect(url, key=KEY, timeout=30.0, **client_options)`` → a Basic-auth Client, closed after the test."""
    clients: list[Client] = []

    def make(url: str, key: str = KEY, **options: object) -> Client:
        timeout = float(options.pop("timeout", 30.0))  # type: ignore[arg-type]
        client = Client(Settings(url, "basic", key, timeout=timeout), **options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
