"""Where a template's test data is, and the data itself: for ``template render`` and the plan's
rendered diffs (issue 22).

Test data for ``templates/welcome.html.hbs`` lives beside it as ``templates/welcome.vars.yaml`` (or
``.vars.json``): the file name up to its first dot, then ``.vars.yaml``. An inline template's test data
lives beside its manifest, named after the template: ``welcome.vars.yaml``. A declared template's
file is found from the manifest it was declared in (its ``Resource.source``), by the path the
registry gives its entry (the parent's section and scope, the kind's section, the name).
Knows the template kinds only through the registry and their ``file:`` key.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from mgsync import jsontext
from mgsync.errors import MgsyncError, read_file
from mgsync.kinds import BY_NAME
from mgsync.manifest import yamlfile
from mgsync.manifest.csvdata import not_utf8
from mgsync.state import Resource

SUFFIXES = (".vars.yaml", ".vars.yml", ".vars.json")
CONTENT, ENGINE = "template", "engine"  # the template kinds' canonical fields (kinds/template.py)


def handlebars_text(body: dict[str, Any]) -> str | None:
    """The Handlebars text of a template's fields (a change's ``before`` or ``after``); None for
    anything else (another kind's fields, a Go template)."""
    text = body.get(CONTENT)
    return text if isinstance(text, str) and body.get(ENGINE, "handlebars") == "handlebars" else None


def content_changed(fields: set[str]) -> bool:
    """Whether an update with these changed fields changes what the template renders."""
    return bool(fields & {CONTENT, ENGINE})


@dataclass(frozen=True)
class Located:
    """A declared template's body file (None when inline) and its test data file (None: none)."""

    file: Path | None
    data: Path | None


def data_beside(template: Path) -> Path | None:
    """``welcome.vars.yaml`` (or ``.vars.yml`` / ``.vars.json``) beside ``welcome.html.hbs``, if it exists."""
    return _first(template.parent, template.name.split(".", 1)[0])


def _first(folder: Path, stem: str) -> Path | None:
    return next((p for p in (folder / (stem + suffix) for suffix in SUFFIXES) if p.is_file()), None)


def locate(resource: Resource) -> Located:
    """The body file and test data of a template declared in a manifest."""
    if resource.source is None:
        return Located(None, None)
    manifest = Path(resource.source.file)
    reference = _file_reference(manifest, resource)
    if reference is None:
        return Located(None, _first(manifest.parent, resource.address.name))
    body = manifest.parent / reference
    return Located(body, data_beside(body))


def _file_reference(manifest: Path, resource: Resource) -> str | None:
    try:
        node: Any = _manifest_root(manifest, manifest.stat().st_mtime_ns)
    except OSError:
        return None
    for part in _entry_path(resource):
        node = _child(node, part)
    reference = node.get("file") if isinstance(node, dict) else None
    return reference if isinstance(reference, str) else None


@functools.lru_cache(maxsize=32)
def _manifest_root(manifest: Path, stamp: int) -> Any:
    """A manifest's parsed root, once per file version (``stamp``: its mtime): a plan that changes
    200 templates of one domain file asks for it 200 times."""
    parsed, _problems = yamlfile.parse(manifest)
    return parsed.root if parsed is not None else None


def _entry_path(resource: Resource) -> tuple[str, ...]:
    kind, address = BY_NAME[resource.address.kind], resource.address
    own = (kind.section, address.name)
    return own if kind.parent is None else (kind.parent.section, address.scope, *own)


def _child(node: Any, key: str) -> Any:
    """The entry at ``key``, matched without case (domain names are written in any case)."""
    if not isinstance(node, dict):
        return None
    return next((value for name, value in node.items() if str(name).lower() == key.lower()), None)


def load(path: Path) -> dict[str, Any]:
    """The test data in ``path`` (YAML or JSON): a mapping, or ``MgsyncError`` with its place."""
    try:
        text = read_file(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise MgsyncError(f"{path}: cannot read the test data: {unreadable(err)}") from None
    data = _parsed(path, text)
    if not isinstance(data, dict):
        raise MgsyncError(f"{path}: the test data must be a mapping of variable names to values")
    return data


def unreadable(err: OSError | UnicodeDecodeError) -> str:
    """Why a template or its test data cannot be read, in the words validate uses (``not_utf8``)."""
    if isinstance(err, UnicodeDecodeError):
        return f"{not_utf8(err.object, err)}; save it as UTF-8"
    return err.strerror or str(err)


def _parsed(path: Path, text: str) -> Any:
    if path.suffix == ".json":
        try:
            return jsontext.loads(text)
        except json.JSONDecodeError as err:
            raise MgsyncError(f"{path}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None
    try:
        return _plain(YAML(typ="safe", pure=True).load(text))
    except MarkedYAMLError as err:
        mark = err.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise MgsyncError(f"{where}: not valid YAML: {err.problem}") from None
    except YAMLError as err:
        raise MgsyncError(f"{path}: not valid YAML: {err}") from None
    except RecursionError:
        raise MgsyncError(f"{path}: not valid YAML: nested too deeply") from None


def _plain(value: Any) -> Any:
    """YAML's dates and the like as the strings JSON would carry (Mailgun's variables are JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
