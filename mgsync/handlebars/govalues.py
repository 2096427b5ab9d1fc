"""Values as mailgun/raymond (the Go Handlebars Mailgun renders with) sees and prints them.

Mailgun's ``t:variables`` is JSON; Go's ``encoding/json`` decodes it into ``interface{}``, so every
number is a ``float64`` (UNCONFIRMED: that Mailgun decodes without ``UseNumber``; nothing public shows
its decoder). ``go_data`` maps test data (YAML or JSON) to that model: a Python ``float`` is a Go
``float64``, a Python ``int`` is a Go ``int`` and only comes from the template itself (a literal ``3``,
raymond ast/node.go ``NumberLiteral.Number``) or from ``x.length`` (helper.go ``lengthParamHelper``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

MISSING: Any = object()  # a lookup that found nothing (raymond: an invalid reflect.Value)
# raymond escape.go escapedChars: only & ' < > "; ' is &apos; (handlebars.js: &#x27;, and escapes ` =)
ESCAPE_TABLE = str.maketrans({"&": "&amp;", "'": "&apos;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def go_data(value: Any) -> Any:
    """Test data as Go decodes the same JSON: every number a float64."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): go_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [go_data(v) for v in value]
    return str(value)


def to_text(value: Any) -> str:
    """raymond string.go ``Str``: a list's items concatenated, ``true``/``false``, a float64 in
    fixed-point (``strconv.FormatFloat(f, 'f', -1, 64)``: 1e21 prints 22 digits), nil and a missing
    value as nothing, a mapping as Go's ``fmt`` ``%s`` prints it (``map[a:x b:%!s(float64=1)]``)."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            return _fixed(value)
        case str():
            return value
        case list() | tuple():
            return "".join(to_text(v) for v in value)
        case Mapping():
            return _go_s(value, top=True)
    return "" if value is MISSING else str(value)


def escape(value: Any) -> str:
    return to_text(value).translate(ESCAPE_TABLE)


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:  # UNCONFIRMED: Go's FormatFloat keeps the sign of zero (not read in raymond)
        return "-0" if math.copysign(1, value) < 0 else "0"
    return None


def _fixed(value: float) -> str:
    special = _special(value)
    if special is not None:
        return special
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shortest_g(value: float) -> str:
    """Go's ``%v`` of a float64 (``strconv`` ``'g'``, shortest): the exponent form when the decimal
    exponent is below -4 or at least 6, with two digits at least (``1e+06``, ``1.5e-05``)."""
    special = _special(value)
    if special is not None:
        return special
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    shown = "".join(map(str, digits))
    power = exponent + len(shown) - 1
    if power < -4 or power >= 6:
        mantissa = shown[0] + ("." + shown[1:] if len(shown) > 1 else "")
        return f"{'-' * sign}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    return _fixed(value)


def _go_s(value: Any, *, top: bool = False) -> str:
    """``fmt.Sprintf("%s", value)`` for JSON-shaped values: maps sorted by key, a non-string inside
    as ``%!s(type=value)``, a nil inside a map or slice as ``<nil>``. UNCONFIRMED: Go's fmt, emulated
    from its documentation (raymond string.go:55 only calls it)."""
    match value:
        case None:
            return "%!s(<nil>)" if top else "<nil>"
        case str():
            return value
        case bool():
            return f"%!s(bool={'true' if value else 'false'})"
        case int():
            return f"%!s(int={value})"
        case float():
            return f"%!s(float64={_shortest_g(value)})"
        case Mapping():
            return "map[" + " ".join(f"{k}:{_go_s(value[k])}" for k in sorted(value, key=_utf8)) + "]"
        case list() | tuple():
            return "[" + " ".join(_go_s(v) for v in value) + "]"
    return str(value)


def _utf8(key: str) -> bytes:
    return key.encode("utf-8", "surrogatepass")


def is_true(value: Any) -> bool:
    """raymond utils.go ``IsTrue``: nil, missing, false, 0, "" and an empty list or mapping are false."""
    if value is None or value is MISSING:
        return False
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value) > 0
    if isinstance(value, (bool, int, float)):
        return value != 0  # NaN != 0: true, as in Go
    return True


# [0-9]: Go's strconv reads ASCII digits only (U+0661, an Arabic-Indic one, or a full-width one is no number to Go)
GO_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.I)


def float_value(value: Any) -> float | None:
    """raymond helper.go ``floatValue``: a bool as 0/1, a number, a string by ``strconv.ParseFloat``
    (out of range is an error; Go's hexadecimal floats are not read here); None where Go returns an error."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and GO_FLOAT.fullmatch(value):
        number = float(value)
        return None if math.isinf(number) and "inf" not in value.lower() else number
    return None
