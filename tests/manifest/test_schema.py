"""The checked-in JSON Schema is exactly what ``mgsync schema`` prints."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mgsync.cli import main
from mgsync.kinds.webhook import EVENTS
from mgsync.manifest import json_schema
from tests.support.manifests import SCHEMA, SECTIONS


def test_checked_in_schema_is_current() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == SCHEMA.read_text(encoding="utf-8"), (
        "schemas/mgsync.schema.json is stale: run `mgsync schema > schemas/mgsync.schema.json`"
    )


def test_schema_describes_the_manifest_shape() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert {"domains", "routes", "mailing_lists"} <= set(SECTIONS)
    assert list(schema["properties"]) == ["version", "prune", *SECTIONS]
    defs = schema["$defs"]
    assert tuple(sorted(defs["WebhooksDoc"]["properties"])) == EVENTS  # the 8 Mailgun event names
    assert defs["DomainDoc"]["properties"]["spam_action"]["enum"] == ["disabled", "block", "tag"]
    assert defs["ClickDoc"]["properties"]["active"]["enum"] == [True, False, "htmlonly"]
    # An omitted field is "not managed", so the schema must not suggest a default value.
    assert '"default"' not in json.dumps(schema)
