"""An imported template's history: import writes no ``keep_versions`` (knowing the count costs a
request per template, and import reads listings only), so the first edit of a template with more
versions than the default (10) prunes, and its plan says how many go in the caution, reading the
versions of only the templates whose content changes; versions created in the same second go oldest
first by their tag's numbers (v2 before v10), never by tag text. Found by an import probe: an edit
deleted 21 versions mgsync never created, the plan showing only the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgsync import render
from mgsync.importer import run_import
from tests.support.harness import Harness

D = "mg.example.com"
VERSIONS = f"/v3/{D}/templates/hist/versions"


def seeded(tmp_path: Path, count: int) -> Harness:
    """A domain with template ``hist`` of ``count`` versions v1..vN, all made in one second."""
    h = Harness(tmp_path / "imported")
    h.emu.store.add_domain(D, state="active")
    specs = [{"tag": f"v{i}", "template": f"<p>v{i}</p>", "active": i == count} for i in range(1, count + 1)]
    h.emu.store.add_template(D, "hist", "history", specs)
    return h


def tags(h: Harness) -> list[str]:
    return sorted(v["tag"] for v in h.client.get(VERSIONS, limit=100)["template"]["versions"])


def edit(h: Harness, body: str) -> None:
    (h.root / f"templates/{D}/hist.hbs").write_text(body, encoding="utf-8")


@pytest.mark.parametrize(("count", "gone"), [(30, 21), (11, 2), (10, 1), (40, 31)])
def test_the_first_edit_of_an_imported_history_says_what_it_prunes(tmp_path: Path, count: int, gone: int) -> None:
    h = seeded(tmp_path, count)
    run_import(h.client, h.root)
    h.emu.log.clear()
    assert h.actions() == []
    assert not [p for p in h.requests("GET") if p.endswith("/versions")]  # a no-op plan reads none
    assert "keep_versions: " not in (h.root / f"{D}.yaml").read_text(encoding="utf-8")
    edit(h, "<p>next</p>")
    noun = "version" if gone == 1 else "versions"
    assert f"! template:{D}/hist: {gone} older {noun} deleted (keep_versions: 10)\n" in render.text(h.plan())
    h.apply()
    assert len(tags(h)) == 10


def test_keep_versions_set_after_the_caution_keeps_the_history(tmp_path: Path) -> None:
    h = seeded(tmp_path, 30)
    run_import(h.client, h.root)
    manifest = h.root / f"{D}.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "description: history", "description: history\n        keep_versions: 31"
        )
    )
    edit(h, "<p>next</p>")
    assert "older versions deleted" not in render.text(h.plan()) and "older version deleted" not in render.text(
        h.plan()
    )
    h.apply()
    assert len(tags(h)) == 31


def test_a_plan_that_prunes_says_how_many_versions_go(tmp_path: Path) -> None:
    h = seeded(tmp_path, 30)
    run_import(h.client, h.root)
    edit(h, "<p>next</p>")
    text = render.text(h.plan())
    assert f"! template:{D}/hist: 21 older versions deleted (keep_versions: 10)\n" in text
    assert "21 older versions deleted" in render.markdown(h.plan())
    h.apply()
    # v1..v21 were made in one second: they go in their numbers' order, v10 after v9, never before v2
    assert [tag for tag in tags(h) if not tag.startswith("mgsync-")] == [f"v{n}" for n in range(22, 31)]
    assert len(tags(h)) == 10


def test_a_no_op_plan_and_a_description_change_read_no_versions(tmp_path: Path) -> None:
    h = seeded(tmp_path, 12)
    run_import(h.client, h.root)
    h.emu.log.clear()
    assert h.actions() == []
    manifest = h.root / f"{D}.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("description: history", "description: story"))
    plan = h.plan()
    assert h.actions(plan) == [(f"template:{D}/hist", "update")]
    assert "older versions deleted" not in render.text(plan)
    assert not [p for p in h.requests("GET") if p.endswith("/versions")]


def test_a_content_change_within_the_count_prunes_nothing_and_says_nothing(tmp_path: Path) -> None:
    h = seeded(tmp_path, 5)
    run_import(h.client, h.root)
    edit(h, "<p>next</p>")
    h.emu.log.clear()
    text = render.text(h.plan())
    assert "older versions deleted" not in text
    assert [p for p in h.requests("GET") if p.endswith("/versions")] == [f"GET {VERSIONS}"]
    h.emu.log.clear()
    h.apply()  # what its plan read is what apply prunes by: no second read
    assert [p for p in h.requests("GET") if p.endswith("/versions")] == [f"GET {VERSIONS}"]
    assert len(tags(h)) == 6
