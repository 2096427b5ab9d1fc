"""A real authoritative DNS server on 127.0.0.1 (dnslib, UDP and TCP on one random port) serving
zone-file text, for ``mgsync dns check``. Never touches public DNS."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dnslib.server import DNSServer
from dnslib.zoneresolver import ZoneResolver


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (dnspython retries a truncated answer over TCP)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port free for both UDP and TCP on 127.0.0.1")


@contextmanager
def dns_server(zone_text: str) -> Iterator[str]:
    """Serve ``zone_text``; yields ``127.0.0.1:PORT`` for ``--resolver``."""
    resolver = ZoneResolver(zone_text)
    port = free_port()
    servers = [DNSServer(resolver, address="127.0.0.1", port=port, tcp=tcp, logger=_Quiet()) for tcp in (False, True)]
    threads = [
        threading.Thread(target=s.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True) for s in servers
    ]  # a short poll: stopping waits for it, dnslib's default is 0.5 s
    for thread in threads:
        thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for server in servers:
            server.server.shutdown()
            server.server.server_close()


class _Quiet:
    """dnslib's logger interface, silent."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None
