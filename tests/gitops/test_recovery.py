"""The loop when runs meet: a manual run queued behind merges, main rewritten, a first apply that stopped halfway.

Each test plays the example workflow and the action, unchanged, as tests/gitops/test_loop.py does.
"""

from __future__ import annotations

import sys

import pytest

from mgsync.emulator import Emulator
from tests.gitops.loop import main_tip, plan_comment, results, route_creations, route_file, routes, state
from tests.gitops.runner import World, git

pytestmark = [
    pytest.mark.long,
    pytest.mark.skipif(sys.platform == "win32", reason="plays ubuntu-latest jobs: bash steps and action/run.sh"),
]


def test_a_manual_apply_that_replaces_a_pending_merge_apply_applies_that_merge(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    emulator, url = mailgun
    world.open_pull(1, "route-a", route_file("route-a"))
    assert world.merge(1).job("apply").status == "success"
    world.open_pull(2, "route-b", route_file("route-b"))
    world.open_pull(3, "route-c", route_file("route-c"))
    manual = world.dispatch()  # plans main as it is now (after #1), then waits for the approval
    later: list = []

    def meanwhile() -> None:
        later.append(world.merge(3))  # #3's apply waits behind #2's ...
        world.approve(manual, "approve")  # ... and the approved manual apply replaces it (GitHub's rule)

    world.after("apply", "actions/checkout", meanwhile)
    second = world.merge(2)
    (third,) = later
    assert second.job("apply").status == "success" and third.job("apply").status == "cancelled"
    job = manual.job("apply-main")
    assert routes(url) == ["route-a", "route-b", "route-c"] and route_creations(emulator) == 3, job.text
    assert state(world, ".applied").strip() == third.sha == main_tip(world)
    (told,) = results(world.fake, 3)
    assert "### mgsync apply for `mailgun`: applied" in told and "covering #3." in told
    assert [len(results(world.fake, n)) for n in (1, 2)] == [1, 1]


def test_after_main_is_rewritten_the_pull_request_is_told_and_the_manual_run_resets_applied(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    url = mailgun[1]
    world.open_pull(1, "route-a", route_file("route-a"))
    assert world.merge(1).job("apply").status == "success"
    # An admin rewrites main (the merge's message reworded) and force-pushes: `applied` names a lost commit.
    git(world.dev, "fetch", "-q", "origin")
    git(world.dev, "checkout", "-q", "--detach", "origin/main")
    git(world.dev, "commit", "-q", "--amend", "-m", "Merge pull request #1 (reworded)")
    world.push("main")
    world.open_pull(2, "route-b", route_file("route-b"))
    second = world.merge(2)
    assert second.job("apply").status == "failure" and routes(url) == ["route-a"]
    (told,) = results(world.fake, 2)  # the apply could not work out what to apply, and says so
    assert "### mgsync apply for `mailgun`: failed" in told and "covering #2." in told
    assert "is not in the history of" in told and "manual run" in told
    assert "is not in the history of" in second.job("apply").summary

    manual = world.dispatch()
    world.approve(manual, "approve")
    assert manual.job("apply-main").status == "success", manual.job("apply-main").text
    assert routes(url) == ["route-a", "route-b"]
    assert state(world, ".applied").strip() == main_tip(world)  # reset onto the new history
    world.open_pull(3, "route-c", route_file("route-c"))
    third = world.merge(3)
    assert third.job("apply").status == "success", third.job("apply").text
    assert routes(url) == ["route-a", "route-b", "route-c"]
    assert "covering #3." in results(world.fake, 3)[0]


def test_a_change_pushed_straight_to_main_is_shown_apart_and_named_when_applied(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    world.open_pull(1, "route-a", route_file("route-a"))
    assert world.merge(1).job("apply").status == "success"
    pushed = world.direct_push(route_file("route-x"))
    assert pushed.job("apply").status == "failure"  # unreviewed: refused
    run = world.open_pull(2, "route-b", route_file("route-b"))
    assert run.job("plan").status == "success", run.job("plan").text
    first_screen = plan_comment(world.fake, 2)["body"].split("<details>")[0]
    own, apart_title, apart = first_screen.partition("#### Already on the base branch, not from this pull request")
    assert apart_title, first_screen
    assert "route:route-b" in own and "route:route-x" not in own
    assert "route:route-x" in apart and "route:route-b" not in apart and "approves them too" in apart
    merged = world.merge(2)
    assert merged.job("apply").status == "success", merged.job("apply").text
    assert routes(mailgun[1]) == ["route-a", "route-b", "route-x"]
    (told,) = results(world.fake, 2)
    assert f"Included `{pushed.sha[:12]}`, which reached `main` without a pull request" in told


def test_a_first_apply_that_stops_halfway_leaves_its_pull_request_to_the_next_merge(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    emulator, url = mailgun
    seed = main_tip(world)
    world.open_pull(1, "two-routes", {**route_file("route-a"), **route_file("route-b", 20)})
    world.open_pull(2, "route-c", route_file("route-c"))  # planned before #1 merged: its plan has none of #1's
    emulator.faults.fail_before_commit("POST", "/v3/routes", status=400, times=1)
    first = world.merge(1)
    assert first.job("apply").status == "failure" and len(routes(url)) == 1
    # The very first apply did not finish: the next run counts from where it did, #1 included.
    assert state(world, ".applied").strip() == seed
    second = world.merge(2)
    assert second.job("apply").status == "success", second.job("apply").text
    assert routes(url) == ["route-a", "route-b", "route-c"] and route_creations(emulator) == 3
    assert state(world, ".applied").strip() == second.sha == main_tip(world)
    assert "covering #1, #2." in results(world.fake, 2)[0]
    assert "applied" in results(world.fake, 1)[1] and "covering #1, #2." in results(world.fake, 1)[1]


def test_a_pull_request_merged_before_the_very_first_apply_checks_out_main_is_applied_too(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    url = mailgun[1]
    world.open_pull(1, "route-a", route_file("route-a"))
    world.open_pull(2, "route-b", route_file("route-b"))
    later: list = []
    world.before("apply", "actions/checkout", lambda: later.append(world.merge(2)))
    first = world.merge(1)  # its apply checks out main with #2 merged too
    (second,) = later
    assert first.job("apply").status == "success", first.job("apply").text
    assert routes(url) == ["route-a", "route-b"]
    assert state(world, ".applied").strip() == second.sha == main_tip(world)
    assert [len(results(world.fake, n)) for n in (1, 2)] == [1, 1]
    assert "covering #1, #2." in results(world.fake, 1)[0]
    assert second.job("apply").status == "success"  # nothing new since: quiet
