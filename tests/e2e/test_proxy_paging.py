"""Plan and import through a real reverse proxy on loopback whose upstream names its own host in paging links.

The proxy forwards to the served emulator with the ``Host`` header rewritten to a trap server's address,
so every paging link (both pivot styles; skip/limit pages carry none) names the trap. mgsync must put
each link's path and query on its base URL: the trap never sees a request, the proxy sees them all.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from mgsync.cli import main
from mgsync.emulator import Emulator
from mgsync.emulator.server import serve

KEY, GATEWAY_KEY = "proxy-key", "gateway-key"
D = "mg.example.com"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Seen:
    requests: list[tuple[str, str, bool]] = field(default_factory=list)  # method, path, sent a key
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, authorized: bool) -> None:
        with self.lock:
            self.requests.append((method, path, authorized))


@contextmanager
def listen(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def trap(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Trap(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.add(self.command, self.path, "Authorization" in self.headers)
            self.send_error(502)

        do_POST = do_PUT = do_DELETE = do_GET

        def log_message(self, *args: object) -> None:
            pass

    return Trap


def proxy(upstream: str, advertised: str, strip: str, seen: Seen) -> type[BaseHTTPRequestHandler]:
    """Forward to ``upstream`` (``host:port``) with ``Host: advertised``, dropping a ``strip`` prefix."""

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def forward(self) -> None:
            seen.add(self.command, self.path, "Authorization" in self.headers)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path[len(strip) :] if strip and self.path.startswith(strip + "/") else self.path
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection = http.client.HTTPConnection(*upstream.split(":"), timeout=10)
            try:
                connection.request(self.command, path, body=body or None, headers={**headers, "Host": advertised})
                answer = connection.getresponse()
                payload = answer.read()
            finally:
                connection.close()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = forward

        def log_message(self, *args: object) -> None:
            pass

    return Proxy


def seed(emu: Emulator) -> None:
    """Each paged collection more than a page deep at mgsync's page sizes: 1000 for suppressions and
    members, 100 for templates (§6.2)."""
    store = emu.store
    store.add_domain(D, state="active")
    store.add_bounces(D, [{"address": f"b{i:04d}@example.net"} for i in range(1001)])  # 2 pages (address pivot)
    for i in range(101):  # 2 pages (p pivot)
        store.add_template(D, f"t{i:03d}", "", [{"tag": "v1", "template": f"<p>{i}</p>"}])
    store.add_list("news@mg.example.com")
    members = [{"address": f"m{i:04d}@example.org"} for i in range(1001)]
    store.add_members("news@mg.example.com", members)  # 2 pages (the lists' dialect of the address pivot)
    for i in range(3):
        store.add_route(f'match_recipient("r{i}@mg.example.com")', ["stop()"], description=f"r{i}")


MODES = {  # base URL path, what the proxy strips before forwarding, whether the emulator sees its gateway
    "at the root": ("", "", False),
    "under a prefix the upstream does not know": ("/mailgun", "/mailgun", False),
    "under a prefix the upstream repeats in its links": ("/mailgun", "", True),
}


@pytest.mark.parametrize("mode", MODES)
def test_plan_and_import_page_through_the_proxy(mode: str, tmp_path: Path) -> None:
    prefix, strip, gateway = MODES[mode]
    emu = Emulator(api_key=KEY, gateway_key=GATEWAY_KEY)
    seed(emu)
    trapped, proxied = Seen(), Seen()
    with (
        serve(emu) as upstream,
        listen(trap(trapped)) as trap_at,
        listen(proxy(f"{upstream.host}:{upstream.port}", trap_at, strip, proxied)) as proxy_at,
    ):
        env = {"MAILGUN_BASE_URL": f"http://{proxy_at}{prefix}", "NO_COLOR": "1", "MGSYNC_DEBUG": ""}
        env |= {"MATON_API_KEY": GATEWAY_KEY} if gateway else {"MAILGUN_API_KEY": KEY}
        out = tmp_path / "manifests"
        imported = CliRunner().invoke(main, ["import", "--out", str(out)], env=env)
        assert imported.exit_code == 0, imported.stderr
        # Every page arrived: 1 domain, its tracking, 3 routes, 1 list, 1001 members, 1001 bounces, 101 templates.
        assert imported.stdout.startswith("Imported 1 domain, 3 routes, 1 mailing list (2,111 objects)")
        planned = CliRunner().invoke(main, ["plan", "--detailed-exitcode", str(out)], env=env)
        assert planned.exit_code == 0, planned.stdout + planned.stderr
    assert trapped.requests == []
    assert len(proxied.requests) == len(emu.log) and all(authorized for *_, authorized in proxied.requests)
    followed = [e for e in emu.log if "page=next" in e.query]
    for path in (f"/v3/{D}/bounces", f"/v3/{D}/templates", "/v3/lists/news@mg.example.com/members/pages"):
        assert sum(e.path == path for e in followed) >= 2, path  # each read twice: import, then plan
    assert all(path.startswith(prefix + "/v") for _, path, _ in proxied.requests)
