"""The emulator as a real HTTP/1.1 server on loopback (stdlib ``ThreadingHTTPServer``, keep-alive).

``serve()`` runs it on a background thread for tests, over TLS when given a server context (the
client's certificate checks); ``serve_forever()`` blocks for the CLI and stops cleanly on Ctrl-C. A
dropped-connection fault closes the socket without writing a response; a client that disconnects
before its answer is written, or refuses the TLS handshake, is not reported (``_Server.handle_error``).
"""

from __future__ import annotations

import json
import socket
import ssl
import string
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mgsync.emulator.app import Emulator
from mgsync.emulator.faults import DropConnection
from mgsync.errors import ConfigError, MgsyncError


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "mgsync-emulator"
    sys_version = ""
    emulator: Emulator  # set on the per-server subclass

    def _answer(self) -> None:
        try:
            body = self._read_body()
            status, headers, payload = self.emulator.handle(self.command, self.path, dict(self.headers.items()), body)
        except _Unreadable as err:  # the body cannot be read, so neither can the next request on this connection
            self.close_connection = True
            status, headers = err.status, [("Content-Type", "application/json"), ("Connection", "close")]
            payload = json.dumps({"message": err.message}).encode()
        except MgsyncError as err:  # the state file cannot be saved: the client hears 500, whoever serves one line
            sys.stderr.write(f"Error: {err}\n")
            status, headers = 500, [("Content-Type", "application/json")]
            payload = json.dumps({"message": str(err)}).encode()
        except DropConnection:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                size = _size(self.rfile.readline().split(b";")[0].strip() or b"0", 16, "chunk size")
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise _Unreadable(413, TOO_LARGE)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = _size(self.headers.get("Content-Length") or "0", 10, "Content-Length")
        if length > MAX_BODY:
            raise _Unreadable(413, TOO_LARGE)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:  # quiet: the emulator keeps its own log
        pass


# What the emulator reads of one request body. Mailgun's own limit is UNCONFIRMED (its messages may
# be 25 MB); this only keeps a wrong Content-Length from making the server allocate it.
MAX_BODY = 64 * 1024 * 1024
TOO_LARGE = f"Request body larger than {MAX_BODY // (1024 * 1024)} MiB"


class _Unreadable(Exception):
    """A request whose body cannot be read: answered ``status`` with ``message``, then the connection closes."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _size(text: str | bytes, base: int, what: str) -> int:
    """A body's or a chunk's length as the request states it: digits only (no sign, no space inside)."""
    raw = (text.decode("latin-1") if isinstance(text, bytes) else text).strip()
    if not raw or not set(raw) <= set(string.hexdigits if base == 16 else string.digits):
        raise _Unreadable(400, f"Bad Request: invalid {what} {raw[:40]!r}")
    return int(raw, base)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # HTTPServer sets SO_REUSEADDR (a restart binds a port in TIME_WAIT). On Windows that option lets a
    # second socket bind a port another one listens on (cpython#85307): a second emulator on a busy port
    # started silently, sharing its connections, instead of "Cannot listen on". Windows rebinds a port
    # in TIME_WAIT without it.
    allow_reuse_address = sys.platform != "win32"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left mid-request (reset, broken pipe) or refused the TLS handshake (it does not
        trust the certificate) is its own business: nothing is printed. Anything else keeps
        socketserver's report; an endpoint's own failure never gets here (``app`` answers it with a 500)."""
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


@dataclass(frozen=True)
class Running:
    url: str
    host: str
    port: int


def _make_server(emu: Emulator, host: str, port: int) -> _Server:
    handler = type("EmulatorHandler", (_Handler,), {"emulator": emu})
    try:
        return _Server((host, port), handler)
    except OSError as err:
        raise ConfigError(f"Cannot listen on {host}:{port}: {err.strerror}. Choose another --port.") from None


def _address(server: _Server) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return str(host), int(port)


def _url(server: _Server) -> str:
    host, port = _address(server)
    return f"{'https' if isinstance(server.socket, ssl.SSLSocket) else 'http'}://{host}:{port}"


@contextmanager
def serve(
    emu: Emulator, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
) -> Iterator[Running]:
    """Serve ``emu`` on a background thread for the duration of the ``with`` block; with ``tls``, as
    https (each connection's handshake on its own thread, so a client that fails it holds up no other)."""
    server = _make_server(emu, host, port)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="mgsync-emulator", daemon=True
    )
    thread.start()
    try:
        yield Running(_url(server), *_address(server))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve_forever(
    emu: Emulator, host: str = "127.0.0.1", port: int = 8025, announce: Callable[[str], None] | None = None
) -> None:
    """Serve until Ctrl-C (which stops cleanly, without a traceback)."""
    server = _make_server(emu, host, port)
    if announce is not None:
        announce(_url(server))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
