"""Texts nested deeper than Python's recursion allows, through the real ``mgsync`` CLI: JSON files
(the lockfile, its journal, a saved plan, the emulator's state, test data), YAML test data and
Handlebars templates. Each is one located sentence, never "internal error (RecursionError ...)"; a
template is Mailgun's to judge, so validating one is a warning and it is applied as written."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.fingerprint import digest
from tests.support.cli import error_line, run

DEEP = 100_000  # json and ruamel.yaml recurse once a level: far past any recursion limit
DEEP_JSON = "[" * DEEP + "]" * DEEP
TEMPLATE_LEVELS = 5_000  # {{#if}} blocks, or subexpressions, one in the other
MANIFEST = "version: 1\nroutes:\n  catch-all:\n    expression: catch_all()\n    actions: [stop()]\n"


def project(tmp_path: Path) -> Path:
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    return tmp_path


def emulated(*args: str) -> list[str]:
    return [*args, "--emulator", "--emulator-state", "emu.json"]


def test_a_lockfile_nested_too_deeply(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "mgsync.lock").write_text('{"format_version": 1, "resources": ' + DEEP_JSON + "}", encoding="utf-8")
    assert error_line(run(*emulated("plan", "."), cwd=root)) == (
        "Error: mgsync.lock: cannot read the lockfile (nested too deeply: line 1 column 1 (char 0)); restore it from git"
    )


def test_a_journal_line_nested_too_deeply(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run(*emulated("apply", "--yes", "."), cwd=root).returncode == 0
    header = json.dumps({"journal": 1, "base": digest((root / "mgsync.lock").read_text(encoding="utf-8"))})
    (root / "mgsync.lock.journal").write_text(f"{header}\n{DEEP_JSON}\n", encoding="utf-8")
    assert error_line(run(*emulated("plan", "."), cwd=root)) == (
        "Error: mgsync.lock.journal:2: the apply journal is corrupt; delete it and run mgsync plan "
        "(the next apply records again what Mailgun holds)"
    )


def test_an_emulator_state_file_nested_too_deeply(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "emu.json").write_text('{"domains": ' + DEEP_JSON + "}", encoding="utf-8")
    assert error_line(run(*emulated("plan", "."), cwd=root)) == (
        "Error: emu.json is not a usable emulator state file (not JSON: nested too deeply, line 1 column 1); "
        "remove it to start an empty account, or start elsewhere: --memory with emulator serve, another "
        "--emulator-state FILE with --emulator."
    )


def test_a_saved_plan_nested_too_deeply(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "plan.json").write_text('{"desired_digest": "x", "plan": ' + DEEP_JSON + "}", encoding="utf-8")
    assert error_line(run(*emulated("apply", "--yes", "plan.json"), cwd=root)) == (
        "Error: plan.json: not a readable mgsync plan file (nested too deeply: line 1 column 1 (char 0))"
    )


def test_test_data_nested_too_deeply(tmp_path: Path) -> None:
    (tmp_path / "t.html").write_text("<p>{{name}}</p>", encoding="utf-8")
    (tmp_path / "deep.json").write_text('{"name": ' + DEEP_JSON + "}", encoding="utf-8")
    (tmp_path / "deep.yaml").write_text("name: " + DEEP_JSON + "\n", encoding="utf-8")
    assert error_line(run("template", "render", "--vars", "deep.json", "t.html", cwd=tmp_path)) == (
        "Error: deep.json:1:1: not valid JSON: nested too deeply"
    )
    assert error_line(run("template", "render", "--vars", "deep.yaml", "t.html", cwd=tmp_path)) == (
        "Error: deep.yaml: not valid YAML: nested too deeply"
    )


def deep_templates(root: Path) -> None:
    n = TEMPLATE_LEVELS
    (root / "blocks.html").write_text("{{#if a}}" * n + "x" + "{{/if}}" * n, encoding="utf-8")
    # each ( opens with a helper's name: Mailgun's parser (raymond) refuses "((" and a leading "("
    (root / "calls.html").write_text("{{x " + "(x " * n + "x" + ")" * n + "}}", encoding="utf-8")
    (root / "mgsync.yaml").write_text(
        "version: 1\ndomains:\n  mg.example.com:\n    templates:\n"
        "      blocks: {description: deep, file: blocks.html}\n"
        "      calls: {description: deep, file: calls.html}\n",
        encoding="utf-8",
    )


def test_a_template_nested_too_deeply_is_a_warning_and_is_applied_as_written(tmp_path: Path) -> None:
    deep_templates(tmp_path)
    checked = run("validate", ".", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    warning = "nested too deeply for mgsync to check: it goes to Mailgun as written"
    assert checked.stderr.splitlines() == [
        f"Warning: blocks.html:1:1: template:mg.example.com/blocks: {warning}",
        f"Warning: calls.html:1:1: template:mg.example.com/calls: {warning}",
    ]
    emu = Emulator(api_key="test")
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": server.url}
        applied = run("apply", "--yes", ".", env=env, cwd=tmp_path)
        assert applied.returncode == 0, applied.stderr
        stored = httpx.get(
            f"{server.url}/v3/mg.example.com/templates/blocks", params={"active": "yes"}, auth=("api", "test")
        ).json()
        assert stored["template"]["version"]["template"] == (tmp_path / "blocks.html").read_text(encoding="utf-8")
        again = run("plan", ".", env=env, cwd=tmp_path)
        assert again.returncode == 0 and "No changes." in again.stdout, again.stdout + again.stderr


def test_a_template_nested_too_deeply_to_render_is_one_line(tmp_path: Path) -> None:
    deep_templates(tmp_path)
    (tmp_path / "data.json").write_text('{"a": true}', encoding="utf-8")
    for name in ("blocks.html", "calls.html"):
        assert error_line(run("template", "render", "--vars", "data.json", name, cwd=tmp_path)) == (
            f"Error: {name}:1:1: nested too deeply for mgsync to render"
        )
