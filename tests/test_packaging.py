"""The sdist holds everything needed to build and test mgsync on a fresh machine."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TREES = ("mgsync", "tests", "examples", "schemas", "action", "docs", ".ci")
FILES = {
    "LICENSE",
    "CHANGELOG.md",
    "README.md",
    "pyproject.toml",
    "MANIFEST.in",
    "action.yml",
    ".pre-commit-hooks.yaml",
}
LEFT_OUT = {
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    "mgsync.lock",
    "mgsync.lock.lck",
    ".mgsync-emulator.json",
    "plan.json",
}  # caches and what running the examples writes (MANIFEST.in, .gitignore)


def on_disk() -> set[str]:
    """What the sdist must hold: in a git checkout every tracked file (so a new top-level folder
    cannot be forgotten in MANIFEST.in), else (an unpacked sdist) the known trees and files."""
    if (REPO / ".git").exists():
        tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
        return set(tracked.stdout.splitlines()) - {".gitignore"}
    files = set(FILES)
    for tree in TREES:
        for path in (REPO / tree).rglob("*"):
            parts = path.relative_to(REPO).parts
            if path.is_file() and not LEFT_OUT & set(parts) and path.suffix != ".pyc":
                files.add("/".join(parts))
    return files


def test_sdist_contains_the_examples_schemas_tests_action_and_licence(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (sdist,) = tmp_path.glob("mgsync-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        pkg_info = tar.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/PKG-INFO").read().decode()
    missing = on_disk() - names
    assert not missing, sorted(missing)
    assert "License-Expression: MIT" in pkg_info.splitlines()
