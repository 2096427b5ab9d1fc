"""``mgsync template render``: goldens with and without test data beside the template, the list of
missing variables on stderr, --vars, --text, an address resolved through the manifests, and one
clear line for what cannot render."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.cli import REPO, run

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
TEMPLATES = REPO / "examples" / "production" / "templates"


def _welcome(tmp_path: Path, *, with_data: bool) -> Path:
    shutil.copy(TEMPLATES / "welcome.html.hbs", tmp_path / "welcome.html.hbs")
    if with_data:
        shutil.copy(TEMPLATES / "welcome.vars.yaml", tmp_path / "welcome.vars.yaml")
    return tmp_path / "welcome.html.hbs"


def test_the_test_data_beside_the_template_is_used(tmp_path: Path) -> None:
    _welcome(tmp_path, with_data=True)
    result = run("template", "render", "welcome.html.hbs", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (GOLDEN / "welcome.html").read_text(encoding="utf-8")


def test_without_test_data_the_missing_variables_are_listed(tmp_path: Path) -> None:
    _welcome(tmp_path, with_data=False)
    result = run("template", "render", "welcome.html.hbs", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == (GOLDEN / "welcome-no-data.html").read_text(encoding="utf-8")
    assert result.stderr.splitlines() == [
        "No test data for welcome.html.hbs: pass --vars FILE, or write NAME.vars.yaml beside it.",
        "welcome.html.hbs:4:31: first_name is not in the test data",
        "welcome.html.hbs:5:31: email is not in the test data",
        "welcome.html.hbs:6:11: trial_days is not in the test data",
        "welcome.html.hbs:9:19: dashboard_url is not in the test data",
    ]


def test_vars_names_the_data_and_lists_only_what_it_lacks(tmp_path: Path) -> None:
    _welcome(tmp_path, with_data=True)
    (tmp_path / "other.json").write_text('{"first_name": "Bo <&>", "trial_days": 0}', encoding="utf-8")
    result = run("template", "render", "welcome.html.hbs", "--vars", "other.json", "--text", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == (GOLDEN / "welcome-other.txt").read_text(encoding="utf-8")
    assert result.stderr.splitlines() == [
        "welcome.html.hbs:5:31: email is not in the test data",
        "welcome.html.hbs:9:19: dashboard_url is not in the test data",
    ]


def test_an_address_is_found_through_the_manifests() -> None:
    result = run(
        "template", "render", "template:mg.example.com/welcome", "--manifests", "examples/production", "--text"
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (GOLDEN / "welcome.txt").read_text(encoding="utf-8")


def test_an_inline_template_uses_the_data_beside_its_manifest(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "account_templates:\n  note:\n    template: '<p>{{#each items}}{{@index}}={{this}} {{/each}}{{missing}}</p>'\n",
        encoding="utf-8",
    )
    (tmp_path / "note.vars.yaml").write_text("items: [a, b]\n", encoding="utf-8")
    result = run("template", "render", "account_template:note", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "<p>0=a 1=b </p>")
    assert result.stderr == "account_template:note:1:50: missing is not in the test data\n"


def test_what_cannot_render_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "bad.hbs").write_text("<p>\n{{#each items}}{{name}}\n</p>\n", encoding="utf-8")
    (tmp_path / "bad.vars.yaml").write_text("items: [\n", encoding="utf-8")
    (tmp_path / "ok.hbs").write_text("{{x}}", encoding="utf-8")
    (tmp_path / "ok.vars.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "empty.json").write_text("{}", encoding="utf-8")
    (tmp_path / "nan.hbs").write_text("{{n}}", encoding="utf-8")
    (tmp_path / "nan.vars.json").write_text('{"s": "NaN",\n "n": NaN}', encoding="utf-8")  # Python's json reads it
    (tmp_path / "latin1.hbs").write_bytes("<p>\nGrüße {{x}}</p>".encode("latin-1"))  # an editor's Windows-1252
    (tmp_path / "utf16.hbs").write_text("<p>{{x}}</p>", encoding="utf-16")  # Windows "Unicode"
    (tmp_path / "latin1.json").write_bytes('{"x": "Grüße"}'.encode("latin-1"))
    cases = {
        ("bad.hbs", "--vars", "empty.json"): "Error: bad.hbs:2:1: {{#each}} is never closed: add {{/each}}\n",
        ("bad.hbs",): "Error: bad.vars.yaml:2:1: not valid YAML: expected the node content, but found '<stream end>'\n",
        ("ok.hbs",): "Error: ok.vars.json: the test data must be a mapping of variable names to values\n",
        ("nan.hbs",): "Error: nan.vars.json:2:7: not valid JSON: NaN is not JSON\n",
        ("nope.hbs",): "Error: cannot read the template nope.hbs: No such file or directory\n",
        ("latin1.hbs",): "Error: cannot read the template latin1.hbs: not UTF-8 text: byte 0xfc at line 2, column 3;"
        " save it as UTF-8\n",
        ("utf16.hbs",): "Error: cannot read the template utf16.hbs: UTF-16 text, not UTF-8; save it as UTF-8\n",
        ("ok.hbs", "--vars", "latin1.json"): "Error: latin1.json: cannot read the test data: not UTF-8 text: byte 0xfc"
        " at line 1, column 10; save it as UTF-8\n",
        ("template:mg.example.com/x",): "Error: .: no manifest files (*.yaml, *.yml) in this directory\n",
        (
            "route:support-inbox",
            "--manifests",
            str(REPO / "examples" / "production"),
        ): f"Error: route:support-inbox is not a template declared in the manifests in {REPO / 'examples' / 'production'};"
        " give a template file, or --manifests with the directory that declares it\n",
    }
    for args, message in cases.items():
        result = run("template", "render", *args, cwd=tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", message), args


def test_a_plan_leaves_out_the_render_of_test_data_that_is_not_json(tmp_path: Path) -> None:
    """Infinity in a changed template's test data was an internal error of every plan and apply."""
    (tmp_path / "mg.yaml").write_text(
        "domains:\n  mg.example.com:\n    templates:\n      t: {description: d, file: t.hbs}\n", encoding="utf-8"
    )
    (tmp_path / "t.hbs").write_text("<p>{{n}}</p>", encoding="utf-8")
    (tmp_path / "t.vars.json").write_text('{"n": Infinity}', encoding="utf-8")
    emulator = ["--emulator", "--emulator-state", str(tmp_path / "emulator.json")]
    assert run("apply", *emulator, "--yes", "mg.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "t.hbs").write_text("<p>n={{n}}</p>", encoding="utf-8")
    result = run("plan", *emulator, "mg.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in result.stdout
