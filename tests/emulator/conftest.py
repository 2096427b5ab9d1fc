"""Fixtures for the emulator tests: raw httpx clients against the in-process transport."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mgsync.emulator import Emulator

BASE = "https://api.mailgun.net"
DOMAIN = "mg.example.com"


@pytest.fixture
def api(emulator: Emulator) -> Iterator[httpx.Client]:
    """An httpx client authenticated as ``api:test``, talking to the emulator in-process."""
    with httpx.Client(transport=emulator.transport(), base_url=BASE, auth=("api", "test")) as client:
        yield client


@pytest.fixture
def domain(emulator: Emulator) -> str:
    """An active domain seeded directly into the store."""
    emulator.store.add_domain(DOMAIN, state="active")
    return DOMAIN


@pytest.fixture
def walk(api: httpx.Client):
    """Follow ``paging.next`` URLs verbatim from ``first_url`` until an empty page; returns the pages."""

    def _walk(first_url: str, key: str = "items", max_pages: int = 50) -> list[list[dict]]:
        pages, url = [], first_url
        for _ in range(max_pages):
            body = api.get(url).raise_for_status().json()
            items = body[key] if key == "items" else body["template"]["versions"]
            pages.append(items)
            if not items:
                return pages
            url = body["paging"]["next"]
        raise AssertionError("paging never ended")

    return _walk
