"""TLS failures that no retry can mend fail at once, saying what to fix: a certificate the client does
not trust (a proxy that inspects TLS signs with its company's CA: ``SSL_CERT_FILE`` names it), and an
https base URL that points at a plain-http server. Against the emulator served over real TLS on
127.0.0.1, with a self-signed certificate for localhost and 127.0.0.1 (tests/client/data, valid to 2126)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.errors import NoAnswerError
from mgsync.gitops.github import GitHub, GitOpsError
from mgsync.settings import Settings
from tests.support.cli import run
from tests.support.client import DOMAIN, KEY, Sleeps

DATA = Path(__file__).with_name("data")
CERT, PRIVATE_KEY = DATA / "localhost-tls-cert.pem", DATA / "localhost-tls-key.pem"
CHECK = "; check the base URL (--base-url / MAILGUN_BASE_URL), the region (--region / MAILGUN_REGION) and the network"


@pytest.fixture
def tls_account() -> Iterator[tuple[Emulator, str]]:
    """``(emulator, https url)``: one domain, served over TLS with the self-signed certificate."""
    emu = Emulator(api_key=KEY)
    emu.store.add_domain(DOMAIN)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, PRIVATE_KEY)
    with serve(emu, host="127.0.0.1", port=0, tls=context) as srv:
        yield emu, srv.url


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_certificate_the_client_does_not_trust_fails_at_once(tls_account, method) -> None:
    _, url = tls_account
    assert url.startswith("https://127.0.0.1:")
    sleeps = Sleeps()
    with Client(Settings(url, "basic", KEY), max_retries=2, sleep=sleeps) as client:
        with pytest.raises(NoAnswerError) as err:
            client.request(method, "/v3/routes", data={"priority": "1"} if method == "POST" else None)
        assert client.stats.requests == 1 and sleeps.calls == []
    expected = (
        f"Mailgun API: {method} /v3/routes failed: cannot connect to {url} (its TLS certificate is not trusted: "
        "self-signed certificate; behind a proxy that inspects TLS, set SSL_CERT_FILE to its CA bundle)" + CHECK
    )
    assert str(err.value).replace("self signed", "self-signed") == expected  # OpenSSL 1.1 wrote no hyphen


def test_https_to_a_plain_http_server_fails_at_once(account) -> None:
    _, url = account
    https = url.replace("http://", "https://")
    sleeps = Sleeps()
    with Client(Settings(https, "basic", KEY), max_retries=2, sleep=sleeps) as client:
        with pytest.raises(NoAnswerError) as err:
            client.get("/v4/domains")
        assert client.stats.requests == 1 and sleeps.calls == []
    assert str(err.value) == (
        f"Mailgun API: GET /v4/domains failed: cannot connect to {https} "
        "(it does not answer in TLS: is it a plain http:// server?)" + CHECK
    )


def test_ssl_cert_file_is_the_way_to_trust_a_certificate(tls_account, tmp_path) -> None:
    """The real command, as the error says: without SSL_CERT_FILE one line and exit 1; with it (as a
    company's TLS-inspecting proxy needs) the plan reads the account and ends 0. Also SSL_CERT_DIR unset,
    which httpx would read instead when SSL_CERT_FILE is empty."""
    emu, url = tls_account
    (tmp_path / "routes.yaml").write_text(
        "routes:\n  r1: {priority: 1, expression: 'match_recipient(\"a@x.org\")', actions: ['stop()']}\n",
        encoding="utf-8",
    )
    env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": url}
    plan = ("plan", "--lockfile", str(tmp_path / "mgsync.lock"), str(tmp_path))
    refused = run(*plan, env=env, unset=("SSL_CERT_FILE", "SSL_CERT_DIR"))
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.startswith(f"Error: Mailgun API: GET /v4/domains failed: cannot connect to {url} (its TLS")
    assert "Traceback" not in refused.stderr and len(refused.stderr.splitlines()) == 1
    trusted = run(*plan, env={**env, "SSL_CERT_FILE": str(CERT)}, unset=("SSL_CERT_DIR",))
    assert trusted.returncode == 0, trusted.stderr
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in trusted.stdout
    assert len(emu.store.routes) == 0


def test_the_github_client_verifies_with_the_bundle_the_environment_names(tls_account, monkeypatch) -> None:
    """The action's GitHub client shares the process's verifying context (``mgsync.tls``), built again
    when SSL_CERT_FILE names another bundle: untrusted first, trusted once the variable names the
    certificate (the server then answers: 401, the emulator knows no GitHub token)."""
    _, url = tls_account
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(
        GitOpsError, match=r"^GitHub API: GET /repos/acme/mail/issues failed: .*CERTIFICATE_VERIFY_FAILED"
    ):
        GitHub(url, "token", "acme/mail").get("/issues")
    monkeypatch.setenv("SSL_CERT_FILE", str(CERT))
    with pytest.raises(GitOpsError, match=r"^GitHub API: GET /repos/acme/mail/issues returned 401"):
        GitHub(url, "token", "acme/mail").get("/issues")
