"""The example GitHub Actions workflow: valid YAML, the right structure, and its mgsync steps work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

from mgsync import render
from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.e2e.cli import EXAMPLE_ENV

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "examples" / "ci" / "mgsync.yml"


def workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


def steps(job: str) -> dict[str, dict]:
    return {step.get("name", step.get("uses")): step for step in workflow()["jobs"][job]["steps"]}


def test_workflow_structure() -> None:
    flow = workflow()
    assert set(flow["on"]) == {"pull_request", "push"}
    assert flow["on"]["push"]["branches"] == ["main"]
    plan, apply = flow["jobs"]["plan"], flow["jobs"]["apply"]
    assert "pull_request" in plan["if"] and "refs/heads/main" in apply["if"]
    assert plan["permissions"]["pull-requests"] == "write"
    assert apply["permissions"]["contents"] == "write"
    plan_steps = steps("plan")
    assert 'mgsync validate "$MANIFESTS"' in plan_steps["Validate"]["run"]
    assert "mgsync plan --format markdown --detailed-exitcode" in plan_steps["Plan"]["run"]
    script = plan_steps["Update the sticky plan comment"]["with"]["script"]
    assert f"const marker = '{render.MARKER}';" in script
    assert "updateComment" in script and "createComment" in script
    apply_steps = steps("apply")
    assert apply_steps["Plan"]["run"] == 'mgsync plan --out plan.json "$MANIFESTS"'
    assert apply_steps["Apply the reviewed plan"]["run"] == "mgsync apply --yes plan.json"
    assert 'git add "$MANIFESTS/mgsync.lock"' in apply_steps["Commit the lockfile"]["run"]


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_workflow_steps_run_against_the_emulator(tmp_path) -> None:
    shutil.copytree(REPO / "examples" / "production", tmp_path / "mailgun")
    output = tmp_path / "github_output"
    emu = Emulator(api_key="ci-key")
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_"))},
            **EXAMPLE_ENV,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "MANIFESTS": "mailgun", "MAILGUN_API_KEY": "ci-key", "MAILGUN_BASE_URL": server.url,
            "GITHUB_OUTPUT": str(output),
        }
        pr = steps("plan")
        assert run_step(pr["Validate"]["run"], tmp_path, env).returncode == 0
        planned = run_step(pr["Plan"]["run"], tmp_path, env)
        assert planned.returncode == 0, planned.stderr
        assert output.read_text() == "exitcode=2\n"
        assert (tmp_path / "plan.md").read_text().startswith(render.MARKER)
        main = steps("apply")
        for name in ("Plan", "Apply the reviewed plan"):
            result = run_step(main[name]["run"], tmp_path, env)
            assert result.returncode == 0, result.stderr
        assert (tmp_path / "mailgun" / "mgsync.lock").exists()
        output.write_text("")
        assert run_step(pr["Plan"]["run"], tmp_path, env).returncode == 0
        assert output.read_text() == "exitcode=0\n"
