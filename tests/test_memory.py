"""``memory``: glibc takes the allocator settings (two malloc arenas, a fixed mmap threshold; elsewhere
nothing is done), the CLI sets the collector thresholds, and ``settled`` never freezes garbage. Their
effect on a 200,000-entry plan and apply is in the account-L benchmark."""

from __future__ import annotations

import platform
import subprocess
import sys
import weakref

import pytest

from mgsync.memory import limit_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="only glibc keeps per-thread arenas this way")
def test_glibc_takes_the_settings() -> None:
    assert limit_arenas() is True


def test_the_cli_sets_them_before_any_thread_starts() -> None:
    out = subprocess.run([sys.executable, "-m", "mgsync", "--verbose", "version"], capture_output=True, text=True,
                         check=True)
    expected = "yes" if platform.libc_ver()[0] == "glibc" and sys.platform.startswith("linux") else "no"
    assert f"memory: glibc arenas limited: {expected}; collector thresholds 50000/20/20" in out.stderr


def test_settled_collects_first_so_no_garbage_is_kept_for_good() -> None:
    import gc

    from mgsync.memory import settled

    class Node:
        ref: object

    try:
        loop, kept = Node(), Node()
        loop.ref, kept.ref = loop, kept  # two cycles; the first unreachable once deleted
        gone, alive = weakref.ref(loop), weakref.ref(kept)
        del loop
        settled()
        assert gone() is None, "settled() froze garbage for good"
        assert alive() is kept and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
