"""The pre-commit hook (issue 19, item 7): it validates the manifest directory whole whenever anything
under it changes, CSV included, and the README shows the configuration that does so.

pre-commit itself is not a dependency: ``triggered`` is its documented selection for a hook with
``files`` and no ``types`` (a staged file, deletions excluded, whose path the ``files`` regex
matches: pre-commit's ``git diff --staged --name-only --diff-filter=ACMRTUXB``), and the hook's
command then runs as pre-commit runs it: ``entry`` + ``args``, no file names, from the repository root.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.support.cli import mgsync_command, native

REPO = Path(__file__).resolve().parents[1]
HOOKS = REPO / ".pre-commit-hooks.yaml"
README = (REPO / "README.md").read_text(encoding="utf-8")


def hook() -> dict:
    (only,) = YAML(typ="safe", pure=True).load(HOOKS.read_text(encoding="utf-8"))
    return only


def readme_config() -> dict:
    section = README.split("### pre-commit\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    (repo,) = YAML(typ="safe", pure=True).load(block)
    (config,) = repo["hooks"]
    return config


def test_the_hook_validates_a_directory_whatever_changed_under_it() -> None:
    defined = hook()
    assert defined["id"] == "mgsync-validate" and defined["entry"] == "mgsync validate"
    assert defined["language"] == "python"
    assert defined["pass_filenames"] is False  # the directory whole, never file by file
    assert "types" not in defined and "types_or" not in defined  # CSV and template files count too
    assert "args" not in defined and "files" not in defined  # the user's: documented, no default guess


def test_the_readme_and_the_hooks_comment_show_the_same_configuration() -> None:
    config = readme_config()
    assert config == {"id": "mgsync-validate", "args": ["mailgun"], "files": "^mailgun/"}
    comment = [
        line.removeprefix("#").rstrip()
        for line in HOOKS.read_text(encoding="utf-8").splitlines()
        if line.startswith(("#   ", "#     "))
    ]
    assert any(line.strip() == "- id: mgsync-validate" for line in comment)
    assert any(re.fullmatch(r"\s+args: \[mailgun\]\s+#.*", line) for line in comment)
    assert any(re.fullmatch(r"\s+files: \^mailgun/\s+#.*", line) for line in comment)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def staged(cwd: Path) -> list[str]:
    return git(cwd, "diff", "--staged", "--name-only", "--diff-filter=ACMRTUXB").splitlines()


def triggered(config: dict, cwd: Path) -> bool:
    return any(re.search(config["files"], path) for path in staged(cwd))


def run_hook(config: dict, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [*mgsync_command(), *shlex.split(hook()["entry"])[1:], *config["args"]]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A team's repository: manifests under mailgun/ (one with its members in a CSV file), committed."""
    (tmp_path / "mailgun" / "lists").mkdir(parents=True)
    (tmp_path / "mailgun" / "lists.yaml").write_text(
        "version: 1\nmailing_lists:\n  news@mg.example.com:\n    members: {file: lists/news.csv}\n", encoding="utf-8"
    )
    csv = tmp_path / "mailgun" / "lists" / "news.csv"
    csv.write_text("address,name\nalice@example.com,Alice\n", encoding="utf-8")
    (tmp_path / "mailgun" / "routes.yaml").write_text(
        "version: 1\nroutes:\n  inbound:\n    expression: catch_all()\n    actions: [stop()]\n", encoding="utf-8"
    )
    (tmp_path / "docs.yml").write_text("not: [a manifest\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "manifests")
    return tmp_path


def test_a_csv_only_change_runs_the_hook_and_fails_on_its_bad_row(repository: Path) -> None:
    config = readme_config()
    csv = repository / "mailgun" / "lists" / "news.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "not-an-address,Bob\n", encoding="utf-8")
    git(repository, "add", ".")
    assert staged(repository) == ["mailgun/lists/news.csv"] and triggered(config, repository)
    result = run_hook(config, repository)
    assert (result.returncode, result.stderr) == (
        1,
        f'{native("mailgun/lists/news.csv")}:3:1: address: "not-an-address" is not a valid email address\n1 error found.\n',
    )


def test_a_duplicate_across_files_fails_though_each_file_alone_validates(repository: Path) -> None:
    config = readme_config()
    routes = repository / "mailgun" / "routes.yaml"
    (repository / "mailgun" / "more-routes.yaml").write_text(routes.read_text(encoding="utf-8"), encoding="utf-8")
    git(repository, "add", ".")
    assert triggered(config, repository)
    alone = subprocess.run(
        [*mgsync_command(), "validate", "mailgun/more-routes.yaml"],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert alone.returncode == 0  # what a file-by-file hook saw
    result = run_hook(config, repository)
    assert (result.returncode, result.stderr) == (
        1,
        f"{native('mailgun/routes.yaml')}:3:3: route:inbound: defined twice (also at {native('mailgun/more-routes.yaml')}:3:3)\n"
        "1 error found.\n",
    )


def test_a_change_outside_the_directory_does_not_run_it_and_a_valid_one_passes(repository: Path) -> None:
    config = readme_config()
    (repository / "docs.yml").write_text("still: [not a manifest\n", encoding="utf-8")
    git(repository, "add", ".")
    assert not triggered(config, repository)
    (repository / "mailgun" / "lists" / "news.csv").write_text("address,name\nbob@example.com,Bob\n", encoding="utf-8")
    git(repository, "add", ".")
    assert triggered(config, repository)
    result = run_hook(config, repository)
    assert (result.returncode, result.stdout) == (0, "OK: 3 resources in 2 files (1 route, 1 mailing list)\n")
