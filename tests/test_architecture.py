"""A kind is one module: every registered kind is complete, and nothing outside it names it.

Also keeps docs/ARCHITECTURE.md true: every module it names exists, every registered kind is listed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mgsync.cli import main
from mgsync.engine import canonical
from mgsync.importer import run_import
from mgsync.kinds import KINDS, Kind
from mgsync.manifest import json_schema, load
from mgsync.state import Address

from .engine.harness import Harness
from .engine.test_contract import CASES

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
# The orchestration: these modules iterate the registry and must name no kind.
KIND_FREE = [
    *sorted(str(p.relative_to(REPO)) for p in (REPO / "mgsync" / "engine").glob("*.py")),
    "mgsync/apply.py",
    "mgsync/plan.py",
    "mgsync/cli.py",
    "mgsync/manifest/loader.py",
    "mgsync/manifest/convert.py",
    "mgsync/manifest/document.py",
    "mgsync/importer/__init__.py",
    "mgsync/importer/documents.py",
    *sorted(str(p.relative_to(REPO)) for p in (REPO / "mgsync" / "render").glob("*.py")),
]


LIBRARY_KEYWORDS = frozenset({"output_format"})


def _ids(kind: Kind[Any]) -> str:
    return kind.name


# --- nothing outside a kind's module names it ---------------------------------------------------


def _strings(path: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal (f-string parts included) except docstrings."""
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, documented) and node.body and isinstance(node.body[0], ast.Expr)
    }
    # A library's own vocabulary that happens to spell a kind's name (deepdiff's
    # ``path(output_format="list")``) is not a kind named in code.
    library_words = {id(kw.value) for node in ast.walk(tree) if isinstance(node, ast.Call)
                     for kw in node.keywords if kw.arg in LIBRARY_KEYWORDS}
    skip = docstrings | library_words
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]


def _names_a_kind(text: str) -> str | None:
    """The kind ``text`` names as code would: its name, section or group key as the whole string,
    an address prefix (``route:``) or a flag (``--domain``); prose that merely uses the word is fine."""
    for kind in KINDS:
        words = {kind.name, kind.section, *([kind.group.key] if kind.group else [])}
        if text in words or re.search(rf"(^|[\s(\"']){re.escape(kind.name)}:(\S|$)|--({'|'.join(words)})\b", text):
            return kind.name
    return None


@pytest.mark.parametrize("path", KIND_FREE)
def test_orchestration_names_no_kind(path: str) -> None:
    found = [(line, text) for line, text in _strings(path) if _names_a_kind(text)]
    assert found == [], f"{path} names a kind; ask the registry (a Kind attribute) instead"


@pytest.mark.parametrize("text", ['"route"', "'member:'", "--domain", "domains"])
def test_the_scan_catches_a_kind_named_in_code(text: str) -> None:
    assert _names_a_kind(text.strip("\"'")) is not None


# --- every kind is complete ---------------------------------------------------------------------


def _def(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    return schema["$defs"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node


def _level(parent: Kind[Any] | None, schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema object holding the sections of the kinds inside ``parent`` (None: the top level)."""
    if parent is None:
        return schema
    holder = _level(parent.parent, schema)
    return _def(schema, holder["properties"][parent.section]["additionalProperties"])


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_every_kind_has_a_manifest_section(kind: Kind[Any]) -> None:
    schema = json_schema()
    level = _level(kind.parent, schema)
    doc = _def(schema, level["properties"][kind.group.key]) if kind.group else level
    assert kind.section in doc["properties"]
    if kind.prunable:
        items = level["properties"]["prune"]["items"]
        assert kind.section in items.get("enum", [items.get("const")])


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_every_kind_has_a_contract_case(kind: Kind[Any]) -> None:
    assert kind.name in CASES, f"add a {kind.name} case to tests/engine/test_contract.py CASES"


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_every_kind_is_served_by_the_emulator_and_written_back_by_import(kind: Kind[Any], tmp_path) -> None:
    """Apply the kind's contract case, import the account: the object is read and written back."""
    create, address = CASES[kind.name][0], Address.parse(CASES[kind.name][3])
    h = Harness(tmp_path / "account", env={"PW": "first-password"})
    h.root.mkdir()
    h.write(create)
    h.apply()
    for name in list(h.emu.store.domains):  # verified: Mailgun activates a domain's first DKIM key only then,
        h.emu.store.mark_dns_valid(name)    # and import writes no signing key that live does not hold
        h.client.put(f"/v4/domains/{name}/verify")
    run_import(h.client, tmp_path / "imported")
    imported = canonical(load([tmp_path / "imported"], {}).state)
    assert kind.canonical(address) in imported, f"import does not write {address} back"


# --- the architecture page ----------------------------------------------------------------------


def test_architecture_names_only_modules_that_exist() -> None:
    """Paths anywhere before the walkthrough (whose new kind is hypothetical), and in the tree block
    the bare ``x.py`` names under a package line."""
    described = ARCHITECTURE.split("## Adding a kind")[0]
    named = set(re.findall(r"\bmgsync/[\w/]*\w(?:\.py|/)?", described))
    tree = re.search(r"```text\n(.*?)```", described, flags=re.S)
    assert tree is not None
    package = None
    for line in tree.group(1).splitlines():
        if line.startswith("mgsync/"):
            package = line.split()[0] if line.split()[0].endswith("/") else None
        elif package and line.startswith("  "):
            named |= {package + name for name in re.findall(r"\b\w+\.py\b", line)}
    missing = sorted(path for path in named if not (REPO / path).exists())
    assert len(named) > 40 and missing == []


def test_architecture_lists_every_kind() -> None:
    listed = set(re.findall(r"^\| `(\w+)` \|", ARCHITECTURE, flags=re.M))
    assert listed == {kind.name for kind in KINDS}


def test_the_confirm_delete_flag_comes_from_the_kind(tmp_path) -> None:
    """``apply --delete-domain NAME`` exists because the domain kind says ``confirm_delete``."""
    state, manifest = tmp_path / "emulator.json", tmp_path / "mgsync.yaml"
    cli = ["apply", "--yes", "--emulator", "--emulator-state", str(state), str(manifest)]
    manifest.write_text("domains:\n  mg.other.com: {spam_action: tag}\n")
    assert CliRunner().invoke(main, cli).exit_code == 0
    manifest.write_text("domains: {}\n")
    refused = CliRunner().invoke(main, cli)
    assert refused.exit_code != 0
    assert "Re-run with --delete-domain mg.other.com to confirm." in refused.stderr
    confirmed = CliRunner().invoke(main, [*cli, "--delete-domain", "mg.other.com"])
    assert confirmed.exit_code == 0, confirmed.stderr
    assert "domain:mg.other.com" not in (tmp_path / "mgsync.lock").read_text()


# --- the engine object and a thin CLI (issue 20) ------------------------------------------------

CLI_PARTS = ["mgsync/cliparts.py", "mgsync/planview.py", "mgsync/dnscli.py", "mgsync/emulatorcli.py"]


def test_cli_is_a_thin_shell() -> None:
    lines = (REPO / "mgsync" / "cli.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 350, f"mgsync/cli.py has {lines} lines; move a command group to its own module"


def test_cli_signatures_have_no_any() -> None:
    """Its own functions take and return named types (the connection options are one ``Connection``)."""
    tree = ast.parse((REPO / "mgsync" / "cli.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            notes = [a.annotation for a in every if a is not None and a.annotation is not None] + [node.returns]
            if any(n is not None and re.search(r"\bAny\b", ast.unparse(n)) for n in notes):
                found.append((node.lineno, node.name))
    assert found == []


@pytest.mark.parametrize("path", [*sorted(str(p.relative_to(REPO)) for p in (REPO / "mgsync" / "engine").glob("*.py")),
                                  "mgsync/cli.py", *CLI_PARTS])
def test_engine_and_cli_modules_stay_small(path: str) -> None:
    assert (REPO / path).read_text(encoding="utf-8").count("\n") <= 300 + 50 * (path == "mgsync/cli.py")


@pytest.mark.parametrize("path", CLI_PARTS)
def test_cli_parts_name_no_kind(path: str) -> None:
    found = [(line, text) for line, text in _strings(path) if _names_a_kind(text)]
    assert found == [], f"{path} names a kind; ask the registry (a Kind attribute) instead"


def test_what_the_engine_hands_back_is_frozen(tmp_path) -> None:
    """``Engine.plan`` and ``Engine.apply`` return an ``Outcome`` no caller can change."""
    import dataclasses

    from mgsync.engine import Checks, Engine, Hooks, Outcome

    assert all(dataclasses.fields(cls) and cls.__dataclass_params__.frozen for cls in (Outcome, Engine, Checks, Hooks))
    h = Harness(tmp_path)
    h.write("routes:\n  r1: {priority: 1, expression: match_recipient('a@mg.example.com'), actions: [stop()]}\n")
    outcome = h.apply()
    assert outcome.applied == 1 and outcome.pending is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.applied = 0  # type: ignore[misc]
