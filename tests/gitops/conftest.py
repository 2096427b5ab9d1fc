"""The loop's fixtures: the Mailgun emulator served on 127.0.0.1, and a World (git remote, fake GitHub, environments)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.gitops.fakegithub import Served
from tests.gitops.loop import BASE, KEY, PASSWORD
from tests.gitops.runner import Environment, World


@pytest.fixture
def mailgun() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(api_key=KEY)
    with serve(emulator, host="127.0.0.1", port=0) as server:
        yield emulator, server.url


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path, mailgun: tuple[Emulator, str]) -> Iterator[World]:
    environments = {
        "mailgun-plan": Environment({"MAILGUN_READ_API_KEY": KEY}),  # the README: the read key only
        "mailgun-production": Environment({"MAILGUN_API_KEY": KEY, "MG_SMTP_ALICE": PASSWORD}, branches=("main",)),
        "mailgun-approval": Environment(reviewers=True, branches=("main",)),
    }
    with Served() as fake:
        real = request.node.get_closest_marker("real_programs") is not None
        world = World(tmp_path, fake, mailgun[1], environments, real_programs=real)
        world.seed({"mailgun/mgsync.yaml": BASE})
        yield world
