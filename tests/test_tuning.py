"""``tuning``: the command tunes its own process (malloc arenas on glibc, the collector, the switch interval
while reading, the hard exit) unless ``MGSYNC_NO_TUNING`` is set; click's runner and library callers
run untuned. The effect on a 200,000-entry plan and apply is in the account-L benchmark."""

from __future__ import annotations

import gc
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import weakref

import pytest
from click.testing import CliRunner

from mgsync import tuning
from mgsync.cli import main
from mgsync.tuning import set_allocator
from tests.support.cli import run

GLIBC = platform.libc_ver()[0] == "glibc" and sys.platform.startswith("linux")
ON = f"mgsync.tuning: runtime tuning on: glibc malloc set: {'yes' if GLIBC else 'no'}; collector thresholds 50000/20/20"
OFF = "mgsync.tuning: runtime tuning off: MGSYNC_NO_TUNING is set"


@pytest.mark.skipif(not GLIBC, reason="only glibc keeps per-thread arenas this way")
def test_glibc_takes_the_settings() -> None:
    assert set_allocator() is True


_STARTING = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.system")
_started: list[str] | None = None


def _watch(event: str, args: tuple[object, ...]) -> None:  # audit hooks stay for the process: this one only while asked
    if _started is not None and event in _STARTING:
        _started.append(f"{event} {args!r}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the allocator is set on Linux only")
def test_setting_the_allocator_starts_no_program() -> None:
    """Every command sets it first thing: finding the C library by name (``ctypes.util.find_library``)
    ran ``ldconfig -p``, 3-5 ms of every command's start."""
    global _started
    sys.addaudithook(_watch)
    _started = []
    try:
        set_allocator()
        assert _started == []
    finally:
        _started = None


@pytest.mark.parametrize("how", ["console script", "python -m mgsync"])
def test_the_command_is_tuned_unless_the_variable_says_not(how) -> None:
    """``mgsync --verbose`` says first whether it is tuned; the variable switches it off."""
    args = ("--verbose", "version")
    clean = {k: v for k, v in os.environ.items() if k != tuning.ENV}  # whatever the test run was given
    for env, expected in (({}, ON), ({tuning.ENV: "1"}, OFF)):
        if how == "console script":
            done = run(*args, env=env, unset=() if env else (tuning.ENV,))
        else:
            done = subprocess.run(
                [sys.executable, "-m", "mgsync", *args],
                capture_output=True,
                text=True,
                timeout=60,
                env={**clean, **env},
            )
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines()[0] == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {},
            "on (50000, 20, 20) frozen rests while reading collects after, what was read frozen, kept,"
            " interval 0.0002 then back no atexit",
        ),
        (
            {tuning.ENV: "1"},
            "off default thresholds not frozen collects while reading collects after, what was read not frozen,"
            " freed, interval 0.005 then back atexit ran",
        ),
    ],
)
def test_switched_on_the_process_is_tuned_and_left_hard(env, expected) -> None:
    """What ``cli.run`` does, in a fresh interpreter: thresholds, ``settled`` freezing, the collector
    resting while the pool reads (``responsive``, which leaves the switch interval alone) and collecting
    again after, what was read frozen first, what a command ``keep``s left to the exit, the switch
    interval while an import reads (``handing_over``) and restored after, and an exit that skips the
    interpreter's clean-up (an ``atexit`` hook never runs) only when tuned."""
    script = (
        "import atexit, gc, os, sys, weakref\n"
        "from mgsync import tuning\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "default = gc.get_threshold()\n"
        "on = tuning.switch_on(os.environ)\n"
        "tuning.settled()\n"
        "thresholds = 'default thresholds' if gc.get_threshold() == default else gc.get_threshold()\n"
        "frozen = gc.get_freeze_count()\n"
        "with tuning.responsive():\n"
        "    reading = 'collects' if gc.isenabled() else 'rests'\n"
        "    assert sys.getswitchinterval() == 0.005\n"
        "    read = [[i] for i in range(1000)]\n"
        "after = 'collects' if gc.isenabled() else 'rests'\n"
        "kept = 'frozen,' if gc.get_freeze_count() >= frozen + 1000 else 'not frozen,'\n"
        "class Made: pass\n"
        "made = Made(); ref = weakref.ref(made); tuning.keep(made); del made\n"
        "with tuning.handing_over():\n"
        "    interval = round(sys.getswitchinterval(), 6)\n"
        "back = 'then back' if sys.getswitchinterval() == 0.005 else 'left at %s' % sys.getswitchinterval()\n"
        "print('on' if on else 'off', thresholds, 'frozen' if frozen else 'not frozen',"
        " reading, 'while reading', after, 'after, what was read', kept, 'kept,' if ref() else 'freed,',"
        " 'interval', interval, back,"
        " end=' ', flush=True)\n"
        "if on: print('no atexit', flush=True)\n"
        "tuning.leave(0)\n"
    )
    clean = {k: v for k, v in os.environ.items() if k != tuning.ENV}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={**clean, **env}
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip() == expected


def test_a_clirunner_call_leaves_the_interpreter_as_it_was(tmp_path, served_emulator) -> None:
    """Plan, apply and import through click's runner, against a real server: the collector's thresholds,
    its frozen objects and the switch interval are the test process's own before, during and after."""
    emu, url = served_emulator
    routes = "".join(
        f"  r{i}: {{priority: {i}, expression: 'match_recipient(\"r{i}@x.org\")', actions: ['stop()']}}\n"
        for i in range(30)
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "routes.yaml").write_text("routes:\n" + routes, encoding="utf-8")
    lock = str(tmp_path / "mgsync.lock")
    env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": url, "NO_COLOR": "1"}
    before = (gc.get_threshold(), gc.get_freeze_count(), sys.getswitchinterval(), gc.isenabled())
    seen: set[float] = set()
    collecting: set[bool] = set()
    stop = threading.Event()

    def sample() -> None:  # the switch interval while the commands read
        while not stop.is_set():
            seen.add(sys.getswitchinterval())
            collecting.add(gc.isenabled())
            time.sleep(0.0002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        for args in (
            ["plan", "--lockfile", lock, str(tmp_path / "in")],
            ["apply", "--yes", "--lockfile", lock, str(tmp_path / "in")],
            ["import", "--out", str(tmp_path / "out")],
        ):
            result = CliRunner().invoke(main, args, env=env)
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        sampler.join()
    assert len(emu.store.routes) == 30 and (tmp_path / "out" / "routes.yaml").exists()
    assert (gc.get_threshold(), gc.get_freeze_count(), sys.getswitchinterval(), gc.isenabled()) == before
    assert seen == {before[2]} and collecting == {before[3]}


def test_untuned_hooks_do_nothing() -> None:
    assert not tuning.is_on()  # nothing in a test process switches it on
    frozen, interval, collecting = gc.get_freeze_count(), sys.getswitchinterval(), gc.isenabled()
    tuning.settled()
    with tuning.responsive(), tuning.handing_over():
        assert sys.getswitchinterval() == interval and gc.isenabled() == collecting
    assert gc.get_freeze_count() == frozen

    class Made:
        pass

    made = Made()
    ref = weakref.ref(made)
    tuning.keep(made)
    del made
    assert ref() is None  # a test process frees what a command keeps


def test_loading_leaves_next_to_no_garbage_for_settled_to_freeze(tmp_path) -> None:
    """``settled`` freezes what exists without a collection first: the YAML parse must not leave a
    node tree (a mark per token) in reference cycles for it to keep."""
    from mgsync.manifest import yamlfile

    routes = "".join(
        f"  r{i}: {{priority: {i}, expression: 'match_recipient(\"r{i}@x.org\")', actions: ['stop()']}}\n"
        for i in range(300)
    )
    (tmp_path / "routes.yaml").write_text("routes:\n" + routes, encoding="utf-8")
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


# --- Ctrl-C while an apply writes (graceful_interrupt) -------------------------------------------


def _interrupt_self(seen: threading.Event) -> None:
    """SIGINT to this process, as a terminal's Ctrl-C; returns once ``seen`` is set (5 s at most),
    unless the handler raises meanwhile."""
    os.kill(os.getpid(), signal.SIGINT)
    deadline = time.monotonic() + 5
    while not seen.is_set() and time.monotonic() < deadline:
        time.sleep(0.001)


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(SIGINT) to itself is POSIX")
def test_a_first_ctrl_c_is_noted_and_a_second_raises() -> None:
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with tuning.graceful_interrupt() as interrupted:
            assert not interrupted.is_set()
            _interrupt_self(interrupted)
            assert interrupted.is_set()  # noted, nothing raised
            with pytest.raises(KeyboardInterrupt):
                _interrupt_self(threading.Event())  # never set: the handler raises while it waits
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Python's own again
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(SIGTERM) to itself is POSIX")
def test_a_first_sigterm_is_noted_and_a_second_raises_terminated() -> None:
    """As Ctrl-C, but the caller is told to stop with ``Terminated`` (exit 143); in a fresh interpreter,
    whose SIGTERM is the system's default (ending the test process were the handler missing)."""
    script = (
        "import os, signal, time\n"
        "from mgsync import tuning\n"
        "def wait(done):\n"
        "    deadline = time.monotonic() + 5\n"
        "    while not done() and time.monotonic() < deadline:\n"
        "        time.sleep(0.001)\n"
        "with tuning.graceful_interrupt() as interrupted:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    wait(interrupted.is_set)\n"
        "    print(interrupted.is_set(), type(interrupted.stop()).__name__, interrupted.stop().exit_code)\n"
        "    try:\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        wait(lambda: False)\n"
        "    except tuning.Terminated:\n"
        "        print('second: Terminated')\n"
        "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["True Terminated 143", "second: Terminated", "True"]


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(SIGINT) to itself is POSIX")
def test_a_handler_of_the_embedding_program_is_kept() -> None:
    caught = threading.Event()
    before = signal.signal(signal.SIGINT, lambda signum, frame: caught.set())
    try:
        with tuning.graceful_interrupt() as interrupted:
            _interrupt_self(caught)
        assert caught.is_set() and not interrupted.is_set()
    finally:
        signal.signal(signal.SIGINT, before)


def test_outside_the_main_thread_ctrl_c_is_left_alone() -> None:
    found: list[object] = []

    def inside() -> None:
        with tuning.graceful_interrupt() as interrupted:
            found.append(signal.getsignal(signal.SIGINT))
            found.append(interrupted.is_set())

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=inside)
    thread.start()
    thread.join()
    assert found == [before, False]


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_worker_threads_leave_ctrl_c_to_the_main_thread() -> None:
    """mgsync's pools start their threads with ``worker_started``: SIGINT and SIGTERM are blocked there,
    not here."""
    from mgsync.pool import Pool

    masks: list[set[signal.Signals]] = []
    pool = Pool(2)
    try:
        pool.submit(lambda _: masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, [])), None).result()
    finally:
        pool.close()
    assert {signal.SIGINT, signal.SIGTERM} <= masks[0]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
