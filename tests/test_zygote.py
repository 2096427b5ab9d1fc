"""The suite's zygote (tests/support/zygote.py) runs a command as the console script does: the same
exit code, output and error text, for a success, a problem in a manifest, a usage error, no server,
input on stdin, text that is not ASCII, an environment of its own, and a module in the working
directory named as one mgsync imports. Each case is
run both ways and compared, so a difference the zygote makes fails here, not somewhere in the suite.
So are the shims of ``mgsync`` and ``python`` that the GitHub loop's action and the README's commands
run (tests/support/shim.py): twelve commands through a shim and as the real program, ``python`` in
other forms and a shim without its zygote as the real programs, and a signal forwarded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support import shim, zygote
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
    results = both_ways([*mgsync_command(), *args], project, env, given)
    assert results[0] == results[1]
    assert "Traceback" not in results[0][2]


def both_ways(
    command: list[str], project: Path, env: dict[str, str], given: str | None, limits: zygote.Limits | None = None
) -> list[tuple[int, str, str]]:
    """(code, output, errors) of ``command`` run from the zygote, then as the console script, each on
    a fresh emulator account and without a lockfile."""
    results = []
    for way in ("zygote", "console script"):
        (project / "emu.json").unlink(missing_ok=True)
        (project / "good" / "mgsync.lock").unlink(missing_ok=True)
        if way == "zygote":
            done = zygote.run(command, cwd=str(project), env=env, input=given, timeout=120, limits=limits)
            assert done is not None, "the zygote did not run the command"
        else:
            done = subprocess.run(
                command,
                cwd=project,
                env=env,
                input=given,
                capture_output=True,
                encoding="utf-8",
                timeout=120,
                **({"preexec_fn": limits.preexec()} if limits is not None else {}),
            )
        results.append((done.returncode, done.stdout, done.stderr))
    return results


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


# --- shims: the action's mgsync and python, as tests/gitops/runner.py gives them to its scripts -----

SHIM_CASES = {  # the program, its arguments, a startup setting (the action's steps set PYTHONUTF8)
    "mgsync --version": ("mgsync", ["--version"], {}),
    "mgsync validate, a bad value": ("mgsync", ["validate", "bad"], {}),
    "mgsync plan, PYTHONUTF8": ("mgsync", ["plan", *EMULATOR, "good"], {"PYTHONUTF8": "1"}),
    "python -P -m mgsync, a usage error": ("python", ["-P", "-m", "mgsync", "plan", "--no-such-option"], {}),
    "python -P -m mgsync state show": ("python", ["-P", "-m", "mgsync", "state", "show", "good/mgsync.lock"], {}),
    "python -P -m mgsync.gitops, no step": ("python", ["-P", "-m", "mgsync.gitops"], {"PYTHONUTF8": "1"}),
    "python -P -m mgsync.gitops publish": ("python", ["-P", "-m", "mgsync.gitops", "publish", "--key", "k"], {}),
    # action/run.sh's one-liners
    "python -P -c, the artifact's name": (
        "python",
        [
            "-P",
            "-c",
            "import sys; from mgsync.gitops.comments import artifact_name; print(artifact_name(sys.argv[1]))",
            "k",
        ],
        {},
    ),
    "python -P -c, a file read, PYTHONUTF8": (
        "python",
        ["-P", "-c", "import sys; print(open(sys.argv[1]).read(), end='')", "good/welcome.html"],
        {"PYTHONUTF8": "1"},
    ),
    "python -P -c, its name, argv and imports": (  # httpx.py in the working directory is not the one imported
        "python",
        ["-P", "-c", "import sys, httpx; print(__name__, sys.argv, httpx.__name__)", "a b"],
        {},
    ),
    "python -P -c, sys.exit with a message": (
        "python",
        ["-P", "-c", "import sys; sys.exit('no: ' + sys.argv[1])", "x"],
        {},
    ),
    "python -P -c, an error": ("python", ["-P", "-c", "def f():\n    raise ValueError('bad')\nf()"], {}),
}


def shim_env(**startup: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_"))}
    env.update(EXAMPLE_ENV, NO_COLOR="1", MAILGUN_API_KEY="zygote-key-1234", **startup)
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME"):
        env.pop(name, None)
    return zygote.ready(env)


def real_program(program: str) -> str:
    return mgsync_command()[0] if program == "mgsync" else sys.executable


@pytest.fixture
def only_zygote_shims(tmp_path: Path) -> Path:
    """Shims whose real programs do not exist: a command they run at all, the zygote ran."""
    shims = zygote.shims(tmp_path / "shims")
    for program in ("mgsync", "python"):
        script = shims / program
        script.write_text(script.read_text().replace(repr(real_program(program)), repr(f"/nonexistent/{program}")))
    return shims


@pytest.mark.parametrize("case", SHIM_CASES)
def test_a_shim_runs_in_the_zygote_as_the_real_program(case: str, project: Path, only_zygote_shims: Path) -> None:
    program, args, startup = SHIM_CASES[case]
    env = shim_env(**startup)
    results = []
    for executable in (str(only_zygote_shims / program), real_program(program)):
        (project / "emu.json").unlink(missing_ok=True)
        done = subprocess.run(
            [executable, *args], cwd=project, env=env, capture_output=True, encoding="utf-8", timeout=120
        )
        results.append((done.returncode, done.stdout, done.stderr))
    assert results[0] == results[1]
    assert ("Traceback" in results[0][2]) == case.endswith("an error"), results[0]


def test_python_with_other_arguments_and_a_shim_without_its_zygote_are_the_real_programs(
    project: Path, tmp_path: Path
) -> None:
    shims = zygote.shims(tmp_path / "shims")
    env = shim_env()
    code = "import sys; print(sys.argv[1:], sys.flags.utf8_mode)"
    done = subprocess.run([shims / "python", "-c", code, "a b"], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "['a b'] 0\n"), done.stderr
    # without -P the working directory comes first: the real python imports the project's httpx.py
    done = subprocess.run([shims / "python", "-m", "mgsync.gitops"], cwd=project, env=env, capture_output=True)
    assert (done.returncode, done.stderr) == (1, b"imported httpx.py from the working directory\n")
    env.pop(zygote.SOCKETS)
    done = subprocess.run([shims / "mgsync", "validate", "bad"], cwd=project, env=env, capture_output=True, text=True)
    real = subprocess.run(
        [mgsync_command()[0], "validate", "bad"], cwd=project, env=env, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout, done.stderr) == (real.returncode, real.stdout, real.stderr)
    assert done.returncode == 1


def test_a_signal_to_a_shim_reaches_its_command_and_the_shim_ends_as_it_did(only_zygote_shims: Path) -> None:
    """``emulator serve`` runs until stopped: SIGTERM to the shim stops it (its port closes), and the
    shim's exit is the command's."""
    codes = []
    for executable in (str(only_zygote_shims / "mgsync"), real_program("mgsync")):
        with subprocess.Popen(
            [executable, "emulator", "serve", "--memory", "--port", "0"],
            env=shim_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as served:
            assert served.stderr is not None
            first = served.stderr.readline()
            assert first.startswith("Mailgun emulator on http://127.0.0.1:"), first  # it serves
            served.terminate()
            codes.append(served.wait(timeout=60))
        with pytest.raises(ConnectionRefusedError):  # the command ended with the shim, not after it
            socket.create_connection(("127.0.0.1", int(first.rsplit(":", 1)[1])), timeout=5).close()
    assert codes[0] == codes[1], codes


def test_limits_hold_in_the_zygote_as_in_the_console_script(project: Path) -> None:
    """A test's ``Limits`` (here: files stop at 300 bytes, SIGXFSZ ignored) are the command's in both
    ways: the apply cannot write its lockfile, and says so the same way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_"))}
    env.update(EXAMPLE_ENV, NO_COLOR="1")
    limits = zygote.Limits({"RLIMIT_FSIZE": 300}, ignored=("SIGXFSZ",))
    results = both_ways([*mgsync_command(), "apply", *EMULATOR, "--yes", "good"], project, env, None, limits)
    assert results[0] == results[1]
    assert results[0][0] == 1 and "File too large" in results[0][2], results[0]


def test_a_pid_and_a_status_that_arrive_in_one_read_are_two_lines(tmp_path: Path) -> None:
    """A command that ends at once has its wait status sent right behind its pid; a caller slow to
    read (a loaded machine) gets both in one ``recv``, and must still read the pid, then the status."""
    path = str(tmp_path / "zygote.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(1)

        def answer() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recvmsg(65536, socket.CMSG_SPACE(3 * 4))  # the request and its descriptors
                conn.sendall(b"4242\n" + str(3 << 8).encode() + b"\n")  # pid 4242, then: exited with 3

        answering = threading.Thread(target=answer)
        answering.start()
        started = shim.Started(path, {"argv": ["mgsync"], "cwd": "/", "env": {}}, (0, 1, 2))
        answering.join(timeout=10)
        try:
            assert (started.pid, started.wait()) == (4242, 3)
        finally:
            started.close()
