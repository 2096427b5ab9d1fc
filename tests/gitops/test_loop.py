"""The team loop on GitHub, simulated end to end: examples/ci/mgsync.yml, action.yml, action/*.sh, mgsync.gitops
and the real mgsync CLI against the Mailgun emulator on 127.0.0.1, a bare git remote and a fake GitHub API.

The README's "Using mgsync in CI" makes these claims; each is covered here:
- pull requests are validated without secrets, planned with the read key of `mailgun-plan` only, and get one
  sticky comment per directory (naming its run), the labels mgsync:add/change/destroy, a job summary with the
  counts and the saved plan as the artifact mgsync-plan-mailgun (test_three_quick_merges_with_the_middle_run_cancelled);
- plans need no SMTP password: `password not checked` (test_a_pull_request_plan_without_smtp_passwords); a workflow
  edited in a pull request cannot reach the production secrets (test_a_pull_request_cannot_reach_the_production_secrets);
- a pull request from a fork is validated, its plan skipped with a note (test_a_fork_is_validated_and_not_planned);
- broken manifests or a failed plan replace the comment with the error, the labels go, and nothing of that pull
  request counts as reviewed (test_a_failed_plan_replaces_the_comment_and_its_pull_request_is_not_applied);
- after merges, one queue (a newer run cancels the pending one) applies every reviewed change exactly once, on the
  tip of main, and tells each pull request with the digest and counts; a run with nothing new exits 0 quietly
  (test_three_quick_merges_with_the_middle_run_cancelled);
- the lockfile lives on mgsync-state: main can be protected, nothing commits to it, no lockfile pull request, the
  next plan reads the state (test_a_protected_main_stays_untouched); the first apply creates the branch (all);
- moving an existing lockfile is `mgsync state push` plus removing it from main
  (test_moving_an_existing_lockfile_to_the_state_branch);
- only github-actions[bot]'s comments count (test_a_look_alike_comment_with_a_fake_digest_is_ignored); a plan of an
  older commit or an expired artifact is no review (test_a_plan_of_an_older_commit_or_an_expired_artifact_is_no_review);
  a re-run plan job's newest artifact is the review (test_a_re_run_plan_job_is_the_review_though_its_old_artifact_is_still_listed);
- an unreviewed change refuses (exit 3, named), the pull requests and the summary say so, and the manual run plans
  main, waits for the approval and applies exactly that plan
  (test_an_unreviewed_change_on_main_refuses_and_the_manual_run_applies_it), or nothing once it is stale; a pull
  request's plan shows a change already waiting on main (test_a_manual_run_applies_nothing_once_its_plan_is_stale);
- a failed apply still records what it did and a re-run applies the rest
  (test_a_failed_apply_still_records_its_steps_and_the_next_run_finishes_it);
- two applies racing on the state lose no record (test_two_applies_racing_on_the_state_lose_no_record);
- a lockfile of another account or subaccount is refused (test_a_lockfile_of_another_subaccount_is_refused,
  test_a_lockfile_of_another_account_is_refused).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.gitops.fakegithub import BOT
from tests.gitops.loop import (
    DIGEST,
    KEY,
    PASSWORD,
    PLAN_MARKER,
    main_tip,
    plan_comment,
    results,
    route,
    route_creations,
    route_file,
    route_reads,
    routes,
    state,
)
from tests.gitops.runner import World, git

# The runner plays the example workflow's ubuntu-latest jobs: bash steps and action/run.sh.
pytestmark = [
    pytest.mark.long,
    pytest.mark.skipif(sys.platform == "win32", reason="plays ubuntu-latest jobs: bash steps and action/run.sh"),
]


# Through the shims (runner.py); a plan job and an apply job with the programs as installed:
# test_python_modules_that_a_pull_request_adds_never_run.
def test_three_quick_merges_with_the_middle_run_cancelled(world: World, mailgun: tuple[Emulator, str]) -> None:
    emulator, url = mailgun
    for number, name in ((1, "route-a"), (2, "route-b"), (3, "route-c")):
        read_before = route_reads(emulator)
        run = world.open_pull(number, name, route_file(name))
        assert run.job("validate").status == "success", run.job("validate").text
        assert run.job("plan").status == "success", run.job("plan").text
        comment = plan_comment(world.fake, number)["body"]
        assert f"<!-- mgsync-run: {run.id} -->" in comment and DIGEST.search(comment)
        assert f"[this run]({world.fake.url}/acme/mail/actions/runs/{run.id}#artifacts)" in comment
        assert world.fake.labels[number] == ["mgsync:add"]
        assert "| add | change | destroy |\n|---|---|---|\n| 1 | 0 | 0 |" in run.job("plan").summary
        artifact = [a for a in world.fake.artifacts.values() if a["run"] == run.id]
        assert [a["name"] for a in artifact] == ["mgsync-plan-mailgun"]
        with zipfile.ZipFile(io.BytesIO(world.fake.blobs[artifact[0]["id"]])) as archive:
            full = archive.read("plan.txt").decode()
        digest = DIGEST.search(comment)
        assert f"+ route:{name}" in full and digest and f"\nPlan digest: {digest[1]}\n" in full  # the whole plan
        # One plan job, one read of Mailgun: the base branch's plan and the artifact's text come from it.
        assert route_reads(emulator) - read_before == 1
    assert routes(url) == []  # a plan never writes

    # #2 and #3 merge while the apply of #1 runs: #2's queued run is cancelled by #3's (GitHub's rule).
    later: list = []
    world.after("apply", "actions/checkout", lambda: later.extend([world.merge(2), world.merge(3)]))
    first = world.merge(1)
    second, third = later
    assert [first.job("apply").status, second.job("apply").status, third.job("apply").status] == [
        "success",
        "cancelled",
        "success",
    ], first.job("apply").text + third.job("apply").text

    assert routes(url) == ["route-a", "route-b", "route-c"] and route_creations(emulator) == 3  # each exactly once
    assert state(world, ".applied").strip() == third.sha == main_tip(world)
    assert all(name in state(world) for name in ("route-a", "route-b", "route-c"))
    for number in (1, 2, 3):
        (told,) = results(world.fake, number)
        assert "### mgsync apply for `mailgun`: applied" in told
        assert re.search(r"^Applied plan digest: `sha256:[0-9a-f]{64}`$", told, re.M), told
    assert "covering #1." in results(world.fake, 1)[0]
    assert "covering #2, #3." in results(world.fake, 2)[0] and results(world.fake, 2) == results(world.fake, 3)
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in results(world.fake, 3)[0]
    assert "### mgsync apply for `mailgun`: applied" in third.job("apply").summary

    # The same push again (a re-run): nothing new, exit 0, nobody told twice.
    again = world.start("push", {"after": third.sha}, third.sha, "refs/heads/main")
    assert again.job("apply").status == "success"
    assert "nothing new on main" in again.job("apply").text
    assert [len(results(world.fake, n)) for n in (1, 2, 3)] == [1, 1, 1] and route_creations(emulator) == 3


def test_a_protected_main_stays_untouched(world: World, mailgun: tuple[Emulator, str]) -> None:
    world.protect_main()
    world.open_pull(1, "route-a", route_file("route-a"))
    merged = world.merge(1)
    assert merged.job("apply").status == "success", merged.job("apply").text
    assert routes(mailgun[1]) == ["route-a"]
    # main holds exactly the merge, no bot commit and no lockfile; nothing opened a pull request.
    assert main_tip(world) == merged.sha
    assert "mgsync.lock" not in git(world.origin, "ls-tree", "-r", "--name-only", "main")
    assert sorted(world.fake.pulls) == [1] and not any(
        r.startswith("POST /api/repos/acme/mail/pulls") for r in world.fake.requests
    )
    assert "route-a" in state(world) and state(world, ".applied").strip() == merged.sha
    # A pull request that changes no manifest starts no run (the paths filter) and hears nothing.
    assert world.open_pull(3, "docs", {"NOTES.md": "how we work\n"}) is None and world.merge(3) is None
    # The next pull request plans against the state branch: only its own change.
    nxt = world.open_pull(2, "route-b", route_file("route-b"))
    assert nxt.job("plan").status == "success", nxt.job("plan").text
    comment = plan_comment(world.fake, 2)["body"]
    assert "route-b" in comment and "route:route-a" not in comment
    last = world.merge(2)
    assert last.job("apply").status == "success" and routes(mailgun[1]) == ["route-a", "route-b"]
    assert "covering #2." in results(world.fake, 2)[0] and world.fake.comments_on(3) == []
    assert "mgsync: #3: #3 has no plan comment for `mailgun`" in last.job("apply").text


# The programs as installed: the shims' zygote has these modules imported already. So this is also the
# loop's run of a plan job and an apply job with the installed mgsync and python.
@pytest.mark.real_programs
def test_python_modules_that_a_pull_request_adds_never_run(
    world: World, mailgun: tuple[Emulator, str], tmp_path: Path
) -> None:
    """The action's Python steps import nothing from the working directory, the checkout: there a pull
    request's json.py, httpx.py or mgsync/ would run in the plan job (with the read key and a token that
    writes comments) and, once merged, in the apply job."""
    ran = tmp_path / "ran"
    trap = f"import pathlib; pathlib.Path({str(ran)!r}).write_text(__name__); raise SystemExit(1)\n"
    files: dict[str, str | None] = {
        **route_file("route-a"),
        **dict.fromkeys(("json.py", "httpx.py", "mgsync/__init__.py", "mgsync/__main__.py"), trap),
    }
    opened = world.open_pull(1, "route-a", files)
    assert opened is not None and opened.job("plan").status == "success", opened.job("plan").text
    assert "route-a" in plan_comment(world.fake, 1)["body"]
    merged = world.merge(1)
    assert merged is not None and merged.job("apply").status == "success", merged.job("apply").text
    assert routes(mailgun[1]) == ["route-a"] and "Plan: 1 to add, 0 to change" in results(world.fake, 1)[0]
    assert not ran.exists(), ran.read_text()


def test_a_look_alike_comment_with_a_fake_digest_is_ignored(world: World, mailgun: tuple[Emulator, str]) -> None:
    world.open_pull(1, "route-a", route_file("route-a"))
    mallory = {"login": "mallory", "type": "User", "id": 666}
    real = plan_comment(world.fake, 1)["body"]
    fake_body = DIGEST.sub("Plan digest: `sha256:" + "f" * 64 + "`", real)
    world.fake.comment(1, mallory, fake_body)  # newer than the bot's, same marker and run line
    world.fake.comment(1, {**BOT, "type": "User"}, fake_body)  # a user who took the bot's name
    merged = world.merge(1)
    assert merged.job("apply").status == "success", merged.job("apply").text
    assert "Ignored a plan comment not written by github-actions[bot] (#1: mallory)" in merged.job("apply").text
    assert routes(mailgun[1]) == ["route-a"]
    assert f"mgsync: #1: reviewed plan {DIGEST.search(real).group(1)}" in merged.job("apply").text


def test_an_unreviewed_change_on_main_refuses_and_the_manual_run_applies_it(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    url = mailgun[1]
    world.open_pull(1, "route-a", route_file("route-a"))
    pushed = world.direct_push(route_file("route-x"))
    assert pushed.job("apply").status == "failure"
    assert "Refusing to apply: route:route-x" in pushed.job("apply").text
    assert "reached `main` without a merged pull request" in pushed.job("apply").summary
    merged = world.merge(1)
    assert merged.job("apply").status == "failure"
    (told,) = results(world.fake, 1)
    assert "### mgsync apply for `mailgun`: refused" in told
    assert "\n> Error: Refusing to apply: route:route-x (create) is in no reviewed plan (1 unreviewed change)." in told
    assert "run the workflow by hand" in told
    assert routes(url) == []  # nothing unreviewed, and nothing else either

    manual = world.dispatch()
    plan = manual.job("plan-main")
    assert plan.status == "success", plan.text
    assert "route-x" in plan.summary and "route-a" in plan.summary
    assert manual.job("approve").status == "waiting" and manual.job("apply-main").status == "queued"
    assert routes(url) == []  # not before the approval
    world.approve(manual, "approve")
    assert manual.job("apply-main").status == "success", manual.job("apply-main").text
    assert routes(url) == ["route-a", "route-x"]
    assert state(world, ".applied").strip() == main_tip(world)
    # The next push run finds nothing new.
    again = world.start("push", {"after": merged.sha}, merged.sha, "refs/heads/main")
    assert again.job("apply").status == "success" and "nothing new on main" in again.job("apply").text


def test_a_manual_run_applies_nothing_once_its_plan_is_stale(world: World, mailgun: tuple[Emulator, str]) -> None:
    world.direct_push(route_file("route-x"))  # refused: unreviewed
    # A pull request opened now shows the change waiting on main too: approving it would approve both.
    world.open_pull(1, "route-a", route_file("route-a"))
    assert "route:route-x" in plan_comment(world.fake, 1)["body"]
    manual = world.dispatch()
    # Before the approval, somebody creates route-x by hand in Mailgun: the approved plan is stale.
    made = httpx.post(
        f"{mailgun[1]}/v3/routes",
        auth=("api", KEY),
        data={"priority": "1", "description": "route-x", "expression": "catch_all()", "action": "stop()"},
    )
    assert made.status_code == 200
    world.approve(manual, "approve")
    job = manual.job("apply-main")
    assert job.status == "failure", job.text
    assert re.search(r"^Error: Saved plan is stale: .*route:route-x", job.text, re.M), job.text
    assert routes(mailgun[1]) == ["route-x"] and git(world.origin, "branch", "--list", "mgsync-state") == ""


def test_two_applies_racing_on_the_state_lose_no_record(world: World, mailgun: tuple[Emulator, str]) -> None:
    """Two clones pull the same state, each applies one route, and both record it: the second push merges."""
    world.branch("main-work", {**route_file("route-a"), **route_file("route-b")})
    world.push("main", "main-work")
    env = world.shell_env({"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": mailgun[1]})
    clones = []
    for name in ("one", "two"):
        git(world.tmp, "clone", "-q", str(world.origin), name)
        clones.append(world.tmp / name)

    def mgsync(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["mgsync", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)

    def record(cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["python", "-P", "-m", "mgsync.gitops", "record", "--lockfile", "mailgun/mgsync.lock", "--applied", ""],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for clone in clones:
        assert mgsync(clone, "state", "pull", "mailgun/mgsync.lock").returncode == 0
    for clone, name in zip(clones, ("route-a", "route-b")):
        applied = mgsync(clone, "apply", "--yes", "--target", f"route:{name}", "mailgun")
        assert applied.returncode == 0, applied.stdout + applied.stderr
    first, second = record(clones[0]), record(clones[1])
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    lock = state(world)
    assert "route-a" in lock and "route-b" in lock
    # And a plan from a fresh pull shows no change: every record is there.
    fresh = world.tmp / "fresh"
    git(world.tmp, "clone", "-q", str(world.origin), str(fresh))
    assert mgsync(fresh, "state", "pull", "mailgun/mgsync.lock").returncode == 0
    planned = mgsync(fresh, "plan", "--detailed-exitcode", "mailgun")
    assert planned.returncode == 0, planned.stdout


def test_a_fork_is_validated_and_not_planned(world: World) -> None:
    head = world.branch("fork-change", route_file("route-f"))
    pull = world.fake.open_pull(9, "fork-change", head, "From a fork")
    pull["head"]["repo"] = {"full_name": "someone/mail"}
    run = world.pull_request_run(9)
    assert run.job("validate").status == "success"
    assert run.job("plan").status == "skipped"
    assert "Plan skipped: pull requests from forks get no secrets." in run.job("validate").summary
    assert world.fake.comments_on(9) == []


def test_a_pull_request_cannot_reach_the_production_secrets(world: World) -> None:
    """README step 3: mailgun-production deploys to main only, and a pull request runs its own workflow file."""
    flow = (world.dev / ".github/workflows/mgsync.yml").read_text()
    greedy = flow.replace(
        "    environment: mailgun-plan\n    concurrency:\n      group: mgsync-plan-",
        "    environment: mailgun-production\n    concurrency:\n      group: mgsync-plan-",
        1,
    )
    greedy = greedy.replace(
        "      - name: Plan\n",
        '      - name: Leak\n        run: echo "$MG_SMTP_ALICE"\n'
        "        env:\n          MG_SMTP_ALICE: ${{ secrets.MG_SMTP_ALICE }}\n\n      - name: Plan\n",
        1,
    )
    assert greedy.count("mailgun-production") == flow.count("mailgun-production") + 1 and "Leak" in greedy
    run = world.open_pull(1, "greedy", {".github/workflows/mgsync.yml": greedy, **route_file("route-a")})
    job = run.job("plan")
    assert job.status == "failure"
    assert (
        job.text
        == 'Branch "refs/pull/1/merge" is not allowed to deploy to mailgun-production due to environment protection rules.'
    )
    assert all(PASSWORD not in j.text for j in run.jobs.values())


CREDENTIAL = """version: 1
domains:
  mg.example.com:
    spam_action: tag
    credentials:
      alice: {password: "${env:MG_SMTP_ALICE}"}
"""


def test_a_pull_request_plan_without_smtp_passwords(world: World, mailgun: tuple[Emulator, str]) -> None:
    """Scenario (e): needs i19-privilege (`password not checked`); the plan job has no MG_SMTP_* secret."""
    run = world.open_pull(1, "alice", {"mailgun/mgsync.yaml": CREDENTIAL})
    assert run.job("plan").status == "success", run.job("plan").text
    comment = plan_comment(world.fake, 1)["body"]
    assert "password not checked (MG_SMTP_ALICE is not set)" in comment
    assert PASSWORD not in comment
    merged = world.merge(1)
    assert merged.job("apply").status == "success", merged.job("apply").text
    assert PASSWORD not in merged.job("apply").text and PASSWORD not in state(world)


def test_a_lockfile_of_another_subaccount_is_refused(world: World, mailgun: tuple[Emulator, str]) -> None:
    """Scenario (f): needs the lockfile to name its account (i19-state); the state was applied for the parent
    account, and the repository then points the workflow at a subaccount (MAILGUN_SUBACCOUNT)."""
    emulator, _ = mailgun
    world.open_pull(1, "route-a", route_file("route-a"))
    assert world.merge(1).job("apply").status == "success"
    sub = emulator.store.add_subaccount("team")
    world.extra_env["MAILGUN_SUBACCOUNT"] = str(sub["id"])
    run = world.open_pull(2, "route-b", route_file("route-b"))
    assert run.job("plan").status == "failure"
    comment = plan_comment(world.fake, 2)["body"]
    assert comment.startswith(f"{PLAN_MARKER}\n<!-- mgsync-run: {run.id} -->\n### mgsync plan failed for `mailgun`")
    assert (
        f"Error: Refusing to use mailgun/mgsync.lock: it belongs to the parent account, and this run acts on "
        f"subaccount {sub['id']}; use that account's lockfile and manifests"
    ) in comment
    assert routes(mailgun[1]) == ["route-a"]


def test_a_failed_apply_still_records_its_steps_and_the_next_run_finishes_it(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    emulator, url = mailgun
    world.open_pull(1, "two-routes", {**route_file("route-a"), **route_file("route-b", 20)})
    emulator.faults.fail_before_commit("POST", "/v3/routes", status=400, times=1)
    merged = world.merge(1)
    job = merged.job("apply")
    assert job.status == "failure"
    assert "### mgsync apply for `mailgun`: failed (exit 1)" in results(world.fake, 1)[0]
    (made,) = routes(url)  # one of the two was created before the other failed
    lock = state(world)
    assert f'"route:{made}"' in lock and [f'"route:{n}"' in lock for n in ("route-a", "route-b")].count(True) == 1
    # Not applied: the marker names where this first apply started, the commit before the merge.
    assert state(world, ".applied").strip() == git(world.origin, "rev-parse", f"{merged.sha}^1")
    # The same push again (re-run the job): the reviewed plan still covers what is left.
    again = world.start("push", {"after": merged.sha}, merged.sha, "refs/heads/main")
    assert again.job("apply").status == "success", again.job("apply").text
    assert routes(url) == ["route-a", "route-b"] and route_creations(emulator) == 2
    assert state(world, ".applied").strip() == merged.sha
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in results(world.fake, 1)[1]


def test_a_failed_plan_replaces_the_comment_and_its_pull_request_is_not_applied(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    world.open_pull(1, "route-a", route_file("route-a"))
    assert world.fake.labels[1] == ["mgsync:add"]
    world.branch("route-a", {"mailgun/route-a.yaml": route("route-a").replace("priority", "priorty")}, base="route-a")
    world.fake.pulls[1]["head"]["sha"] = git(world.dev, "rev-parse", "HEAD")
    run = world.pull_request_run(1)
    assert run.job("validate").status == "failure" and run.job("plan").status == "failure"
    comment = plan_comment(world.fake, 1)["body"]  # the same comment, now the failure
    assert comment.startswith(f"{PLAN_MARKER}\n<!-- mgsync-run: {run.id} -->\n### mgsync plan failed for `mailgun`")
    assert 'unknown key "priorty"' in comment and not DIGEST.search(comment)
    assert world.fake.labels[1] == []
    merged = world.merge(1)
    assert merged.job("apply").status == "failure"
    assert "- #1's last plan for `mailgun` failed, so nothing was reviewed" in results(world.fake, 1)[0]
    assert routes(mailgun[1]) == []


def test_a_plan_of_an_older_commit_or_an_expired_artifact_is_no_review(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    world.open_pull(1, "route-a", route_file("route-a"))
    # A commit pushed after the plan, whose own plan run never finished: the comment is about the old one.
    world.branch("route-a", route_file("route-a", 30), base="route-a")
    world.fake.pulls[1]["head"]["sha"] = new_head = git(world.dev, "rev-parse", "HEAD")
    merged = world.merge(1)
    assert merged.job("apply").status == "failure"
    assert f"not the pull request's last commit {new_head[:12]}" in results(world.fake, 1)[0]

    world.open_pull(2, "route-b", route_file("route-b"))
    for artifact in world.fake.artifacts.values():
        artifact["expired"] = True
    merged = world.merge(2)
    assert merged.job("apply").status == "failure"
    assert "has no artifact mgsync-plan-mailgun (expired?)" in results(world.fake, 2)[0]
    assert routes(mailgun[1]) == []


def test_a_re_run_plan_job_is_the_review_though_its_old_artifact_is_still_listed(
    world: World, mailgun: tuple[Emulator, str]
) -> None:
    url = mailgun[1]
    first = world.open_pull(1, "route-a", route_file("route-a"))
    assert first is not None
    before = DIGEST.search(plan_comment(world.fake, 1)["body"])
    world.open_pull(2, "route-b", route_file("route-b"))
    assert world.merge(2).job("apply").status == "success" and routes(url) == ["route-b"]
    # Re-run #1's plan job: same run, same commit, but the state has moved, so its plan (and digest) differ;
    # the run now lists two artifacts mgsync-plan-mailgun, and the comment names the new digest.
    world.rerun(first, "plan")
    assert first.job("plan").status == "success", first.job("plan").text
    after = DIGEST.search(plan_comment(world.fake, 1)["body"])
    assert before and after and before.group(1) != after.group(1)
    assert [a["name"] for a in world.fake.artifacts.values() if a["run"] == first.id] == ["mgsync-plan-mailgun"] * 2
    merged = world.merge(1)
    assert merged.job("apply").status == "success", merged.job("apply").text
    assert routes(url) == ["route-a", "route-b"]
    assert "### mgsync apply for `mailgun`: applied" in results(world.fake, 1)[0]


def test_moving_an_existing_lockfile_to_the_state_branch(world: World, mailgun: tuple[Emulator, str]) -> None:
    """README step 2: `mgsync state push mailgun/mgsync.lock`, then remove the lockfile from main."""
    env = world.shell_env({"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": mailgun[1]})
    git(world.dev, "checkout", "-q", "main")
    (world.dev / "mailgun" / "route-a.yaml").write_text(route("route-a"))
    applied = subprocess.run(
        ["mgsync", "apply", "--yes", "mailgun"], cwd=world.dev, env=env, capture_output=True, text=True
    )
    assert applied.returncode == 0, applied.stderr
    git(world.dev, "add", "-A")
    git(world.dev, "commit", "-q", "-m", "the old way: the lockfile on main")
    world.push("main")
    moved = subprocess.run(
        ["mgsync", "state", "push", "mailgun/mgsync.lock"], cwd=world.dev, env=env, capture_output=True, text=True
    )
    assert moved.returncode == 0, moved.stderr
    run = world.open_pull(1, "drop-lockfile", {"mailgun/mgsync.lock": None, ".gitignore": "mailgun/mgsync.lock\n"})
    assert run.job("plan").status == "success", run.job("plan").text
    assert "No changes" in plan_comment(world.fake, 1)["body"] and world.fake.labels.get(1, []) == []
    merged = world.merge(1)
    assert merged.job("apply").status == "success", merged.job("apply").text
    assert routes(mailgun[1]) == ["route-a"] and state(world, ".applied").strip() == merged.sha


# A real account's sandbox domain (mailgun-ruby vcr_cassettes/domains.yml, GET /v4/domains: "type": "sandbox"),
# and another of the same shape: Mailgun names each account's sandbox domain at random.
SANDBOXES = (
    "sandbox61429c204b744e7fbbb7375ac93ad3d7.mailgun.org",
    "sandbox0f9e8d7c6b5a49382716a5b4c3d2e1f0.mailgun.org",
)


def test_a_lockfile_of_another_account_is_refused(world: World, mailgun: tuple[Emulator, str]) -> None:
    """Scenario (f), the other half (needs i19-privilege's account identity): the production secret is replaced by
    another account's key; the state branch's lockfile names the first account, so the plan refuses."""
    emulator, _ = mailgun
    emulator.store.add_domain(SANDBOXES[0], state="active", type="sandbox")
    world.open_pull(1, "route-a", route_file("route-a"))
    assert world.merge(1).job("apply").status == "success"
    other = Emulator(api_key=KEY)
    other.store.add_domain(SANDBOXES[1], state="active", type="sandbox")
    with serve(other, host="127.0.0.1", port=0) as server:
        world.mailgun_url = server.url
        run = world.open_pull(2, "route-b", route_file("route-b"))
        assert run.job("plan").status == "failure"
        assert (
            f"Error: Refusing to use mailgun/mgsync.lock: it belongs to the Mailgun account whose sandbox domain is "
            f"{SANDBOXES[0]}, and this API key reaches the one with {SANDBOXES[1]}"
        ) in plan_comment(world.fake, 2)["body"]
        assert routes(server.url) == []
