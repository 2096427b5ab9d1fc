"""The plan shows what a template change does to the email: after the source diff, a diff of the
rendered text (text plan), one collapsed ``<details>`` per template (markdown plan); ``plan --preview
DIR`` writes the rendered HTML before and after. Driven through the real CLI and the embedded
emulator, with the example welcome template and its test data."""

from __future__ import annotations

import shutil
from pathlib import Path

from mgsync import handlebars
from mgsync.templatedata import load
from tests.support.cli import REPO, run

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
EXAMPLE = REPO / "examples" / "production" / "templates"
MANIFEST = """\
domains:
  mg.example.com:
    templates:
      welcome:
        description: Sent once, right after sign-up
        file: templates/welcome.html.hbs
      no-data:
        template: "<p>Hello {{name}}</p>"
"""
EDITS = {
    "<h1>Welcome to Example, {{first_name}}!</h1>": "<h1>Welcome aboard, {{first_name}}!</h1>",
    "Your free trial lasts {{trial_days}} days.": "Your free trial lasts {{trial_days}} days, starting today.",
}


def _applied_then_edited(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "templates").mkdir()
    for name in ("welcome.html.hbs", "welcome.vars.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / "templates" / name)
    (tmp_path / "mg.yaml").write_text(MANIFEST, encoding="utf-8")
    emulator = ["--emulator", "--emulator-state", "emulator.json"]  # relative: the golden plan names it
    assert run("apply", *emulator, "--yes", "mg.yaml", cwd=tmp_path).returncode == 0
    body = tmp_path / "templates" / "welcome.html.hbs"
    text = body.read_text(encoding="utf-8")
    for old, new in EDITS.items():
        text = text.replace(old, new)
    body.write_text(text, encoding="utf-8")
    (tmp_path / "mg.yaml").write_text(MANIFEST.replace("Hello {{name}}", "Hi {{name}}"), encoding="utf-8")
    return tmp_path, emulator


def _without_digest(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "digest" not in line.lower()) + "\n"


def test_text_and_markdown_plans_show_the_rendered_diff(tmp_path: Path) -> None:
    cwd, emulator = _applied_then_edited(tmp_path)
    text = run("plan", *emulator, "mg.yaml", cwd=cwd)
    markdown = run("plan", *emulator, "--format", "markdown", "mg.yaml", cwd=cwd)
    assert (text.returncode, markdown.returncode) == (0, 0)
    assert _without_digest(text.stdout) == (GOLDEN / "plan-rendered.txt").read_text(encoding="utf-8")
    assert _without_digest(markdown.stdout) == (GOLDEN / "plan-rendered.md").read_text(encoding="utf-8")


def test_preview_writes_before_and_after(tmp_path: Path) -> None:
    cwd, emulator = _applied_then_edited(tmp_path)
    result = run("plan", *emulator, "--preview", "previews", "mg.yaml", cwd=cwd)
    assert result.returncode == 0
    assert result.stderr.splitlines()[-1] == "Wrote 4 template preview files to previews"
    found = sorted(p.relative_to(cwd / "previews").as_posix() for p in (cwd / "previews").rglob("*.html"))
    assert found == [
        "template/mg.example.com/no-data.after.html",
        "template/mg.example.com/no-data.before.html",
        "template/mg.example.com/welcome.after.html",
        "template/mg.example.com/welcome.before.html",
    ]
    data = load(EXAMPLE / "welcome.vars.yaml")
    before = handlebars.render((EXAMPLE / "welcome.html.hbs").read_text(encoding="utf-8"), data).html
    after = handlebars.render((cwd / "templates" / "welcome.html.hbs").read_text(encoding="utf-8"), data).html
    assert (cwd / "previews/template/mg.example.com/welcome.before.html").read_text(encoding="utf-8") == before
    assert (cwd / "previews/template/mg.example.com/welcome.after.html").read_text(encoding="utf-8") == after
    assert "<h1>Welcome aboard, Ada!</h1>" in after and "<h1>Welcome to Example, Ada!</h1>" in before
    assert (cwd / "previews/template/mg.example.com/no-data.after.html").read_text(encoding="utf-8") == "<p>Hi </p>"
