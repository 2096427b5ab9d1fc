"""A run that needs more memory than the machine gives it: the real ``mgsync`` CLI under an address
space limit (``ulimit -v``), loading a mailing list of a million members. It ends in one sentence,
exit 1, never "internal error"; and nothing reaches Mailgun, since manifests load before any request.
(``mgsync validate /tmp`` on a machine full of benchmark data was "internal error (MemoryError)".)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import error_line, run

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="an address space limit (RLIMIT_AS) is enforced on Linux only"
)

LIMIT = 250 << 20  # a small validate needs about 70 MiB of address space; a million members about 500
MEMBERS = 1_000_000
OUT_OF_MEMORY = "Error: out of memory: this run needs more memory than this machine gives it."


def limited() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def mgsync(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run(*args, cwd=cwd, env=env, preexec_fn=limited)


def project(tmp_path: Path, members: int) -> Path:
    root = tmp_path / f"list-{members}"
    root.mkdir()
    (root / "mgsync.yaml").write_text(
        "version: 1\nmailing_lists:\n  news@example.com:\n    members: {file: members.csv}\n", encoding="utf-8"
    )
    rows = "".join(f"user{i}@example.com,User {i}\n" for i in range(members))
    (root / "members.csv").write_text("address,name\n" + rows, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project(tmp_path_factory.mktemp("memory"), MEMBERS)


def test_the_limit_leaves_room_for_a_small_run(tmp_path: Path) -> None:
    result = mgsync(project(tmp_path, 1_000), "validate")
    assert result.returncode == 0, result.stderr
    assert "OK: 1001 resources" in result.stdout


def test_validate_out_of_memory_is_one_sentence(large: Path) -> None:
    assert error_line(mgsync(large, "validate")) == OUT_OF_MEMORY


def test_plan_out_of_memory_sends_nothing(large: Path) -> None:
    emu = Emulator(api_key="test")
    with serve(emu, host="127.0.0.1", port=0) as srv:
        result = mgsync(large, "plan", env={"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": srv.url})
    assert error_line(result) == OUT_OF_MEMORY
    assert emu.log == []
