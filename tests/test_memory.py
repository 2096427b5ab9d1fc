"""``memory.limit_arenas``: glibc takes the settings (two malloc arenas, a fixed mmap threshold);
elsewhere it says it did nothing. Its effect on a 200,000-entry apply is in the account-L benchmark."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from mgsync.memory import limit_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="only glibc keeps per-thread arenas this way")
def test_glibc_takes_the_settings() -> None:
    assert limit_arenas() is True


def test_the_cli_sets_them_before_any_thread_starts() -> None:
    out = subprocess.run([sys.executable, "-m", "mgsync", "--verbose", "version"], capture_output=True, text=True,
                         check=True)
    expected = "yes" if platform.libc_ver()[0] == "glibc" and sys.platform.startswith("linux") else "no"
    assert f"memory: glibc arenas limited: {expected}" in out.stderr
