import pytest

from mgsync import render
from mgsync.changes import Drift, FieldChange
from mgsync.plan import Plan

from .plans import (
    SECRET, addr, assert_golden, create, delete, example_plan, forget, huge_plan, secret_change, update,
)

TRUNCATED = "run `mgsync plan` locally (or read this job's log) for the full plan."


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ([], "No changes. Mailgun matches the manifests."),
        ([create("route:a", {})], "Plan: 1 to add, 0 to change, 0 to destroy."),
        ([update("route:a", ("priority", 0, 1)), delete("route:b", {})], "Plan: 0 to add, 1 to change, 1 to destroy."),
    ],
)
def test_summary_line(changes, expected):
    assert render.summary_line(Plan(changes=changes)) == expected


def test_summary_line_lists_forgets_only_when_there_are_any():
    assert render.summary_line(Plan(changes=[forget("list:a@mg.example.com")])) == (
        "Plan: 0 to add, 0 to change, 0 to destroy, 1 to forget."
    )


def test_empty_plan_comment():
    expected = "<!-- mgsync-plan -->\n### mgsync plan\n\n**No changes. Mailgun matches the manifests.**"
    assert render.markdown(Plan()) == expected


def test_small_plan_comment():
    plan = Plan(
        changes=[
            create("route:support-inbox", {"priority": 0}),
            update("domain:mg.example.com", ("spam_action", "disabled", "tag")),
        ],
        drift=[Drift(addr("route:support-inbox"), (FieldChange(("priority",), 0, 5),))],
    )
    assert render.markdown(plan) == "\n".join([
        "<!-- mgsync-plan -->",
        "### mgsync plan",
        "",
        "| kind | add | change | destroy |",
        "| --- | ---: | ---: | ---: |",
        "| route | 1 | 0 | 0 |",
        "| domain | 0 | 1 | 0 |",
        "",
        "**Plan: 1 to add, 1 to change, 0 to destroy.**",
        "",
        "#### Changed outside mgsync since the last apply (drift)",
        "",
        "- `route:support-inbox`: `priority: 0 -> 5`",
        "",
        "<details><summary>Details</summary>",
        "",
        "```diff",
        "+   route:support-inbox",
        "+     priority: 0",
        "",
        "!   domain:mg.example.com",  # GitHub colours "!" lines, not "~"
        '!     spam_action: "disabled" -> "tag"',
        "```",
        "",
        "</details>",
    ])


def test_example_plan_comment_matches_golden():
    text = render.markdown(example_plan())
    assert text.splitlines()[0] == render.MARKER
    assert_golden("example.md", text)


def test_banner_iff_deletes():
    assert "[!CAUTION]" not in render.markdown(Plan(changes=[create("route:a", {})]))
    banner = render.markdown(Plan(changes=[delete(f"route:r{i:02}", {}) for i in range(12)])).split("\n\n")[1]
    assert banner == "\n".join([
        "> [!CAUTION]",
        "> This plan deletes 12 objects:",
        *[f"> - `route:r{i:02}`" for i in range(10)],
        "> - … and 2 more",
    ])


def test_huge_plan_fits_the_limit_and_says_exactly_what_was_cut():
    plan = huge_plan(20_000)
    text = render.markdown(plan)
    assert len(text) <= 65_000 < 65_536
    assert text.startswith("<!-- mgsync-plan -->\n### mgsync plan\n\n> [!CAUTION]\n> This plan deletes 5000 objects:")
    assert "| webhook | 15000 | 0 | 5000 |" in text
    assert "**Plan: 15000 to add, 0 to change, 5000 to destroy.**" in text
    *_, fence_end, blank, details_end, blank2, note = text.splitlines()
    assert (fence_end, blank, details_end, blank2) == ("```", "", "</details>", "")
    shown = [line for line in text.split("```diff\n")[1].split("\n```")[0].splitlines() if line[:1] in "+-"
             and "webhook:" in line]
    left = 20_000 - len(shown)
    first, last = plan.changes[len(shown)].address, plan.changes[-1].address
    assert note == (f"… left out: {left:,} more changes (`{first} … {last}`, {3 * left - 1:,} lines); {TRUNCATED}")


@pytest.mark.parametrize("limit", [1_500, 2_000, 2_500])
def test_small_limits_still_hold(limit):
    plan = example_plan()
    plan.drift = [Drift(addr(f"route:r{i}"), (FieldChange(("priority",), 0, i),)) for i in range(1, 40)]
    text = render.markdown(plan, limit=limit)
    assert len(text) <= limit
    assert "**Plan: 2502 to add, 4 to change, 1 to destroy, 1 to forget.**" in text
    assert TRUNCATED in text


def test_backticks_in_names_cannot_break_out_of_code():
    plan = Plan(changes=[delete("route:a```b`", {"description": "x"})])
    text = render.markdown(plan)
    assert "> - ```` route:a```b` ````" in text
    assert "````diff\n-   route:a```b`\n" in text


def test_no_secret_and_no_colour():
    text = render.markdown(Plan(changes=[secret_change()]))
    assert SECRET not in text and "\x1b" not in text
    assert "!     password: (sensitive value changed)" in text


def test_same_plan_same_comment():
    assert render.markdown(example_plan()) == render.markdown(example_plan())
    assert render.markdown(huge_plan(2_000), limit=5_000) == render.markdown(huge_plan(2_000), limit=5_000)
