"""The manifest documents, assembled from the registry: the single source of truth for the JSON
Schema (``schemas/mgsync.schema.json``).

Each kind declares the shape of its own section (``Kind.document``) in its module. Here they are
put where they live: account-level kinds' sections in the top-level document (``ManifestDoc``), the
sections of kinds inside a container in that container's entry document (its own fields from
``Kind.settings`` first, e.g. ``DomainDoc``, ``ListDoc``), sections of one ``Group`` under its key,
and a ``prune:`` list naming the prunable sections of each level. Knows no kind by name.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, create_model

from mgsync.kinds import KINDS, Kind, Prunable, children
from mgsync.shapes.doc import OWNED, UNSET, Doc, Group


class _Manifest(Doc):
    """An mgsync manifest: Mailgun configuration as code. Anything left out is not managed."""

    model_config = ConfigDict(title="mgsync manifest")

    version: Literal[1] = UNSET


def _prune(parent: Kind[Any] | None) -> dict[str, Any]:
    """The ``prune:`` field of a level: the sections of its prunable kinds, if it has any."""
    names = tuple(kind.section for kind in children(parent) if isinstance(kind, Prunable))
    if not names:
        return {}
    what = (
        "Account-level collections" if parent is None else names[0].capitalize() if len(names) == 1 else "Collections"
    )
    return {"prune": (list[Literal[names]], Field(UNSET, description=f"{what} {OWNED}."))}  # type: ignore[valid-type]


def _sections(parent: Kind[Any] | None) -> dict[str, Any]:
    """The section fields of a level, in registry order; a group's sections under its key."""
    fields: dict[str, Any] = {}
    groups: dict[Group, dict[str, Any]] = {}
    for kind in children(parent):
        if kind.group is None:
            fields[kind.section] = (section_type(kind), UNSET)
            continue
        if kind.group not in groups:
            groups[kind.group] = {}
            fields[kind.group.key] = None  # keeps the group's place among the sections
        groups[kind.group][kind.section] = (section_type(kind), UNSET)
    for group, grouped in groups.items():
        model = create_model(group.title, __base__=Doc, __doc__=group.doc, **grouped)
        model.KEY_NOUN = group.key_noun
        fields[group.key] = (model, UNSET)
    return fields


def section_type(kind: Kind[Any]) -> Any:
    """A kind's section value type: its ``document``, or for a container ``{key: entry document}``."""
    if kind.settings is None:
        return kind.document
    title = kind.settings.__name__.replace("Settings", "")  # DomainSettingsDoc -> DomainDoc
    entry = create_model(
        title, __base__=kind.settings, __doc__=kind.settings.__doc__, **_sections(kind), **_prune(kind)
    )
    return dict[kind.key_type, entry]  # type: ignore[name-defined]


ManifestDoc = create_model(
    "ManifestDoc", __base__=_Manifest, __doc__=_Manifest.__doc__, **_prune(None), **_sections(None)
)
SECTIONS: dict[str, Kind[Any]] = {kind.section: kind for kind in children(None)}  # top-level mappings
CONTAINERS = frozenset(kind for kind in KINDS if kind.settings is not None)


def subsection(entry: Any, kind: Kind[Any]) -> tuple[tuple[str, ...], Any]:
    """(path, value) of ``kind``'s section in a validated container entry (value None: not written)."""
    path = (kind.section,) if kind.group is None else (kind.group.key, kind.section)
    value = entry
    for key in path:
        value = getattr(value, key, None) if value is not None else None
    return path, value
