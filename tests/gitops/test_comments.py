"""The plan job's comment, summary and labels at their edges: a long error, a label GitHub refuses.

Each test plays the example workflow and the action, unchanged, as tests/gitops/test_loop.py does.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from mgsync.errors import PER_FILE
from tests.gitops import fakegithub
from tests.gitops.loop import DIGEST, PLAN_MARKER, plan_comment, route, route_file
from tests.gitops.runner import World, git

pytestmark = [
    pytest.mark.long,
    pytest.mark.skipif(sys.platform == "win32", reason="plays ubuntu-latest jobs: bash steps and action/run.sh"),
]


def broken(names: list[str], key: str) -> str:
    lines = ["version: 1", "routes:"]
    for number, name in enumerate(names):
        lines += [
            f"  {name}:",
            f"    {key}: 1",
            f'    expression: match_recipient("a{number}@x.com")',
            "    actions: [stop()]",
        ]
    return "\n".join(lines) + "\n"


def spread(names: list[str], key: str) -> dict[str, str | None]:
    """``broken`` manifests of ``PER_FILE`` routes each: an error shows every problem of such a file."""
    chunks = [names[i : i + PER_FILE] for i in range(0, len(names), PER_FILE)]
    return {f"mailgun/broken-{k:02}.yaml": broken(chunk, key) for k, chunk in enumerate(chunks)}


def umlauts(pad: int) -> list[str]:
    return [f"rüte-{i}" + ("x" * pad if i == 0 else "") for i in range(1500)]


def error_bytes(pad: int) -> bytes:
    """What the plan prints for spread(umlauts(pad), "priorité") (its stderr), as the comment's input."""
    lines = [
        f"mailgun/broken-{i // PER_FILE:02}.yaml:{4 * (i % PER_FILE) + 4}:5: routes.{name}.priorité: "
        'unknown key "priorité" (did you mean "priority"?)'
        for i, name in enumerate(umlauts(pad))
    ]
    return ("Error: " + "\n".join(lines)).encode()


# The old comment cut the error at byte 60,000: with this pad that byte is inside "ü" or "é".
SPLIT = next(pad for pad in range(300) if error_bytes(pad)[60_000] & 0xC0 == 0x80)


def replan(world: World, files: dict[str, str | None]) -> Any:
    world.branch("route-a", files, base="route-a")
    world.fake.pulls[1]["head"]["sha"] = git(world.dev, "rev-parse", "HEAD")
    return world.pull_request_run(1)


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (umlauts(SPLIT), "priorité"),  # a byte cut of the error would split a character
        # Escaping multiplies `<`: the comment must still fit GitHub's 65,536 characters.
        ([f'"r{i}' + "<" * 70 + '"' for i in range(400)], '"' + "<" * 42 + '"'),
    ],
    ids=["multibyte", "escaping"],
)
def test_a_long_failure_replaces_the_plan_whole(world: World, names: list[str], key: str) -> None:
    world.open_pull(1, "route-a", route_file("route-a"))
    assert DIGEST.search(plan_comment(world.fake, 1)["body"]) and world.fake.labels[1] == ["mgsync:add"]
    run = replan(world, spread(names, key))
    job = run.job("plan")
    assert job.status == "failure" and "UnicodeDecodeError" not in job.text, job.text[-2000:]
    comment = plan_comment(world.fake, 1)["body"]
    assert comment.startswith(f"{PLAN_MARKER}\n<!-- mgsync-run: {run.id} -->\n### mgsync plan failed for `mailgun`")
    assert not DIGEST.search(comment) and world.fake.labels[1] == []
    assert len(comment) <= 65_536 and comment.rstrip().endswith("</pre>")
    assert "the whole error is in the log of [this run]" in comment


def test_a_label_github_refuses_is_a_warning_and_the_comment_is_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With pull-requests: write only, GitHub may refuse to create a label that does not exist yet (403)."""

    def forbidden(*_: Any) -> tuple[int, Any, dict[str, str]]:
        return 403, {"message": "Resource not accessible by integration"}, {}

    routes = [(p, forbidden if h is fakegithub.Fake.add_labels else h) for p, h in fakegithub.Fake.ROUTES]
    monkeypatch.setattr(fakegithub.Fake, "ROUTES", routes)
    run = world.open_pull(1, "route-a", route_file("route-a"))
    job = run.job("plan")
    assert job.status == "success", job.text
    assert (
        "::warning title=mgsync labels::GitHub API: POST" in job.text
        and "Resource not accessible by integration" in job.text
    )
    assert "issues: write" in job.text
    assert DIGEST.search(plan_comment(world.fake, 1)["body"]) and world.fake.labels.get(1, []) == []


def test_a_zero_width_character_in_a_name_shows_in_the_comment(world: World) -> None:
    # `route:route-a<U+200B>b` would read as `route:route-ab`: the reviewer sees the escape instead.
    run = world.open_pull(1, "hidden", {"mailgun/hidden.yaml": route("route-a\u200bb")})
    assert run is not None and run.job("plan").status == "success", run.job("plan").text
    body = plan_comment(world.fake, 1)["body"]
    assert "\u200b" not in body and "route:route-a\\u200bb" in body


def test_the_job_summary_counts_as_the_comment_does(world: World) -> None:
    routes = "".join(route(f"r{i:04}").removeprefix("version: 1\nroutes:\n") for i in range(1000))
    run = world.open_pull(1, "many", {"mailgun/many.yaml": "version: 1\nroutes:\n" + routes})
    assert run is not None and run.job("plan").status == "success", run.job("plan").text
    assert "**Add** (1,000)" in plan_comment(world.fake, 1)["body"]
    assert "| add | change | destroy |\n|---|---|---|\n| 1,000 | 0 | 0 |" in run.job("plan").summary
