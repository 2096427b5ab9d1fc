"""An account of odd bulk entries, seeded straight into the emulator's store: every way a member or
suppression can be awkward to write (unset and default fields, values YAML must quote, vars, mixed
case keys, cells CSV cannot hold as they are), on both sides of the CSV threshold.

``tests/importer/golden/odd`` is what ``mgsync import`` wrote for it before import exported bulk
collections straight from their tables (one ``Resource`` per entry then): the fast export must give
the same bytes.
"""

from __future__ import annotations

from typing import Any

from mgsync.emulator import Emulator

# Values YAML must quote or would read as something else, and cells CSV must quote.
TRICKY = [
    "yes",
    "no",
    "null",
    "~",
    "123",
    "1e3",
    "0x1F",
    "#hash",
    "a: b",
    "- dash",
    "[x]",
    "{y}",
    "'q'",
    '"dq"',
    "a,b",
    'say "hi"',
    "Ünïcödé ☃",
    "Mixed Case",
    "tab\there",
    "line\nbreak",
    "%percent",
    "@at",
    "!bang",
    "&anchor",
    "*star",
    "x" * 90,
]


def seed(emu: Emulator) -> None:
    store = emu.store
    store.add_domain("mg.example.com", state="active")
    store.add_domain("Other.Example.org", state="unverified")
    _lists(store)
    _suppressions(store)


def _members(prefix: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for i in range(count):
        member: dict[str, Any] = {
            "address": f"{prefix}{i:02d}@Example.COM" if i % 4 == 0 else f"{prefix}{i:02d}@example.com"
        }
        if i % 3:
            member["name"] = TRICKY[i % len(TRICKY)]
        if i % 5 == 1:
            member["subscribed"] = False
        if i % 2:
            member["vars"] = {
                "plan": TRICKY[(i * 7) % len(TRICKY)],
                "n": i,
                "ratio": i / 4,
                "ok": i % 3 == 0,
                "none": None,
                "nested": {"ü": [1, "two", {"three": 3}]},
                "": "empty key",
            }
        found.append(member)
    return found


def _lists(store: Any) -> None:
    store.add_list("csv@mg.example.com", name="As CSV")
    store.add_members(
        "csv@mg.example.com",
        [*_members("m", 30), {"address": "ZED@example.com"}, {"address": "alpha@example.com", "name": "", "vars": {}}],
    )
    store.add_list("padded@mg.example.com")  # one name CSV would strip: the whole list stays inline
    store.add_members("padded@mg.example.com", [*_members("p", 22), {"address": "pad@example.com", "name": " pad "}])
    store.add_list("small@Other.Example.org", name="Small", description="few members")
    store.add_members("small@Other.Example.org", _members("s", 12))
    store.add_list("none@mg.example.com")  # no members at all


def _suppressions(store: Any) -> None:
    store.add_bounces(
        "mg.example.com",
        [
            {
                "address": f"b{i:02d}@{'Example.NET' if i % 3 == 0 else 'example.net'}",
                "code": ["550", "421", "554"][i % 3],
                "error": TRICKY[i % len(TRICKY)] if i % 4 else "",
            }
            for i in range(26)
        ],
    )
    store.add_bounces(
        "Other.Example.org",
        [
            *({"address": f"b{i:02d}@example.net", "code": "551", "error": "user not local"} for i in range(21)),
            {"address": "trail@example.net", "code": "550", "error": "trailing space "},
        ],
    )  # stays inline
    store.add_unsubscribes(
        "mg.example.com",
        [
            {
                "address": f"u{i:02d}@{'Example.com' if i % 5 == 0 else 'example.com'}",
                "tags": [["yes", "no"], ["1", "a,b"], ["zeta", "alpha", "zeta"], ["Ünï"], ["*"]][i % 5]
                if i % 6
                else None,
            }
            for i in range(23)
        ],
    )
    store.add_unsubscribes(
        "Other.Example.org",
        [
            *({"address": f"u{i:02d}@example.com", "tags": ["null", "~"] if i % 2 else None} for i in range(21)),
            {"address": "semi@example.com", "tags": ["a;b"]},
        ],
    )  # CSV splits tags on ";": stays inline
    store.add_complaints(
        "mg.example.com",
        [{"address": f"C{i:02d}@example.org" if i % 2 else f"c{i:02d}@example.org"} for i in range(21)],
    )
    store.add_complaints("Other.Example.org", [{"address": "Angry@Example.org"}, {"address": "calm@example.org"}])
    store.add_allowlist(
        "mg.example.com",
        [
            {
                "value": f"partner{i:02d}.example.org" if i % 2 else f"Person{i:02d}@example.org",
                "reason": TRICKY[i % len(TRICKY)] if i % 3 else "",
            }
            for i in range(22)
        ],
    )
    store.add_allowlist(
        "Other.Example.org", [{"value": "ceo@example.com"}, {"value": "friends.example.com", "reason": "yes"}]
    )
