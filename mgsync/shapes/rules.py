"""Mailgun syntax rules checked offline: emails, domain names, URLs, list member addresses, JSON
data, limits.

Every check takes a string and raises ``ValueError`` with a one-sentence message (pydantic turns it
into a validation error at the value's position). Route expressions and actions have their own
parser (``route_syntax``). Never stricter than Mailgun: a check refuses only what Mailgun refuses.
This module knows nothing about YAML, files or pydantic models.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Sequence
from itertools import filterfalse
from typing import Any
from urllib.parse import urlsplit

_ATOM = r"[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+"
LOCAL_PART = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.[a-z][a-z0-9-]*[a-z0-9]|{_LABEL}(?:\.{_LABEL})*\.xn--[a-z0-9-]+")


# An RFC 5322 atom (atext, "/" included); a web prefix is "a valid atom" (mailgun-openapi.yaml).
_ATOM_TEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
ATOM_WORDS = "letters, digits and !#$%&'*+-/=?^_`{|}~"


def is_atom(text: str) -> bool:
    return _ATOM_TEXT.fullmatch(text) is not None


SELECTOR = r"^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$"  # a DKIM selector, one DNS label
PATTERN_WORDS = {  # what a pattern means, for an error: the pattern itself says it to nobody
    SELECTOR: "must be lower-case letters, digits, - and _ (at most 63), starting and ending with a letter or digit",
}


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The closest choice to ``word`` (case-insensitive first), for "did you mean" hints."""
    for choice in choices:
        if choice.lower() == word.lower():
            return choice
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown(noun: str, word: object, choices: list[str] | tuple[str, ...]) -> str:
    """``unknown event "deliverd" (did you mean "delivered"?)``, or the list of choices."""
    hint = suggest(word, choices) if isinstance(word, str) else None
    if hint:
        return f'unknown {noun} "{word}" (did you mean "{hint}"?)'
    return f'unknown {noun} "{word}" (expected one of: {", ".join(choices)})'


# --- addresses and URLs ------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def is_domain(text: str) -> bool:
    # Cached: the 200,000 addresses of a large account share a few hundred domains.
    return len(text) <= 253 and _DOMAIN.fullmatch(text) is not None


def is_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return (
        bool(at)
        and len(local) <= 64
        and len(text) <= 254
        and bool(LOCAL_PART.fullmatch(local))
        and (is_domain(domain.lower()))
    )


# A local part's characters, and every character of a domain name: the atom's, from its pattern, and "."
_PART_CHARS = bytes(c for c in range(128) if re.fullmatch(_ATOM, chr(c))) + b"."
_LINE_BREAK_AS_AT = bytes.maketrans(b"\n", b"@")


def all_emails(texts: Sequence[str]) -> bool:
    """``all(map(is_email, texts))`` in a few passes over all the texts at once, each in C: the
    200,000 addresses of a large account's CSV files are one text of ``local@domain`` lines, and
    their few hundred domains are checked once each. The few texts that are not ASCII go through
    ``is_email`` one by one (``str.lower`` may make such a domain ASCII)."""
    if not texts:
        return True
    joined = "\n".join(texts)
    if not joined.isascii():
        return all_emails(list(filter(str.isascii, texts))) and all(map(is_email, filterfalse(str.isascii, texts)))
    lines = joined.encode()
    if lines.translate(None, _PART_CHARS) != b"@\n" * (len(texts) - 1) + b"@":
        return False  # not exactly one "@" in a text (a line break in one adds a line), or another character
    parts = lines.translate(_LINE_BREAK_AS_AT)  # local@domain@local@domain...
    if parts.startswith((b"@", b".")) or parts.endswith((b"@", b".")):
        return False
    if any(pair in parts for pair in (b"@@", b"@.", b".@", b"..")):
        return False  # an empty part, a dot at either end of a part, two dots in a row
    split = parts.lower().split(b"@")
    if max(map(len, texts)) > 254 or max(map(len, split[0::2])) > 64:
        return False
    return all(is_domain(domain.decode()) for domain in set(split[1::2]))


def all_pass(check: Callable[[Any], bool], values: Sequence[Any]) -> bool:
    """``all(map(check, values))``, through the column form of the check where there is one."""
    column = _COLUMN_FORMS.get(check)
    return column(values) if column is not None else all(map(check, values))


def check_email(text: str) -> str:
    if not is_email(text):
        raise ValueError(f'"{text}" is not a valid email address')
    return text


def check_domain(text: str) -> str:
    if is_domain(text):
        return text
    if is_domain(text.lower()):
        raise ValueError(f'domain names are lower-case in Mailgun: write "{text.lower()}"')
    raise ValueError(f'"{text}" is not a valid domain name')


def is_email_or_domain(text: str) -> bool:
    return is_email(text) or is_domain(text)


def check_email_or_domain(text: str) -> str:
    if not is_email_or_domain(text):
        raise ValueError(f'"{text}" is neither an email address nor a domain name')
    return text


_COLUMN_FORMS: dict[Callable[[Any], bool], Callable[[Sequence[Any]], bool]] = {is_email: all_emails}


def is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(host) and not any(c.isspace() for c in text)


def check_url(text: str) -> str:
    if not is_url(text):
        raise ValueError(f'"{text}" is not a valid URL (expected http:// or https:// and a host)')
    return text


# --- list members -------------------------------------------------------------------------------

# ``Alice <alice@example.com>``: Mailgun's mailing-list docs allow this form for a member's (and a
# list's) ``address`` ("Valid email address specification, e.g. Alice <alice@example.com> or just
# alice@example.com"). The display part may be quoted ("Doe, Jane").
_MAILBOX = re.compile(r'\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<plain>[^<>"]*?))\s*<(?P<address>[^<>\s]+)>\s*')


def mailbox(text: str) -> tuple[str, str] | None:
    """(display name, address) of ``Name <address>``; None for text not of that form."""
    found = _MAILBOX.fullmatch(text)
    if found is None:
        return None
    quoted = found.group("quoted")
    name = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else found.group("plain")
    return name, found.group("address")


def is_member_address(text: str) -> bool:
    """An email address, or ``Name <address>`` around one."""
    found = mailbox(text)
    return is_email(text if found is None else found[1])


def check_member_address(text: str) -> str:
    found = mailbox(text)
    if found is None:
        return check_email(text)
    if not is_email(found[1]):
        raise ValueError(f'"{found[1]}" in "{text}" is not a valid email address')
    return text


# --- other Mailgun limits ----------------------------------------------------------------------

MAX_TEMPLATE_BYTES = 100 * 1024  # "100Kb max template size" (mailgun-api.md §6.1)


def check_template_size(text: str) -> str:
    size = len(text.encode("utf-8"))
    if size > MAX_TEMPLATE_BYTES:
        raise ValueError(f"template is {size:,} bytes; Mailgun allows at most {MAX_TEMPLATE_BYTES:,} (100 KiB)")
    return text


_COLUMN_FORMS[bool] = all  # a column of lists none of which is empty (unsubscribe tags)


# --- JSON data ----------------------------------------------------------------------------------


def check_json_data(value: Any) -> Any:
    """JSON sent to Mailgun (a member's ``vars``) holds finite numbers only: Python writes an
    infinity as ``Infinity``, which is no JSON, and Mailgun refuses the whole request (mailgun-api.md
    §7.3); YAML reads ``.inf``, ``.nan`` and a number too large for a float (``1.0e+400``) so."""
    found = _not_finite(value)
    if found is not None:
        raise ValueError(f"not JSON: {found}")
    return value


def _not_finite(value: Any) -> str | None:
    """Where the first number JSON cannot hold is, in document order (no recursion: nesting is the
    YAML's to choose)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, found = stack.pop()
        if isinstance(found, float) and math.isnan(found):
            return f"{path} is .nan (JSON has no NaN)"
        if isinstance(found, float) and math.isinf(found):
            return f"{path} is {'-' if found < 0 else ''}.inf (infinite, or too large a number for JSON)"
        if isinstance(found, dict):
            stack += [(f"{path}.{key}" if path else str(key), item) for key, item in reversed(list(found.items()))]
        elif isinstance(found, list | tuple):
            stack += [(f"{path}[{i}]", item) for i, item in reversed(list(enumerate(found)))]
    return None
