"""How a command reaches a zygote (``zygote.py``), and the shims that scripts call by path.

A shim stands for ``mgsync`` or ``python`` in a directory a script calls them from, as the GitHub
action's scripts call ``$MGSYNC_BIN/mgsync`` and ``$MGSYNC_BIN/python -m mgsync.gitops``
(``zygote.shims`` writes them). It connects to the zygote of its startup settings, hands it its own
arguments, environment, working directory and standard streams, waits, and ends with the command's
code or signal. ``python`` runs in a zygote only as the action runs it, ``-P -m`` and one of
``MODULES`` (``-P``: nothing imported from the working directory, and the zygote has its imports
done); with any other arguments, and any command without a running zygote, it is the real program.

A shim starts for every command, so this module imports only what the interpreter has at hand:
the request is ``marshal``'s, the socket's name a CRC of the startup settings.
"""

from __future__ import annotations

import marshal
import os
import signal
import socket
import struct
import sys
import zlib
from typing import Any, NoReturn

STARTUP_ENV = ("PYTHON", "LC_", "LANG")  # what an interpreter reads as it starts
SOCKETS = "MGSYNC_TEST_ZYGOTES"  # a shim's environment: the directory of the zygotes' sockets
MODULES = ("mgsync", "mgsync.gitops")  # what a ``python`` shim runs in a zygote with ``-P -m``
HEADER = struct.Struct("!I")


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
        self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._conn.connect(path)
        data = encode(request)
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
        self._conn.sendmsg([HEADER.pack(len(data)), data], rights)
        self.pid = int(self._line())

    def wait(self) -> int:
        """The exit code, or minus the signal that ended the command (as ``subprocess`` has it)."""
        return os.waitstatus_to_exitcode(int(self._line()))

    def close(self) -> None:
        self._conn.close()

    def _line(self) -> str:
        data = b""
        while not data.endswith(b"\n"):
            chunk = self._conn.recv(64)
            if not chunk:
                raise RuntimeError("the mgsync zygote ended the connection: see its stderr")
            data += chunk
        return data.decode()


def delegate(program: str, real: str) -> NoReturn:
    """A shim's side: the zygote for this process's startup settings runs ``real`` with this process's
    arguments, environment, directory and standard streams, and the shim ends as the command did."""
    args = sys.argv[1:]
    module = args[2] if program == "python" and args[:2] == ["-P", "-m"] and args[2:3] and args[2] in MODULES else None
    env = dict(os.environ)
    path = os.path.join(env.get(SOCKETS, ""), socket_name(env))
    if (program == "python" and module is None) or not env.get(SOCKETS) or not os.path.exists(path):
        os.execv(real, [real, *args])
    request: dict[str, Any] = {"argv": [real, *args], "cwd": os.getcwd(), "env": env}
    if module is not None:  # run as ``python -P -m``, whose sys.executable is the python called: this shim
        request.update(argv=[real, *args[3:]], module=module, executable=os.path.abspath(sys.argv[0]))
    started = Started(path, request, (0, 1, 2))
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda received, _: os.kill(started.pid, received))
    code = started.wait()
    if code < 0:  # ended by a signal: so does the shim
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)
