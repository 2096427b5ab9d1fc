"""Fixtures for the DNS tests: an emulator with domains created through its API (settings such as
``dkim_key_size`` that manifests cannot express yet are sent at creation), and a client on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.settings import Settings

KEY = "dns-test-key"


def create(emu: Emulator, name: str, **fields: str) -> dict:
    """``POST /v4/domains`` on the emulator, as Mailgun takes it (form fields)."""
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", KEY)) as api:
        response = api.post("/v4/domains", data={"name": name, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def get(emu: Emulator, name: str) -> dict:
    with httpx.Client(transport=emu.transport(), base_url="https://api.mailgun.net", auth=("api", KEY)) as api:
        return api.get(f"/v4/domains/{name}").raise_for_status().json()


@pytest.fixture
def emu() -> Emulator:
    return Emulator(api_key=KEY)


@pytest.fixture
def eu_emu() -> Emulator:
    return Emulator(api_key=KEY, region="eu")


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    settings = Settings("http://127.0.0.1", "basic", KEY, allow_http=True)
    with Client(settings, transport=emu.transport(), sleep=lambda s: None) as c:
        yield c
