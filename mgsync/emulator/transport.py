"""The in-process httpx transport: every request goes straight to ``Emulator.handle``.

A dropped-connection fault surfaces as the httpx error a real dropped connection produces, so client
retry logic is exercised exactly as over the network. Knows nothing of endpoints.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

from mgsync.emulator.faults import DropConnection

if TYPE_CHECKING:
    from mgsync.emulator.app import Emulator


def _call(emulator: Emulator, request: httpx.Request, body: bytes) -> httpx.Response:
    headers = dict(request.headers)
    headers.setdefault("host", request.url.netloc.decode("ascii"))
    if request.url.scheme == "https":  # so paging URLs come back as https
        headers["x-forwarded-proto"] = "https"
    try:
        status, out_headers, payload = emulator.handle(
            request.method, request.url.raw_path.decode("ascii"), headers, body
        )
    except DropConnection as drop:
        error = httpx.ReadError if drop.committed else httpx.RemoteProtocolError
        raise error("Server disconnected without sending a response.", request=request) from None
    return httpx.Response(status, headers=out_headers, content=payload, request=request)


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, emulator: Emulator):
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _call(self.emulator, request, request.read())


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """For ``httpx.AsyncClient``: each request runs on a worker thread so latency never blocks the loop."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        return await asyncio.to_thread(_call, self.emulator, request, body)
