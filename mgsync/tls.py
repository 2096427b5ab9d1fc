"""The verifying TLS context that every HTTPS client of a process shares (Mailgun's, GitHub's).

httpx builds one per client unless it is given one, and building it loads the whole CA bundle
(certifi's, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set: how a proxy that inspects TLS is
trusted): ~30-60 ms of CPU that each short-lived client would pay again. So it is built once per
value of those two variables, by httpx as httpx would build it."""

from __future__ import annotations

import functools
import os
import ssl

import httpx

TRUST_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")  # what httpx reads to build it (trust_env)


def context() -> ssl.SSLContext:
    """The shared verifying context for the CA bundle the environment names now."""
    return _built(tuple(os.environ.get(name, "") for name in TRUST_VARIABLES))


@functools.cache
def _built(trust: tuple[str, ...]) -> ssl.SSLContext:  # keyed on what httpx reads: built from it
    return httpx.create_ssl_context()
