"""Real machine conditions through the real ``mgsync`` CLI: one line on stderr that says what to do,
exit 1, never a traceback or "this is a bug in mgsync" (issue 18, item 6).

Tests run as root here, and root writes anywhere whatever the mode bits say. So the read-only
directory is made real for root too: the CLI runs without the capabilities that let root ignore mode
bits (``setpriv --bounding-set -dac_override,-dac_read_search``: the kernel then gives the process
no such capability on exec, and ``open`` answers EACCES as it would to any user).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from mgsync.emulator import Emulator
from tests.support import zygote
from tests.support.cli import mgsync_command, native, run

MANIFEST = "version: 1\nroutes:\n  catch-all:\n    expression: catch_all()\n    actions: [stop()]\n"
CONFLICT_REMEDY = (
    "the lockfile is an unresolved git merge conflict; take one side whole (git checkout --ours -- {path}, "
    "or --theirs, then git add {path}) and run mgsync plan: the next apply records again the declared objects "
    "only the other side recorded; until then its SMTP passwords plan as changed, and its objects that the "
    "manifests no longer declare are left alone as not managed (not deleted, unless their scope is pruned)."
)
STATE_REMEDY = (
    "remove it to start an empty account, or start elsewhere: --memory with emulator serve, "
    "another --emulator-state FILE with --emulator."
)


def one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert "Traceback" not in result.stderr and "bug in mgsync" not in result.stderr, result.stderr
    assert (result.returncode, result.stderr) == (1, f"Error: {expected}\n")


def project(tmp_path: Path) -> Path:
    root = tmp_path / "mailgun"
    root.mkdir()
    (root / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    return root


def emulator_command(tmp_path: Path, *args: str) -> list[str]:
    """``mgsync`` with ``args`` (a command's words, then its options) on an emulator kept in ``tmp_path``."""
    words = next((i for i, arg in enumerate(args) if arg.startswith("-")), len(args))
    return [
        *mgsync_command(),
        *args[:words],
        "--emulator",
        "--emulator-state",
        str(tmp_path / "emu.json"),
        *args[words:],
    ]


def quiet_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_"))}
    return {**env, "NO_COLOR": "1", "MGSYNC_DEBUG": ""}


def run_in(tmp_path: Path, command: list[str], **how: Any) -> subprocess.CompletedProcess[str]:
    """``command`` in ``tmp_path`` with ``quiet_env``; its output captured unless ``how`` says where.
    Captured, the console script alone runs in the zygote's fork (``zygote.run``); behind a prefix
    (``setpriv``) or with its own streams it starts anew."""
    if not how:
        done = zygote.run(command, cwd=str(tmp_path), env=quiet_env(), input=None, timeout=120)
        if done is not None:
            return done
    return subprocess.run(
        command, cwd=tmp_path, env=quiet_env(), text=True, timeout=120, **(how or {"capture_output": True})
    )


def apply(tmp_path: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return run_in(tmp_path, [*prefix, *emulator_command(tmp_path, "apply", "--yes", *args)])


def without_root_override() -> tuple[str, ...]:
    """The command prefix that makes mode bits bind this user (root included), or skip."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only directory cannot be made real")
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--")


# --- the lockfile -------------------------------------------------------------------------------


@pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX mode bits: chmod 0o555 does not make a directory read-only on Windows"
)
def test_a_lockfile_directory_that_cannot_be_written(tmp_path: Path) -> None:
    root = project(tmp_path)
    locked = tmp_path / "state"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = apply(tmp_path, "--lockfile", "state/mgsync.lock", str(root), prefix=without_root_override())
    finally:
        locked.chmod(0o755)
    one_line_error(
        result,
        "Cannot create the apply lock state/mgsync.lock.lck: Permission denied; make state writable for this user.",
    )
    assert list(locked.iterdir()) == []
    assert not (tmp_path / "emu.json").exists()  # nothing was sent to the emulator's account


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX mode bits")
def test_an_apply_lock_file_another_user_left_is_named(tmp_path: Path) -> None:
    """A teammate's ``.lck`` (mode 0444 here) in a directory this user may write: the message told to
    make the directory writable, which it was."""
    root = project(tmp_path)
    lck = tmp_path / "mgsync.lock.lck"
    lck.write_text("", encoding="utf-8")
    lck.chmod(0o444)
    result = apply(tmp_path, "--lockfile", "mgsync.lock", str(root), prefix=without_root_override())
    one_line_error(
        result,
        "Cannot create the apply lock mgsync.lock.lck: Permission denied; the file is there and this user may "
        "not write it: make it writable.",
    )


def test_a_lockfile_path_through_a_regular_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    (tmp_path / "state").write_text("not a directory\n", encoding="utf-8")
    result = apply(tmp_path, "--lockfile", "state/prod/mgsync.lock", str(root))
    one_line_error(
        result,
        f"Cannot create the apply lock {native('state/prod/mgsync.lock.lck')}: state is a file, not a "
        "directory; choose a lockfile path in a directory (--lockfile).",
    )
    assert not (tmp_path / "emu.json").exists()


def test_lockfile_write_failure_is_one_sentence(tmp_path: Path) -> None:
    from mgsync.errors import LockfileError
    from mgsync.lockfile import Lockfile

    (tmp_path / "state").write_text("", encoding="utf-8")
    with pytest.raises(LockfileError) as caught:
        Lockfile(tmp_path / "state" / "mgsync.lock").write()
    assert str(caught.value) == (
        f"Cannot write the lockfile {tmp_path}/state/mgsync.lock: {tmp_path}/state is a file, not a directory; "
        "choose a lockfile path in a directory (--lockfile), then run the command again (the next apply records "
        "what Mailgun already holds)."
    )


def test_a_lockfile_that_cannot_be_read(tmp_path: Path) -> None:
    root = project(tmp_path)
    (tmp_path / "mgsync.lock").mkdir()
    result = run(
        "plan",
        "--emulator",
        "--emulator-state",
        "emu.json",
        "--lockfile",
        "mgsync.lock",
        str(root),
        cwd=tmp_path,
        env={"MGSYNC_DEBUG": ""},
    )
    one_line_error(result, "mgsync.lock: cannot read the lockfile (Is a directory); make it a readable file")


def test_a_lockfile_or_saved_plan_of_a_newer_mgsync_says_upgrade(tmp_path: Path) -> None:
    """A teammate's newer mgsync wrote the lockfile, or the plan job ran a newer mgsync than the apply
    job: the message says which file and what to do, not merely that it is not a lockfile."""
    from mgsync import __version__

    root = project(tmp_path)
    assert apply(tmp_path, str(root)).returncode == 0
    emulated = ["--emulator", "--emulator-state", str(tmp_path / "emu.json")]
    assert run("plan", *emulated, "--out", "plan.json", "mailgun", cwd=tmp_path).returncode == 0
    for name in ("mailgun/mgsync.lock", "plan.json"):
        path = tmp_path / name
        text = path.read_text(encoding="utf-8").replace('"format_version": 1', '"format_version": 2')
        path.write_text(text, encoding="utf-8")
    saved = run("apply", "--yes", *emulated, "plan.json", cwd=tmp_path, env={"MGSYNC_DEBUG": ""})
    one_line_error(
        saved,
        f"plan.json: made by a newer mgsync (saved plan format_version 2; this mgsync {__version__} reads 1): "
        "apply it with the mgsync that made it, or plan again",
    )
    planned = run("plan", *emulated, "mailgun", cwd=tmp_path, env={"MGSYNC_DEBUG": ""})
    one_line_error(
        planned,
        f"mailgun/mgsync.lock: written by a newer mgsync (lockfile format_version 2; this mgsync {__version__} "
        "reads 1): upgrade mgsync",
    )


def conflicted(ours: str, theirs: str) -> str:
    return f"<<<<<<< HEAD\n{ours}=======\n{theirs}>>>>>>> feature\n"


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_lockfile_with_git_conflict_markers(tmp_path: Path, command: str) -> None:
    root = project(tmp_path)
    assert apply(tmp_path, str(root)).returncode == 0
    lock = root / "mgsync.lock"
    ours = lock.read_text(encoding="utf-8")
    theirs = json.dumps({**json.loads(ours), "resources": {}}, indent=2, sort_keys=True) + "\n"
    lock.write_text(conflicted(ours, theirs), encoding="utf-8")
    args = ["--emulator", "--emulator-state", str(tmp_path / "emu.json"), "mailgun"]
    result = run(command, *(["--yes"] if command == "apply" else []), *args, cwd=tmp_path, env={"MGSYNC_DEBUG": ""})
    one_line_error(result, "mailgun/mgsync.lock:1: " + CONFLICT_REMEDY.format(path="mailgun/mgsync.lock"))


def test_conflict_markers_in_the_middle_are_named_by_line(tmp_path: Path) -> None:
    from mgsync.errors import LockfileError
    from mgsync.lockfile import Lockfile

    path = tmp_path / "mgsync.lock"
    path.write_text(
        '{\n  "format_version": 1,\n' + conflicted('  "resources": {}\n', '  "resources": {"a": 1}\n') + "}\n",
        encoding="utf-8",
    )
    with pytest.raises(LockfileError) as caught:
        Lockfile.read(path)
    assert str(caught.value) == f"{path}:3: " + CONFLICT_REMEDY.format(path=path)


def test_the_cost_of_a_lost_side_is_what_the_message_says(tmp_path: Path) -> None:
    """An object only the lost side recorded, then removed from the manifests: the kept side's lockfile
    would delete it; the lost side's leaves it alone as not managed."""
    root = project(tmp_path)
    extra = '  extra:\n    expression: match_recipient("x@mg.example.com")\n    actions: [stop()]\n'
    (root / "mgsync.yaml").write_text(MANIFEST + extra, encoding="utf-8")
    assert apply(tmp_path, str(root)).returncode == 0
    lock = root / "mgsync.lock"
    kept = json.loads(lock.read_text(encoding="utf-8"))
    lost = {**kept, "resources": {k: v for k, v in kept["resources"].items() if k != "route:extra"}}
    (root / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    args = ["plan", "--emulator", "--emulator-state", str(tmp_path / "emu.json"), "mailgun"]
    with_kept = run(*args, cwd=tmp_path)
    assert "  - route:extra\n" in with_kept.stdout and "Plan: 0 to add, 0 to change, 1 to destroy." in with_kept.stdout
    lock.write_text(json.dumps(lost), encoding="utf-8")
    with_lost = run(*args, cwd=tmp_path)
    assert with_lost.returncode == 0, with_lost.stderr
    assert with_lost.stdout == (
        "Not managed (left alone):\n  1 route: extra\n\nNo changes. Mailgun matches the manifests.\n"
    )


# --- the emulator's state file ------------------------------------------------------------------

BAD_STATES = [
    pytest.param(
        '{"format": 1, "domains": {',
        "not JSON: Expecting property name enclosed in double quotes, line 1 column 27",
        id="truncated",
    ),
    pytest.param('{"format": 1}', "no 'domains' entry", id="another-object"),
    pytest.param("[1, 2]", "JSON of another shape", id="a-list"),
]


@pytest.mark.parametrize(("content", "why"), BAD_STATES)
def test_a_corrupt_state_file_with_emulator_commands(tmp_path: Path, content: str, why: str) -> None:
    root = project(tmp_path)
    (tmp_path / "emu.json").write_text(content, encoding="utf-8")
    result = run(
        "plan", "--emulator", "--emulator-state", "emu.json", str(root), cwd=tmp_path, env={"MGSYNC_DEBUG": ""}
    )
    one_line_error(result, f"emu.json is not a usable emulator state file ({why}); {STATE_REMEDY}")
    assert (tmp_path / "emu.json").read_text(encoding="utf-8") == content  # left as it was


@pytest.mark.parametrize(("content", "why"), BAD_STATES)
def test_a_corrupt_state_file_with_emulator_serve(tmp_path: Path, content: str, why: str) -> None:
    (tmp_path / "emu.json").write_text(content, encoding="utf-8")
    result = run("emulator", "serve", "--port", "0", "--state", "emu.json", cwd=tmp_path, env={"MGSYNC_DEBUG": ""})
    one_line_error(result, f"emu.json is not a usable emulator state file ({why}); {STATE_REMEDY}")


def test_the_default_state_file_corrupt_names_it(tmp_path: Path) -> None:
    (tmp_path / ".mgsync-emulator.json").write_text("{", encoding="utf-8")
    result = run("emulator", "serve", "--port", "0", cwd=tmp_path, env={"MGSYNC_DEBUG": ""})
    one_line_error(
        result,
        ".mgsync-emulator.json is not a usable emulator state file (not JSON: Expecting "
        f"property name enclosed in double quotes, line 1 column 2); {STATE_REMEDY}",
    )
    assert (tmp_path / ".mgsync-emulator.json").read_text(encoding="utf-8") == "{"


def read_only_state(tmp_path: Path) -> Path:
    """``state/emu.json``: an account in a directory this user cannot write (see the module docstring)."""
    (tmp_path / "state").mkdir()
    Emulator(api_key="k").save(tmp_path / "state" / "emu.json")
    (tmp_path / "state").chmod(0o555)
    return tmp_path / "state" / "emu.json"


@pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX mode bits: chmod 0o555 does not make a directory read-only on Windows"
)
def test_a_state_file_that_cannot_be_saved_with_emulator_commands(tmp_path: Path) -> None:
    root = project(tmp_path)
    read_only_state(tmp_path)
    command = [
        *without_root_override(),
        *mgsync_command(),
        "apply",
        "--yes",
        "--emulator",
        "--emulator-state",
        "state/emu.json",
        "--lockfile",
        "mgsync.lock",
        str(root),
    ]
    result = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "MGSYNC_DEBUG": ""},
    )
    (tmp_path / "state").chmod(0o755)
    one_line_error(
        result,
        "Cannot save the emulator state file state/emu.json (Permission denied); make state "
        "writable, or start elsewhere: --memory with emulator serve, another --emulator-state "
        "FILE with --emulator.",
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX mode bits (chmod 0o555), preexec_fn and SIGINT: POSIX only")
def test_a_state_file_that_cannot_be_saved_with_emulator_serve(tmp_path: Path) -> None:
    read_only_state(tmp_path)
    proc, port = _serve("--state", "state/emu.json", "--api-key", "k", prefix=without_root_override(), cwd=tmp_path)
    try:
        answer = httpx.post(f"http://127.0.0.1:{port}/v4/domains", data={"name": "mg.example.com"}, auth=("api", "k"))
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        (tmp_path / "state").chmod(0o755)
    message = (
        "Cannot save the emulator state file state/emu.json (Permission denied); make state writable, "
        "or start elsewhere: --memory with emulator serve, another --emulator-state FILE with --emulator."
    )
    assert (answer.status_code, answer.json()) == (500, {"message": message})
    assert err == f"Error: {message}\n"


# --- a client that leaves `emulator serve` ------------------------------------------------------


def _serve(*args: str, prefix: tuple[str, ...] = (), cwd: Path | None = None) -> tuple[subprocess.Popen[str], int]:
    """``emulator serve`` on a free port (``--memory`` unless ``--state`` is given): (process, port)."""
    proc = subprocess.Popen(
        [
            *prefix,
            *mgsync_command(),
            "emulator",
            "serve",
            "--port",
            "0",
            *(args if "--state" in args else ("--memory", *args)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    first = proc.stderr.readline()
    assert first.startswith("Mailgun emulator on http://127.0.0.1:"), first
    assert proc.stderr.readline().startswith("The account is kept in ")
    return proc, int(first.rsplit(":", 1)[1])


def _leave_abruptly(port: int, request: bytes) -> None:
    """Send ``request``, then reset the connection (linger 0) before the answer comes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        time.sleep(0.05)  # the server has read the request and sleeps in --latency
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.skipif(
    sys.platform == "win32", reason="starts emulator serve with preexec_fn and stops it with SIGINT: POSIX only"
)
def test_a_client_that_disconnects_from_emulator_serve_prints_nothing() -> None:
    proc, port = _serve("--latency", "0.3", "--api-key", "test")
    try:
        get = b"GET /v4/domains HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic YXBpOnRlc3Q=\r\n\r\n"
        for _ in range(3):
            _leave_abruptly(port, get)
        time.sleep(0.5)  # every answer was written into a reset connection by now
        answer = httpx.get(f"http://127.0.0.1:{port}/v4/domains", auth=("api", "test"), timeout=10)
        assert answer.status_code == 200  # still serving
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert (proc.returncode, out, err) == (0, "", "")


# --- output that cannot be written ------------------------------------------------------------------

FULL = Path("/dev/full")  # Linux: every write fails with ENOSPC, as on a full disk
needs_full = pytest.mark.skipif(not FULL.exists(), reason="/dev/full (a device whose writes fail: Linux)")


@needs_full
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_standard_output_on_a_full_disk(tmp_path: Path, command: str) -> None:
    """``mgsync plan > plan.txt`` where the disk is full: one line on stderr, exit 1."""
    root = project(tmp_path)
    args = [*mgsync_command(), "validate", str(root)] if command == "validate" else emulator_command(tmp_path, "plan")
    with FULL.open("w") as full:
        result = run_in(
            tmp_path, [*args, *([str(root)] if command == "plan" else [])], stdout=full, stderr=subprocess.PIPE
        )
    one_line_error(result, "cannot write the output: No space left on device.")


@needs_full
@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--out", str(FULL)],
        ["dns", "export", "--format", "bind", "--out", str(FULL)],
        ["plan", "--preview", "{tmp}/previews"],
    ],
    ids=["plan --out", "dns export --out", "plan --preview"],
)
def test_a_file_the_command_writes_on_a_full_disk(tmp_path: Path, args: list[str]) -> None:
    root = project(tmp_path)
    (root / "mgsync.yaml").write_text(
        MANIFEST + "domains:\n  mg.example.com:\n    templates:\n      welcome:\n        template: <p>hi</p>\n",
        encoding="utf-8",
    )
    args = [arg.format(tmp=tmp_path) for arg in args]
    if args[0] == "dns":  # records of a domain Mailgun holds
        assert apply(tmp_path, str(root)).returncode == 0
    if "--preview" in args:  # a directory of previews whose file is the full device
        (tmp_path / "previews" / "template").mkdir(parents=True)
        (tmp_path / "previews" / "template" / "mg.example.com").mkdir()
        os.symlink(FULL, tmp_path / "previews" / "template" / "mg.example.com" / "welcome.after.html")
    result = run_in(tmp_path, [*emulator_command(tmp_path, *args), str(root)])
    written = tmp_path / "previews/template/mg.example.com/welcome.after.html" if "--preview" in args else FULL
    assert "Traceback" not in result.stderr and "bug in mgsync" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert result.stderr.endswith(f"Error: Cannot write {written}: No space left on device.\n"), result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX mode bits, and preexec_fn")
def test_an_import_into_a_directory_that_cannot_be_written(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert apply(tmp_path, str(root)).returncode == 0
    out = tmp_path / "imported"
    (out / "routes").mkdir(parents=True)  # any file import writes there is refused
    out.chmod(0o555)
    try:
        result = run_in(tmp_path, [*without_root_override(), *emulator_command(tmp_path, "import", "--out", str(out))])
    finally:
        out.chmod(0o755)
    assert "Traceback" not in result.stderr and "bug in mgsync" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert re.search(rf"Error: Cannot write {re.escape(str(out))}/\S+: Permission denied\.\n$", result.stderr), (
        result.stderr
    )


@pytest.mark.skipif(sys.platform == "win32", reason="preexec_fn: POSIX only")
@pytest.mark.parametrize("closed", [1, 2], ids=["stdout", "stderr"])
def test_a_command_started_with_its_output_closed(tmp_path: Path, closed: int) -> None:
    """``mgsync plan >&-``: what would go to the closed stream goes nowhere; the command does its work."""
    root = project(tmp_path)
    result = run_in(
        tmp_path,
        [*emulator_command(tmp_path, "apply"), "--yes", str(root)],
        stdout=subprocess.PIPE if closed == 2 else None,
        stderr=subprocess.PIPE if closed == 1 else None,
        preexec_fn=lambda: os.close(closed),
    )
    assert result.returncode == 0, result.stderr
    if closed == 2:
        assert result.stdout.splitlines()[-1] == "Apply complete: 1 added, 0 changed, 0 destroyed."
    assert (root / "mgsync.lock").exists()


def test_redirected_output_is_utf8_whatever_the_locale_says(tmp_path) -> None:
    """Windows writes a redirected stream in its ANSI code page (cp1252: PYTHONIOENCODING says so
    here), which has no 日本 or 📧, and writes "·" as a byte no UTF-8 reader takes (the action reads
    the markdown plan back as UTF-8): the output of a file or pipe is UTF-8 whatever the locale
    says, stdout and stderr, characters whole; in the real command."""
    (tmp_path / "routes.yaml").write_text(
        "routes:\n  café:\n    expression: 'match_recipient(\"zoë@日本.example\")'\n"
        "    actions: ['forward(\"https://hooks.example.com/📧\")', 'stop()']\n",
        encoding="utf-8",
    )
    env = {**quiet_env(), "PYTHONIOENCODING": "cp1252"}
    heading = ("--heading-commit", "0123abc", "--heading-run-url", "https://github.com/o/r/actions/runs/1")
    plan = subprocess.run(
        [*emulator_command(tmp_path, "plan"), "--format", "markdown", *heading],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert plan.returncode == 0, plan.stderr
    shown = plan.stdout.decode("utf-8")  # strict: one cp1252 byte fails here
    assert "Commit 0123abc · [Workflow run](<https://github.com/o/r/actions/runs/1>)" in shown
    assert "route:café" in shown and "zoë@日本.example" in shown and "hooks.example.com/📧" in shown
    (tmp_path / "bad.yaml").write_text("routes:\n  日本: {priority: x}\n", encoding="utf-8")
    bad = subprocess.run(
        [*mgsync_command(), "validate", "bad.yaml"], cwd=tmp_path, env=env, capture_output=True, timeout=120
    )
    assert bad.returncode == 1 and bad.stderr.decode("utf-8").startswith("bad.yaml:2:3: routes.日本"), bad.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal (pty), which Windows does not have")
def test_a_terminal_that_lacks_a_character_gets_it_escaped(tmp_path) -> None:
    """A terminal keeps its own encoding (cp1252 here): 日本 is escaped, not an internal error."""
    import pty

    (tmp_path / "bad.yaml").write_text("routes:\n  日本: {priority: x}\n", encoding="utf-8")
    master, slave = pty.openpty()
    bad = subprocess.Popen(
        [*mgsync_command(), "validate", "bad.yaml"],
        cwd=tmp_path,
        env={**quiet_env(), "PYTHONIOENCODING": "cp1252"},
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while chunk := _read_pty(master):
        seen += chunk
    os.close(master)
    told = seen.decode("cp1252")
    assert bad.wait(timeout=120) == 1 and told.startswith("bad.yaml:2:3: routes.\\u65e5\\u672c"), told


def _read_pty(master: int) -> bytes:
    try:
        return os.read(master, 4096)
    except OSError:  # EIO: the child closed its end
        return b""


LONG = "x" * 300  # longer than any file name a POSIX system allows (255 bytes)
EMULATED = ("--emulator", "--emulator-state", "emu.json")  # in the test's directory (run_in)
POSIX_NAMES = pytest.mark.skipif(sys.platform == "win32", reason="ENAMETOOLONG: Windows answers a long name otherwise")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("apply", "--yes", "--lockfile", "."), "--lockfile '.' is a directory; name a file in it, like mgsync.lock"),
        (("apply", "--yes", "--lock-timeout", "nan"), "--lock-timeout must be a number of seconds, not nan"),
        pytest.param(
            ("plan", "--lockfile", LONG),
            f"{LONG}: cannot read the lockfile (File name too long); choose a shorter path (--lockfile)",
            marks=POSIX_NAMES,
        ),
        pytest.param(
            ("apply", "--yes", "--lockfile", LONG),
            f"Cannot create the apply lock {LONG}.lck: File name too long; choose a shorter lockfile path (--lockfile).",
            marks=POSIX_NAMES,
        ),
    ],
    ids=["lockfile-is-a-directory", "lock-timeout-nan", "lockfile-name-too-long", "lock-name-too-long"],
)
def test_an_odd_lockfile_option_is_one_sentence(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    root = project(tmp_path)
    result = run_in(tmp_path, emulator_command(tmp_path, *args, str(root)))
    one_line_error(result, expected.replace("File name too long", os.strerror(errno.ENAMETOOLONG)))
    assert not (tmp_path / "emu.json").exists()  # nothing was written to the account


@POSIX_NAMES
def test_an_emulator_state_file_name_too_long_is_one_sentence(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run_in(tmp_path, [*mgsync_command(), "plan", "--emulator", "--emulator-state", LONG, str(root)])
    one_line_error(
        result,
        f"{LONG} is not a usable emulator state file (cannot read it: {os.strerror(errno.ENAMETOOLONG)}); "
        + STATE_REMEDY,
    )
    served = run_in(tmp_path, [*mgsync_command(), "emulator", "serve", "--port", "-1", "--memory"])
    assert served.returncode == 1 and "Invalid value for '--port': -1 is not in the range 0<=x<=65535." in served.stderr


@POSIX_NAMES
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("validate", LONG), f"{LONG}: cannot read it: {{why}}\n1 error found.\n"),
        (("template", "render", LONG), f"Error: cannot read the template {LONG}: {{why}}\n"),
        (("import", *EMULATED, "--out", LONG), f"Error: --out {LONG}: {{why}}; choose another directory\n"),
        (("apply", "--yes", *EMULATED, LONG), f"Error: {LONG}: cannot read it: {{why}}\n"),
    ],
    ids=["validate", "template-render", "import-out", "apply"],
)
def test_a_path_argument_too_long_is_one_sentence(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    """Python's Path.exists()/is_dir()/is_file() raise for a name too long (they answer False only for a
    path that is not there): each place that asks of a path the user gave words it."""
    result = run_in(tmp_path, [*mgsync_command(), *args])
    assert (result.returncode, result.stderr) == (1, expected.format(why=os.strerror(errno.ENAMETOOLONG)))
    assert not (tmp_path / "emu.json").exists()  # import refused before reading the account


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links and named pipes: POSIX")
def test_a_link_to_itself_or_a_pipe_among_the_manifests_is_named(tmp_path: Path) -> None:
    """A manifest directory holding a symbolic link to itself, or a named pipe (which a read would wait
    on forever), ending in .yaml: each is one problem naming it; the rest is read as usual."""
    root = project(tmp_path)
    (root / "loop.yaml").symlink_to("loop.yaml")
    os.mkfifo(root / "pipe.yaml")
    (root / "gone.yaml").symlink_to("nowhere.yaml")
    result = run_in(tmp_path, [*mgsync_command(), "validate", "mailgun"])
    assert result.returncode == 1 and "bug in mgsync" not in result.stderr
    assert result.stderr.splitlines() == [
        "mailgun/gone.yaml: no such file or directory",
        f"mailgun/loop.yaml: cannot read it: {os.strerror(errno.ELOOP)}",
        "mailgun/pipe.yaml: not a regular file (a device, a pipe or a socket)",
        "3 errors found.",
    ]
