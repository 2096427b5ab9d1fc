"""A real authoritative DNS server on 127.0.0.1 (dnslib, UDP and TCP on one random port) serving
zone-file text, for ``mgsync dns check``. Never touches public DNS."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dnslib import RCODE, DNSError
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
def dns_server(zone_text: str, failing: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``zone_text``; yields ``127.0.0.1:PORT`` for ``--resolver``. ``failing`` maps a name to
    how its queries fail: ``SERVFAIL`` (a broken delegation's answer) or ``drop`` (no answer)."""
    resolver = _Failing(ZoneResolver(zone_text), failing or {})
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


class _Failing:
    def __init__(self, zone: ZoneResolver, failing: dict[str, str]) -> None:
        self.zone, self.failing = zone, failing

    def resolve(self, request, handler):
        how = self.failing.get(str(request.q.qname).rstrip(".").lower())
        if how == "drop":
            raise DNSError("dropped")  # dnslib's handler sends nothing
        if how == "SERVFAIL":
            reply = request.reply()
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        return self.zone.resolve(request, handler)


class _Quiet:
    """dnslib's logger interface, silent."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None
