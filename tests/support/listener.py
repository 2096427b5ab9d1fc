"""A bare TCP listener on 127.0.0.1 for servers no HTTP library would write: one that never answers
(tests/client/test_timeouts.py), one that answers with bodies no Mailgun sends (test_body_bounds.py)."""

from __future__ import annotations

import socket
import threading


class Listener:
    """Accepts every connection on a free port of 127.0.0.1 and hands it to ``accepted`` (on the one
    accepting thread) until ``close``."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def accepted(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.accepted(conn)

    def close(self) -> None:
        self.sock.close()
