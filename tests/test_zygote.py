"""The suite's zygote (tests/support/zygote.py) runs a command as the console script does: the same
exit code, output and error text, for a success, a problem in a manifest, a usage error, no server,
input on stdin, text that is not ASCII, an environment of its own, and a module in the working
directory named as one mgsync imports. Each case is
run both ways and compared, so a difference the zygote makes fails here, not somewhere in the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import zygote
from tests.support.cli import EXAMPLE_ENV, REPO, mgsync_command

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the zygote forks: Linux only")

TEMPLATE = "domains:\n  mg.example.com:\n    templates:\n      welcome: {file: welcome.html}\n"
EMULATOR = ("--emulator", "--emulator-state", "emu.json")
CASES = {  # the arguments, what is given on stdin (None: nothing)
    "version": (["--version"], None),
    "help": (["plan", "--help"], None),
    "valid": (["validate", "good"], None),
    "a bad value": (["validate", "bad"], None),
    "a usage error": (["plan", "--no-such-option"], None),
    "an unset variable": (["plan", *EMULATOR, "unset"], None),
    "a plan": (["plan", *EMULATOR, "good"], None),
    "an apply": (["apply", *EMULATOR, "--yes", "good"], None),
    "nothing listens": (["plan", "--base-url", "http://127.0.0.1:9", "good"], None),
    "stdin": (["template", "render", "good/welcome.html", "--vars", "/dev/stdin"], "name: Ada Lovelace — é\n"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "mgsync.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "good" / "welcome.html").write_text("<p>Hello {{name}} ✓</p>\n", encoding="utf-8")
    # the console script never imports from the working directory: a module there changes nothing
    (tmp_path / "httpx.py").write_text('raise SystemExit("imported httpx.py from the working directory")\n')
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "mgsync.yaml").write_text("routes:\n  r1: {priority: -1, actions: [stop()]}\n")
    (tmp_path / "unset").mkdir()
    (tmp_path / "unset" / "mgsync.yaml").write_text(
        "domains:\n  mg.example.com:\n    webhooks: {opened: 'https://x.example.com/?t=${env:NOT_SET_ANYWHERE}'}\n"
    )
    return tmp_path


@pytest.mark.parametrize("case", CASES)
def test_a_command_from_the_zygote_is_the_console_script_s(case: str, project: Path, tmp_path: Path) -> None:
    args, given = CASES[case]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_"))}
    env.update(EXAMPLE_ENV, NO_COLOR="1", MAILGUN_API_KEY="zygote-key-1234")
    command = [*mgsync_command(), *args]
    results = []
    for way in ("zygote", "console script"):
        (project / "emu.json").unlink(missing_ok=True)
        (project / "good" / "mgsync.lock").unlink(missing_ok=True)
        if way == "zygote":
            done = zygote.run(command, cwd=str(project), env=env, input=given, timeout=120)
            assert done is not None, "the zygote did not run the command"
        else:
            done = subprocess.run(
                command, cwd=project, env=env, input=given, capture_output=True, encoding="utf-8", timeout=120
            )
        results.append((done.returncode, done.stdout, done.stderr))
    assert results[0] == results[1]
    assert "Traceback" not in results[0][2]


def test_an_environment_that_changes_how_python_starts_gets_the_console_script(project: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    assert zygote.run([*mgsync_command(), "--version"], cwd=str(project), env=env, input=None, timeout=60) is None


def test_a_command_past_its_timeout_is_killed(project: Path) -> None:
    """``emulator serve`` runs until stopped: the run ends in TimeoutExpired, as ``subprocess.run``'s,
    and leaves no descriptor of it open here."""
    command = [*mgsync_command(), "emulator", "serve", "--memory", "--port", "0"]
    zygote.run([*mgsync_command(), "--version"], cwd=str(REPO), env=dict(os.environ), input="", timeout=60)
    before = set(os.listdir("/proc/self/fd"))
    with pytest.raises(subprocess.TimeoutExpired):
        zygote.run(command, cwd=str(REPO), env=dict(os.environ), input="", timeout=3)
    assert set(os.listdir("/proc/self/fd")) - before == set()  # (one the collector closed meanwhile is no matter)
