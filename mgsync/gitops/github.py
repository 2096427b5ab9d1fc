"""A small GitHub REST client over httpx: the only place that speaks HTTP to GitHub.

It reads ``GITHUB_API_URL``, ``GITHUB_TOKEN`` and ``GITHUB_REPOSITORY`` as a runner sets them, so the
same code runs against github.com, GitHub Enterprise Server, or the test suite's stand-in on
127.0.0.1. Every failure becomes one ``GitOpsError`` line naming the request; the token never
appears in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import httpx

from mgsync import proxy, tls
from mgsync.errors import ConfigError

NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')
TIMEOUT = 30.0


class GitOpsError(Exception):
    """One line for the job log: what failed, where, and what to do."""


def env(name: str, environ: Mapping[str, str] | None = None) -> str:
    value = (environ if environ is not None else os.environ).get(name, "")
    if not value:
        raise GitOpsError(f"{name} is not set: run this step inside a GitHub Actions job (the action sets it).")
    return value


class GitHub:
    def __init__(self, api_url: str, token: str, repository: str, *, transport: httpx.BaseTransport | None = None):
        self.repo = f"/repos/{repository}"
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Authorization": f"Bearer {token}",
            "User-Agent": "mgsync-gitops",
        }
        if transport is None:  # httpx refuses the whole client over such a proxy (SOCKS: an ImportError)
            try:
                proxy.check_environment()
            except ConfigError as error:
                raise GitOpsError(str(error)) from None
        # httpx drops Authorization when a redirect leaves the API's origin (artifact downloads do).
        self.http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers=headers,
            timeout=TIMEOUT,
            follow_redirects=True,
            transport=transport,
            verify=tls.context(),  # the process's one (mgsync.tls): each step builds a client
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GitHub:
        environ = environ if environ is not None else os.environ
        api = environ.get("GITHUB_API_URL") or "https://api.github.com"
        return cls(api, env("GITHUB_TOKEN", environ), env("GITHUB_REPOSITORY", environ))

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = path if path.startswith("http") else f"{self.repo}{path}"
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise GitOpsError(f"GitHub API: {method} {url} failed: {error}; re-run the job.") from None
        if response.status_code >= 400:
            raise GitOpsError(f"GitHub API: {method} {url} returned {response.status_code}: {_message(response)}")
        return response

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None).json()

    def paginate(self, path: str) -> list[Any]:
        """Every item of a list endpoint, following ``Link: rel="next"`` as GitHub documents."""
        items: list[Any] = []
        url: str | None = path
        params: dict[str, Any] | None = {"per_page": 100}
        while url is not None:
            response = self.request("GET", url, params=params)
            items.extend(response.json())
            found = NEXT_LINK.search(response.headers.get("link", ""))
            url, params = (found.group(1), None) if found else (None, None)
        return items

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body).json()

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body).json()

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def download(self, path: str) -> bytes:
        return self.request("GET", path).content


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", "")) or response.reason_phrase
    except ValueError:
        return response.reason_phrase
