import json

from mgsync import render
from mgsync.changes import Drift
from mgsync.plan import Plan
from tests.support.plans import SECRET, addr, create, example_plan, forget, secret_change, update


def test_document_structure():
    plan = Plan(
        changes=[
            create("route:support-inbox", {"priority": 0}),
            update("tracking:mg.example.com", ("open.active", False, True)),
            secret_change(),
            forget("list:old@mg.example.com"),
        ],
        drift=[Drift(addr("webhook:mg.example.com/clicked"), (), deleted=True)],
        unmanaged={"route": [addr("route:legacy")]},
        notes=["a note"],
    )
    assert render.json_document(plan) == {
        "format_version": 1,
        "summary": {"add": 1, "change": 2, "destroy": 0, "forget": 1},
        "changes": [
            {
                "address": "route:support-inbox",
                "kind": "route",
                "action": "create",
                "before": None,
                "after": {"priority": 0},
                "fields": [],
            },
            {
                "address": "tracking:mg.example.com",
                "kind": "tracking",
                "action": "update",
                "before": {"open.active": False},
                "after": {"open.active": True},
                "fields": [{"path": ["open", "active"], "before": False, "after": True}],
            },
            {
                "address": "credential:mg.example.com/alice",
                "kind": "credential",
                "action": "update",
                "before": {"password": "(sensitive value)"},
                "after": {"password": "(sensitive value)"},
                "fields": [{"path": ["password"], "before": "(sensitive value)", "after": "(sensitive value changed)"}],
            },
            {
                "address": "list:old@mg.example.com",
                "kind": "list",
                "action": "forget",
                "before": {"name": "Old list"},
                "after": None,
                "fields": [],
            },
        ],
        "drift": [{"address": "webhook:mg.example.com/clicked", "deleted": True, "fields": []}],
        "unmanaged": {"route": ["route:legacy"]},
        "notes": ["a note"],
    }


def test_every_change_in_full_and_serialisable():
    plan = example_plan()
    doc = render.json_document(plan)
    assert len(doc["changes"]) == len(plan.changes) == 2508
    dumped = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
    assert SECRET not in dumped
    assert dumped == json.dumps(render.json_document(example_plan()), indent=2, sort_keys=True, ensure_ascii=False)


def test_empty_plan_document():
    assert render.json_document(Plan()) == {
        "format_version": 1,
        "summary": {"add": 0, "change": 0, "destroy": 0, "forget": 0},
        "changes": [],
        "drift": [],
        "unmanaged": {},
        "notes": [],
    }
