"""Every command the README shows is run here, as written, in a copy of the repository: the quick start
with the installed ``mgsync``, the others with its shim on PATH on Linux (``tests/support/shim.py``)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import zygote
from tests.support.cli import EXAMPLE_ENV

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
INSTALL = "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && "
TEST_COMMAND = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && mypy mgsync && ruff check && ruff format --check && pytest"


def sh_blocks() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


def sandbox(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("examples", "schemas"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("mgsync.lock*"))
    return root


def shell_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **EXAMPLE_ENV, "NO_COLOR": "1", **extra}


def bash(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    blocks = sh_blocks()
    assert blocks[0] == [blocks[0][0]] and blocks[0][0].startswith(INSTALL)
    assert blocks[1] == [TEST_COMMAND]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert TEST_COMMAND in ci


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="runs the README's POSIX shell lines (. .venv/bin/activate; Windows venvs have Scripts)",
)
def test_quick_start_plans_applies_and_plans_again(tmp_path) -> None:
    root = sandbox(tmp_path)
    command = sh_blocks()[0][0].removeprefix(INSTALL)
    result = bash(command, root, shell_env({}))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apply complete" in result.stdout
    assert result.stdout.rstrip().endswith("No changes. Mailgun matches the manifests.")


def expected_exit(line: str) -> int:
    match = re.search(r"#\s*exit (\d+)\s*$", line)
    return int(match.group(1)) if match else 0


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="runs the README's POSIX shell lines (. .venv/bin/activate; Windows venvs have Scripts)",
)
@pytest.mark.long
def test_every_readme_command_runs_as_written(tmp_path) -> None:
    """On a fresh machine: no Mailgun key, no base URL; only the SMTP variables the README names."""
    root = sandbox(tmp_path)
    lines = [line for block in sh_blocks()[2:] for line in block]
    assert len(lines) >= 12
    if port_taken(8025):  # another test run on this machine serves there: ours must not talk to it
        free = free_port()
        lines = [line.replace("8025", str(free)) for line in lines]
    background: list[subprocess.Popen[str]] = []
    env = shell_env({})
    if zygote.available():  # ``mgsync`` and ``python -P -m mgsync`` from the zygote (the quick start: installed)
        env = zygote.on_path(env, zygote.shims(tmp_path / "bin"))
    try:
        for line in lines:
            if line.rstrip().endswith("# background"):
                background.append(
                    subprocess.Popen(
                        ["bash", "-c", f"exec {line}"],
                        cwd=root,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        text=True,
                    )
                )
                wait_for_port(int(re.search(r"--port (\d+)", line).group(1)))
                continue
            result = bash(line, root, env)
            assert result.returncode == expected_exit(line), f"{line}\n{result.stdout}\n{result.stderr}"
            assert "Traceback" not in result.stderr
            if line.startswith("curl"):  # the served account is the one the --emulator commands built
                assert '"total_count"' in result.stdout and '"mg.example.com"' in result.stdout
    finally:
        for process in background:
            process.terminate()
            process.wait(timeout=10)


def test_readme_names_every_variable_the_production_example_needs() -> None:
    needed = set(
        re.findall(
            r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}",
            "".join(p.read_text(encoding="utf-8") for p in (REPO / "examples" / "production").glob("*.yaml")),
        )
    )
    assert needed and all(f"{name}=" in README for name in needed)


def test_the_action_inputs_table_names_every_input_and_output() -> None:
    """``commit`` was an input of action.yml that the README's table left out."""
    from ruamel.yaml import YAML

    action = YAML(typ="safe").load((REPO / "action.yml").read_text(encoding="utf-8"))
    section = README.split("### The GitHub Action", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| (.+?) \|", section, flags=re.M)
    named = {name for row in rows for name in re.findall(r"`([a-z-]+)`", row)}
    assert sorted(set(action["inputs"]) - named) == []
    outputs = re.search(r"^Outputs: (.*?)\n\n", section, flags=re.M | re.S)
    assert outputs is not None
    assert sorted(set(action["outputs"]) - set(re.findall(r"`([a-z-]+)`", outputs.group(1)))) == []
