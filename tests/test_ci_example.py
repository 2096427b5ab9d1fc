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
from tests.support.cli import EXAMPLE_ENV

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "examples" / "ci" / "mgsync.yml"
ACTION = REPO / "action.yml"
OWN_CI = REPO / ".github" / "workflows" / "ci.yml"  # the repository's own CI, not an example
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
KEY = "ci-key"


def load(path: Path) -> dict:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def steps(job: str) -> dict[str, dict]:
    return {step.get("name", step.get("uses")): step for step in load(WORKFLOW)["jobs"][job]["steps"]}


# --- structure and lint ---------------------------------------------------------------------------


def test_workflow_structure() -> None:
    flow = load(WORKFLOW)
    assert set(flow["on"]) == {"pull_request", "push", "workflow_dispatch"}
    assert flow["on"]["push"]["branches"] == ["main"]
    assert flow["permissions"] == {}
    jobs = flow["jobs"]
    assert list(jobs) == ["validate", "plan", "apply", "plan-main", "approve", "apply-main"]
    # Least privilege: only the jobs that need a key name an environment; plans get the read key only.
    assert {name: job.get("environment") for name, job in jobs.items()} == {
        "validate": None,
        "plan": "mailgun-plan",
        "apply": "mailgun-production",
        "plan-main": "mailgun-plan",
        "approve": "mailgun-approval",
        "apply-main": "mailgun-production",
    }
    assert "${{ secrets." not in str(jobs["validate"]) and "${{ secrets." not in str(jobs["approve"])
    for name in ("plan", "plan-main"):
        assert steps(name)["Plan"]["env"] == {
            "MAILGUN_API_KEY": "${{ secrets.MAILGUN_READ_API_KEY }}",
            "MAILGUN_REGION": "us",
        }
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "validate": {"contents": "read"},
        "plan": {"contents": "read", "pull-requests": "write"},
        "apply": {"contents": "write", "pull-requests": "write", "actions": "read"},
        "plan-main": {"contents": "read"},
        "approve": {},
        "apply-main": {"contents": "write", "pull-requests": "write", "actions": "read"},
    }
    # One queue for everything that writes Mailgun and the state branch; a newer run replaces a pending one.
    assert (
        jobs["apply"]["concurrency"]
        == jobs["apply-main"]["concurrency"]
        == {"group": "mgsync-apply", "cancel-in-progress": False}
    )
    assert steps("apply")["actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"]["with"]["ref"] == "main"
    assert steps("apply")["Apply the reviewed changes"]["with"]["reviewed"] == "merged"
    assert jobs["apply-main"]["needs"] == ["plan-main", "approve"]
    saved = steps("apply-main")["Apply exactly the approved plan"]["with"]["saved-plan"]
    assert saved == "${{ runner.temp }}/approved/saved-plan.json"
    # apply-main may replace a merge's pending apply, so it ends with that apply's work, whatever came before.
    last = load(WORKFLOW)["jobs"]["apply-main"]["steps"][-2:]
    assert [step["if"] for step in last] == ["${{ !cancelled() }}"] * 2
    assert last[0]["with"]["ref"] == "main" and last[1]["with"]["reviewed"] == "merged"


def test_own_ci_runs_ci_run_steps_on_every_os_and_python() -> None:
    flow = load(OWN_CI)
    assert flow["permissions"] == {}
    job = flow["jobs"]["test"]
    assert job["permissions"] == {"contents": "read"}
    assert job["strategy"]["matrix"] == {
        "os": ["ubuntu-latest", "macos-latest", "windows-latest"],
        "python": ["3.11", "3.12", "3.13"],
    }
    assert job["defaults"]["run"]["shell"] == "bash"  # Windows runs the same command lines
    checkout, setup, *runs = job["steps"]
    assert checkout["with"] == {"persist-credentials": False}
    assert setup["with"] == {"python-version": "${{ matrix.python }}"}
    # The same pins as the example workflow and the action (one version of each action in the repository).
    text = OWN_CI.read_text(encoding="utf-8")
    pins = set(SHA_PIN.findall(text))
    assert pins == {
        ("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1"),
        ("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97"),
    }
    assert pins <= set(SHA_PIN.findall(WORKFLOW.read_text(encoding="utf-8") + ACTION.read_text(encoding="utf-8")))
    # .ci/run's steps after its venv, one step each, in its order.
    ci_run = next(
        line
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.startswith("python3 -m venv")
    )
    after_venv = ci_run.split(" && ")[2:]
    assert after_venv[0] == "pip install -e '.[test]'"
    assert [step["run"] for step in runs] == ["python -m " + after_venv[0], *after_venv[1:]]


def lint(*command: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_actionlint_and_zizmor_report_nothing(tmp_path: Path) -> None:
    plain = lint("actionlint", "-no-color", str(WORKFLOW), str(OWN_CI))
    assert (plain.returncode, plain.stdout) == (0, ""), plain.stdout + plain.stderr
    audit = lint("zizmor", "--offline", "--no-progress", "--persona=auditor", str(WORKFLOW), str(ACTION), str(OWN_CI))
    assert audit.returncode == 0 and "No findings to report" in audit.stdout, audit.stdout + audit.stderr
    # The same workflow using the action from the repository root (./), so that actionlint also
    # checks every `with:` input and `outputs.` reference against action.yml.
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    local = re.sub(r"YOUR-ORG/mgsync@[0-9a-f]{40} #[^\n]*", "./", WORKFLOW.read_text())
    assert local.count("uses: ./") == 6
    (tmp_path / ".github" / "workflows" / "mgsync.yml").write_text(local)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    checked = lint("actionlint", "-no-color", cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout + checked.stderr


# --- running the action's step --------------------------------------------------------------------
# The whole loop (comments, labels, artifacts, the state branch, merges, the manual run) is simulated
# in tests/gitops/test_loop.py; here the run step alone, as the action's composite step calls it.


def action_env(inputs: dict[str, str]) -> dict[str, str]:
    """The run step's ``env:`` with ``${{ inputs.X }}`` replaced as GitHub would (defaults included)."""
    action = load(ACTION)
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    values["github-token"] = inputs.get("github-token", "")  # ${{ github.token }}: none in tests
    values["commit"] = inputs.get("commit", "")
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    env = {}
    for name, template in step["env"].items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", template)
        if match:
            env[name] = values[match.group(1)]
        else:  # steps.install.outputs.bin: mgsync on PATH; a plain value as it is
            env[name] = "" if "${{" in template else template
    return env


def workflow_inputs(job: str, step: str) -> dict[str, str]:
    values = {"${{ env.MANIFESTS }}": load(WORKFLOW)["env"]["MANIFESTS"]}
    return {k: values.get(str(v), str(v)) for k, v in steps(job)[step]["with"].items()}


def test_the_run_step_calls_run_sh_and_leaves_failing_to_the_last_step() -> None:
    action = load(ACTION)["runs"]["steps"]
    run = next(s for s in action if s.get("id") == "run")
    assert run["run"] == 'bash "$GITHUB_ACTION_PATH/action/run.sh" || true'
    assert action[-1]["if"] == "steps.run.outputs.step-code != '0'" and "exit 1" in action[-1]["run"]


class Runner:
    """Runs the action's run script in ``cwd`` the way its composite step does."""

    def __init__(self, cwd: Path, tmp: Path, base: dict[str, str]):
        self.cwd, self.tmp, self.base = cwd, tmp, base
        self.runner_temp = tmp / "runner-temp"
        self.runner_temp.mkdir()

    def run(
        self, inputs: dict[str, str], secrets: dict[str, str] | None = None
    ) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
        output = self.tmp / "github_output"
        output.write_text("")
        env = {
            **self.base,
            **(secrets or {}),
            **action_env(inputs),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_ACTION_PATH": str(REPO),
            "RUNNER_TEMP": str(self.runner_temp),
        }
        result = subprocess.run(
            ["bash", str(REPO / "action" / "run.sh")],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        return result, dict(line.split("=", 1) for line in output.read_text().splitlines())


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", "MG_SMTP_", "GIT_", "GITHUB_"))
    }
    return {
        **env,
        "PATH": f"{BIN}{os.pathsep}{env['PATH']}",
        "NO_COLOR": "1",
        "HOME": str(tmp),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(tmp / "gitconfig"),
        **extra,
    }


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
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


@pytest.fixture
def mailgun():
    with serve(Emulator(api_key=KEY), host="127.0.0.1", port=0) as server:
        yield server.url


@pytest.mark.skipif(
    sys.platform == "win32", reason="runs action/run.sh with bash as the example's ubuntu-latest jobs do"
)
def test_a_plan_keeps_its_saved_plan_and_full_text_for_the_artifact(tmp_path: Path, mailgun: str) -> None:
    _, work = origin_with_manifests(tmp_path)
    runner = Runner(work, tmp_path, base_env(tmp_path, MAILGUN_BASE_URL=mailgun))
    planned, out = runner.run(workflow_inputs("plan", "Plan"), {**EXAMPLE_ENV, "MAILGUN_API_KEY": KEY})
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert (out["exit-code"], out["changes-pending"], out["step-code"]) == ("2", "true", "0")
    assert out["artifact-name"] == "mgsync-plan-mailgun" and DIGEST.fullmatch(out["digest"])
    artifact = Path(out["artifact-dir"])
    assert sorted(p.name for p in artifact.iterdir()) == ["plan.txt", "previews", "saved-plan.json"]
    # The templates the plan creates, rendered with their test data (plan --preview), and the comment says where.
    previews = sorted(str(p.relative_to(artifact / "previews")) for p in (artifact / "previews").rglob("*.html"))
    assert "template/mg.example.com/welcome.after.html" in previews, previews
    assert "Ada" in (artifact / "previews" / "template" / "mg.example.com" / "welcome.after.html").read_text()
    assert f'"digest": "{out["digest"]}"' in (artifact / "saved-plan.json").read_text()
    assert (artifact / "plan.txt").read_text().rstrip().endswith(f"Plan digest: {out['digest']}")
    comment = Path(out["comment-file"]).read_text()
    assert comment.startswith("<!-- mgsync-plan: mailgun -->\n### mgsync plan for `mailgun`\n")
    assert comment.count("<!-- mgsync-plan") == 1 and f"Plan digest: `{out['digest']}`" in comment
    assert re.search(
        r"^Rendered previews of the changed templates \(HTML, before and after\): `previews/` in "
        r"\[this run's artifact\]\(https://\S+/actions/runs/\S*#artifacts\)\.\n\nPlan digest: ",
        comment,
        re.M,
    )

    # apply with another digest (expect-plan, for teams without the state branch) refuses: exit 3.
    other = "sha256:" + "0" * 64
    refused, out = runner.run(
        {"command": "apply", "paths": "mailgun", "expect-plan": other, "state-branch": ""},
        {**EXAMPLE_ENV, "MAILGUN_API_KEY": KEY},
    )
    assert (refused.returncode, out["exit-code"], out["step-code"]) == (3, "3", "3")
    assert f"not the reviewed {other}" in refused.stdout
    assert not (work / "mailgun" / "mgsync.lock").exists()


@pytest.mark.skipif(
    sys.platform == "win32", reason="runs action/run.sh with bash as the example's ubuntu-latest jobs do"
)
def test_a_failed_validate_or_plan_replaces_the_comment_with_its_error(tmp_path: Path, mailgun: str) -> None:
    _, work = origin_with_manifests(tmp_path)
    runner = Runner(work, tmp_path, base_env(tmp_path, MAILGUN_BASE_URL=mailgun))
    failed, out = runner.run(workflow_inputs("plan", "Plan"), {**EXAMPLE_ENV, "MAILGUN_API_KEY": "wrong"})
    assert (failed.returncode, out["exit-code"], out["artifact-dir"]) == (1, "1", "")
    comment = Path(out["comment-file"]).read_text()
    assert comment.startswith("<!-- mgsync-plan: mailgun -->\n### mgsync plan failed for `mailgun`\n")
    assert "returned 401" in comment and "wrong" not in comment

    manifest = work / "mailgun" / "mg.example.com.yaml"
    manifest.write_text(manifest.read_text().replace("spam_action:", "spam_acton:", 1))
    line = next(n for n, text in enumerate(manifest.read_text().splitlines(), 1) if "spam_acton:" in text)
    broken, out = runner.run(workflow_inputs("validate", "Validate"))
    assert (broken.returncode, out["exit-code"]) == (1, "1")
    assert re.search(
        rf"^::error file=mailgun/mg\.example\.com\.yaml,line={line},col=\d+,title=mgsync validate::"
        r".*unknown key \"spam_acton\"",
        broken.stdout,
        re.M,
    )
    comment = Path(out["comment-file"]).read_text()
    assert comment.startswith("<!-- mgsync-plan: mailgun -->\n### mgsync validate failed for `mailgun`\n")
    assert f"mailgun/mg.example.com.yaml:{line}:" in comment and "&quot;" not in comment
