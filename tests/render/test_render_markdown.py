import hashlib
import json

import pytest

from mgsync import render
from mgsync.changes import Action, Change, Drift, FieldChange
from mgsync.kinds.mailing_list import MailingList
from mgsync.plan import Plan
from mgsync.plandigest import account_digest
from mgsync.state import Resource
from tests.support.plans import (
    SECRET,
    UNVERIFIED,
    addr,
    assert_golden,
    create,
    delete,
    example_plan,
    forget,
    huge_plan,
    secret_change,
    update,
)

TRUNCATED = "run `mgsync plan --full` for the full plan."


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
    assert render.markdown(plan) == "\n".join(
        [
            "<!-- mgsync-plan -->",
            "### mgsync plan",
            "",
            "**Plan: 1 to add, 1 to change, 0 to destroy.**",
            "",
            "**Add** (1)",
            "",
            "- `route:support-inbox`",
            "",
            "**Change** (1)",
            "",
            "- `domain:mg.example.com` (spam_action)",
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
        ]
    )


def test_example_plan_comment_matches_golden():
    text = render.markdown(example_plan())
    assert text.splitlines()[0] == render.MARKER
    assert_golden("example.md", text)


def test_caution_iff_the_plan_deletes_or_stops_something():
    assert "[!CAUTION]" not in render.markdown(Plan(changes=[create("route:a", {}), forget("list:a@mg.example.com")]))
    caution = render.markdown(Plan(changes=[delete(f"route:r{i:02}", {}) for i in range(12)])).split("\n\n")[2]
    assert caution == "\n".join(
        [
            "> [!CAUTION]",
            *[f"> - Deletes `route:r{i:02}`" for i in range(10)],
            "> - … and 2 more (see Destroy below)",
        ]
    )
    many = render.markdown(Plan(changes=[delete(f"route:r{i:04}", {}) for i in range(1250)])).split("\n\n")[2]
    assert many.splitlines()[-1] == "> - … and 1,240 more (see Destroy below)"  # as the counts above it write them


def test_caution_names_what_each_kind_loses_one_line_each():
    """A removed webhook URL, a deleted list with its member count, a deleted domain (a container) and
    route: each one line, above the addresses; members pruned in bulk are one counted line."""
    hook = addr("webhook:mg.example.com/delivered")
    urls = ["https://backup.example.com/mailgun", "https://hooks.example.com/mailgun"]
    listed = Resource(addr("list:old@mg.example.com"), MailingList(name="Old"), meta={"members_count": 1200})
    plan = Plan(
        changes=[
            Change(hook, Action.UPDATE, {"urls": urls}, {"urls": urls[1:]}, (FieldChange(("urls",), urls, urls[1:]),)),
            *[delete(f"member:crew@mg.example.com/m{i:02}@example.org", {}) for i in range(25)],
            delete("route:old-forward", {"priority": 1}),
            Change(listed.address, Action.DELETE, {"name": "Old"}, None, observed=listed),
            delete("domain:old.example.com", {"spam_action": "tag"}),
        ]
    )
    screen = render.markdown(plan).split("<details>")[0]
    assert screen.split("\n\n")[2:5] == [
        "\n".join(
            [
                "> [!CAUTION]",
                "> - `webhook:mg.example.com/delivered`: deliveries to https://backup.example.com/mailgun stop",
                "> - Deletes 25 members in crew@mg.example.com",
                "> - Deletes `route:old-forward`",
                "> - Deletes `list:old@mg.example.com`; its 1,200 members go with it",
                "> - Deletes `domain:old.example.com` and everything in it",
            ]
        ),
        "**Change** (1)",
        "- `webhook:mg.example.com/delivered` (urls)",
    ]
    assert screen.index("[!CAUTION]") < screen.index("**Destroy** (28)")


def test_huge_plan_fits_the_limit_and_says_exactly_what_was_cut():
    plan = huge_plan(20_000)
    text = render.markdown(plan)
    assert len(text) <= 65_000 < 65_536
    assert text.startswith(
        "\n".join(
            [
                "<!-- mgsync-plan -->",
                "### mgsync plan",
                "",
                "**Plan: 15000 to add, 0 to change, 5000 to destroy.**",
                "",
                f"> [!NOTE]\n> This comment is shortened to fit GitHub's limit; {TRUNCATED}",
                "",
                "> [!CAUTION]",
                "> - Deletes `webhook:d0.example.com/event0`",
            ]
        )
    )
    screen = text.split("<details>")[0]
    assert "**Add** (15,000)\n\n- `webhook:d0.example.com/event1`\n" in screen
    for action, count in ((Action.CREATE, 15_000), (Action.DELETE, 5_000)):  # 50 addresses, then a count
        fiftieth = [c.address for c in plan.changes if c.action is action][49]
        assert f"- `{fiftieth}`\n- … and {count - 50:,} more (the details list every one)\n" in screen
    *_, fence_end, blank, details_end, blank2, note = text.splitlines()
    assert (fence_end, blank, details_end, blank2) == ("```", "", "</details>", "")
    shown = [
        line
        for line in text.split("```diff\n")[1].split("\n```")[0].splitlines()
        if line[:1] in "+-" and "webhook:" in line
    ]
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
    assert "> - Deletes ```` route:a```b` ````" in text
    assert "````diff\n-   route:a```b`\n" in text


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_invisible_characters_in_names_are_shown_as_escapes(char):
    # `route:a<U+200B>b` renders as route:ab in a comment: a reviewer would approve what they cannot see.
    text = render.markdown(Plan(changes=[delete(f"route:a{char}b", {"description": f"x{char}y"})]))
    escape = f"\\u{ord(char):04x}"
    assert char not in text
    assert f"> - Deletes `route:a{escape}b`" in text and f"-   route:a{escape}b" in text


def test_no_secret_and_no_colour():
    text = render.markdown(Plan(changes=[secret_change()]))
    assert SECRET not in text and "\x1b" not in text
    assert "!     password: (sensitive value changed)" in text


def test_same_plan_same_comment():
    assert render.markdown(example_plan()) == render.markdown(example_plan())
    assert render.markdown(huge_plan(2_000), limit=5_000) == render.markdown(huge_plan(2_000), limit=5_000)


RUN = "https://github.com/example/mailgun-config/actions/runs/42"


@pytest.mark.parametrize(
    ("heading", "lines"),
    [
        (render.Heading(), ["### mgsync plan"]),
        (render.Heading(("mailgun/production",)), ["### mgsync plan for `mailgun/production`"]),
        (
            render.Heading(("a", "b`c"), "0123abc", RUN),
            ["### mgsync plan for `a`, `` b`c ``", "", f"Commit 0123abc · [Workflow run](<{RUN}>)"],
        ),
        (render.Heading((), "refs/heads/main"), ["### mgsync plan", "", "Commit `refs/heads/main`"]),
        (render.Heading((), "", "ftp://x y"), ["### mgsync plan", "", "Run `ftp://x y`"]),  # a library caller's
    ],
)
def test_heading(heading, lines):
    comment = render.markdown(Plan(changes=[create("route:a", {})]), heading=heading)
    assert comment.splitlines()[: len(lines) + 2] == ["<!-- mgsync-plan -->", *lines, ""]


def test_a_cut_comment_links_the_runs_artifacts_on_its_first_screen_and_at_each_cut():
    plan = huge_plan(20_000)
    text = render.markdown(plan, heading=render.Heading(("mailgun",), "", RUN))
    full_plan = f"the full plan is uploaded as an artifact of this run: [artifacts](<{RUN}#artifacts>)."
    assert len(text) <= 65_000
    assert text.split("\n\n")[3] == f"> [!NOTE]\n> This comment is shortened to fit GitHub's limit; {full_plan}"
    assert text.splitlines()[-1].startswith("… left out: ") and text.endswith(f" lines); {full_plan}")
    assert "job's log" not in text


def test_nothing_cut_no_shortened_note():
    assert "[!NOTE]" not in render.markdown(example_plan(), heading=render.Heading((), "", RUN))


def test_account_notes_are_collapsed_after_the_details_and_change_notes_stay_on_the_first_screen():
    plan = example_plan()
    screen, rest = render.markdown(plan).split("<details>", 1)
    assert "#### Notes\n\n- domain mg.example.com: spam_action is not supported on the free plan.\n" in screen
    assert UNVERIFIED not in screen
    assert rest.index("</details>") < rest.index(f"<summary>Account status: 1 note</summary>\n\n- {UNVERIFIED}\n")


def test_mailguns_own_objects_are_not_listed_as_not_managed():
    plan = Plan(unmanaged={"credential": [addr("credential:mg.example.com/postmaster")]})
    assert "postmaster" not in render.markdown(plan) and "postmaster" in render.text(plan)
    plan.unmanaged["credential"].append(addr("credential:mg.example.com/legacy-crm"))
    assert "- 1 credential in `mg.example.com`: `legacy-crm`\n" in render.markdown(plan)


CERTIFICATE = (
    "HTTPS tracking certificate for email.mg.example.com: none yet; apply generates it once Mailgun has verified"
)


def test_account_notes_the_last_apply_recorded_are_one_line_in_their_place():
    plan = example_plan()
    plan.notes.append(CERTIFICATE)  # the engine puts an account note in both
    plan.account_notes.append(CERTIFICATE)
    recorded = account_digest([CERTIFICATE, UNVERIFIED])  # in any order
    text = render.markdown(plan, account_recorded=recorded)
    assert UNVERIFIED not in text and CERTIFICATE not in text and "Account status:" not in text
    line = "\nAccount status unchanged since the last apply (2 notes: `mgsync plan` lists them).\n"
    assert text.index("</details>") < text.index(line) < text.index("<summary>Not managed")
    assert UNVERIFIED in render.text(plan) and CERTIFICATE in render.text(plan)  # the terminal keeps them all


@pytest.mark.parametrize(
    ("recorded", "summary"),
    [
        (None, "<summary>Account status: 2 notes</summary>"),  # an older lockfile, or no apply yet
        (account_digest([UNVERIFIED]), "<summary>Account status: 2 notes, changed since the last apply</summary>"),
    ],
)
def test_account_notes_unlike_the_recorded_ones_are_all_shown(recorded, summary):
    plan = example_plan()
    plan.notes.append(CERTIFICATE)  # the engine puts an account note in both
    plan.account_notes.append(CERTIFICATE)
    text = render.markdown(plan, account_recorded=recorded)
    assert f"{summary}\n\n- {UNVERIFIED}\n- {CERTIFICATE}\n\n</details>" in text
    assert "unchanged" not in text


def test_the_account_digest_is_over_the_sorted_texts_and_none_without_notes():
    expected = hashlib.sha256(json.dumps(sorted([UNVERIFIED, CERTIFICATE]), separators=(",", ":")).encode()).hexdigest()
    assert (
        account_digest([UNVERIFIED, CERTIFICATE]) == account_digest([CERTIFICATE, UNVERIFIED]) == f"sha256:{expected}"
    )
    assert account_digest([]) is None and Plan().account_digest is None
