import re

import pytest

from mgsync import render
from mgsync.changes import Drift, FieldChange
from mgsync.plan import Plan
from tests.support.plans import SECRET, addr, assert_golden, create, delete, example_plan, forget, secret_change, update

SUMMARY = "Plan: {} to add, {} to change, {} to destroy."


def test_create_lists_fields_aligned_in_model_order():
    plan = Plan(
        changes=[
            create(
                "route:support-inbox",
                {
                    "priority": 0,
                    "expression": 'match_recipient("support@example.com")',
                    "actions": ['forward("https://app.example.com/inbound")', "stop()"],
                    "description": None,
                },
            )
        ]
    )
    assert render.text(plan) == "\n".join(
        [
            "mgsync will perform the following actions:",
            "",
            "  + route:support-inbox",
            "      priority:   0",
            '      expression: "match_recipient(\\"support@example.com\\")"',
            '      actions:    ["forward(\\"https://app.example.com/inbound\\")", "stop()"]',
            "",
            SUMMARY.format(1, 0, 0),
        ]
    )


def test_update_shows_only_changed_fields_with_nested_paths():
    plan = Plan(
        changes=[
            update("domain:mg.example.com", ("spam_action", "disabled", "tag")),
            update(
                "tracking:mg.example.com", ("open.active", False, True), ("unsubscribe.html_footer", None, "<a>x</a>")
            ),
        ]
    )
    assert render.text(plan) == "\n".join(
        [
            "mgsync will perform the following actions:",
            "",
            "  ~ domain:mg.example.com",
            '      spam_action: "disabled" -> "tag"',
            "",
            "  ~ tracking:mg.example.com",
            "      open.active:             false -> true",
            '      unsubscribe.html_footer: null -> "<a>x</a>"',
            "",
            SUMMARY.format(0, 2, 0),
        ]
    )


def test_secret_change_is_only_announced():
    assert render.text(Plan(changes=[secret_change()])).splitlines()[2:4] == [
        "  ~ credential:mg.example.com/alice",
        "      password: (sensitive value changed)",
    ]


def test_delete_shows_what_goes_and_forget_what_stays():
    plan = Plan(
        changes=[
            delete("webhook:mg.example.com/opened", {"urls": ["https://old.example.com/hook"]}),
            forget("list:old@mg.example.com"),
        ]
    )
    assert render.text(plan) == "\n".join(
        [
            "mgsync will perform the following actions:",
            "",
            "  - webhook:mg.example.com/opened",
            '      urls: ["https://old.example.com/hook"]',
            "",
            "  . list:old@mg.example.com (no longer managed; left as it is)",
            "",
            "Caution:",  # last before the summary, where apply asks
            "  ! Deletes webhook:mg.example.com/opened; deliveries to https://old.example.com/hook stop",
            "",
            "Plan: 0 to add, 0 to change, 1 to destroy, 1 to forget.",
        ]
    )


def test_the_caution_lists_what_the_plan_ends_up_to_ten_lines():
    plan = Plan(changes=[delete(f"route:r{i:02}", {"priority": i}) for i in range(12)])
    lines = render.text(plan).splitlines()
    caution = lines[lines.index("Caution:") + 1 : -2]
    assert caution == [
        *(f"  ! Deletes route:r{i:02}" for i in range(10)),
        "  ! … and 2 more (the changes above name each)",
    ]


def test_empty_plan():
    assert render.text(Plan()) == "No changes. Mailgun matches the manifests."


def test_counts_of_what_is_left_out_write_thousands_as_every_other_count():
    """Not managed: "1245 members", "… and 1240 more" beside counts written "1,245": in the terminal and
    in the comment."""
    members = [addr(f"member:news@mg.example.com/m{i:04}@example.org") for i in range(1245)]
    plan = Plan(unmanaged={"member": members})
    assert "  1,245 members in news@mg.example.com: m0000@example.org," in render.text(plan)
    assert "m0004@example.org, … and 1,240 more" in render.text(plan)
    assert "- 1,245 members in `news@mg.example.com`: `m0000@example.org`," in render.markdown(plan)
    assert "`m0004@example.org`, … and 1,240 more" in render.markdown(plan)


def test_drift_unmanaged_and_notes_on_a_plan_without_changes():
    plan = Plan(
        drift=[
            Drift(addr("route:support-inbox"), (FieldChange(("priority",), 0, 5),)),
            Drift(addr("webhook:mg.example.com/clicked"), (), deleted=True),
        ],
        unmanaged={
            "route": [addr(f"route:r{i}") for i in range(3)],
            "member": [addr(f"member:news@mg.example.com/m{i}@example.org") for i in range(7)]
            + [addr("member:staff@mg.example.com/boss@example.org")],
            "allowlist": [addr(f"allowlist:mg.example.com/{name}.example.org") for name in ("a", "b")],
        },
        notes=["first note", "second note"],
    )
    assert render.text(plan) == "\n".join(
        [
            "Changed outside mgsync since the last apply (drift):",
            "  ~ route:support-inbox",
            "      priority: 0 -> 5",
            "  - webhook:mg.example.com/clicked (deleted in Mailgun)",
            "",
            "Not managed (left alone):",
            "  3 routes: r0, r1, r2",
            "  7 members in news@mg.example.com: m0@example.org, m1@example.org, m2@example.org, m3@example.org,"
            " m4@example.org, … and 2 more",
            "  1 member in staff@mg.example.com: boss@example.org",
            "  2 allowlist entries in mg.example.com: a.example.org, b.example.org",
            "",
            "Note: first note",
            "Note: second note",
            "",
            "No changes. Mailgun matches the manifests.",
        ]
    )


def bounces(n: int, domain: str = "mg.example.com") -> list:
    return [create(f"bounce:{domain}/a{i}@example.org", {"code": "550"}) for i in range(n)]


def test_bulk_group_prints_a_header_with_the_exact_count_and_a_sample():
    text = render.text(Plan(changes=bounces(2500)))
    assert text == "\n".join(
        [
            "mgsync will perform the following actions:",
            "",
            "  + 2,500 bounces in mg.example.com (first 5 shown; plan --full lists every one)",
            *[f"      + bounce:mg.example.com/a{i}@example.org" for i in range(5)],
            "      … and 2,495 more",
            "",
            SUMMARY.format(2500, 0, 0),
        ]
    )


def test_full_lists_every_bulk_change():
    text = render.text(Plan(changes=bounces(2500)), full=True)
    assert text.count("  + bounce:mg.example.com/") == 2500 and "more" not in text


def test_sampled_updates_keep_their_fields():
    changes = [update(f"member:news@mg.example.com/u{i}@example.org", ("subscribed", True, False)) for i in range(21)]
    lines = render.text(Plan(changes=changes)).splitlines()
    assert lines[2:6] == [
        "  ~ 21 members in news@mg.example.com (first 5 shown; plan --full lists every one)",
        "      ~ member:news@mg.example.com/u0@example.org",
        "          subscribed: true -> false",
        "      ~ member:news@mg.example.com/u1@example.org",
    ]
    assert lines[-3] == "      … and 16 more"


def test_twenty_bulk_changes_are_listed_twenty_one_are_summarised():
    assert render.text(Plan(changes=bounces(20))).count("  + bounce:") == 20
    assert render.text(Plan(changes=bounces(21))).count("+ bounce:") == 5


def test_groups_are_per_action_and_scope_at_their_first_place():
    changes = [
        *bounces(30, "a.example.com"),
        *bounces(2, "b.example.com"),
        *[delete(f"bounce:a.example.com/x{i}@example.org", {"code": "550"}) for i in range(25)],
        create("route:only-one", {"priority": 1}),
    ]
    heads = [line for line in render.text(Plan(changes=changes)).splitlines() if re.match(r"  [^\s!]", line)]
    assert heads == [
        "  + 30 bounces in a.example.com (first 5 shown; plan --full lists every one)",
        "  + bounce:b.example.com/a0@example.org",
        "  + bounce:b.example.com/a1@example.org",
        "  - 25 bounces in a.example.com (first 5 shown; plan --full lists every one)",
        "  + route:only-one",
    ]


@pytest.mark.parametrize("count", [30, 1_500])
def test_changes_of_kinds_that_are_not_bulk_are_never_summarised(count):
    routes = [create(f"route:r{i:04}", {"priority": i}) for i in range(count)]
    lines = render.text(Plan(changes=routes)).splitlines()
    assert [line for line in lines if line.startswith("  + ")] == [f"  + route:r{i:04}" for i in range(count)]


def test_fifty_thousand_members_stay_a_few_screens():
    changes = [create(f"member:news@mg.example.com/u{i}@example.org", {"subscribed": True}) for i in range(50_000)]
    assert len(render.text(Plan(changes=changes)).splitlines()) < 20


def test_example_plan_matches_golden():
    assert_golden("example.txt", render.text(example_plan()))


def test_colour_only_when_asked():
    plan = example_plan()
    plain, coloured = render.text(plan), render.text(plan, color=True)
    assert "\x1b" not in plain
    for code in ("\x1b[32m+\x1b[0m", "\x1b[33m~\x1b[0m", "\x1b[31m-\x1b[0m", "\x1b[2mNote: "):
        assert code in coloured
    assert re.sub(r"\x1b\[\d+m", "", coloured) == plain


def test_same_plan_same_bytes():
    assert render.text(example_plan()) == render.text(example_plan())
    assert render.text(example_plan(), color=True) == render.text(example_plan(), color=True)


@pytest.mark.parametrize("color", [False, True])
def test_secret_in_full_resources_is_never_printed(color):
    assert SECRET not in render.text(Plan(changes=[secret_change()]), color=color)


def test_control_characters_from_mailgun_are_escaped():
    plan = Plan(changes=[create("route:evil\x1b[2J\u202e", {"description": "a\x07b"})], notes=["note\x1b[31m"])
    text = render.text(plan)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "  + route:evil\\u001b[2J\\u202e" in text
    assert "Note: note\\u001b[31m" in text


INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u061c", "\U000e0041", "\u2028"]


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_in_names_and_values_are_shown_as_escapes(char):
    # route:a<U+200B>b would read as route:ab: a zero-width (format, category Cf) character is escaped.
    plan = Plan(changes=[update(f"route:a{char}b", ("description", "old", f"new{char}"))])
    text = render.text(plan, color=True)
    escape = "\\u" + f"{ord(char):04x}" if ord(char) < 0x10000 else "\\U" + f"{ord(char):08x}"
    assert char not in text
    assert f"route:a{escape}b" in text and f"new{escape}" in text
