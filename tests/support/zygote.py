"""The real ``mgsync`` command in a process of its own, without paying its imports each time.

The suite starts about a thousand ``mgsync`` processes, and each spent about 0.45 s of CPU importing
pydantic, click and ruamel.yaml and building mgsync's models before it did anything: close to half
of the suite's CPU. On Linux a *zygote*, one per pytest process (and per startup settings that a
shim needs) and started on first use, imports once ``mgsync.cli`` and every module a command may
import later; for each command it forks a process that takes the command's arguments,
environment, working directory and standard streams and runs ``mgsync.cli.run``, what the console
script runs, which ends the process with the command's code. Each command is still a process of its
own, with its exit code, pipes, signals, locks and memory; only the imports are done once.

``run`` returns None where a fresh interpreter could behave otherwise, and the caller starts the
console script as before: off Linux, with ``MGSYNC_TEST_NO_ZYGOTE`` set, for a script other than
the one beside this Python (which the zygote runs), and for an environment whose settings an
interpreter reads as it starts (``PYTHON*``, ``LC_*``, ``LANG``; ``TZ`` is read again:
``time.tzset``) differ from this process's.

Programs that a script calls by path, as the GitHub action's scripts call ``$MGSYNC_BIN/mgsync``,
can be *shims* of them (``shims``, ``shim.py``) that hand their commands to a zygote.

The zygote answers each connection on its Unix socket: a request (argv, cwd, env, and for
``python -P -m`` the module, for ``python -P -c`` the code; ``shim.py``) with the command's three
standard streams as file descriptors (``SCM_RIGHTS``). It forks the command, sends its pid, and
once the command's pidfd says it ended, its wait status. The zygote itself stays single-threaded,
so forking it is safe, and it ends when the pytest process that started it does (its lifeline pipe
closes). (A supervisor process per command, forked to wait for it, cost one more fork of the
zygote's whole heap: ~6 ms of CPU a command on a 2-core VM.)
"""

from __future__ import annotations

import array
import atexit
import contextlib
import functools
import importlib
import io
import os
import pkgutil
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.shim import HEADER, SOCKETS, STARTUP_ENV, Started, decode, socket_name, startup_env

OFF = "MGSYNC_TEST_NO_ZYGOTE"  # set (non-empty): every command from the console script, to tell a fault of the zygote
REPO = Path(__file__).resolve().parents[2]
BOOT = "import sys; from tests.support.zygote import serve; serve(*sys.argv[1:])"


class Zygote:
    """One zygote process, started with ``env``, and the path of its socket."""

    def __init__(self, env: dict[str, str], path: str) -> None:
        self.path = path
        lifeline, self._lifeline = os.pipe()  # the zygote ends when this write end closes
        self._process = subprocess.Popen(
            [sys.executable, "-c", BOOT, self.path, str(lifeline)],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=(lifeline,),
        )
        os.close(lifeline)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.path):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the mgsync zygote did not start (exit code {self._process.returncode})")
            time.sleep(0.01)

    def close(self) -> None:
        os.close(self._lifeline)
        self._process.wait()

    def start(
        self, argv: list[str], cwd: str, env: dict[str, str], fds: tuple[int, int, int], limits: Limits | None = None
    ) -> Started:
        request: dict[str, Any] = {"argv": argv, "cwd": cwd, "env": env}
        if limits is not None:
            request["limits"] = {"resources": limits.resources, "ignored": limits.ignored}
        return Started(self.path, request, fds)


_ZYGOTES: dict[str, Zygote] = {}
_LOCK = threading.Lock()
_SOCKETS: list[str] = []


def _sockets() -> str:
    if not _SOCKETS:
        _SOCKETS.append(tempfile.mkdtemp(prefix="mgsync-zygote-"))
        atexit.register(shutil.rmtree, _SOCKETS[0], True)
    return _SOCKETS[0]


def available() -> bool:
    """Whether commands may run in zygotes here (Linux, and ``MGSYNC_TEST_NO_ZYGOTE`` not set)."""
    return sys.platform.startswith("linux") and not os.environ.get(OFF)


def zygote_for(env: dict[str, str]) -> Zygote:
    """This process's zygote for ``env``'s startup settings, started on first use (ended with the process)."""
    name = socket_name(env)
    with _LOCK:
        if name not in _ZYGOTES:
            base = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", *STARTUP_ENV))}
            _ZYGOTES[name] = Zygote({**base, **startup_env(env)}, os.path.join(_sockets(), name))
            atexit.register(_ZYGOTES[name].close)
        return _ZYGOTES[name]


@dataclass(frozen=True)
class Limits:
    """What a test holds a command's process to, set in it before it runs (``restrict``): resource
    limits (``RLIMIT_*`` name -> its soft and hard value) and signals it ignores (``SIGXFSZ``, so
    that a write past ``RLIMIT_FSIZE`` fails with EFBIG instead of ending the process)."""

    resources: dict[str, int] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    def preexec(self) -> Callable[[], None]:
        """``restrict`` as ``subprocess``'s ``preexec_fn``: the same limits for a console script."""
        return functools.partial(restrict, self.resources, self.ignored)


def restrict(resources: dict[str, int], ignored: Sequence[str]) -> None:
    """In the command's process, before it runs (the zygote's fork, or ``preexec_fn``): ``Limits``."""
    import resource
    import signal

    for name in ignored:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    for name, value in resources.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def run(
    argv: list[str],
    *,
    cwd: str,
    env: dict[str, str],
    input: str | None,
    timeout: float,
    limits: Limits | None = None,
) -> subprocess.CompletedProcess[str] | None:
    """``subprocess.run(argv, cwd=cwd, env=env, input=input, capture_output=True, encoding="utf-8",
    timeout=timeout, preexec_fn=limits.preexec())`` as this process's zygote runs it; None where the
    caller should start it anew."""
    if not available():
        return None
    if Path(argv[0]).parent != Path(sys.executable).parent:  # not the console script this Python runs
        return None
    if startup_env(env) != startup_env(dict(os.environ)):  # only this process's own settings: no zygote each
        return None
    zygote = zygote_for(env)
    stdin_read, stdin_write = os.pipe() if input is not None else (0, -1)
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    try:
        started = zygote.start(argv, cwd, env, (stdin_read, out_write, err_write), limits)
    finally:
        for fd in (out_write, err_write, *((stdin_read,) if input is not None else ())):
            os.close(fd)
    try:
        out, err = _communicate(started.pid, stdin_write, out_read, err_read, input, timeout, argv)
        return subprocess.CompletedProcess(argv, started.wait(), _text(out), _text(err))
    finally:
        started.close()


def _communicate(
    pid: int, stdin: int, out: int, err: int, input: str | None, timeout: float, argv: list[str]
) -> tuple[bytes, bytes]:
    """Write ``input`` and read both outputs to their ends, as ``Popen.communicate`` does; past
    ``timeout`` the command is killed and ``TimeoutExpired`` raised."""
    pending = (input or "").encode()
    read: dict[int, bytearray] = {out: bytearray(), err: bytearray()}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector, _closing(selector):
        for fd in read:
            selector.register(fd, selectors.EVENT_READ)
        if stdin >= 0:
            os.set_blocking(stdin, False)
            selector.register(stdin, selectors.EVENT_WRITE)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
                raise subprocess.TimeoutExpired(argv, timeout)
            for key, _ in selector.select(left):
                fd = key.fd
                if fd == stdin:
                    try:
                        pending = pending[os.write(fd, pending[:65536]) :]
                    except BrokenPipeError:
                        pending = b""
                    if not pending:
                        selector.unregister(fd)
                        os.close(fd)
                    continue
                chunk = os.read(fd, 65536)
                if chunk:
                    read[fd] += chunk
                else:
                    selector.unregister(fd)
                    os.close(fd)
    return bytes(read[out]), bytes(read[err])


@contextlib.contextmanager
def _closing(selector: selectors.BaseSelector) -> Iterator[None]:
    """Close the descriptors still registered when the block ends (a timeout: the command killed)."""
    try:
        yield
    finally:
        for fd in list(selector.get_map()):
            selector.unregister(fd)
            os.close(fd)


def _text(data: bytes) -> str:
    """As ``subprocess.run(encoding="utf-8")`` reads a pipe: decoded, universal newlines."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


# --- shims: programs that scripts call by path ---------------------------------------------------


def shims(directory: Path) -> Path:
    """``mgsync`` and ``python`` in ``directory``: shims of the ones beside this Python (``shim.py``).
    A script that runs them needs ``ready(env)`` as its environment."""
    here = Path(sys.executable).parent
    directory.mkdir(parents=True, exist_ok=True)
    for program, real in (("mgsync", here / "mgsync"), ("python", Path(sys.executable))):
        script = directory / program
        script.write_text(
            f"#!{sys.executable} -IS\nimport sys\nsys.path.insert(0, {str(REPO)!r})\n"
            f"from tests.support.shim import delegate\ndelegate({program!r}, {str(real)!r})\n",
            encoding="utf-8",
        )
        script.chmod(0o755)
    return directory


def ready(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the directory of the zygotes' sockets, the one for its startup settings started."""
    zygote_for(env)
    return {**env, SOCKETS: _sockets()}


def on_path(env: dict[str, str], directory: Path) -> dict[str, str]:
    """``env`` with the shims in ``directory`` (``shims``) first on PATH, ``ready`` for their zygote: a
    shell whose ``mgsync`` and ``python -P -m mgsync`` are the shims."""
    return ready({**env, "PATH": f"{directory}{os.pathsep}{env['PATH']}"})


# --- the zygote's side ----------------------------------------------------------------------------


def serve(path: str, lifeline: str) -> None:
    # what every command imports, and every mgsync module a command imports when it needs it (the
    # manifest loader, the engine, the emulator, ``python -m mgsync.gitops``'s steps): done once.
    # Not a ``__main__``: runpy runs those as the command itself (imported before, it would warn).
    importlib.import_module("mgsync.cli")
    for module in pkgutil.walk_packages(importlib.import_module("mgsync").__path__, "mgsync."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)
    # and the verifying TLS context their HTTPS clients share: the CA bundle loaded once too (built
    # again in a command whose SSL_CERT_FILE or SSL_CERT_DIR differs: mgsync.tls keys it on them)
    importlib.import_module("mgsync.tls").context()

    # the console script's sys.path starts with its own directory; ``-c`` put the working directory
    # there, which a command's later imports would search first (it becomes each command's own)
    sys.path[0] = os.path.dirname(sys.executable)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(64)
    os.rename(path + ".new", path)  # the socket is there once it accepts
    # registered: the listener, the lifeline, and each running command's pidfd with (pid, connection)
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        selector.register(int(lifeline), selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is listener:
                    _start(selector, listener.accept()[0])
                elif key.data is None:  # the lifeline: the pytest process ended
                    os._exit(0)
                else:  # a command's pidfd: the command ended
                    pid, conn = key.data
                    selector.unregister(key.fd)
                    os.close(key.fd)
                    _send(conn, os.waitpid(pid, 0)[1])
                    conn.close()


def _start(selector: selectors.BaseSelector, conn: socket.socket) -> None:
    """Fork the command ``conn`` asks for, send its pid, and register its pidfd (readable once it ended,
    at once if it has) with its pid and ``conn``. The command keeps none of the zygote's descriptors."""
    request, fds = _receive(conn)
    pid = os.fork()
    if pid == 0:
        # the listener, the lifeline, other commands' pidfds and connections (the listener's socket
        # object is never finalized, so it never closes its number again: the command ends in os._exit)
        for key in selector.get_map().values():
            os.close(key.fd)
            if key.data is not None:
                key.data[1].close()
        selector.close()
        conn.close()
        _command(request, fds)
    for fd in fds:
        os.close(fd)
    selector.register(os.pidfd_open(pid), selectors.EVENT_READ, (pid, conn))
    _send(conn, pid)


def _send(conn: socket.socket, number: int) -> None:
    """A line to the caller: the command's pid, then its wait status (none if the caller is gone)."""
    with contextlib.suppress(OSError):
        conn.sendall(f"{number}\n".encode())


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    fds = array.array("i")
    header, ancillary, _, _ = conn.recvmsg(HEADER.size, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    (size,) = HEADER.unpack(header)
    body = b""
    while len(body) < size:
        body += conn.recv(size - len(body))
    return decode(body), list(fds)


def _command(request: dict[str, Any], fds: list[int]) -> None:
    """The command's process: its streams, directory, environment, arguments, then ``cli.run`` (or the
    module or the code, as ``python -P -m`` and ``-P -c`` run them); it ends as Python would end the
    console script's (``cli.run`` itself ends it when tuned)."""
    import random
    import runpy

    code: Any = 0
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _standard_streams()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if "limits" in request:
            restrict(request["limits"]["resources"], request["limits"]["ignored"])
        time.tzset()
        random.seed()  # as a new interpreter would seed it
        sys.argv = list(request["argv"])
        sys.executable = request.get("executable") or sys.executable
        if request.get("module"):
            del sys.path[0]  # ``python -P -m``: neither the script's directory nor the working directory
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        elif "source" in request:
            del sys.path[0]  # ``python -P -c`` as well
            _run_source(request["source"])
        else:
            from mgsync.cli import run as command

            command()
    except SystemExit as done:
        code = done.code
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    with contextlib.suppress(BaseException):
        threading._shutdown()  # type: ignore[attr-defined]  # as at the interpreter's end: join its threads
        atexit._run_exitfuncs()
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _run_source(source: str) -> None:
    """``python -P -c source``: the code in a ``__main__`` of its own; an error ends it with code 1 and
    the traceback the interpreter prints, from the code's own frames on."""
    import traceback
    import types

    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    try:
        exec(compile(source, "<string>", "exec"), main.__dict__)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as error:
        traceback.print_exception(type(error), error, error.__traceback__ and error.__traceback__.tb_next)
        raise SystemExit(1) from None


def _standard_streams() -> None:
    """``sys.stdin``, ``stdout`` and ``stderr`` made anew for descriptors 0-2 as the interpreter makes
    them as it starts (CPython's ``create_stdio`` on POSIX): the zygote's were made for its own
    streams, and a file object caches what its descriptor was (``seekable``, a TTY or not)."""
    encoding, errors = sys.stdout.encoding, sys.stdout.errors  # from the same startup settings
    sys.stdin = sys.__stdin__ = _stream(0, "rb", encoding, errors)
    sys.stdout = sys.__stdout__ = _stream(1, "wb", encoding, errors)
    sys.stderr = sys.__stderr__ = _stream(2, "wb", encoding, "backslashreplace")


def _stream(fd: int, mode: str, encoding: str, errors: str) -> io.TextIOWrapper:
    buffered = open(fd, mode, closefd=False)  # noqa: SIM115 - the interpreter's own, for the process's life
    line_buffering = mode == "wb" and (fd == 2 or os.isatty(fd))
    return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline="\n", line_buffering=line_buffering)
