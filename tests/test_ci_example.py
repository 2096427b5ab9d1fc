"""The example workflow and the action: lint-clean, the right structure, and their shell steps work.

The action's run step (``action/run.sh``) is run as GitHub would run it, with the ``with:`` values of
the example workflow's steps mapped onto the action's ``env:``, against the emulator served on
127.0.0.1; the lockfile is committed back to a local bare git repository, where a concurrent push
makes the first push a non-fast-forward and a pre-receive hook plays a protected branch.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.e2e.cli import EXAMPLE_ENV

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "examples" / "ci" / "mgsync.yml"
ACTION = REPO / "action.yml"
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
KEY = "ci-key"


def load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def steps(job: str) -> dict[str, dict]:
    return {step.get("name", step.get("uses")): step for step in load(WORKFLOW)["jobs"][job]["steps"]}


# --- structure and lint ---------------------------------------------------------------------------


def test_workflow_structure() -> None:
    flow = load(WORKFLOW)
    assert set(flow["on"]) == {"pull_request", "push"}
    assert flow["on"]["push"]["branches"] == ["main"]
    assert flow["concurrency"] == {"group": "mgsync-${{ github.ref }}", "cancel-in-progress": False}
    assert flow["permissions"] == {}
    plan, apply = flow["jobs"]["plan"], flow["jobs"]["apply"]
    assert "pull_request" in plan["if"] and "refs/heads/main" in apply["if"]
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert apply["permissions"] == {"contents": "write", "pull-requests": "write"}
    pr = steps("plan")
    assert "secrets" not in str(pr["Validate"])  # a fork's pull request has none
    assert pr["Plan"]["if"] == "env.FORK != 'true'" and "MAILGUN_API_KEY" in pr["Plan"]["env"]
    assert pr["Explain the skipped plan (fork)"]["if"] == "env.FORK == 'true'"
    assert "updateComment" in pr["Update the sticky comment"]["with"]["script"]
    main = steps("apply")
    applying = main["Apply the reviewed plan and commit the lockfile"]["with"]
    assert applying["expect-plan"] == "${{ steps.reviewed.outputs.digest }}"
    assert applying["commit-lockfile"] == "true"


def test_every_action_is_pinned_by_commit_sha_and_every_checkout_keeps_no_credentials() -> None:
    for path in (WORKFLOW, ACTION):
        lines = [line.strip().removeprefix("- ") for line in path.read_text().splitlines()]
        uses = [line for line in lines if line.startswith("uses:")]
        assert uses and all(SHA_PIN.fullmatch(u.split(" (")[0]) for u in uses), uses
    for job in load(WORKFLOW)["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def lint(*command: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_actionlint_and_zizmor_report_nothing(tmp_path: Path) -> None:
    plain = lint("actionlint", "-no-color", str(WORKFLOW))
    assert (plain.returncode, plain.stdout) == (0, ""), plain.stdout + plain.stderr
    audit = lint("zizmor", "--offline", "--no-progress", str(WORKFLOW), str(ACTION))
    assert audit.returncode == 0 and "No findings to report" in audit.stdout, audit.stdout + audit.stderr
    # The same workflow using the action from the repository root (./), so that actionlint also
    # checks every `with:` input and `outputs.` reference against action.yml.
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    local = re.sub(r"YOUR-ORG/mgsync@[0-9a-f]{40} #[^\n]*", "./", WORKFLOW.read_text())
    assert local.count("uses: ./") == 3
    (tmp_path / ".github" / "workflows" / "mgsync.yml").write_text(local)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    checked = lint("actionlint", "-no-color", cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout + checked.stderr


# --- running the action's step --------------------------------------------------------------------


def action_env(inputs: dict[str, str]) -> dict[str, str]:
    """The run step's ``env:`` with ``${{ inputs.X }}`` replaced as GitHub would (defaults included)."""
    action = load(ACTION)
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    values["github-token"] = inputs.get("github-token", "")  # ${{ github.token }}: none in tests
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    env = {}
    for name, template in step["env"].items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", template)
        env[name] = values[match.group(1)] if match else ""  # steps.install.outputs.bin: mgsync on PATH
    return env


def workflow_inputs(job: str, step: str, digest: str = "") -> dict[str, str]:
    values = {"${{ env.MANIFESTS }}": load(WORKFLOW)["env"]["MANIFESTS"], "${{ steps.reviewed.outputs.digest }}": digest}
    return {k: values.get(str(v), str(v)) for k, v in steps(job)[step]["with"].items()}


class Runner:
    """Runs the action's step in ``cwd`` the way a GitHub runner would."""

    def __init__(self, cwd: Path, tmp: Path, base: dict[str, str]):
        self.cwd, self.tmp, self.base = cwd, tmp, base
        self.runner_temp = tmp / "runner-temp"
        self.runner_temp.mkdir()

    def run(self, inputs: dict[str, str], secrets: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
        output = self.tmp / "github_output"
        output.write_text("")
        env = {**self.base, **(secrets or {}), **action_env(inputs), "GITHUB_OUTPUT": str(output),
               "GITHUB_ACTION_PATH": str(REPO), "RUNNER_TEMP": str(self.runner_temp)}
        script = next(s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "run")["run"]
        result = subprocess.run(["bash", "-c", script], cwd=self.cwd, env=env, capture_output=True, text=True, timeout=180)
        return result, dict(line.split("=", 1) for line in output.read_text().splitlines())


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", "MG_SMTP_", "GIT_", "GITHUB_"))}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env['PATH']}", "NO_COLOR": "1", "HOME": str(tmp),
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp / "gitconfig"), **extra}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "dev",
           "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def origin_with_manifests(tmp: Path) -> tuple[Path, Path]:
    """A bare ``origin.git`` whose main holds ``mailgun/`` (the production example), and a clone."""
    seed = tmp / "seed"
    shutil.copytree(REPO / "examples" / "production", seed / "mailgun", ignore=shutil.ignore_patterns("mgsync.lock*"))
    git(tmp, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "manifests")
    git(seed, "push", "-q", str(tmp / "origin.git"), "main")
    git(tmp, "clone", "-q", str(tmp / "origin.git"), "work")
    return tmp / "origin.git", tmp / "work"


def concurrent_push(origin: Path, tmp: Path) -> None:
    """Someone else pushes to main, so the lockfile commit's first push is a non-fast-forward."""
    git(tmp, "clone", "-q", str(origin), "other")
    (tmp / "other" / "NOTES.md").write_text("pushed meanwhile\n")
    git(tmp / "other", "add", "NOTES.md")
    git(tmp / "other", "commit", "-q", "-m", "meanwhile")
    git(tmp / "other", "push", "-q", "origin", "main")


@pytest.fixture
def mailgun():
    with serve(Emulator(api_key=KEY), host="127.0.0.1", port=0) as server:
        yield server.url


def test_pull_request_then_main_apply_exactly_the_reviewed_plan(tmp_path: Path, mailgun: str) -> None:
    origin, work = origin_with_manifests(tmp_path)
    runner = Runner(work, tmp_path, base_env(tmp_path, MAILGUN_BASE_URL=mailgun))
    secrets = {**EXAMPLE_ENV, "MAILGUN_API_KEY": KEY}

    # Pull request, as from a fork: no secrets. Validate passes and names every unset variable.
    validated, out = runner.run(workflow_inputs("plan", "Validate"))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert out["exit-code"] == "0" and out["comment-file"] == ""
    unset = {name for name in EXAMPLE_ENV if re.search(rf"::warning file=mailgun/[\w.]+,line=\d+,col=\d+,.*{name} is not set", validated.stdout)}
    assert unset == {name for name in EXAMPLE_ENV if name.startswith("MG_SMTP_")} and unset

    # The plan: changes pending, a digest, and a comment namespaced by the directory that shows it.
    planned, out = runner.run(workflow_inputs("plan", "Plan"), secrets)
    assert planned.returncode == 0, planned.stderr
    assert (out["exit-code"], out["changes-pending"]) == ("2", "true") and DIGEST.fullmatch(out["digest"])
    comment = Path(out["comment-file"]).read_text()
    assert comment.startswith("<!-- mgsync-plan: mailgun -->\n### mgsync plan for `mailgun`\n")
    assert comment.count("<!-- mgsync-plan") == 1 and f"Plan digest: `{out['digest']}`" in comment

    # Main: the digest as the apply job's script finds it in the merged pull request's comment.
    script = steps("apply")["Find the digest of the reviewed plan"]["with"]["script"]
    marker = re.search(r"const marker = `(.*)`;", script).group(1)
    assert marker.replace("${process.env.MANIFESTS}", "mailgun") == comment.splitlines()[0]
    pattern = re.search(r"body\.match\(/(.*)/m\)", script).group(1)
    reviewed = re.search(pattern, comment, re.M).group(1)
    assert reviewed == out["digest"]

    # Another digest is refused: exit 3, nothing applied, no lockfile.
    other = "sha256:" + "0" * 64
    refused, out = runner.run(workflow_inputs("apply", "Apply the reviewed plan and commit the lockfile", other), secrets)
    assert (refused.returncode, out["exit-code"]) == (3, "3")
    assert f"not the reviewed {other}" in refused.stdout and len(refused.stdout.strip().splitlines()) == 1
    assert not (work / "mailgun" / "mgsync.lock").exists()

    # The reviewed digest applies, and the lockfile lands on main over a concurrent push.
    concurrent_push(origin, tmp_path)
    applied, out = runner.run(workflow_inputs("apply", "Apply the reviewed plan and commit the lockfile", reviewed), secrets)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (out["exit-code"], out["digest"]) == ("0", reviewed)
    assert "Apply complete" in applied.stdout and "rebasing the lockfile commit" in applied.stderr
    log = git(origin, "log", "--format=%s", "main").splitlines()
    assert log[:2] == ["mgsync: update mailgun/mgsync.lock [skip ci]", "meanwhile"]
    assert git(origin, "show", "main:mailgun/mgsync.lock") == (work / "mailgun" / "mgsync.lock").read_text()

    # The next plan is empty.
    again, out = runner.run(workflow_inputs("plan", "Plan"), secrets)
    assert (again.returncode, out["exit-code"], out["changes-pending"]) == (0, "0", "false")


def test_a_failed_validate_or_plan_replaces_the_comment_with_its_error(tmp_path: Path, mailgun: str) -> None:
    _, work = origin_with_manifests(tmp_path)
    runner = Runner(work, tmp_path, base_env(tmp_path, MAILGUN_BASE_URL=mailgun))
    failed, out = runner.run(workflow_inputs("plan", "Plan"), {**EXAMPLE_ENV, "MAILGUN_API_KEY": "wrong"})
    assert (failed.returncode, out["exit-code"]) == (1, "1")
    comment = Path(out["comment-file"]).read_text()
    assert comment.startswith("<!-- mgsync-plan: mailgun -->\n### mgsync plan failed for `mailgun`\n")
    assert "returned 401" in comment and "wrong" not in comment

    manifest = work / "mailgun" / "mg.example.com.yaml"
    manifest.write_text(manifest.read_text().replace("spam_action:", "spam_acton:", 1))
    line = next(n for n, text in enumerate(manifest.read_text().splitlines(), 1) if "spam_acton:" in text)
    broken, out = runner.run(workflow_inputs("plan", "Validate"))
    assert (broken.returncode, out["exit-code"]) == (1, "1")
    assert re.search(rf"^::error file=mailgun/mg\.example\.com\.yaml,line={line},col=\d+,title=mgsync validate::"
                     r".*unknown key \"spam_acton\"", broken.stdout, re.M)
    comment = Path(out["comment-file"]).read_text()
    assert comment.startswith("<!-- mgsync-plan: mailgun -->\n### mgsync validate failed for `mailgun`\n")
    assert f"mailgun/mg.example.com.yaml:{line}:" in comment and "&quot;" not in comment


# --- the lockfile commit-back ---------------------------------------------------------------------

COMMIT = REPO / "action" / "commit-lockfile.sh"
FAKE_GH = """#!/usr/bin/env bash
# A stand-in for the GitHub CLI: logs its arguments; `pr list` answers from $FAKE_GH_OPEN_PR.
echo "$*" >>"$FAKE_GH_LOG"
case "$1 $2" in "pr list") echo "${FAKE_GH_OPEN_PR:-}" ;; esac
"""


def protect(origin: Path, *refs: str) -> None:
    hook = origin / "hooks" / "pre-receive"
    pattern = "|".join(refs)
    hook.write_text(f"#!/bin/sh\nwhile read old new ref; do case \"$ref\" in {pattern}) "
                    "echo \"protected branch hook declined\"; exit 1;; esac; done\n")
    hook.chmod(0o755)


def commit_back(work: Path, tmp: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    (tmp / "bin").mkdir(exist_ok=True)
    gh = tmp / "bin" / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    env = base_env(tmp, PATH=f"{tmp / 'bin'}{os.pathsep}{os.environ['PATH']}", FAKE_GH_LOG=str(tmp / "gh.log"),
                   GITHUB_REF_NAME="main", **extra)
    return subprocess.run(["bash", str(COMMIT), "mailgun/mgsync.lock"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_protected_branch_gets_the_lockfile_as_a_pull_request(tmp_path: Path) -> None:
    origin, work = origin_with_manifests(tmp_path)
    protect(origin, "refs/heads/main")
    (work / "mailgun" / "mgsync.lock").write_text('{"format_version": 1}\n')
    first = commit_back(work, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "::warning title=mgsync lockfile waits in a pull request::" in first.stdout
    assert git(origin, "show", "mgsync/lockfile/main:mailgun/mgsync.lock") == '{"format_version": 1}\n'
    assert "mailgun/mgsync.lock" not in git(origin, "ls-tree", "-r", "--name-only", "main")
    calls = (tmp_path / "gh.log").read_text().splitlines()
    assert calls[0].startswith("pr list --head mgsync/lockfile/main --base main")
    assert calls[1].startswith("pr create --head mgsync/lockfile/main --base main --title mgsync: update mailgun/mgsync.lock")

    # A later apply updates the open pull request instead of opening another.
    (work / "mailgun" / "mgsync.lock").write_text('{"format_version": 1, "later": true}\n')
    second = commit_back(work, tmp_path, FAKE_GH_OPEN_PR="7")
    assert second.returncode == 0, second.stderr
    assert "updated pull request #7" in second.stdout
    assert len((tmp_path / "gh.log").read_text().splitlines()) == 3
    assert "later" in git(origin, "show", "mgsync/lockfile/main:mailgun/mgsync.lock")


def test_the_lockfile_commit_fails_loudly_when_nothing_accepts_it(tmp_path: Path) -> None:
    origin, work = origin_with_manifests(tmp_path)
    protect(origin, "refs/heads/*")
    (work / "mailgun" / "mgsync.lock").write_text('{"format_version": 1}\n')
    failed = commit_back(work, tmp_path)
    assert failed.returncode == 1
    assert "::error title=mgsync lockfile not saved::Pushing mgsync/lockfile/main failed as well." in failed.stderr


def test_an_unchanged_lockfile_is_not_committed(tmp_path: Path) -> None:
    origin, work = origin_with_manifests(tmp_path)
    (work / "mailgun" / "mgsync.lock").write_text("{}\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "lock")
    before = git(work, "rev-parse", "HEAD")
    unchanged = commit_back(work, tmp_path)
    assert unchanged.returncode == 0 and "is unchanged; nothing to commit" in unchanged.stdout
    assert git(work, "rev-parse", "HEAD") == before
