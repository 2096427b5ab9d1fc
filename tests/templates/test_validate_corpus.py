"""``mgsync validate`` on broken templates: each fails with one line, at the template's own
file:line:col (or inside the YAML for an inline ``template:``), naming the problem.

The corpus (``broken/*.hbs``): every template there is refused by handlebars.js 4.7.8's own parser as
well (checked when the corpus was written), so none is refused only by mgsync. Expected lines are in
``broken/expected.txt``, exactly as ``validate`` prints them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cli import run

HERE = Path(__file__).parent
BROKEN = HERE / "broken"


def _manifest(names: list[str]) -> str:
    lines = ["domains:", "  mg.example.com:", "    templates:"]
    for name in names:
        lines += [f"      {name}:", f"        file: broken/{name}.hbs"]
    return "\n".join(lines) + "\n"


def test_every_broken_template_fails_validate_with_its_place(tmp_path: Path) -> None:
    names = sorted(path.stem for path in BROKEN.glob("*.hbs"))
    assert len(names) >= 30
    shutil.copytree(BROKEN, tmp_path / "broken")
    (tmp_path / "mg.yaml").write_text(_manifest(names), encoding="utf-8")
    result = run("validate", "mg.yaml", cwd=tmp_path)
    assert result.returncode == 1
    expected = (BROKEN / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert result.stderr.splitlines() == [*expected, f"{len(names)} errors found."]
    assert len(expected) == len(names)  # one line per problem, one problem per template


INLINE = """\
domains:
  mg.example.com:
    templates:
      block:
        description: a literal block maps line by line
        template: |
          <p>Hi {{name}}</p>
          {{#if vip}}
            <b>VIP</b>
          {{/each}}
      plain:
        template: <p>{{#unless ok}}x</p>
      quoted:
        template: "<p>{{name}</p>"
      fine-but-unknown-helper:
        template: '<p>{{formatDate sent "YYYY"}}</p> {{> footer}}'
account_templates:
  base:
    template: |
      {{#each items}}
        {{name)}}
      {{/each}}
"""


def test_inline_templates_are_placed_inside_the_yaml(tmp_path: Path) -> None:
    (tmp_path / "mg.yaml").write_text(INLINE, encoding="utf-8")
    result = run("validate", "mg.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'Warning: mg.yaml:16:25: template:mg.example.com/fine-but-unknown-helper: helper "formatDate" is not one of'
        ' Mailgun\'s: it renders the variable "formatDate", ignoring the arguments',
        'Warning: mg.yaml:16:54: template:mg.example.com/fine-but-unknown-helper: partial "{{> footer}}": Mailgun'
        " stores no partials, so the send fails",
        "mg.yaml:10:11: template:mg.example.com/block: {{/each}} does not close {{#if}} (opened at 8:11); write {{/if}}",
        "mg.yaml:12:22: template:mg.example.com/plain: {{#unless}} is never closed: add {{/unless}}",
        'mg.yaml:14:23: template:mg.example.com/quoted: "{{" is never closed with "}}"',
        'mg.yaml:21:15: account_template:base: unexpected ")" in the expression',
        "4 errors found.",
    ]


def test_a_valid_template_with_an_unknown_helper_only_warns(tmp_path: Path) -> None:
    (tmp_path / "mg.yaml").write_text(
        "domains:\n  mg.example.com:\n    templates:\n      t:\n        template: '{{#if (eq a b)}}x{{/if}}'\n",
        encoding="utf-8",
    )
    result = run("validate", "mg.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        'Warning: mg.yaml:5:27: template:mg.example.com/t: helper "eq" is not one of Mailgun\'s'
        ': it renders the variable "eq", ignoring the arguments',
    ]


def test_go_templates_are_not_read_as_handlebars(tmp_path: Path) -> None:
    (tmp_path / "mg.yaml").write_text(
        "domains:\n  mg.example.com:\n    templates:\n      t:\n        engine: go\n        template: '{{if .X}}{{end}}'\n",
        encoding="utf-8",
    )
    assert run("validate", "mg.yaml", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("headers", "warnings"),
    [
        (  # Mailgun renders stored headers with Handlebars; what it does with a broken one is unknown
            '{Subject: "Hi {{name", From: "{{fmt a}} <a@example.com>"}',
            [
                'Warning: m.yaml:6:32: template:mg.example.com/t: header Subject: "{{" is never closed with "}}"',
                'Warning: m.yaml:6:50: template:mg.example.com/t: header From: helper "fmt" is not one of Mailgun\'s'
                ': it renders the variable "fmt", ignoring the arguments',
            ],
        ),
        (  # raymond e9dbaad, built and run, cannot parse {{ #if vip}} in a header either
            '{Subject: "Hi {{ #if vip}}VIP{{/if}}"}',
            [
                "Warning: m.yaml:6:32: template:mg.example.com/t: header Subject: Mailgun cannot parse a space"
                ' between "{{" and "#": write {{#if}} without a space after {{',
            ],
        ),
    ],
)
def test_a_header_that_does_not_parse_is_a_warning(tmp_path: Path, headers: str, warnings: list[str]) -> None:
    """A header is never refused: a warning at its place, exit 0."""
    (tmp_path / "m.yaml").write_text(
        'domains:\n  mg.example.com:\n    templates:\n      t:\n        template: "<p>{{name}}</p>"\n'
        f"        headers: {headers}\n",
        encoding="utf-8",
    )
    result = run("validate", "m.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == warnings


def test_plan_and_apply_print_the_warnings_validate_prints(tmp_path: Path) -> None:
    """A warning is seen where the change is reviewed and applied, not only by ``validate``: a
    partial Mailgun cannot render is on the plan's stderr, and on the apply's, before anything else."""
    (tmp_path / "mg.yaml").write_text(
        "domains:\n  mg.example.com:\n    templates:\n      t:\n        template: '<p>{{> footer}}</p>'\n",
        encoding="utf-8",
    )
    warning = (
        'Warning: mg.yaml:5:23: template:mg.example.com/t: partial "{{> footer}}": Mailgun stores no partials,'
        " so the send fails"
    )
    state = ["--emulator", "--emulator-state", str(tmp_path / "emulator.json")]
    planned = run("plan", *state, "--detailed-exitcode", "mg.yaml", cwd=tmp_path)
    assert planned.returncode == 2, planned.stderr
    assert planned.stderr.splitlines()[0] == warning
    applied = run("apply", *state, "--yes", "mg.yaml", cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert applied.stderr.splitlines()[0] == warning
    again = run("plan", *state, "--detailed-exitcode", "mg.yaml", cwd=tmp_path)
    assert again.returncode == 0 and again.stderr.splitlines()[0] == warning
