"""The action installs from a lock (issue 19, item 6): ``action/requirements.lock`` pins every package
to one version with its hashes, satisfies pyproject's ranges, and action.yml installs from it with
``--require-hashes`` for every command, then mgsync itself without dependencies.

That the lock installs is checked by hand, not here (it needs the package index): see the lock's
header for the command that made it.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "action" / "requirements.lock"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
COMPILE = (
    "printf 'setuptools>=77\\n' | uv pip compile pyproject.toml - --universal --python-version 3.11 "
    "--generate-hashes --no-annotate -o action/requirements.lock"
)


def lock_entries() -> list[tuple[Requirement, list[str]]]:
    """(requirement, hash options) per entry; an entry is one line with its ``\\`` continuations."""
    text = re.sub(r"\\\n\s*", " ", LOCK.read_text(encoding="utf-8"))
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement, _, options = line.partition(" --hash=")
        entries.append((Requirement(requirement.strip()), ("--hash=" + options).split() if options else []))
    return entries


def locked() -> dict[str, Version]:
    pins = {}
    for requirement, _ in lock_entries():
        (spec,) = requirement.specifier
        assert spec.operator == "==", requirement
        pins[canonicalize_name(requirement.name)] = Version(spec.version)
    return pins


def test_every_entry_is_one_exact_version_with_hashes() -> None:
    entries = lock_entries()
    assert len(entries) >= 10
    for requirement, hashes in entries:
        assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", requirement
        assert hashes and all(HASH.fullmatch(h) for h in hashes), requirement
    names = [canonicalize_name(r.name) for r, _ in entries]
    assert len(names) == len(set(names))


def test_the_lock_satisfies_pyprojects_ranges() -> None:
    pins = locked()
    needed = [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]
    needed += [Requirement(text) for text in PYPROJECT["build-system"]["requires"]]  # mgsync builds with the lock's
    for requirement in needed:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {LOCK.name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} vs {requirement}"


def test_the_lock_names_the_command_that_made_it() -> None:
    assert f"#    {COMPILE}\n" in LOCK.read_text(encoding="utf-8")


def install_script() -> str:
    action = YAML(typ="safe", pure=True).load((REPO / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "install"]
    return step["run"]


def pip_installs(script: str) -> list[list[str]]:
    lines = [shlex.split(line, comments=True) for line in script.splitlines()]
    return [words for words in lines if words[1:4] == ["-m", "pip", "install"]]


def test_the_action_installs_from_the_lock_with_hashes_then_mgsync_alone() -> None:
    first, second = pip_installs(install_script())  # every command (plan, apply, validate) runs this one step
    assert {"--require-hashes", "--only-binary=:all:"} <= set(first)
    assert first[-2:] == ["-r", "$GITHUB_ACTION_PATH/action/requirements.lock"]
    assert {"--no-deps", "--no-build-isolation"} <= set(second)
    assert second[-1] == "$GITHUB_ACTION_PATH"


def test_the_action_installs_outside_the_checkout() -> None:
    """``python -m venv`` and ``-m pip`` import from the working directory first: in the workspace, a
    pull request's ``venv/`` or ``pip/`` would run. The step starts in ``$RUNNER_TEMP`` and stays there."""
    commands = [
        line.strip() for line in install_script().splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    assert commands[0] == 'cd "$RUNNER_TEMP"'
    assert [c for c in commands if c.startswith("cd ")] == [commands[0]]
