"""Targets, drift and eventual consistency."""

from __future__ import annotations

from mgsync import render
from tests.support.harness import Harness

MANIFEST = """\
domains:
  mg.example.com:
    webhooks: {delivered: [https://h.example.com/d], opened: [https://h.example.com/o]}
routes:
  support: {expression: 'match_recipient("s@example.com")', actions: ['stop()']}
"""


def test_target_limits_plan_and_apply(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(MANIFEST)
    assert h.actions(h.plan(targets=("webhook:*",))) == [
        ("domain:mg.example.com", "create"),  # what the webhooks need, not live yet (engine/targets.py)
        ("webhook:mg.example.com/delivered", "create"),
        ("webhook:mg.example.com/opened", "create"),
    ]
    h.apply(targets=("domain:mg.example.com", "webhook:mg.example.com/delivered"))
    assert h.actions() == [("webhook:mg.example.com/opened", "create"), ("route:support", "create")]


def test_changes_made_in_mailgun_show_as_drift(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(MANIFEST)
    h.apply()
    h.client.put("/v3/domains/mg.example.com/webhooks/delivered", data=[("url", "https://evil.example.com/x")])
    h.client.delete("/v3/domains/mg.example.com/webhooks/opened")
    plan = h.plan()
    drift = {str(d.address): d for d in plan.drift}
    assert drift["webhook:mg.example.com/opened"].deleted
    assert [f.path for f in drift["webhook:mg.example.com/delivered"].fields] == [("urls",)]
    text = render.text(plan)
    assert "Changed outside mgsync since the last apply (drift):" in text
    assert h.actions(plan) == [
        ("webhook:mg.example.com/delivered", "update"),
        ("webhook:mg.example.com/opened", "create"),
    ]


def test_apply_says_so_when_mailgun_has_not_caught_up(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(MANIFEST)
    # Mailgun answers 200 but the write is not visible yet (eventual consistency).
    h.emu.faults.fail_before_commit(method="POST", path="/v3/routes", status=200)
    outcome = h.apply()
    assert outcome.pending is not None
    assert [str(c.address) for c in outcome.pending.changes] == ["route:support"]
