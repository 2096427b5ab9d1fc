"""The checked-in JSON Schema is exactly what ``mgsync schema`` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from mgsync.cli import main
from mgsync.kinds.webhook import EVENTS
from mgsync.manifest import ENV_REFERENCE, json_schema
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
    spam_action, env = defs["DomainDoc"]["properties"]["spam_action"]["anyOf"]
    assert (spam_action["enum"], env) == (["disabled", "block", "tag"], ENV_REFERENCE)
    assert defs["ClickDoc"]["properties"]["active"]["enum"] == [True, False, "htmlonly"]
    # An omitted field is "not managed", so the schema must not suggest a default value.
    assert '"default"' not in json.dumps(schema)


def _problems(text: str) -> list[str]:
    """What an editor using the checked-in schema marks in ``text`` (formats checked, as VS Code does)."""
    validator = Draft202012Validator(
        json.loads(SCHEMA.read_text(encoding="utf-8")), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    document = YAML(typ="safe", pure=True).load(text)
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document))


def test_every_example_manifest_passes_the_schema() -> None:
    examples = sorted(Path(SCHEMA.parent.parent, "examples").rglob("*.yaml"))
    manifests = [p for p in examples if not p.name.endswith(".vars.yaml") and p.parent.name != "ci"]
    assert len(manifests) >= 5
    for path in manifests:
        assert _problems(path.read_text(encoding="utf-8")) == [], path


def test_the_schema_reads_a_manifest_as_mgsync_does() -> None:
    """``${env:NAME}`` in a value of some words, an address or a URL is what mgsync reads (the editor
    marked it wrong); a DKIM selector's key must match its pattern (the editor took ``S2026``)."""
    referenced = (
        "domains:\n  mg.example.com:\n    spam_action: ${env:SPAM_ACTION}\n"
        "    archive_to: ${env:ARCHIVE_URL}\n    dkim_selector: ${env:SELECTOR}\n"
        "forwards:\n  sales@mg.example.com:\n    recipients: ['${env:ONCALL}']\n"
    )
    assert _problems(referenced) == []
    assert _problems("domains:\n  mg.example.com:\n    dkim_keys: {S2026: {bits: 2048}}\n") == [
        "domains.mg.example.com.dkim_keys: 'S2026' does not match any of the regexes: "
        "'^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$'"
    ]
    assert _problems("domains:\n  mg.example.com:\n    spam_action: tagg\n") != []


@pytest.mark.parametrize("value", ["${env:SPAM_ACTION}", "tag"])
def test_mgsync_reads_what_the_schema_takes(value: str, tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(f"domains:\n  mg.example.com:\n    spam_action: {value}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "m.yaml")], env={"SPAM_ACTION": "block"})
    assert result.exit_code == 0, result.output
