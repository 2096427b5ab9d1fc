"""A stand-in for GitHub Actions that runs examples/ci/mgsync.yml and action.yml as GitHub would.

``World`` holds a bare git remote (``origin.git``), the fake REST API (``fakegithub``), the Mailgun
emulator's URL, the repository's environments (secrets, required reviewers) and the concurrency
groups. Events (a pull request push, a merge, a direct push, a manual run) start ``Run``s; each job
runs its steps in order: ``actions/checkout`` clones the remote at the ref GitHub would check out,
the mgsync action runs action.yml's composite steps (its install step is replaced by the test's own
installation), ``actions/upload-artifact`` / ``download-artifact`` go to the fake API, and every
``run:`` step runs in bash with the environment GitHub gives it. Nothing of mgsync is replaced: the
action's ``mgsync`` and ``python`` are the real ones, or on Linux shims of them that run each command
in a process of its own forked from a zygote (``tests/support/zygote.py``), which has done the imports
once; a test marked ``real_programs`` runs the real ones.

Concurrency, as GitHub documents it (https://docs.github.com/en/actions/using-jobs/using-concurrency):
a group has at most one running and one pending job; a newly queued job cancels the pending one
(cancel-in-progress: false keeps the running one). A job needing an environment with required
reviewers waits until the test approves it.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.gitops.expressions import Evaluator, condition, render, text
from tests.gitops.fakegithub import BOT, REPOSITORY, Fake
from tests.support import zygote

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "ci" / "mgsync.yml"
ACTION = REPO / "action.yml"
BIN = Path(sys.executable).parent
MGSYNC_ACTION = "YOUR-ORG/mgsync@"


def load(path: Path) -> dict[str, Any]:
    return parse(path.read_text(encoding="utf-8"))


def parse(text: str) -> dict[str, Any]:
    """A workflow or action file as GitHub reads it (YAML 1.2: ``on`` is a key); each its own copy."""
    return copy.deepcopy(_parse(text))


@functools.lru_cache(maxsize=32)
def _parse(text: str) -> dict[str, Any]:  # the pure-Python parser takes ~0.1 s a file: once per text
    return YAML(typ="safe", pure=True).load(text)


def clean_env(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", "MG_SMTP_", "GIT_", "GITHUB_"))
    }
    return {
        **env,
        "PATH": f"{BIN}{os.pathsep}{env['PATH']}",
        "NO_COLOR": "1",
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
    }


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    people = {
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    result = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **people, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr}")
    return result.stdout.strip()


FLOW = ".github/workflows/mgsync.yml"  # where the team copies examples/ci/mgsync.yml (README, step 1)
REFUSED = 'Branch "{ref}" is not allowed to deploy to {name} due to environment protection rules.'


def push_event(before: str, after: str) -> dict[str, Any]:
    """The push event's payload, as much of it as the workflow reads: the branch, and its tip before and after."""
    return {"ref": "refs/heads/main", "before": before, "after": after}


@dataclass
class Environment:
    secrets: dict[str, str] = field(default_factory=dict)
    reviewers: bool = False
    branches: tuple[str, ...] | None = None  # deployment branches; None: any


@dataclass
class Job:
    run: Run
    name: str
    spec: dict[str, Any]
    status: str = "queued"  # queued, waiting (approval or concurrency), running, success, failure, cancelled, skipped
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    log: list[str] = field(default_factory=list)
    approved: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.log)


@dataclass
class Run:
    world: World
    id: int
    event_name: str
    event: dict[str, Any]
    sha: str
    ref: str
    workflow: dict[str, Any] = field(default_factory=dict)  # the workflow file as of the event's commit
    jobs: dict[str, Job] = field(default_factory=dict)

    def job(self, name: str) -> Job:
        return self.jobs[name]


@dataclass
class Group:
    running: Job | None = None
    pending: Job | None = None


class World:
    def __init__(
        self,
        tmp: Path,
        fake: Fake,
        mailgun_url: str,
        environments: dict[str, Environment],
        real_programs: bool = False,
    ):
        self.tmp, self.fake, self.mailgun_url, self.environments = tmp, fake, mailgun_url, environments
        self.shimmed = zygote.available() and not real_programs
        # the action's installation of mgsync: its bin directory, with mgsync and python
        self.programs = zygote.shims(tmp / "bin") if self.shimmed else BIN
        self.action = load(ACTION)
        self.origin = tmp / "origin.git"
        self.groups: dict[str, Group] = {}
        self.runs: list[Run] = []
        self.bot_token = fake.token_for(BOT)
        self.hooks: list[tuple[str, str, Callable[[], None]]] = []  # (job, step): run once, after that step
        self.early: list[tuple[str, str, Callable[[], None]]] = []  # (job, step): run once, before that step
        self.extra_env: dict[str, str] = {}  # what every job's runner has (e.g. a repository variable)
        self.home = tmp / "home"
        self.home.mkdir()
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.origin))
        self.dev = tmp / "dev"

    # --- the repository, as developers change it -------------------------------------------------

    def seed(self, files: dict[str, str]) -> str:
        files = {FLOW: WORKFLOW.read_text(encoding="utf-8"), **files}
        git(self.tmp, "init", "-q", "-b", "main", str(self.dev))
        for name, content in files.items():
            (self.dev / name).parent.mkdir(parents=True, exist_ok=True)
            (self.dev / name).write_text(content)
        git(self.dev, "add", ".")
        git(self.dev, "commit", "-q", "-m", "manifests")
        git(self.dev, "remote", "add", "origin", str(self.origin))
        self.push("main")
        return git(self.dev, "rev-parse", "HEAD")

    def push(self, ref: str, source: str = "HEAD") -> None:
        # GitHub itself (merges, refs/pull/*) may update a protected main; the hook lets only it through.
        git(
            self.dev,
            "push",
            "-q",
            "--force",
            "origin",
            f"{source}:refs/heads/{ref}" if "/" not in ref else f"{source}:{ref}",
            env={"GITHUB_ITSELF": "1"},
        )

    def protect_main(self) -> None:
        hook = self.origin / "hooks" / "pre-receive"
        hook.write_text(
            '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = refs/heads/main ] && [ -z "$GITHUB_ITSELF" ]; then\n'
            '    echo "GH006: Protected branch update failed for refs/heads/main."; exit 1\n  fi\ndone\n'
        )
        hook.chmod(0o755)

    def branch(self, name: str, files: dict[str, str | None], base: str = "main") -> str:
        git(self.dev, "fetch", "-q", "origin")
        git(self.dev, "checkout", "-q", "-B", name, f"origin/{base}")
        for path, content in files.items():
            if content is None:
                (self.dev / path).unlink()
            else:
                (self.dev / path).parent.mkdir(parents=True, exist_ok=True)
                (self.dev / path).write_text(content)
        git(self.dev, "add", "-A")
        git(self.dev, "commit", "-q", "-m", f"{name}")
        self.push(name)
        return git(self.dev, "rev-parse", "HEAD")

    def open_pull(self, number: int, name: str, files: dict[str, str | None]) -> Run | None:
        head = self.branch(name, files)
        self.fake.open_pull(number, name, head, f"Change {name}")
        return self.pull_request_run(number)

    def pull_request_run(self, number: int) -> Run | None:
        """The pull_request event: GitHub's test merge of the head into main (refs/pull/N/merge)."""
        pull = self.fake.pulls[number]
        git(self.dev, "fetch", "-q", "origin")
        git(self.dev, "checkout", "-q", "--detach", "origin/main")
        git(self.dev, "merge", "-q", "--no-ff", "-m", f"Merge {pull['head']['sha']} into main", pull["head"]["sha"])
        merge = git(self.dev, "rev-parse", "HEAD")
        self.push(f"refs/pull/{number}/merge")
        event = {"pull_request": {"number": number, "head": {"sha": pull["head"]["sha"], "repo": pull["head"]["repo"]}}}
        return self.start(
            "pull_request", event, merge, f"refs/pull/{number}/merge", head_sha=pull["head"]["sha"], base=f"{merge}^1"
        )

    def merge(self, number: int) -> Run | None:
        """The merge button: a merge commit on main, then the push event."""
        pull = self.fake.pulls[number]
        git(self.dev, "fetch", "-q", "origin")
        git(self.dev, "checkout", "-q", "--detach", "origin/main")
        git(self.dev, "merge", "-q", "--no-ff", "-m", f"Merge pull request #{number}", pull["head"]["sha"])
        sha, before = git(self.dev, "rev-parse", "HEAD"), git(self.origin, "rev-parse", "refs/heads/main")
        self.push("main")
        self.fake.merged(number, sha)
        return self.start("push", push_event(before, sha), sha, "refs/heads/main", base=f"{sha}^1")

    def direct_push(self, files: dict[str, str | None]) -> Run | None:
        """Someone with the right to bypass protection pushes straight to main."""
        before, sha = git(self.origin, "rev-parse", "refs/heads/main"), self.branch("direct", files)
        self.push("main")
        return self.start("push", push_event(before, sha), sha, "refs/heads/main", base=f"{sha}^1")

    def dispatch(self) -> Run:
        sha = git(self.origin, "rev-parse", "refs/heads/main")
        return self.start("workflow_dispatch", {}, sha, "refs/heads/main")

    # --- runs, jobs and the concurrency rule ------------------------------------------------------

    def triggers(self, workflow: dict[str, Any], event_name: str, base: str | None, sha: str) -> bool:
        """The workflow's ``paths:`` filter: a push or pull request that changes no matching file starts no run."""
        patterns = (workflow["on"].get(event_name) or {}).get("paths")
        if not patterns or base is None:
            return True
        changed = git(self.origin, "diff", "--name-only", base, sha).split()
        return any(fnmatch.fnmatch(path, pattern.replace("**", "*")) for path in changed for pattern in patterns)

    def workflow_at(self, sha: str) -> dict[str, Any]:
        """GitHub runs the workflow file of the event's commit: for a pull request, its merge with main."""
        return parse(git(self.origin, "show", f"{sha}:{FLOW}"))

    def start(
        self,
        event_name: str,
        event: dict[str, Any],
        sha: str,
        ref: str,
        head_sha: str | None = None,
        base: str | None = None,
    ) -> Run | None:
        workflow = self.workflow_at(sha)
        if not self.triggers(workflow, event_name, base, sha):
            return None
        run_id = self.fake.new_run(event_name, head_sha or sha)
        run = Run(self, run_id, event_name, event, sha, ref, workflow)
        run.jobs = {name: Job(run, name, spec) for name, spec in run.workflow["jobs"].items()}
        self.runs.append(run)
        self.advance()
        return run

    def after(self, job: str, step: str, action: Callable[[], None]) -> None:
        """Do ``action`` (e.g. merge more pull requests) right after the next ``job`` finishes ``step``."""
        self.hooks.append((job, step, action))

    def rerun(self, run: Run, job: str) -> None:
        """GitHub's "Re-run jobs": the job again in the same run (same id, commit and event), a new attempt."""
        assert run.jobs[job].status in ("success", "failure", "cancelled"), run.jobs[job].status
        run.jobs[job].status, run.jobs[job].log, run.jobs[job].approved = "queued", [], False
        (self.job_dir(run.jobs[job]) / "summary.md").unlink(missing_ok=True)  # each attempt has its own
        self.advance()

    def before(self, job: str, step: str, action: Callable[[], None]) -> None:
        """Do ``action`` right before the next ``job`` starts ``step``."""
        self.early.append((job, step, action))

    def approve(self, run: Run, job: str) -> None:
        assert run.jobs[job].status == "waiting" and not run.jobs[job].approved, run.jobs[job].status
        run.jobs[job].approved = True
        self.advance()

    def advance(self) -> None:
        """Start every job that can start; returns when nothing more can run without the test."""
        progressed = True
        while progressed:
            progressed = False
            for run in list(self.runs):
                for job in run.jobs.values():
                    if job.status in ("queued", "waiting") and self.try_start(job):
                        progressed = True

    def try_start(self, job: Job) -> bool:
        needs = job.spec.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        if any(job.run.jobs[n].status in ("queued", "waiting", "running") for n in needs):
            return False
        if job.status == "queued":
            ok = all(job.run.jobs[n].status == "success" for n in needs)
            if not ok or not condition(job.spec.get("if"), self.evaluator(job, {}, ok)):
                job.status = "skipped"
                return True
        name = job.spec.get("environment", "")
        environment = self.environments.get(name, Environment())
        branch = job.run.ref.removeprefix("refs/heads/")
        if environment.branches is not None and branch not in environment.branches:
            job.status = "failure"
            job.log.append(REFUSED.format(ref=branch, name=name))
            return True
        if environment.reviewers and not job.approved:
            job.status = "waiting"
            return False
        group = self.group_of(job)
        if group is not None and group.running is not None and group.running is not job:
            if group.pending is not job:
                if group.pending is not None:
                    group.pending.status = "cancelled"
                group.pending, job.status = job, "waiting"
            return False
        if group is not None:
            group.running, group.pending = job, (None if group.pending is job else group.pending)
        job.status = "running"
        self.execute(job)
        if group is not None:
            group.running = None
        return True

    def group_of(self, job: Job) -> Group | None:
        spec = job.spec.get("concurrency")
        if not spec:
            return None
        name = render(spec["group"] if isinstance(spec, dict) else spec, self.evaluator(job, {}, True))
        return self.groups.setdefault(name, Group())

    # --- one job ------------------------------------------------------------------------------------

    def contexts(self, job: Job, steps: dict[str, Any]) -> dict[str, Any]:
        run = job.run
        environment = self.environments.get(job.spec.get("environment", ""), Environment())
        needs = {n: {"outputs": j.outputs, "result": j.status} for n, j in run.jobs.items()}
        return {
            "github": {
                "event_name": run.event_name,
                "event": run.event,
                "sha": run.sha,
                "ref": run.ref,
                "repository": REPOSITORY,
                "token": self.bot_token,
                "run_id": str(run.id),
                "action_path": str(REPO),
            },
            "env": {**run.workflow.get("env", {}), **job.spec.get("env", {})},
            "secrets": dict(environment.secrets),
            "steps": steps,
            "needs": needs,
            "runner": {"temp": str(self.job_dir(job) / "temp"), "os": "Linux"},
        }

    def evaluator(self, job: Job, steps: dict[str, Any], ok: bool, extra: dict[str, Any] | None = None) -> Evaluator:
        statuses = {"success": ok, "failure": not ok, "always": True, "cancelled": False}
        return Evaluator({**self.contexts(job, steps), **(extra or {})}, lambda name: statuses[name])

    def job_dir(self, job: Job) -> Path:
        path = self.tmp / "runs" / f"{job.run.id}-{job.name}"
        (path / "temp").mkdir(parents=True, exist_ok=True)
        return path

    def runner_env(self, job: Job, workspace: Path) -> dict[str, str]:
        run, base = job.run, self.job_dir(job)
        event = base / "event.json"
        event.write_text(json.dumps(run.event))
        return {
            **clean_env(self.home),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_API_URL": f"{self.fake.url}/api",
            "GITHUB_SERVER_URL": self.fake.url,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_RUN_ID": str(run.id),
            "GITHUB_EVENT_NAME": run.event_name,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_SHA": run.sha,
            "GITHUB_REF": run.ref,
            "GITHUB_REF_NAME": run.ref.removeprefix("refs/heads/"),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(base / "summary.md"),
            "RUNNER_TEMP": str(base / "temp"),
            "MAILGUN_BASE_URL": self.mailgun_url,
            **self.extra_env,
        }

    def execute(self, job: Job) -> None:
        workspace = self.job_dir(job) / "workspace"
        workspace.mkdir(exist_ok=True)  # GitHub's runner has the workspace before any checkout
        steps: dict[str, Any] = {}
        ok = True
        for number, step in enumerate(job.spec["steps"]):
            evaluator = self.evaluator(job, steps, ok)
            if not condition(step.get("if"), evaluator):
                continue
            name = step.get("name", step.get("uses", "").split("@")[0])
            for hook in [h for h in self.early if h[:2] == (job.name, name)][:1]:
                self.early.remove(hook)
                hook[2]()
            env = {
                **self.runner_env(job, workspace),
                **{
                    k: render(text(v), evaluator)
                    for k, v in {
                        **job.run.workflow.get("env", {}),
                        **job.spec.get("env", {}),
                        **step.get("env", {}),
                    }.items()
                },
            }
            outcome, outputs = self.step(job, step, env, evaluator, workspace)
            steps[step.get("id", f"step{number}")] = {"outputs": outputs, "outcome": outcome}
            ok = ok and outcome == "success"
            for hook in [h for h in self.hooks if h[:2] == (job.name, name)][:1]:
                self.hooks.remove(hook)
                hook[2]()
        evaluator = self.evaluator(job, steps, ok)
        job.outputs = {k: render(text(v), evaluator) for k, v in job.spec.get("outputs", {}).items()}
        summary = self.job_dir(job) / "summary.md"
        job.summary = summary.read_text() if summary.exists() else ""
        job.status = "success" if ok else "failure"

    def step(
        self, job: Job, step: dict[str, Any], env: dict[str, str], evaluator: Evaluator, workspace: Path
    ) -> tuple[str, dict[str, str]]:
        uses = step.get("uses", "")
        with_ = {k: render(text(v), evaluator) for k, v in step.get("with", {}).items()}
        if uses.startswith("actions/checkout@"):
            return self.checkout(job, with_, workspace), {}
        if uses.startswith(MGSYNC_ACTION):
            return self.composite(job, with_, env, workspace)
        if uses.startswith("actions/download-artifact@"):
            self.fake.download(job.run.id, with_["name"], Path(with_["path"]))
            return "success", {}
        if uses:
            raise AssertionError(f"the harness does not know {uses}")
        return self.bash(job, render(step["run"], evaluator), env, workspace)

    def checkout(self, job: Job, with_: dict[str, str], workspace: Path) -> str:
        assert with_.get("persist-credentials") == "false"
        if not (workspace / ".git").exists():
            git(self.tmp, "clone", "-q", "--no-checkout", str(self.origin), str(workspace))
        # As actions/checkout, every checkout fetches anew: a second one in a job sees what was pushed since.
        git(
            workspace,
            "fetch",
            "-q",
            "origin",
            "+refs/heads/*:refs/remotes/origin/*",
            "+refs/pull/*:refs/remotes/pull/*",
        )
        ref = with_.get("ref") or job.run.sha
        target = f"origin/{ref}" if ref == "main" else ref
        git(workspace, "checkout", "-q", "--detach", target)
        git(workspace, "remote", "set-url", "origin", str(self.origin))
        job.log.append(f"checkout {ref}: {git(workspace, 'rev-parse', 'HEAD')}")
        return "success"

    def shell_env(self, extra: dict[str, str]) -> dict[str, str]:
        """A developer's shell beside the jobs: ``clean_env`` with ``extra``, the action's ``mgsync`` and
        ``python`` (``programs``) first on PATH: the shims, or the real ones (``clean_env`` puts them first)."""
        env = {**clean_env(self.home), **extra}
        return zygote.on_path(env, self.programs) if self.shimmed else env

    def bash(self, job: Job, script: str, env: dict[str, str], cwd: Path) -> tuple[str, dict[str, str]]:
        output = self.job_dir(job) / "output"
        output.write_text("")
        env = {**env, "GITHUB_OUTPUT": str(output)}
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=cwd,
            env=zygote.ready(env) if self.shimmed else env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        job.log.append(result.stdout + result.stderr)
        outputs: dict[str, str] = {}
        for line in output.read_text().splitlines():
            if "=" in line:
                name, value = line.split("=", 1)
                outputs[name] = value
        return ("success" if result.returncode == 0 else "failure"), outputs

    def composite(
        self, job: Job, with_: dict[str, str], env: dict[str, str], workspace: Path
    ) -> tuple[str, dict[str, str]]:
        """action.yml's steps, with its inputs' defaults (expressions included) and the caller's env."""
        outer = self.evaluator(job, {}, True)
        inputs = {name: render(str(spec.get("default", "")), outer) for name, spec in self.action["inputs"].items()}
        inputs.update(with_)
        steps: dict[str, Any] = {}
        ok = True
        for number, step in enumerate(self.action["runs"]["steps"]):
            evaluator = self.evaluator(job, steps, ok, {"inputs": inputs})
            if not condition(step.get("if"), evaluator):
                continue
            if step.get("id") == "install":  # the test's own installation of mgsync
                steps["install"] = {"outputs": {"bin": str(self.programs)}, "outcome": "success"}
                continue
            uses = step.get("uses", "")
            if uses.startswith("actions/setup-python@"):
                continue
            params = {k: render(text(v), evaluator) for k, v in step.get("with", {}).items()}
            if uses.startswith("actions/upload-artifact@"):
                self.fake.upload(job.run.id, params["name"], Path(params["path"]))
                steps[step.get("id", f"s{number}")] = {"outputs": {}, "outcome": "success"}
                continue
            step_env = {
                **env,
                "GITHUB_ACTION_PATH": str(REPO),
                **{k: render(text(v), evaluator) for k, v in step.get("env", {}).items()},
            }
            cwd = workspace / render(step.get("working-directory", "."), evaluator)
            outcome, outputs = self.bash(job, render(step["run"], evaluator), step_env, cwd)
            steps[step.get("id", f"s{number}")] = {"outputs": outputs, "outcome": outcome}
            ok = ok and outcome == "success"
        evaluator = self.evaluator(job, steps, ok, {"inputs": inputs})
        outputs = {k: render(text(v["value"]), evaluator) for k, v in self.action.get("outputs", {}).items()}
        return ("success" if ok else "failure"), outputs
