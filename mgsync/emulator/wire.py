"""Wire plumbing shared by every endpoint family: request parsing (query, url-encoded and multipart
forms, JSON), Mailgun booleans and per-service dates, and JSON rendering in each service's style.

Knows nothing of emulator state or of any particular endpoint.
"""

from __future__ import annotations

import calendar
import functools
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import mktime_tz, parsedate_tz
from itertools import chain
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, quote_plus

from mgsync import jsontext

__all__ = [
    "Endpoint",
    "HttpError",
    "MultiDict",
    "Request",
    "Style",
    "fmt_date",
    "opt_bool",
    "parse_body",
    "parse_date",
    "qs",
    "render",
    "to_bool",
]


class HttpError(Exception):
    """An API error answered as ``{"message": ...}`` in the route's style."""

    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra

    def body(self) -> dict[str, Any]:
        return {"message": self.message, **self.extra}


class MultiDict:
    """Ordered (key, value) pairs; repeated keys carry multi-values (``action``, ``url``...)."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self.pairs = list(pairs)

    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.pairs:
            if k == key:
                return v
        return default

    def getall(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.pairs)

    def __bool__(self) -> bool:
        return bool(self.pairs)


@dataclass
class Request:
    method: str
    path: str  # percent-decoded, without the gateway prefix
    params: tuple[str, ...]  # decoded path placeholders, in order
    query: MultiDict
    form: MultiDict
    json: Any = None
    base_url: str = "http://localhost"  # scheme://host[/mailgun], for absolute paging URLs
    files: dict[str, bytes] = field(default_factory=dict)

    def arg(self, key: str, default: str | None = None) -> str | None:
        """A field from the form, falling back to the query string."""
        value = self.form.get(key)
        return self.query.get(key, default) if value is None else value

    def url(self, query: str) -> str:
        """An absolute URL for this request's path with ``query`` (paging links)."""
        return f"{self.base_url}{quote(self.path, safe='/@+:')}?{query}"


class Endpoint(NamedTuple):
    """One route of the emulated API: ``pattern`` like ``/v3/routes/{id}``; placeholders match one segment."""

    method: str
    pattern: str
    handler: Callable[[Any, Request], Any]  # (store, request) -> body, or (status, body)
    style: Style


# ---- request bodies ------------------------------------------------------------------------


def parse_body(content_type: str, body: bytes) -> tuple[MultiDict, Any, dict[str, bytes]]:
    """(form fields, JSON value or None, uploaded files) from a request body."""
    if not body:
        return MultiDict(), None, {}
    ctype, _, params = content_type.partition(";")
    ctype = ctype.strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            return MultiDict(), jsontext.loads(body), {}
        except ValueError:
            raise HttpError(400, "Invalid JSON body") from None
    if ctype == "multipart/form-data":
        return _parse_multipart(body, _boundary(params))
    text = body.decode("utf-8", "replace")
    return MultiDict(parse_qsl(text, keep_blank_values=True)), None, {}


def _boundary(params: str) -> bytes:
    for part in params.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"').encode()
    raise HttpError(400, "Missing multipart boundary")


def _parse_multipart(body: bytes, boundary: bytes) -> tuple[MultiDict, Any, dict[str, bytes]]:
    pairs: list[tuple[str, str]] = []
    files: dict[str, bytes] = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        disposition = _disposition(head.decode("utf-8", "replace"))
        name = disposition.get("name")
        if name is None:
            continue
        if "filename" in disposition:
            files[name] = content
        pairs.append((name, content.decode("utf-8", "replace")))
    return MultiDict(pairs), None, files


def _disposition(head: str) -> dict[str, str]:
    for line in head.split("\r\n"):
        key, _, value = line.partition(":")
        if key.strip().lower() == "content-disposition":
            out = {}
            for item in value.split(";")[1:]:
                k, _, v = item.strip().partition("=")
                out[k.lower()] = v.strip('"')
            return out
    return {}


# ---- booleans and dates --------------------------------------------------------------------

_TRUE = frozenset({"yes", "true", "1", "t", "y", "on"})
_FALSE = frozenset({"no", "false", "0", "f", "n", "off"})


def to_bool(value: str | bool, name: str) -> bool:
    """Mailgun's lenient booleans: yes/no, true/false, 1/0, any case (mailgun-api.md §1.3)."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise HttpError(400, f"Invalid boolean value for '{name}': {value}")


def opt_bool(req: Request, name: str) -> bool | None:
    value = req.arg(name)
    return None if value is None else to_bool(value, name)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The zone spelling differs per Mailgun service (mailgun-api.md §1.4).
ZONES = {
    "domains": "GMT",
    "routes": "GMT",
    "suppressions": "UTC",
    "templates": "UTC",
    "lists": "-0000",
    "credentials": "+0000",
}


@functools.lru_cache(maxsize=256)  # bulk seeding formats the same second thousands of times
def _rfc1123(second: int) -> str:
    t = time.gmtime(second)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    )


def fmt_date(ts: float, service: str) -> str:
    return f"{_rfc1123(int(ts))} {ZONES[service]}"


def parse_date(value: str, name: str = "created_at") -> float:
    """An RFC 2822 date as the client sent it (any zone spelling) → epoch seconds."""
    parsed = parsedate_tz(value.replace(" UTC", " +0000"))
    if parsed is None:
        raise HttpError(400, f"Invalid date format for '{name}': {value}")
    return float(mktime_tz(parsed)) if parsed[9] is not None else float(calendar.timegm(parsed[:9]))


# ---- responses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How one Mailgun service renders JSON (mailgun-api.md §1.4)."""

    content_type: str
    pretty: bool = False

    def dumps(self, obj: Any) -> bytes:
        if self.pretty:  # the lists service: 2-space indent, sorted keys
            return pretty(obj).encode()
        return json.dumps(obj, separators=(",", ":")).encode()


def pretty(obj: Any, depth: int = 0) -> str:
    """Exactly ``json.dumps(obj, indent=2, sort_keys=True)`` at nesting ``depth``; twice as fast on a
    page of members without vars. Python's encoder indents only in pure Python, so an object whose
    keys are strings and whose values all fit on one line (scalars, empty containers) is written by
    the C encoder instead, its item separator carrying the line break and the indent; a list of such
    objects one C call each; and anything else by ``json.dumps`` itself, re-indented to ``depth``."""
    inner, outer = "\n" + "  " * (depth + 1), "\n" + "  " * depth
    if isinstance(obj, dict) and obj and set(map(type, obj)) == {str}:
        if _flat(obj.values()):
            return "{" + inner + _one_per_line(depth)(obj)[1:-1] + outer + "}"
        parts = [f"{json.dumps(key)}: {pretty(value, depth + 1)}" for key, value in sorted(obj.items())]
        return "{" + inner + ("," + inner).join(parts) + outer + "}"
    if (
        isinstance(obj, list)
        and obj
        and set(map(type, obj)) == {dict}
        and set(map(type, chain.from_iterable(obj))) == {str}
        and _flat(chain.from_iterable(map(dict.values, obj)))
    ):
        encode, deeper = _one_per_line(depth + 1), "\n" + "  " * (depth + 2)
        items = [f"{{{deeper}{encode(item)[1:-1]}{inner}}}" if item else "{}" for item in obj]
        return "[" + inner + ("," + inner).join(items) + outer + "]"
    return json.dumps(obj, indent=2, sort_keys=True).replace("\n", outer)


def _flat(values: Iterable[Any]) -> bool:
    """No value is a non-empty container (``indent=2`` writes each of them on one line)."""
    return not any(value for value in values if isinstance(value, (dict, list, tuple)))


@functools.cache
def _one_per_line(depth: int) -> Callable[[Any], str]:
    """The C encoder writing the members of a flat object at ``depth`` one per line (``c_make_encoder``
    is what ``json.dumps`` itself uses when it does not indent)."""
    separator = ",\n" + "  " * (depth + 1)
    if c_make_encoder is None:  # not CPython
        return functools.partial(json.dumps, sort_keys=True, separators=(separator, ": "))
    encode = c_make_encoder(None, _not_json, encode_basestring_ascii, None, ": ", separator, True, False, True)
    return lambda obj: "".join(encode(obj, 0))


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


GO = Style("application/json; charset=utf-8")
PLAIN = Style("application/json")
LISTS = Style("application/json", pretty=True)


def render(style: Style, status: int, obj: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """The JSON answer; a 204 has no body and no Content-Type (``/v1/webhooks`` PUT/DELETE, recorded)."""
    if status == 204:
        return status, [], b""
    return status, [("Content-Type", style.content_type)], style.dumps(obj)


def qs(*pairs: tuple[str, str | int | None]) -> str:
    """A query string in the given order, skipping ``None`` values; pivots percent-encoded (``@``→%40)."""
    return "&".join(f"{k}={quote_plus(str(v), safe='')}" for k, v in pairs if v is not None)
