"""``memory``: glibc takes the allocator settings (two malloc arenas, a fixed mmap threshold; elsewhere
nothing is done), the CLI sets the collector thresholds, and ``settled`` never freezes garbage. Their
effect on a 200,000-entry plan and apply is in the account-L benchmark."""

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
    assert f"memory: glibc arenas limited: {expected}; collector thresholds 50000/20/20" in out.stderr


def test_loading_leaves_next_to_no_garbage_for_settled_to_freeze(tmp_path) -> None:
    """``settled`` freezes what exists without a collection first: the YAML parse must not leave a
    node tree (a mark per token) in reference cycles for it to keep."""
    import gc

    from mgsync.manifest import yamlfile

    routes = "".join(f"  r{i}: {{priority: {i}, expression: 'match_recipient(\"r{i}@x.org\")', actions: ['stop()']}}\n"
                     for i in range(300))
    (tmp_path / "routes.yaml").write_text("routes:\n" + routes)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        parsed, problems = yamlfile.parse(tmp_path / "routes.yaml")
        assert parsed is not None and not problems and len(parsed.root["routes"]) == 300
        assert gc.collect() < 500  # over 10,000 when the tree stayed in the cycle
    finally:
        if enabled:
            gc.enable()


def test_settled_freezes_what_exists() -> None:
    import gc

    from mgsync.memory import settled

    try:
        settled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
