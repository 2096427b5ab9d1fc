"""A server that echoes what an apply sent it (an error quoting the request's form, a proxy's HTML page)
never gets an SMTP password or a DKIM private key into mgsync's output, which the GitHub action posts on
pull requests. The real mgsync against the emulator served on 127.0.0.1, its answers replaced."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "echo-key-123456"
PASSWORD = "Pw.*SECRET+[x] 987"  # regex metacharacters, a space and a plus: encoded differently in a form
PEM = (Path(__file__).parents[1] / "emulator" / "data" / "dkim-test-rsa1024.pem").read_text(encoding="ascii")
MANIFEST = """\
domains:
  mg.example.com:
    credentials:
      alice: {password: "${env:MG_SMTP_ALICE}"}
    dkim_keys:
      s1: {bits: 1024, pem: "${env:MG_DKIM_S1}"}
"""


def pieces(secret: str) -> list[str]:
    """Every 8 characters in a row of each of the secret's lines: what an excerpt could leave of it."""
    return [
        line[i : i + 8] for line in secret.splitlines() for i in range(len(line) - 7) if "-----" not in line[i : i + 8]
    ]


def echo(form: str) -> str:
    return json.dumps({"message": f"rejected {form}"})


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/v3/domains/mg.example.com/credentials", 400, "application/json", echo(f"login=alice&password={PASSWORD}")),
        (
            "/v3/domains/mg.example.com/credentials",
            400,
            "application/json",
            echo(f"login=alice&password={quote_plus(PASSWORD)}"),
        ),
        ("/v3/domains/mg.example.com/credentials", 200, "text/html", f"<html>password={PASSWORD}</html>"),
        ("/v1/dkim/keys", 400, "application/json", echo("pem=" + PEM.replace("\n", " "))),
        ("/v1/dkim/keys", 400, "application/json", echo("pem=" + quote_plus(PEM))),
    ],
    ids=["password as sent", "password form-encoded", "password in an HTML page", "PEM folded", "PEM form-encoded"],
)
def test_an_echoed_password_or_private_key_never_shows(
    tmp_path: Path, path: str, status: int, content_type: str, body: str
) -> None:
    emu = Emulator(api_key=KEY)
    emu.faults.replace_body(path, body, method="POST", content_type=content_type, status=status)
    (tmp_path / "mgsync.yaml").write_text(MANIFEST)
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url, "MG_SMTP_ALICE": PASSWORD, "MG_DKIM_S1": PEM}
        emu.store.add_domain("mg.example.com")
        result = run("--verbose", "apply", "--yes", str(tmp_path), env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"POST {path}" in output and "***" in output  # the answer is told, its secret hidden
    leaked = [piece for secret in (PASSWORD, quote_plus(PASSWORD), PEM) for piece in pieces(secret) if piece in output]
    assert leaked == [], output
    lockfile = (tmp_path / "mgsync.lock").read_text()
    assert not [piece for piece in pieces(PASSWORD) + pieces(PEM) if piece in lockfile]
