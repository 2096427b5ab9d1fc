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


def json_schema() -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, **ManifestDoc.model_json_schema()}


__all__ = ["Desired", "json_schema", "load"]
