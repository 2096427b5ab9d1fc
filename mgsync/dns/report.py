"""How ``mgsync dns check`` results read: text for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence

from mgsync.dns.formats.jsonfmt import record_json
from mgsync.dns.judge import Result, counts

SHOWN = 72  # long DKIM keys are cut in text output; JSON has them whole
BEFORE, AFTER = 20, 12  # characters shown around the first difference of a long value


def text(results: Sequence[Result]) -> str:
    lines: list[str] = []
    domain = None
    for result in results:
        record = result.record
        if record.domain != domain:
            domain = record.domain
            lines.append(domain)
        suffix = f": {result.message}" if result.message else ""
        lines.append(f"  {result.status:<8} {record.purpose:<9} {record.type:<6} {record.fqdn}{suffix}")
        if result.status != "ok":
            lines.append(f"           expected: {_short(result.expected)}")
            if result.found:
                lines.append(f"           found:    {', '.join(_short(v) for v in result.found)}")
            lines += [f"           differ:   {d}" for d in _differences(result)]
    total = counts(results)
    shown = {status: n for status, n in total.items() if n or status != "failed"}  # failed: only when some did
    lines.append("DNS check: " + ", ".join(f"{n} {status}" for status, n in shown.items()) + ".")
    return "\n".join(lines)


def json_text(results: Sequence[Result], notes: Sequence[str] = ()) -> str:
    document = {
        "results": [
            {
                **record_json(r.record),
                "status": r.status,
                "expected": r.expected,
                "found": list(r.found),
                **({"message": r.message} if r.message else {}),
            }
            for r in results
        ],
        "notes": list(notes),
        "summary": counts(results),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _short(value: str) -> str:
    quoted = json.dumps(value, ensure_ascii=False)
    return quoted if len(quoted) <= SHOWN else f'{quoted[:SHOWN]}…" ({len(value)} characters)'


def _differences(result: Result) -> list[str]:
    """Where each found value first differs from a long expected one: both cut to the same prefix
    (a DKIM key with one character changed) read the same."""
    if result.status != "wrong" or len(json.dumps(result.expected, ensure_ascii=False)) <= SHOWN:
        return []
    return [_difference(result.expected, found) for found in result.found if found != result.expected]


def _difference(expected: str, found: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(expected, found)) if a != b), min(len(expected), len(found)))
    start = max(0, at - BEFORE)
    return f"from character {at + 1}: expected {_window(expected, start, at)}, found {_window(found, start, at)}"


def _window(value: str, start: int, at: int) -> str:
    shown = json.dumps(value[start : at + AFTER], ensure_ascii=False)
    return f"{'…' if start else ''}{shown}{'…' if at + AFTER < len(value) else ' (its end)'}"
