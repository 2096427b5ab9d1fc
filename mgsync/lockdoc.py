"""A lockfile's JSON document, apart from any file: its format version and fields, the shape mgsync
writes (``shape_problem``), its text (``render_document``), the digest of a collection in it
(``collection_digest``), what git's conflict markers in it mean (``conflicted``), and the three-way
merge by address of two documents (``merge``). ``lockfile.py`` reads, records and writes the file;
``gitstate.py`` merges the documents of the state branch with ``merge``.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the escaper json.dumps uses (C)
from operator import itemgetter
from pathlib import Path
from typing import Any

from mgsync import jsontext
from mgsync.errors import MgsyncError
from mgsync.fingerprint import canonical_cells, canonical_json, digest
from mgsync.state import Entries

FORMAT_VERSION = 1
# What ``render`` writes (or leaves out when empty); any other top-level field is kept as read.
KNOWN_FIELDS = frozenset({"format_version", "resources", "collections", "secrets_verifier", "account_notes", "account"})
MERGED_SECTIONS = ("resources", "collections")  # merged key by key; every other top-level field is ours
_MISSING: Any = object()


def shape_problem(data: dict[str, Any]) -> str | None:
    """What in a lockfile's document is not of the shape mgsync writes, or None (``state push`` asks too)."""
    for field in ("resources", "collections"):
        if not isinstance(data.get(field, {}), dict):
            return f"{field} is not an object"
    for key, entry in data.get("resources", {}).items():
        kind, colon, rest = key.partition(":")
        if not (colon and kind and rest):
            return f"entry {key!r} is not named KIND:KEY"
        if not isinstance(entry, dict):
            return f"entry {key!r} is not an object"
        for field, shape in (("body", dict), ("meta", dict), ("fingerprint", str), ("secret_hash", str)):
            if entry.get(field) is not None and not isinstance(entry[field], shape):
                return f"entry {key!r} has a {field} that is not {'an object' if shape is dict else 'a string'}"
    for key, entry in data.get("collections", {}).items():
        if entry is not None and not (isinstance(entry, dict) and isinstance(entry.get("count"), int)):
            return f"collection {key!r} is not a count and a digest"
    for field in ("secrets_verifier", "account_notes"):
        if data.get(field) is not None and not isinstance(data[field], str):
            return f"{field} is not a string"
    return None


def render_document(data: dict[str, Any]) -> str:
    """A lockfile's text from its JSON document, as ``Lockfile.render`` writes it: the state branch's merge
    (``gitstate.py``) renders with it, so it keeps every top-level field, known to this version or not."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def collection_digest(kind: str, scope: str, entries: Entries) -> str:
    """The fingerprint of ``[address, comparable body]`` of every entry, sorted by address: the same
    as ``fingerprint(sorted((str(address), Row.from_entry(entry).comparable()) ...))`` (a lockfile
    must not change). Its text is ``collection_text``'s."""
    return digest(collection_text(kind, scope, entries))


def collection_text(kind: str, scope: str, entries: Entries) -> str:
    """The canonical JSON that ``collection_digest`` hashes, written column by column without a row or
    dict per entry. A body holds every field, keys sorted; the addresses share their prefix, so they
    sort as the names do."""
    if not entries:
        return canonical_json([])
    names = sorted(entries)
    fields = list(next(iter(entries.values()))[-1].row.DEFAULTS)
    rows = list(map(entries.__getitem__, names))
    order = sorted(range(len(fields)), key=fields.__getitem__)
    keys = ",".join(_braced(canonical_json(fields[i])) + ":{}" for i in order)
    # One entry: ["kind:scope/name",{"key":value,...}]. JSON escapes character by character, so the
    # address's text is the shared prefix's, written into the template once, then each name's.
    prefix = encode_basestring(f"{kind}:{scope}/")[:-1]  # its opening quote, not its closing one
    template = "[" + _braced(prefix) + "{},{{" + keys + "}}]"
    names_after_prefix = map(_AFTER_QUOTE, map(encode_basestring, names))
    cells = (canonical_cells(list(map(itemgetter(i), rows))) for i in order)
    return "[" + ",".join(map(template.format, names_after_prefix, *cells)) + "]"


_AFTER_QUOTE = itemgetter(slice(1, None))  # an encoded name without its opening quote


def _braced(text: str) -> str:
    """``text`` as literal text in a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>")


def conflicted(path: Path, text: str) -> str | None:
    """The message for a lockfile that holds git's conflict markers, else None.

    What a lost side costs (plan.py ``_undeclared``, engine/record.py ``sync_lock``): objects still declared
    are matched by name and recorded again by the next apply; the lost side's SMTP password hashes
    make its credentials plan as a password change; an object only the lost side recorded that is
    later removed from the manifests is left alone as not managed (not deleted) unless its scope is
    pruned, until it is declared again or imported."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(CONFLICT_MARKERS):
            return (
                f"{path}:{number}: the lockfile is an unresolved git merge conflict; take one side whole "
                f"(git checkout --ours -- {path}, or --theirs, then git add {path}) and run mgsync plan: the next "
                "apply records again the declared objects only the other side recorded; until then its SMTP "
                "passwords plan as changed, and its objects that the manifests no longer declare are left alone "
                "as not managed (not deleted, unless their scope is pruned)."
            )
    return None


def merge(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Three-way merge of lockfile documents by address: for each key of ``resources`` and
    ``collections``, ours if ours changed it from ``base`` (added, changed or removed), else theirs.
    Every other top-level field is ours, whatever it is (fields newer than this code included)."""
    result = dict(ours)
    for section in MERGED_SECTIONS:
        b, o, t = (document.get(section) or {} for document in (base, ours, theirs))
        merged = {}
        for key in sorted({*b, *o, *t}):
            mine = o.get(key, _MISSING)
            value = mine if mine != b.get(key, _MISSING) else t.get(key, _MISSING)
            if value is not _MISSING:
                merged[key] = value
        result[section] = merged
    return result


def document(text: str, where: str) -> dict[str, Any]:
    """The document of a lockfile's ``text``, or an ``MgsyncError`` naming ``where`` it is not one."""
    try:
        data = jsontext.loads(text)
    except ValueError as err:
        raise MgsyncError(
            f"{where}: not an mgsync lockfile ({err}); restore it from the state branch's history."
        ) from None
    if not isinstance(data, dict) or not all(isinstance(data.get(s, {}), dict) for s in MERGED_SECTIONS):
        raise MgsyncError(f"{where}: not an mgsync lockfile (not a JSON object of resources and collections).")
    problem = shape_problem(data)  # never published: every later read would refuse it
    if problem is not None:
        raise MgsyncError(f"{where}: {problem}; restore it from git")
    return data
