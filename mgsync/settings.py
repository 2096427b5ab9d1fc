"""Connection settings: which Mailgun endpoint to talk to and with which key.

Settings come from the environment and command-line flags, never from manifests (DESIGN.md §1).
This module owns the precedence rules and the validation of base URLs; it never touches the network.
The API key lives in a ``Secret`` whose repr and str are ``***``, so it cannot leak into a repr,
a log line or an error message by accident.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from mgsync.errors import ConfigError

REGIONS = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}
KEY_VARIABLES = ("MAILGUN_API_KEY", "MATON_API_KEY")  # the secrets a connection reads
GATEWAY_URL = "https://api.maton.ai/mailgun"
GATEWAY_HOST = "api.maton.ai"
MAILGUN_HOSTS = frozenset(url.removeprefix("https://") for url in REGIONS.values())
_TRUTHY = {"1", "true", "yes", "on"}
DEFAULT_TIMEOUT = 30.0
SUBACCOUNT_HEADER = "X-Mailgun-On-Behalf-Of"


class Secret:
    """A string that only ``reveal()`` gives away; it prints as ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1`` (the hosts plain http:// may reach)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_VERSION_AT_END = re.compile(r"/v[1-9]$")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def check_base_url(url: str, *, allow_http: bool, source: str = "the base URL") -> str:
    """Return ``url`` without a trailing slash, or raise ConfigError naming ``source``."""
    url = url.strip().rstrip("/")
    shown = _USERINFO.sub(r"\1***@", url)  # a password in the URL is never repeated
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range or not a number)
    except ValueError as err:
        raise ConfigError(f'{source} is not a URL ({err}), got "{shown}"') from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f'{source} must be an http(s) URL like "https://api.mailgun.net", got "{shown}"')
    if parts.username is not None or parts.password is not None:  # httpx would send them instead of the key
        raise ConfigError(
            f"{source} must not hold a user name or password (the key goes in MAILGUN_API_KEY or MATON_API_KEY), "
            f'got "{shown}"'
        )
    if parts.query or parts.fragment:
        raise ConfigError(f'{source} must not have a query or fragment, got "{shown}"')
    version = _VERSION_AT_END.search(parts.path)
    if version:  # Mailgun's own examples write "https://api.mailgun.net/v3"
        bare = url[: len(url) - len(version.group())]
        raise ConfigError(
            f'{source} ends in an API version ("{version.group()}"): give it without, like "{bare}"; '
            "mgsync adds /v3 or /v4 to each request"
        )
    if parts.scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{source} uses plain http:// to a non-loopback host ({parts.hostname}), which would send "
            "the API key unencrypted: use https://, or set MGSYNC_ALLOW_HTTP=1 if you really mean it"
        )
    return url


def check_subaccount(value: str, source: str = "--subaccount") -> str:
    """Return ``value`` if it can name a subaccount in the ``X-Mailgun-On-Behalf-Of`` header, else raise.

    Mailgun's ids look like ``646d00a1b32c35364a2ad34f``; we only insist on what a header can carry
    unambiguously: visible ASCII, no whitespace or control characters.
    """
    if not value or not all("!" <= char <= "~" for char in value):
        raise ConfigError(
            f'{source} must be a subaccount id like "646d00a1b32c35364a2ad34f" (visible ASCII, '
            f"no spaces), got {json.dumps(value)}"
        )
    return value


def subaccount_from(env: Mapping[str, str], flag: str | None) -> str | None:
    """The subaccount to act on: the ``--subaccount`` flag, else ``MAILGUN_SUBACCOUNT`` (empty = unset)."""
    if flag is not None:
        return check_subaccount(flag, "--subaccount")
    value = (env.get("MAILGUN_SUBACCOUNT") or "").strip()
    return check_subaccount(value, "MAILGUN_SUBACCOUNT") if value else None


def is_gateway(url: str) -> bool:
    return (urlsplit(url).hostname or "").rstrip(".") == GATEWAY_HOST  # a trailing dot names the same host


@dataclass(frozen=True)
class Settings:
    base_url: str
    auth: Literal["basic", "bearer"]
    api_key: Secret
    connection: str | None = None
    allow_http: bool = False
    subaccount: str | None = None  # sent as X-Mailgun-On-Behalf-Of; not a secret
    timeout: float = DEFAULT_TIMEOUT  # seconds a request may wait for an answer (MGSYNC_TIMEOUT)

    def __post_init__(self) -> None:
        if isinstance(self.api_key, str):  # convenience: Settings(..., api_key="key")
            object.__setattr__(self, "api_key", Secret(self.api_key))
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.auth not in ("basic", "bearer"):
            raise ConfigError(f'auth must be "basic" or "bearer", got "{self.auth}"')
        if self.subaccount is not None:
            check_subaccount(self.subaccount, "the subaccount")
        if self.auth == "bearer":  # sent as it is in a header (a Basic key goes base64-encoded)
            _header_value(self.api_key.reveal(), "MATON_API_KEY", "copy the key again")
        else:
            _basic_key(self.api_key.reveal())
        if self.connection is not None:
            _header_value(self.connection, "MATON_CONNECTION", f"got {self.connection!r}")

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        base_url: str | None = None,
        region: str | None = None,
        allow_http: bool = False,
        subaccount: str | None = None,
    ) -> Settings:
        """Build settings from environment variables; flags (keyword arguments) win over variables.

        - ``MAILGUN_API_KEY`` → HTTP Basic ``api:KEY`` against ``MAILGUN_REGION`` (``us``, the
          default, or ``eu``), or against ``MAILGUN_BASE_URL`` / the ``base_url`` flag when given.
        - ``MATON_API_KEY`` → Bearer against the Maton gateway ``https://api.maton.ai/mailgun`` (or
          the given base URL), with ``MATON_CONNECTION`` sent as ``Maton-Connection`` when set.
        - Both keys set: ``MAILGUN_API_KEY`` wins, unless the base URL is the gateway
          (host ``api.maton.ai``), which only understands the Maton key.
        - A base URL on the gateway host without ``MATON_API_KEY`` is an error (Basic auth would
          be refused there).
        - ``MAILGUN_REGION`` is validated even when a base URL overrides it; a base URL wins.
        - Plain ``http://`` is allowed only to loopback hosts, unless ``allow_http`` or
          ``MGSYNC_ALLOW_HTTP=1``. Empty variables count as unset.
        - ``MAILGUN_SUBACCOUNT`` / the ``subaccount`` flag: act on that subaccount (either auth).
        - ``MGSYNC_TIMEOUT``: the seconds a request may wait for an answer (30).
        """

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        allow_http = allow_http or (get("MGSYNC_ALLOW_HTTP") or "").lower() in _TRUTHY
        timeout = _seconds(get("MGSYNC_TIMEOUT"))
        subaccount = subaccount_from(env, subaccount)
        region_source = "--region" if region else "MAILGUN_REGION"
        region = (region or get("MAILGUN_REGION") or "us").strip().lower()
        if region not in REGIONS:
            raise ConfigError(f'{region_source} must be "us" or "eu", got "{region}"')
        url_source = "--base-url" if base_url else "MAILGUN_BASE_URL"
        url = base_url or get("MAILGUN_BASE_URL")
        if url is not None:
            url = check_base_url(url, allow_http=allow_http, source=url_source)
        mailgun_key, maton_key = get("MAILGUN_API_KEY"), get("MATON_API_KEY")
        if maton_key and (mailgun_key is None or (url is not None and is_gateway(url))):
            _check_gateway(url, url_source, region, region_source)
            key = Secret(maton_key)
            return cls(url or GATEWAY_URL, "bearer", key, get("MATON_CONNECTION"), allow_http, subaccount, timeout)
        if mailgun_key is None:
            raise ConfigError(
                "MAILGUN_API_KEY is not set: export it, or use MATON_API_KEY for the Maton gateway, "
                "or --emulator to try mgsync without an account"
            )
        if url is not None and is_gateway(url):
            raise ConfigError(
                f"{url_source} points at the Maton gateway, which needs MATON_API_KEY (not MAILGUN_API_KEY): "
                "export MATON_API_KEY, or drop the base URL to talk to Mailgun directly"
            )
        return cls(url or REGIONS[region], "basic", Secret(mailgun_key), None, allow_http, subaccount, timeout)


def _check_gateway(url: str | None, url_source: str, region: str, region_source: str) -> None:
    """The Maton key goes to the gateway only, and the gateway reaches the US region: refuse a Mailgun
    host (the gateway's key would go to Mailgun) and an EU region (whose domains the gateway would
    create in the US account; the lockfile of a gateway account names no region to catch it)."""
    host = (urlsplit(url).hostname or "").rstrip(".") if url is not None else ""
    if host in MAILGUN_HOSTS:
        raise ConfigError(
            f"{url_source} points at Mailgun's own API ({host}), which needs MAILGUN_API_KEY: MATON_API_KEY is "
            "for the Maton gateway; export MAILGUN_API_KEY, or drop the base URL to go through the gateway"
        )
    if region == "eu":
        raise ConfigError(
            f"{region_source} is eu, but the Maton gateway (MATON_API_KEY) reaches Mailgun's US region: unset "
            f"{region_source} to use the gateway, or use MAILGUN_API_KEY to reach the EU region directly"
        )


def _header_value(value: str, source: str, remedy: str) -> None:
    """Refuse what an HTTP header cannot carry: a character outside printable ASCII (httpx cannot
    encode one; a line break would end the header). The value itself is left to ``remedy``."""
    for position, char in enumerate(value, 1):
        if not (" " <= char <= "~" or char == "\t"):
            raise ConfigError(
                f"{source} holds a character an HTTP header cannot carry (U+{ord(char):04X}, "
                f"character {position}); {remedy}"
            )


def _basic_key(key: str) -> None:
    """A Mailgun key is visible ASCII (``key-…``, or three groups of hex): a space, a quote around it,
    a zero-width or non-ASCII character is a copying mistake that Mailgun would answer with 401 (or
    that could not be sent at all). The key itself is never shown."""
    if len(key) > 1 and key[0] == key[-1] and key[0] in "\"'":
        raise ConfigError("MAILGUN_API_KEY is written in quotes, which are not part of a key: remove them")
    for position, char in enumerate(key, 1):
        if not "!" <= char <= "~":
            raise ConfigError(
                f"MAILGUN_API_KEY holds a character no Mailgun key has (U+{ord(char):04X}, character {position}): "
                "copy the key again"
            )


def _seconds(value: str | None) -> float:
    """``MGSYNC_TIMEOUT``: seconds above 0 (30 when unset)."""
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise ConfigError(f'MGSYNC_TIMEOUT must be a number of seconds above 0, like "60", got "{value}"')
    return seconds
