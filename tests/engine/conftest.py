from __future__ import annotations

import pytest

from tests.support.cli import EXAMPLE_ENV


@pytest.fixture
def example_env() -> dict[str, str]:
    return dict(EXAMPLE_ENV)
