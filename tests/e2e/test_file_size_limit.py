"""Files an apply writes, on a disk that fills up while it runs: the real ``mgsync`` CLI under a file
size limit (``ulimit -f``: a write past it fails with EFBIG, as one fails with ENOSPC on a full disk,
and no device or root is needed). Each failure is one sentence naming the file, exit 1, and what the
apply did is kept: the next run converges without sending a change twice."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run
from tests.support.zygote import Limits

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a file size limit (RLIMIT_FSIZE): POSIX only")

ROUTES = 30
MANIFEST = "version: 1\nroutes:\n" + "".join(
    f"  r{i:02}:\n    expression: match_recipient('r{i}@example.com')\n    actions: [stop()]\n" for i in range(ROUTES)
)


def limited(size: int | None) -> Limits:
    """Files the command writes stop at ``size`` bytes (EFBIG, not SIGXFSZ)."""
    return Limits({"RLIMIT_FSIZE": size} if size is not None else {}, ignored=("SIGXFSZ",))


def mgsync(cwd: Path, url: str | None, *args: str, size: int | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in ``cwd``, on the account served at ``url``, its files limited to ``size`` bytes."""
    env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": url} if url is not None else {}
    return run(*args, cwd=cwd, env=env, limits=limited(size))


@pytest.fixture
def account() -> Iterator[tuple[Emulator, str]]:
    emu = Emulator(api_key="test")
    with serve(emu, host="127.0.0.1", port=0) as srv:
        yield emu, srv.url


def project(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    (root / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    return root


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr and "bug in mgsync" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    *_, last = result.stderr.splitlines()
    assert last.startswith("Error: "), result.stderr
    return last.removeprefix("Error: ")


def test_the_lockfile_cannot_be_written_before_any_change(tmp_path: Path, account) -> None:
    emu, url = account
    root = project(tmp_path, "a")
    result = mgsync(root, url, "apply", "--yes", ".", size=100)
    assert one_line_error(result) == (
        "Cannot write the lockfile mgsync.lock: File too large; free space or make it writable, then run the "
        "command again (the next apply records what Mailgun already holds)."
    )
    assert not [e for e in emu.log if e.method != "GET"]  # nothing was sent
    assert sorted(p.name for p in root.iterdir()) == ["mgsync.lock.lck", "mgsync.yaml"]  # no temp file left


def test_the_lockfile_cannot_take_the_apply_the_journal_keeps_it(tmp_path: Path, account) -> None:
    # the size of the lockfile this apply ends with, measured against an account of its own
    with serve(Emulator(api_key="test"), host="127.0.0.1", port=0) as other:
        measure = project(tmp_path, "measure")
        assert mgsync(measure, other.url, "apply", "--yes", ".").returncode == 0
        final = (measure / "mgsync.lock").stat().st_size
    emu, url = account
    root = project(tmp_path, "a")
    result = mgsync(root, url, "apply", "--yes", ".", size=final - 1)
    assert one_line_error(result) == (
        "Cannot write the lockfile mgsync.lock: File too large; free space or make it writable, then run the "
        "command again (the apply journal mgsync.lock.journal keeps every step that completed)."
    )
    assert sum(e.method == "POST" for e in emu.log) == ROUTES
    assert (root / "mgsync.lock.journal").exists()
    plan = mgsync(root, url, "plan", ".")
    assert plan.returncode == 0 and "No changes." in plan.stdout, plan.stdout + plan.stderr
    again = mgsync(root, url, "apply", "--yes", ".")
    assert again.returncode == 0, again.stderr
    assert sum(e.method == "POST" for e in emu.log) == ROUTES  # none sent twice
    assert not (root / "mgsync.lock.journal").exists()
    assert len(emu.store.routes) == ROUTES


def test_the_emulator_state_file_cannot_be_saved(tmp_path: Path) -> None:
    root = project(tmp_path, "a")
    result = mgsync(root, None, "apply", "--yes", "--emulator", "--emulator-state", "emu.json", ".", size=1024)
    assert one_line_error(result) == (
        "Cannot save the emulator state file emu.json (File too large); it keeps the state before this change. "
        "Free some space, or start elsewhere: --memory with emulator serve, another --emulator-state FILE with "
        "--emulator."
    )
    assert not [p.name for p in root.iterdir() if p.name.startswith("emu.json") and p.name != "emu.json"]
