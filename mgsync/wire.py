"""Mailgun's wire format as pure functions: form encoding, body sniffing, error messages, paging and
rate-limit hints (mailgun-api.md §1). No I/O; ``client.py`` is the only caller.
"""

from __future__ import annotations

import json as jsonlib
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit, urlunsplit

import httpx

from mgsync import jsontext

Form = Mapping[str, Any] | Sequence[tuple[str, Any]]
API_VERSION = re.compile(r"/v\d+(/|$)")  # where Mailgun's own path starts (/v1, /v3, /v4, §1.1)
# What a terminal or a pull-request comment would act on or hide rather than show: controls (an escape
# sequence sets colours or the window's title), the line and paragraph separators, and the format
# characters (Unicode category Cf, as of Unicode 15.1): bidi overrides (text shown in another order
# than it reads) and the invisible ones (zero-width space, joiners, word joiner, BOM, soft hyphen,
# tags), which make `route:a<U+200B>b` read as `route:ab`. tests/render/test_render_values.py checks
# that every Cf character this Python knows is here.
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def escape(found: re.Match[str]) -> str:
    """One UNSAFE character as an escape: ``\\u200b``, ``\\U000e0041`` beyond the BMP."""
    code = ord(found.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


MIN_SECRET = 5  # shorter values are too common to take out of a message (SMTP passwords: 5 to 32 characters)


def echoed(secret: str) -> set[str]:
    """The forms a server may echo ``secret`` back in: as is, form-encoded (as a form is sent) or
    percent-encoded, and each line of a multi-line one (a PEM key's base64 lines, however a page
    folds them); none shorter than ``MIN_SECRET``."""
    lines = {line.strip() for line in secret.splitlines()}
    forms = {secret, quote_plus(secret), quote(secret, safe=""), *lines, *(quote_plus(line) for line in lines)}
    return {form for form in forms if len(form) >= MIN_SECRET}


def clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    cleaned = {k: v for k, v in (params or {}).items() if v is not None}
    return cleaned or None


def form_pairs(data: Form) -> list[tuple[str, str]]:
    """Form fields as (key, value) pairs; list values and repeated tuples give repeated keys."""
    items = data.items() if isinstance(data, Mapping) else data
    pairs = []
    for key, value in items:
        for one in value if isinstance(value, (list, tuple)) else [value]:
            if one is not None:
                pairs.append((key, ("true" if one else "false") if isinstance(one, bool) else str(one)))
    return pairs


# ``quote_plus`` over the bytes of UTF-8 text: an unreserved byte (RFC 3986: letters, digits, "_.-~")
# as it is, a space as "+", any other as "%XX" in capitals. Made in C, as one ``str.replace`` per
# other byte value the text holds, over the bytes read as Latin-1 characters ("%" first, which the
# other escapes bring; the space last, after "+"): a batch of 1,000 members is one field of ~100 KB
# of JSON, which ``urlencode``'s Python loop over every byte takes 8 ms to encode.
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_ESCAPES = {code: f"%{code:02X}" for code in range(256)} | {ord(" "): "+"}
_FIRST_LAST = {ord("%"): 0, ord(" "): 2}


def form_encoded(pairs: list[tuple[str, str]]) -> bytes:
    """``urlencode(pairs).encode()``, the same bytes (tests/client/test_form_encoding.py); a lone
    surrogate raises ``UnicodeEncodeError`` as there."""
    return "&".join(f"{_plus(key)}={_plus(value)}" for key, value in pairs).encode("ascii")


def _plus(text: str) -> str:
    data = text.encode("utf-8")
    others, found = data.translate(None, _UNRESERVED), []
    while others:  # the distinct byte values, one C pass each
        found.append(others[0])
        others = others.replace(others[:1], b"")
    raw = data.decode("latin-1")
    for code in sorted(found, key=lambda code: _FIRST_LAST.get(code, 1)):
        raw = raw.replace(chr(code), _ESCAPES[code])
    return raw


def request_body(data: Form | None, json: Any, files: Any) -> dict[str, Any]:
    if files is not None:
        fields: dict[str, list[str]] = {}
        for key, value in form_pairs(data or {}):
            fields.setdefault(key, []).append(value)
        return {"data": fields, "files": files}
    if json is not None:
        return {"json": json}
    if data is not None:
        form = form_encoded(form_pairs(data))
        return {"content": form, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
    return {}


def parse_body(response: httpx.Response) -> Any:
    """JSON if the body is JSON, whatever the Content-Type says (mailgun-api.md §1.4); else the text."""
    text = response.text
    if text.lstrip()[:1] in ("{", "["):
        try:
            return jsontext.loads(text)
        except ValueError:
            pass
    return text


def shorten(text: str, width: int = 200) -> str:
    """A server's text fit for one line of ours: whitespace folded, what a terminal would act on
    written as ``\\uXXXX``, at most ``width`` characters."""
    text = UNSAFE.sub(escape, " ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def error_message(response: httpx.Response, redact: Callable[[str], str] = str) -> str:
    """Mailgun's ``message`` (then ``Reason``, ``Description``), else a trimmed text body; ``redact``
    hides secrets in it before it is cut (a key cut in half is no longer found)."""
    body = parse_body(response)
    if isinstance(body, dict):
        for key in ("message", "Reason", "Description", "error"):
            if isinstance(body.get(key), str) and body[key].strip():
                return shorten(redact(body[key]))
        return shorten(redact(jsonlib.dumps(body)))
    text = redact(str(body))
    if re.match(r"\s*<(!doctype|html|head|title)", text, re.IGNORECASE):
        # Unknown paths answer with an HTML page (§1.4), which says nothing useful.
        return (
            "not found (no such endpoint)" if response.status_code == 404 else f"{response.reason_phrase} (HTML page)"
        )
    return shorten(text) or response.reason_phrase or "no message"


def redirect_target(response: httpx.Response) -> str:
    """Where a 3xx answer points, without its query (which may carry a token); "" without a Location."""
    location = response.headers.get("Location", "").strip()
    if not location:
        return ""
    target = urlsplit(str(response.url.join(location)))
    return urlunsplit((target.scheme, target.netloc.rpartition("@")[2], target.path, "", ""))


def reset_epoch(headers: Mapping[str, str], now: float) -> float | None:
    """When the rate-limit window resets, in epoch seconds: observed values are milliseconds, the Go
    SDK reads seconds, and small values can only be seconds from now (mailgun-api.md §1.5)."""
    reset = number(headers.get("X-Request-Reset") or headers.get("X-RateLimit-Reset"))
    if reset is None:
        return None
    reset = reset / 1000 if reset > 1e11 else reset
    return reset if reset > 1e9 else now + reset


def server_delay(response: httpx.Response, now: float) -> float | None:
    """Seconds the server asks us to wait, or None if it gives no hint.

    The reset header is the most precise hint; ``Retry-After`` is relative, so it caps a reset
    skewed by clocks; a reset already past says nothing.
    """
    retry_after = retry_after_seconds(response.headers, now)
    reset = reset_epoch(response.headers, now)
    if reset is not None and reset > now:
        return reset - now if retry_after is None else min(reset - now, retry_after)
    if retry_after is not None:
        return retry_after
    body = parse_body(response)
    return number(body.get("retry-seconds")) if isinstance(body, dict) else None


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """The seconds ``Retry-After`` asks for: a number of seconds, or an HTTP date (RFC 9110 §10.2.3), which
    counts from the answer's ``Date`` when it has one (both by the server's clock, so ours may be skewed),
    else from ``now``; None without one or with a value neither can read. A date already past gives 0 or less."""
    value = headers.get("Retry-After")
    seconds = number(value)
    if seconds is not None or value is None:
        return seconds
    until = http_date(value)
    if until is None:
        return None
    sent = http_date(headers.get("Date", ""))
    return until - (sent if sent is not None else now)


def http_date(value: str) -> float | None:
    """An HTTP date (``Wed, 21 Oct 2015 07:28:00 GMT`` and the obsolete forms) in epoch seconds, or None."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).timestamp()


def number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def page_limit(url: str, limit: int) -> int:
    """The page size the server used, read from the ``limit`` in its paging link."""
    try:
        return min(limit, int(parse_qs(urlsplit(url).query)["limit"][0]))
    except (KeyError, ValueError):
        return limit


def api_path(link_path: str, prefix: str) -> str:
    """The Mailgun path of a link's path: without the base URL's own prefix (a gateway's ``/mailgun``)
    when the link repeats it, else from the API version segment on (an upstream may mount Mailgun
    under a prefix of its own, or name none)."""
    prefix = prefix.rstrip("/")
    if prefix and link_path.startswith(prefix + "/"):
        return link_path[len(prefix) :]
    found = API_VERSION.search(link_path)
    return link_path[found.start() :] if found else "/" + link_path.lstrip("/")
