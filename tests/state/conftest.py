"""A bare remote and two clones of it (real git, no mocks), isolated from the user's git config."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from mgsync.lockdoc import render_document
from tests.support.cli import run

LOCK = "mailgun/mgsync.lock"


@dataclass(frozen=True)
class Clone:
    root: Path

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def mgsync(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run(*args, cwd=self.root, env=env)

    @property
    def lock(self) -> Path:
        return self.root / LOCK

    def write_lock(
        self, resources: dict[str, object], collections: dict[str, object] | None = None, **top: object
    ) -> None:
        self.lock.parent.mkdir(parents=True, exist_ok=True)
        document = {"format_version": 1, "resources": resources, "collections": collections or {}, **top}
        self.lock.write_text(render_document(document), encoding="utf-8")

    def read_lock(self) -> dict[str, object]:
        return json.loads(self.lock.read_text(encoding="utf-8"))

    def commit(self, message: str) -> str:
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git config: no identity either, as on a CI runner."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for name in (
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    seed = tmp_path / "seed"
    subprocess.run(["git", "clone", "--quiet", str(bare), str(seed)], check=True, capture_output=True)
    git(
        seed,
        "-c",
        "user.name=seed",
        "-c",
        "user.email=seed@example.com",
        "commit",
        "--quiet",
        "--allow-empty",
        "-m",
        "main",
    )
    git(seed, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    return bare


def clone(remote: Path, where: Path) -> Clone:
    subprocess.run(["git", "clone", "--quiet", str(remote), str(where)], check=True, capture_output=True)
    copy = Clone(where)
    copy.git("config", "user.name", where.name)  # for the tests' own commits on main
    copy.git("config", "user.email", f"{where.name}@example.com")
    return copy


@pytest.fixture
def a(remote: Path, tmp_path: Path) -> Clone:
    return clone(remote, tmp_path / "a")


@pytest.fixture
def b(remote: Path, tmp_path: Path) -> Clone:
    return clone(remote, tmp_path / "b")
