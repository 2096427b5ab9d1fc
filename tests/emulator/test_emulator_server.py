"""The emulator over real HTTP on 127.0.0.1, state persistence, and ``mgsync emulator serve``."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.domains import SANDBOX
from mgsync.emulator.server import serve


def test_served_happy_paths(served_emulator) -> None:
    emu, url = served_emulator
    with httpx.Client(base_url=url, auth=("api", "test")) as c:
        created = c.post("/v4/domains", data={"name": "mg.example.com"})
        assert created.status_code == 200
        assert (
            c.post("/v3/mg.example.com/bounces", json=[{"address": f"b{i}@x.com"} for i in range(5)]).status_code == 200
        )
        body = c.get("/v3/mg.example.com/bounces", params={"limit": 2}).json()
        assert body["paging"]["next"] == f"{url}/v3/mg.example.com/bounces?page=next&address=b1%40x.com&limit=2&term="
        assert [i["address"] for i in c.get(body["paging"]["next"]).json()["items"]] == ["b2@x.com", "b3@x.com"]
        assert c.post("/v3/lists", files={"address": (None, "l@x.com")}).status_code == 200
        up = c.post("/v3/lists/l@x.com/members.csv", files={"members": ("m.csv", "address\na@x.com\n")})
        assert up.json()["list"]["members_count"] == 1
        assert c.get("/v3/mg.example.com/bounces/b0@x.com").json()["address"] == "b0@x.com"
        r = c.get("/v4/domains", auth=("api", "bad"))
        assert (r.status_code, r.text) == (401, "Forbidden")
        assert c.get("/v3/lists/").status_code == 404
        assert "x-request-reset" in created.headers
    assert emu.requests_count(path_prefix="/v3/mg.example.com/bounces") == 4


def test_server_keeps_connections_alive_and_is_thread_safe(served_emulator) -> None:
    import concurrent.futures

    emu, url = served_emulator
    emu.store.add_domain("mg.example.com")

    def add(i: int) -> int:
        with httpx.Client(base_url=url, auth=("api", "test")) as c:
            return sum(
                c.post("/v3/mg.example.com/complaints", data={"address": f"c{i}-{j}@x.com"}).status_code
                for j in range(20)
            )

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert list(pool.map(add, range(8))) == [200 * 20] * 8
    assert len(emu.store.suppression_table("mg.example.com", "complaints")) == 160


def test_state_persists_to_file(tmp_path: Path) -> None:
    state = tmp_path / "state" / "mg.json"
    emu = Emulator(api_key="test", state_file=state)
    with httpx.Client(transport=emu.transport(), base_url="http://e", auth=("api", "test")) as c:
        c.get("/v4/domains")
        assert not state.exists()  # reads never write
        c.post("/v4/domains", data={"name": "mg.example.com"})
        c.post("/v3/routes", data={"expression": "catch_all()", "action": "stop()"})
        c.post("/v3/mg.example.com/templates", data={"name": "t", "template": "x"})
        c.post("/v3/lists", data={"address": "l@x.com"})
        c.post("/v3/lists/l@x.com/members.json", data={"members": json.dumps(["m@x.com"])})
        c.post("/v3/mg.example.com/unsubscribes", data={"address": "u@x.com", "tag": "t"})
        assert c.post("/v4/domains", data={"name": "mg.example.com"}).status_code == 400
    assert json.loads(state.read_text())["format"] == 1
    again = Emulator.load(state, api_key="test")
    with httpx.Client(transport=again.transport(), base_url="http://e", auth=("api", "test")) as c:
        assert [d["name"] for d in c.get("/v4/domains").json()["items"]] == ["mg.example.com"]
        assert c.get("/v3/routes").json()["total_count"] == 1
        assert (
            c.get("/v3/mg.example.com/templates/t", params={"active": "yes"}).json()["template"]["version"]["template"]
            == "x"
        )
        assert c.get("/v3/lists/l@x.com/members/pages").json()["items"][0]["address"] == "m@x.com"
        assert c.get("/v3/mg.example.com/unsubscribes/u@x.com").json()["tags"] == ["t"]
    assert not list(state.parent.glob("*.tmp"))


def test_explicit_save(tmp_path: Path, emulator: Emulator) -> None:
    emulator.store.add_domain("seeded.example.com")
    emulator.save(tmp_path / "s.json")
    assert "seeded.example.com" in Emulator.load(tmp_path / "s.json").store.domains
    with pytest.raises(ValueError, match="no state_file configured"):
        emulator.save()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _interruptible() -> None:
    # A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored across
    # exec: a suite run in the background would then see Ctrl-C "not work". The test is about
    # mgsync's handling of the signal, so the server starts with the default disposition.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_cli(*args: str) -> tuple[subprocess.Popen, str]:
    # --memory unless a --state is given: never the user's .mgsync-emulator.json
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mgsync.cli",
            "emulator",
            "serve",
            *(args if "--state" in args else ("--memory", *args)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )
    line = proc.stderr.readline()
    assert line.startswith("Mailgun emulator on http://127.0.0.1:"), line
    return proc, line.split(" on ", 1)[1].strip()


@pytest.mark.skipif(
    sys.platform == "win32", reason="starts emulator serve with preexec_fn and stops it with a POSIX signal"
)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_serve_subprocess(tmp_path: Path, stop: signal.Signals) -> None:
    port = _free_port()
    proc, url = _start_cli("--port", str(port), "--api-key", "test", "--state", str(tmp_path / "s.json"))
    try:
        assert url == f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, auth=("api", "test"), timeout=5) as c:
            assert c.post("/v4/domains", data={"name": "mg.example.com"}).status_code == 200
            r = c.get("/v4/domains")
            assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
            # a new account: Mailgun's sandbox domain, then the one created (issue 18)
            assert r.json()["total_count"] == 2
            assert sorted(item["name"] for item in r.json()["items"]) == ["mg.example.com", SANDBOX]
    finally:
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err
    if stop == signal.SIGINT:
        assert proc.returncode == 0
    assert (tmp_path / "s.json").exists()


def test_cli_serve_port_in_use() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mgsync.cli", "emulator", "serve", "--memory", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: Cannot listen on 127.0.0.1:{port}:")
    assert "Traceback" not in result.stderr


def test_serve_context_manager_stops(emulator: Emulator) -> None:
    with serve(emulator) as srv:
        assert httpx.get(f"{srv.url}/v4/domains", auth=("api", "test")).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{srv.url}/v4/domains", timeout=1)


@pytest.mark.skipif(
    sys.platform == "win32", reason="starts emulator serve with preexec_fn and stops it with a POSIX signal"
)
def test_cli_serve_fault_and_gateway_options() -> None:
    proc, url = _start_cli(
        "--port",
        str(_free_port()),
        "--rate-limit-every",
        "2",
        "--reset-after",
        "0.05",
        "--gateway-key",
        "mtn",
        "--replace-body",
        "/v3/routes",
        "OK",
    )
    try:
        with httpx.Client(base_url=url, timeout=5) as c:
            assert c.get("/v4/domains", auth=("api", "test")).status_code == 200
            throttled = c.get("/mailgun/v4/domains", headers={"Authorization": "Bearer mtn"})
            assert throttled.status_code == 429 and throttled.json() == {"message": "Too Many Requests"}
            assert c.get("/mailgun/v4/domains", headers={"Authorization": "Bearer mtn"}).status_code == 200
            odd = [c.get("/v3/routes", auth=("api", "test")) for _ in range(2)]  # every 2nd one is a 429
            assert [(r.status_code, r.text) for r in odd] == [(429, '{"message":"Too Many Requests"}'), (200, "OK")]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def _raw(url: str, request: bytes) -> tuple[str, dict[str, object]]:
    """Send ``request`` as it is; the answer's status line and JSON body (the server then closes)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):  # read to the end: the server closes after such an answer
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), json.loads(body)


@pytest.mark.parametrize(
    ("framing", "status", "message"),
    [
        (b"Content-Length: -5", "400 Bad Request", "Bad Request: invalid Content-Length '-5'"),
        (b"Content-Length: 12abc", "400 Bad Request", "Bad Request: invalid Content-Length '12abc'"),
        (b"Content-Length: 99999999999", "413 Request Entity Too Large", "Request body larger than 64 MiB"),
        (b"Transfer-Encoding: chunked\r\n\r\nzz", "400 Bad Request", "Bad Request: invalid chunk size 'zz'"),
        (b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFF", "413 Request Entity Too Large", "Request body larger than 64 MiB"),
    ],
)  # fmt: skip
def test_a_body_that_cannot_be_read_is_answered_not_a_traceback(
    served_emulator, capfd, framing: bytes, status: str, message: str
) -> None:
    emu, url = served_emulator
    headers = b"POST /v3/routes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic YXBpOnRlc3Q=\r\n"
    end = b"\r\n" if framing.startswith(b"Transfer") else b"\r\n\r\n"
    assert _raw(url, headers + framing + end + b"abc") == (f"HTTP/1.1 {status}", {"message": message})
    assert emu.store.routes == {}  # nothing was handled
    assert httpx.get(f"{url}/v4/domains", auth=("api", "test")).status_code == 200  # still serving
    assert capfd.readouterr().err == ""
