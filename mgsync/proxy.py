"""The proxy from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``), as the standard
library and httpx read it: which variable names the one in use, whether it is one mgsync can use,
and what a proxy's refusal means. The words name the variable, never its value: a proxy URL may
hold a password."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import SplitResult, urlsplit

from mgsync.errors import ConfigError

USABLE = ("http", "https")  # httpx's SOCKS proxies need socksio, which mgsync does not install
VARIABLES = ("http", "https", "all")  # those httpx reads: HTTP_PROXY, HTTPS_PROXY, ALL_PROXY


def variable(scheme: str) -> str:
    """The variable naming a proxy for ``scheme`` (``HTTPS_PROXY``, else ``ALL_PROXY``); "" when neither
    is set (an empty one counts as unset)."""
    return _in_use(scheme)[0]


def _in_use(scheme: str) -> tuple[str, str]:
    """(the variable, its value) of the proxy for ``scheme``; ("", "") when none is set."""
    found = urllib.request.getproxies()
    return next(((f"{name.upper()}_PROXY", found[name]) for name in (scheme, "all") if found.get(name)), ("", ""))


def _parsed(value: str) -> SplitResult:
    """A proxy URL as httpx reads it: without a scheme, ``http://``."""
    return urlsplit(value if "://" in value else f"http://{value}")


def check_environment() -> None:
    """Raise ``ConfigError`` when a proxy variable names a proxy mgsync cannot use (``socks5://``,
    ``ftp://``): httpx refuses the whole client over it, whichever scheme the base URL has."""
    found = urllib.request.getproxies()
    for name in VARIABLES:
        value = found.get(name, "")
        try:
            scheme = _parsed(value).scheme.lower() if value else "http"
            _parsed(value).port  # noqa: B018  (raises ValueError for a port out of range or not a number)
        except ValueError as err:  # httpx would fail on it with an internal error
            raise ConfigError(
                f"{name.upper()}_PROXY is not a URL ({err}): give it as http://HOST:PORT, or leave it empty for "
                f"mgsync ({name.upper()}_PROXY= mgsync ...)"
            ) from None
        if scheme not in USABLE:
            raise ConfigError(
                f"{name.upper()}_PROXY names a proxy mgsync cannot use ({scheme}://): mgsync connects directly "
                f"or through an http:// or https:// proxy. Set {name.upper()}_PROXY to one, or leave it empty "
                f"for mgsync ({name.upper()}_PROXY= mgsync ...)"
            )


def refusal(answer: str, scheme: str, host: str) -> tuple[str, bool]:
    """What a proxy's answer to CONNECT other than 2xx (httpx's ``ProxyError``: ``"407 Proxy
    Authentication Required"``) means, and whether trying again may help (a 5xx: the proxy could not
    reach ``host`` this time)."""
    name, given = _in_use(scheme)
    name = name or "the proxy variable"
    status = int(m.group(1)) if (m := re.match(r"(\d{3})\b", answer)) else 0
    if status == 407:
        if _parsed(given).username:
            return f"the proxy ({name}) refused the user name and password given in {name} ({answer})", False
        return (
            f"the proxy ({name}) asks for a user name and password ({answer}): "
            f"give them in {name} as http://USER:PASSWORD@HOST:PORT"
        ), False
    if 400 <= status < 500:
        return f"the proxy ({name}) refused to connect to {host} ({answer}): ask its owner to allow {host}", False
    return f"the proxy ({name}) could not connect to {host} ({answer or 'no reason given'})", True
