"""Updating a route leaves its description as Mailgun has it. A route's name is its description
where a manifest can hold it; import names the others (``route#<id>`` for none, ``ops-alerts`` for
"ops/alerts", spaces dropped) and the lockfile ties the name to the id. An update sent the name as
the description, so changing a priority quietly rewrote "ops/alerts" to "ops-alerts" and "" to
"route#<id>". Such a description gives the route its name (``route.names_it``), so an update
never changes it and never sends it; it sends one only to write back the name where the description
was changed in Mailgun since (tests/e2e/test_route_description.py). Found by an import probe."""

from __future__ import annotations

from pathlib import Path

from mgsync import render
from mgsync.importer import run_import
from tests.support.harness import Harness

DESCRIPTIONS = ["", "ops/alerts", "  padded  ", "support"]


def test_an_update_leaves_the_live_description_as_it_is(tmp_path: Path) -> None:
    h = Harness(tmp_path / "imported")
    for i, description in enumerate(DESCRIPTIONS):
        h.emu.store.add_route(f'match_recipient("r{i}@mg.example.com")', ["stop()"], 1, description)
    run_import(h.client, h.root)
    routes = h.root / "routes.yaml"
    routes.write_text(routes.read_text(encoding="utf-8").replace("priority: 1", "priority: 2"), encoding="utf-8")
    plan = h.plan()
    assert len(plan.changes) == len(DESCRIPTIONS)
    assert all([f.path for f in c.fields] == [("priority",)] for c in plan.changes)
    assert "description" not in render.text(plan)
    h.emu.log.clear()
    h.apply()
    assert sorted(route["description"] for route in h.client.get("/v3/routes")["items"]) == sorted(DESCRIPTIONS)
    assert all(route["priority"] == 2 for route in h.client.get("/v3/routes")["items"])
    assert len([e for e in h.emu.log if e.method == "PUT"]) == len(DESCRIPTIONS)
    assert h.actions() == []
