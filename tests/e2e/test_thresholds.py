"""The safety threshold through the real ``mgsync`` CLI: a plan that deletes or updates more than 30 %
of the objects of a kind that the manifests manage (10 or more) is refused by apply without
``--force`` (exit 5), and the plan says so before anyone merges it, in every format, from the same
computation. Live objects the manifests do not manage are not counted: the plan cannot touch them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run

NOTE = (
    "This plan deletes {count} of {whole} route objects ({share} > 30%), over the safety threshold; "
    "apply refuses it unless given --force."
)


def routes(names: list[str]) -> str:
    return "routes:\n" + "".join(
        f"  {name}: {{priority: 1, expression: 'match_recipient(\"{name}@example.com\")', actions: ['stop()']}}\n"
        for name in names
    )


def mgsync(project: Path, state: Path, *args: str):
    return run(*args, "--emulator", "--emulator-state", str(state), str(project), cwd=project.parent)


def managed(tmp_path: Path, state: Path, names: list[str], kept: int) -> Path:
    project = tmp_path / "routes"
    project.mkdir()
    (project / "mgsync.yaml").write_text(routes(names), encoding="utf-8")
    assert mgsync(project, state, "apply", "--yes").returncode == 0
    (project / "mgsync.yaml").write_text(routes(names[:kept]), encoding="utf-8")
    return project


def test_a_plan_that_apply_refuses_says_so_in_every_format(tmp_path: Path) -> None:
    state = tmp_path / "emu.json"
    project = managed(tmp_path, state, [f"r{i:02d}" for i in range(12)], kept=6)
    note = NOTE.format(count=6, whole=12, share="50%")
    text = mgsync(project, state, "plan", "--detailed-exitcode")
    assert text.returncode == 2, text.stderr
    assert f"Note: {note}" in text.stdout.splitlines()
    doc = json.loads(mgsync(project, state, "plan", "--format", "json").stdout)
    assert doc["notes"] == [note]
    markdown = mgsync(project, state, "plan", "--format", "markdown").stdout
    first_screen = markdown.split("<details>", 1)[0]
    assert (
        "> [!CAUTION]\n> - This plan deletes 6 of 12 route objects (50% &gt; 30%), over the safety threshold; "
        "apply refuses it unless given --force.\n" in first_screen
    )
    assert markdown.count("safety threshold") == 1  # the caution says it; the notes do not repeat it
    refused = mgsync(project, state, "apply", "--yes")
    assert refused.returncode == 5
    assert refused.stderr.endswith(
        "Error: Refusing to apply: plan deletes 6 of 12 route objects (50% > 30%). Re-run with --force to proceed.\n"
    )
    assert mgsync(project, state, "apply", "--yes", "--force").returncode == 0


def test_objects_the_manifests_do_not_manage_are_not_counted(tmp_path: Path) -> None:
    """Two routes another directory manages on the same account: deleting 4 of the 12 routes this one
    manages is 33 %, not 4 of 14 (29 %, under the threshold)."""
    state = tmp_path / "emu.json"
    other = tmp_path / "other"
    other.mkdir()
    (other / "mgsync.yaml").write_text(routes(["hand-1", "hand-2"]), encoding="utf-8")
    assert mgsync(other, state, "apply", "--yes").returncode == 0
    project = managed(tmp_path, state, [f"r{i:02d}" for i in range(12)], kept=8)
    plan = mgsync(project, state, "plan")
    assert f"Note: {NOTE.format(count=4, whole=12, share='33%')}" in plan.stdout.splitlines()
    refused = mgsync(project, state, "apply", "--yes")
    assert refused.returncode == 5 and "plan deletes 4 of 12 route objects (33% > 30%)" in refused.stderr


def test_a_plan_under_the_threshold_says_nothing_of_it(tmp_path: Path) -> None:
    state = tmp_path / "emu.json"
    project = managed(tmp_path, state, [f"r{i:02d}" for i in range(12)], kept=9)
    plan = mgsync(project, state, "plan", "--format", "json")
    assert json.loads(plan.stdout)["notes"] == []
    assert mgsync(project, state, "apply", "--yes").returncode == 0
