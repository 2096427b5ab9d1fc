"""Manifests: YAML files → the desired ``State``, validated offline with every problem at once.

Public API (what the engine and the CLI use)::

    load(paths, env) -> Desired         raises ManifestError listing every Problem, nothing else
    json_schema() -> dict               the JSON Schema of manifests, generated from document.py

Modules: ``yamlfile`` (files, parsing, duplicate keys), ``document`` (the documents assembled from
the kinds' shapes), ``check`` (problems with positions), ``csvdata`` (CSV collections), ``convert``
(sections → canonical resources, through each kind's ``declare``), ``loader`` (the pipeline). The
vocabulary the kinds write their shapes in (``${env:NAME}``, Mailgun syntax rules, field types) is
in ``mgsync.shapes``. Knows no kind by name, and nothing of HTTP, plans or the lockfile.
"""

from __future__ import annotations

from typing import Any

from mgsync.manifest.desired import Desired
from mgsync.manifest.document import ManifestDoc
from mgsync.manifest.loader import load

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


# ``${env:NAME}`` as shapes/env.py reads it: an editor takes one in any value, as mgsync does
ENV_REFERENCE = {"type": "string", "pattern": r"\$\{env:[A-Za-z_][A-Za-z0-9_]*\}"}


def json_schema() -> dict[str, Any]:
    schema = {"$schema": SCHEMA_DIALECT, **ManifestDoc.model_json_schema()}
    _as_mgsync_reads(schema)
    return schema


def _as_mgsync_reads(node: Any) -> None:
    """What pydantic's schema says otherwise than mgsync reads a manifest: a constrained string (one
    of some words, an e-mail address, a URL) may be an ``${env:NAME}`` reference, which the editor
    marked wrong (``spam_action: ${env:SPAM}``); keys matched by a pattern admit no others, where
    the editor took any (``dkim_keys: {S2026: …}``)."""
    if isinstance(node, list):
        for item in node:
            _as_mgsync_reads(item)
    if not isinstance(node, dict):
        return
    for value in node.values():
        _as_mgsync_reads(value)
    if node.get("type") == "string" and {"enum", "format", "pattern"} & set(node):
        constrained = dict(node)
        node.clear()
        node["anyOf"] = [constrained, ENV_REFERENCE]
    if "patternProperties" in node:
        node.setdefault("additionalProperties", False)


__all__ = ["Desired", "json_schema", "load"]
