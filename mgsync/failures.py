"""What a failed exchange with Mailgun says, and which requests are safe to send again.

The client (client.py) decides when a request is tried again and raises; this module knows the
methods safe to repeat, the failures after which nothing can be reached at all (``unreachable``),
and words each failure as the sentence the user reads: a request without an answer (``no_answer``),
an error status (``error_status``), a redirect (``redirected``). It knows nothing of waits, the rate
budget or secrets: the client redacts what it is given, and ``error_status`` takes its redaction.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

import httpx

from mgsync import wire

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# failures before the request left (a proxy's ProxyError: it refused CONNECT): a POST is safe to send again
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
MAYBE_APPLIED = "not retried because {} may have been applied: re-read before trying again"
FORBIDDEN = "Forbidden: the API key was rejected (check MAILGUN_API_KEY / MATON_API_KEY and the region)"
SILENT = "check the network, and a firewall or proxy on the way (MGSYNC_TIMEOUT sets the seconds)"

NO_SUCH_HOST = "the host name does not resolve"
# a proxy that inspects TLS (a company's) signs with its own CA: httpx reads SSL_CERT_FILE and SSL_CERT_DIR
UNTRUSTED = (
    "its TLS certificate is not trusted: {why}; behind a proxy that inspects TLS, set SSL_CERT_FILE to its CA bundle"
)
# Mailgun never redirects: a 3xx comes from a server in front of it (http:// where https:// is served, an
# old host name); nothing is sent again, as following it would send the key wherever it points
REDIRECTED = "redirected to {target}; Mailgun does not redirect: check the base URL (--base-url / MAILGUN_BASE_URL){to}"
NOT_TLS = "it does not answer in TLS: is it a plain http:// server?"
UNREACHABLE = (
    "cannot connect to {base} ({why}); check {proxy}the base URL (--base-url / MAILGUN_BASE_URL), "
    "the region (--region / MAILGUN_REGION) and the network"
)


def idempotent(method: str, exc: BaseException | None = None) -> bool:
    """Whether sending the request again cannot apply it twice: its method, or a failure before it left."""
    return method in IDEMPOTENT or isinstance(exc, NEVER_SENT)


def unreachable(exc: BaseException) -> str:
    """Why nothing can be reached at all, else ``""``: the connection is refused, the name does not
    resolve, the server's TLS certificate is not trusted, or the server does not speak TLS at all.
    Trying again changes none of these.

    httpx keeps the socket or TLS error as the cause of its ``ConnectError``; its type says which.
    """
    if not isinstance(exc, httpx.ConnectError):
        return ""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return NO_SUCH_HOST
        if isinstance(cause, ssl.SSLCertVerificationError):
            return UNTRUSTED.format(why=cause.verify_message or cause.reason)
        if isinstance(cause, ssl.SSLError) and cause.reason == "WRONG_VERSION_NUMBER":
            return NOT_TLS
        cause = cause.__cause__ or cause.__context__
    return ""


def cannot_connect(base_url: str, why: str, proxy_variable: str) -> str:
    """An ``unreachable`` failure; ``proxy_variable``: the one naming the proxy in use, if any."""
    checks = f"the proxy ({proxy_variable} is set), " if proxy_variable else ""
    return UNREACHABLE.format(base=base_url, why=why, proxy=checks)


def no_answer(method: str, exc: httpx.HTTPError, attempt: int, *, refused: str, timeout: float) -> str:
    """Why a request got no answer, as the last of ``attempt`` + 1 attempts; ``refused``: a proxy's
    refusal in words (``proxy.refusal``), if it was one."""
    silent, repeatable = isinstance(exc, httpx.TimeoutException), idempotent(method, exc)
    if silent:
        reason = f"no answer within {timeout:g} s ({type(exc).__name__})"
    elif refused:
        reason = refused
    else:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if not repeatable:
        reason += "; " + MAYBE_APPLIED.format(method)
    elif attempt:
        reason += f" (gave up after {attempt + 1} attempts)"
    if silent and repeatable:
        reason += "; " + SILENT
    return reason


def error_status(method: str, where: str, response: httpx.Response, attempt: int, redact: Callable[[str], str]) -> str:
    """What an error status (4xx, 5xx, or a 3xx: ``redirected``) says, as the last of ``attempt`` + 1
    attempts; ``redact`` takes secrets out of what the server wrote."""
    status = response.status_code
    if status == 401:
        message = FORBIDDEN
    elif status < 400:
        message = redact(redirected(response, where))
    else:
        message = wire.error_message(response, redact)
    if status in RETRY_STATUSES and method not in IDEMPOTENT:
        message += "; " + MAYBE_APPLIED.format(method)
    elif attempt:  # a 429 or 5xx each time: the answer does not say it was tried again
        message += f" (gave up after {attempt + 1} attempts)"
    return message


def redirected(response: httpx.Response, where: str) -> str:
    """Where a 3xx points, and the base URL that would reach it (when its path ends as ours did)."""
    target = wire.redirect_target(response)
    if not target:
        return REDIRECTED.format(target="nowhere (no Location header)", to="")
    base = target[: -len(where)] if target.endswith(where) and target != where else ""
    return REDIRECTED.format(target=target, to=f": is it {base}?" if base else "")
