"""Golden renders of the production example planned against a seeded account.

Regenerate after an intended change with: MGSYNC_UPDATE_GOLDEN=1 pytest tests/engine/test_golden.py
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mgsync import render
from tests.support.harness import Harness

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"


def seed(h: Harness) -> None:
    store = h.emu.store
    store.add_domain("mg.example.com", state="active", spam_action="disabled", web_scheme="https")
    store.add_route('match_recipient("support@mg.example.com")', ["stop()"], priority=5, description="support-inbox")
    store.add_route('match_recipient("old@mg.example.com")', ["stop()"], priority=1, description="old-forward")
    store.add_list("staff@mg.example.com", name="Staff", description="Everyone at Example", access_level="members")
    store.add_members(
        "staff@mg.example.com",
        [
            {"address": "carol@example.com", "name": "Carol Diaz", "subscribed": False},
            {"address": "eve@example.com", "name": "Eve (left)"},
        ],
    )
    store.add_list("newsletter@news.example.com", name="Example Newsletter")
    store.add_members("newsletter@news.example.com", [{"address": "reader@example.org", "subscribed": False}])
    store.add_domain("news.example.com", state="active", spam_action="tag", web_scheme="https")
    store.add_bounces("news.example.com", [{"address": "auto@example.org", "code": "550", "error": "gone"}])


@pytest.fixture(scope="module")
def plan(tmp_path_factory, request):
    root = tmp_path_factory.mktemp("golden") / "production"
    shutil.copytree(REPO / "examples" / "production", root)
    from tests.support.cli import EXAMPLE_ENV

    h = Harness(root, env=dict(EXAMPLE_ENV))
    seed(h)
    return h.plan()


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MGSYNC_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs; see the docstring to regenerate"


def test_text(plan) -> None:
    check("production.txt", render.text(plan))


def test_json(plan) -> None:
    check(
        "production.json", json.dumps(render.json_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def test_markdown(plan) -> None:
    check("production.md", render.markdown(plan))


def test_seeded_plan_has_the_expected_shape(plan) -> None:
    actions = {(str(c.address), c.action.value) for c in plan.changes}
    assert ("domain:mg.example.com", "update") in actions
    assert ("route:support-inbox", "update") in actions
    assert ("route:old-forward", "delete") in actions
    assert ("member:staff@mg.example.com/eve@example.com", "delete") in actions
    assert ("member:staff@mg.example.com/carol@example.com", "update") in actions
    assert not any(a.startswith("member:newsletter@news.example.com/reader@") for a, _ in actions)
    assert not any(a == "bounce:news.example.com/auto@example.org" for a, _ in actions)
