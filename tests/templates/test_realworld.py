"""Real-world Mailgun templates (``realworld/``, each cited in ``realworld/SOURCES.md``): every one
validates with no problem and no warning through ``mgsync validate``, and renders; the rendered
output of a handful is pinned in ``golden/`` (made with their test data beside them, and checked
against what handlebars.js 4.7.8 rendered for the same template and data when they were written).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mgsync.handlebars import render
from tests.support.cli import run

HERE = Path(__file__).parent
CORPUS = HERE / "realworld"
TEMPLATES = sorted(CORPUS.glob("*.hbs"))
# name → what template render says on stderr (the docs' data sets only "spanish")
PINNED = {
    "gs-order-buy-confirmation": "",
    "gs-order-buy-shipping-partial": "",
    "gs-user-2fa-code": "",
    "gs-storage-autopay-update": "",
    "mailgun-docs-if-else-if": f"{CORPUS / 'mailgun-docs-if-else-if.hbs'}:1:7: english is not in the test data\n",
    "mailgun-docs-each": "",
}


def test_the_corpus_has_at_least_30_cited_templates() -> None:
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert len(TEMPLATES) >= 30
    assert [t.name for t in TEMPLATES if f"`{t.name}`" not in sources] == []


def test_every_real_world_template_validates_without_a_warning(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "realworld")
    entries = "".join(f"      {t.stem}:\n        file: realworld/{t.name}\n" for t in TEMPLATES)
    (tmp_path / "mg.yaml").write_text(f"domains:\n  mg.example.com:\n    templates:\n{entries}", encoding="utf-8")
    result = run("validate", "mg.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"OK: {len(TEMPLATES) + 1} resources in 1 file (1 domain)\n"  # and the domain


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.stem)
def test_every_real_world_template_renders_with_and_without_data(template: Path) -> None:
    data_file = template.with_name(template.stem + ".vars.json")
    data = json.loads(data_file.read_text(encoding="utf-8")) if data_file.exists() else {}
    text = template.read_text(encoding="utf-8")
    with_data, empty = render(text, data), render(text, {})
    assert with_data.notes == empty.notes == ()
    assert "{{" not in empty.html.replace("\\{{", "")  # every tag was rendered away
    if data:  # the data fills variables the empty render lacks
        assert len(with_data.missing) < len(empty.missing)


@pytest.mark.parametrize(("name", "stderr"), PINNED.items())
def test_rendered_output_is_pinned(name: str, stderr: str) -> None:
    result = run("template", "render", str(CORPUS / f"{name}.hbs"))
    assert (result.returncode, result.stderr) == (0, stderr)
    assert result.stdout == (HERE / "golden" / f"{name}.html").read_text(encoding="utf-8")
