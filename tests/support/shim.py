"""How a command reaches a zygote (``zygote.py``), and the shims that scripts call by path.

A shim stands for ``mgsync`` or ``python`` in a directory a script calls them from, as the GitHub
action's scripts call ``$MGSYNC_BIN/mgsync`` and ``$MGSYNC_BIN/python -m mgsync.gitops``
(``zygote.shims`` writes them). It connects to the zygote of its startup settings, hands it its own
arguments, environment, working directory and standard streams, waits, and ends with the command's
code or signal. ``python`` runs in a zygote only as the action runs it: ``-P -m`` and one of
``MODULES``, or ``-P -c`` and its code (``-P``: nothing imported from the working directory, and the
zygote has its imports done); with any other arguments, and any command without a running zygote,
it is the real program.

A shim starts for every command (about 700 in the GitHub loop's tests), so this module imports only
C modules that load in well under a millisecond: ``_socket``, ``_signal`` and ``_struct``, not
``socket``, ``signal`` and ``struct``, which import ``enum`` (with ``typing``, 30 ms of the shim's
~50). The request is ``marshal``'s, the socket's name a CRC of the startup settings.
"""

from __future__ import annotations

import _signal
import _socket
import _struct
import marshal
import os
import sys
import zlib

TYPE_CHECKING = False  # typing itself is not imported: the annotations are strings
if TYPE_CHECKING:
    from typing import Any, NoReturn

STARTUP_ENV = ("PYTHON", "LC_", "LANG")  # what an interpreter reads as it starts
SOCKETS = "MGSYNC_TEST_ZYGOTES"  # a shim's environment: the directory of the zygotes' sockets
MODULES = ("mgsync", "mgsync.gitops")  # what a ``python`` shim runs in a zygote with ``-P -m``
HEADER = _struct.Struct("!I")


def startup_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(STARTUP_ENV)}


def socket_name(env: dict[str, str]) -> str:
    """The name of the socket of the zygote for ``env``'s startup settings."""
    settings = "\0".join(f"{k}={v}" for k, v in sorted(startup_env(env).items()))
    return f"{zlib.crc32(settings.encode('utf-8', 'surrogateescape')):08x}"


def encode(request: dict[str, Any]) -> bytes:
    return marshal.dumps(request)


def decode(data: bytes) -> dict[str, Any]:
    request = marshal.loads(data)
    assert isinstance(request, dict), request
    return request


class Started:
    """A command a zygote started: its pid, and its exit code once it ended."""

    def __init__(self, path: str, request: dict[str, Any], fds: tuple[int, int, int]) -> None:
        """Ask the zygote at ``path`` to run ``request`` (argv, cwd, env; for ``python -m`` module and
        executable) with ``fds`` as its standard streams."""
        self._conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self._conn.connect(path)
        data = encode(request)
        rights = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, _struct.pack(f"{len(fds)}i", *fds))]
        self._conn.sendmsg([HEADER.pack(len(data)), data], rights)
        self._read = b""  # what arrived and is not a line yet
        self.pid = int(self._line())

    def wait(self) -> int:
        """The exit code, or minus the signal that ended the command (as ``subprocess`` has it)."""
        return os.waitstatus_to_exitcode(int(self._line()))

    def close(self) -> None:
        self._conn.close()

    def _line(self) -> str:
        """The next line the zygote sent. A command that ends at once sends its status right behind its
        pid, and one read can hold both: the rest is the next line's."""
        while b"\n" not in self._read:
            chunk = self._conn.recv(64)
            if not chunk:
                raise RuntimeError("the mgsync zygote ended the connection: see its stderr")
            self._read += chunk
        line, _, self._read = self._read.partition(b"\n")
        return line.decode()


def delegate(program: str, real: str) -> NoReturn:
    """A shim's side: the zygote for this process's startup settings runs ``real`` with this process's
    arguments, environment, directory and standard streams, and the shim ends as the command did."""
    args = sys.argv[1:]
    python = program == "python" and args[:1] == ["-P"] and len(args) >= 3
    module = args[2] if python and args[1] == "-m" and args[2] in MODULES else None
    source = args[2] if python and args[1] == "-c" else None
    env = dict(os.environ)
    path = os.path.join(env.get(SOCKETS, ""), socket_name(env))
    if (program == "python" and module is None and source is None) or not env.get(SOCKETS) or not os.path.exists(path):
        os.execv(real, [real, *args])
    request: dict[str, Any] = {"argv": [real, *args], "cwd": os.getcwd(), "env": env}
    if module is not None:  # run as ``python -P -m``, whose sys.executable is the python called: this shim
        request.update(argv=[real, *args[3:]], module=module, executable=os.path.abspath(sys.argv[0]))
    if source is not None:  # ``python -P -c``: its sys.argv[0] is "-c"
        request.update(argv=["-c", *args[3:]], source=source, executable=os.path.abspath(sys.argv[0]))
    started = Started(path, request, (0, 1, 2))
    for number in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(number, lambda received, _: os.kill(started.pid, received))
    code = started.wait()
    if code < 0:  # ended by a signal: so does the shim
        _signal.signal(-code, _signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)
