"""An answer's body read within bounds: a size and a deadline, so that no body can hold mgsync.

httpx reads a body whole, as long as it lasts: a server that never ends one, or that sends a small
gzip that inflates to gigabytes (a "gzip bomb"), fills the memory, and one that sends a byte every
few seconds never trips the timeout (it bounds each wait for data, not the whole). Mailgun's answers
are small (a page of 1,000 members: about 300 KB; the largest, a page of 100 templates with their
active versions, is 10 MB by the old documented 100 KB limit of a template: mailgun-api.md §
Templates), so a body is read in decoded chunks and given up past ``LIMIT`` bytes or after
``DEADLINE`` timeouts from when the request was sent. Such an answer comes from a server in front
of Mailgun (a proxy, a gateway, a captive portal): nothing is retried.

The headers before the body are bounded by httpx alone: each wait by the timeout, and h11 refuses
more than 16 KB of them. So a server that sends them a byte at a time, each just within the timeout,
could still hold a request for up to 16,384 timeouts, as httpx gives no hold on the connection
before the headers are read. No server in front of Mailgun is known to do so; it is not bounded here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

LIMIT = 128 * 1024 * 1024  # bytes of a decoded body: 12 x the largest answer Mailgun's limits allow
DEADLINE = 10  # timeouts (MGSYNC_TIMEOUT, 30 s by default) for the whole answer
# of the body as sent: the answer made anew holds it decoded, whole
DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Overrun(Exception):
    """The body went past its size or its deadline; the message says which, for the error it becomes."""


def read_within(
    response: httpx.Response, *, timeout: float, sent: float, clock: Callable[[], float] = time.monotonic
) -> httpx.Response:
    """``response`` (streamed: headers read, body not) as an answer with its body read whole and
    decoded, or ``Overrun``. ``sent``: when the request was sent, on ``clock``. The stream is closed
    either way, and the answer made anew from what was read (its bytes already decoded)."""
    deadline, size, chunks = sent + DEADLINE * timeout, 0, []
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > LIMIT:
                raise Overrun(
                    f"the answer is larger than {LIMIT // 2**20} MiB, far more than any of Mailgun's: "
                    "a server in front of Mailgun (a proxy, a gateway) sends something else"
                )
            if clock() > deadline:
                raise Overrun(
                    f"the answer did not arrive whole within {DEADLINE * timeout:g} s ({DEADLINE} x the "
                    "timeout, MGSYNC_TIMEOUT); check the network, and a firewall or proxy on the way"
                )
            chunks.append(chunk)
    finally:
        response.close()
        # httpx binds an answer's stream to the answer (a reference cycle): broken here, so that the
        # answer and its body need not wait for the cycle collector
        response.stream = httpx.ByteStream(b"")
    headers = [(name, value) for name, value in response.headers.multi_items() if name not in DROPPED_HEADERS]
    reason = response.extensions.get("reason_phrase")
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(chunks),
        request=response.request,
        extensions={"reason_phrase": reason} if reason is not None else {},
    )
