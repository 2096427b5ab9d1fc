"""The README's test command (``pytest`` in the repository) never touches the user's emulator account,
the ``.mgsync-emulator.json`` that the quick start leaves in the current directory (issue 18, item 8).

Running the whole suite from inside the suite would be circular, so this holds in two parts:

1. Statically, every way a test starts the emulator names where its account lives: each
   ``emulator serve`` command written in ``tests/`` says ``--memory`` or ``--state``, and each
   ``--emulator`` command says ``--emulator-state`` (the README's own commands run in a temporary
   copy, ``tests/test_readme.py``).
2. Dynamically, the entry points that start ``emulator serve`` in a process of its own run from a
   directory holding a ``.mgsync-emulator.json``: the account-L benchmark's ``served_emulator``
   directly (a real account there: the served account never shows it), and the test modules that
   part 1 finds starting one, in a pytest of their own (a file no emulator can load: a test that
   served the default account would fail). The file is byte for byte as it was afterwards.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.domains import SANDBOX
from tests.benchmarks.bench_account_l import served_emulator

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DEFAULT_STATE = ".mgsync-emulator.json"
SENTINEL_DOMAIN = "sentinel.example.com"
SERVE, EMBEDDED = ("emulator", "serve"), "--emulator"
SERVE_CHOICES, EMBEDDED_CHOICE = ("--memory", "--state"), "--emulator-state"
# Started here, or shown by ``--help`` only: no account is loaded.
NO_ACCOUNT = ("--help",)


SHELL_SERVE = re.compile(r"\bmgsync emulator serve\b")


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _in_a_temporary_directory(node: ast.AST) -> bool:
    """A call run with ``cwd=tmp...``: the default state file it may use is the test's own."""
    cwd = next((k.value for k in node.keywords if k.arg == "cwd"), None) if isinstance(node, ast.Call) else None
    return cwd is not None and any(isinstance(n, ast.Name) and n.id.startswith("tmp") for n in ast.walk(cwd))


def _commands(tree: ast.AST) -> Iterator[tuple[int, list[str], list[str], bool]]:
    """Every written command: (line, its own words in order, every string within it, run in a temporary directory)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)):
            parts: list[ast.expr] = list(node.elts)
        elif isinstance(node, ast.Call):
            parts = list(node.args)
        else:
            continue
        words = [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
        if words:
            yield node.lineno, words, _strings(node), _in_a_temporary_directory(node)


def _starts_serve(words: list[str]) -> bool:
    return any(tuple(words[i : i + 2]) == SERVE for i in range(len(words) - 1))


def _shell_lines(tree: ast.AST) -> Iterator[ast.Constant]:
    """String constants that are not docstrings (a docstring may name a command it does not run)."""
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def emulator_starts(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, what starts, whether it names its account's place) for each emulator start in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for line, words, strings, in_tmp in _commands(tree):
        if any(word in NO_ACCOUNT for word in strings):
            continue
        if _starts_serve(words):
            yield line, "emulator serve", in_tmp or any(choice in strings for choice in SERVE_CHOICES)
        if EMBEDDED in words:
            yield line, EMBEDDED, in_tmp or EMBEDDED_CHOICE in strings
    for node in _shell_lines(tree):
        if SHELL_SERVE.search(node.value):
            yield node.lineno, "emulator serve (shell)", any(choice in node.value for choice in SERVE_CHOICES)


def suite_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if p != Path(__file__).resolve())


def test_every_emulator_start_in_tests_names_where_its_account_lives() -> None:
    found = [
        (path.relative_to(REPO), line, what, named)
        for path in suite_files()
        for line, what, named in emulator_starts(path)
    ]
    assert len([f for f in found if f[2].startswith("emulator serve")]) >= 3  # the scan sees them
    assert len([f for f in found if f[2] == EMBEDDED]) >= 5
    assert [f"{path}:{line}: {what}" for path, line, what, named in found if not named] == []


def test_the_scan_catches_a_start_without_a_place(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'cmd = [sys.executable, "-m", "mgsync", "emulator", "serve", "--port", "0"]\n'
        'ok = [sys.executable, "-m", "mgsync", "emulator", "serve", *(a if "--state" in a else ("--memory", *a))]\n'
        'run("plan", "--emulator", "examples/quickstart")\n'
        'run("plan", "--emulator", "--emulator-state", str(tmp), "examples/quickstart")\n'
        'bash("mgsync emulator serve --port 8025 &")\n'
        'run("emulator", "serve", "--help")\n'
        'run("emulator", "serve", "--port", "0", cwd=tmp_path)\n'
        'run("emulator", "serve", "--port", "0", cwd=REPO)\n'
        'def f():\n    """Starts ``mgsync emulator serve`` (a docstring runs nothing)."""\n',
        encoding="utf-8",
    )
    assert sorted(emulator_starts(sample)) == [
        (1, "emulator serve", False),
        (2, "emulator serve", True),
        (3, EMBEDDED, False),
        (4, EMBEDDED, True),
        (5, "emulator serve (shell)", False),
        (7, "emulator serve", True),
        (8, "emulator serve", False),
    ]


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[tuple[Path, bytes]]:
    """A directory holding a real emulator account in ``.mgsync-emulator.json``: (directory, its bytes)."""
    home = tmp_path / "user"
    home.mkdir()
    emu = Emulator(api_key="user-key")
    emu.store.add_domain(SENTINEL_DOMAIN)
    emu.save(home / DEFAULT_STATE)
    return home, (home / DEFAULT_STATE).read_bytes()


def test_the_benchmark_emulator_leaves_the_user_account_alone(
    sentinel: tuple[Path, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, before = sentinel
    monkeypatch.chdir(home)
    workdir = tmp_path / "bench"
    workdir.mkdir()
    with (
        served_emulator(0.0, "bench-key", workdir) as (_, url),
        httpx.Client(base_url=url, auth=("api", "bench-key"), timeout=10) as client,
    ):
        assert client.post("/v4/domains", data={"name": "bench.example.com"}).status_code == 200
        names = [item["name"] for item in client.get("/v4/domains").json()["items"]]
    # a new account: its sandbox domain (emulator.domains.SANDBOX) and what the benchmark made, never the user's
    assert sorted(names) == sorted([SANDBOX, "bench.example.com"]) and SENTINEL_DOMAIN not in names
    assert (home / DEFAULT_STATE).read_bytes() == before
    assert sorted(p.name for p in home.iterdir()) == [DEFAULT_STATE]


def serving_modules() -> list[Path]:
    """The test modules that start ``emulator serve`` in a process of their own (the benchmark's
    smoke test is covered above by its entry point: its full run takes half a minute)."""
    modules = {
        path
        for path in suite_files()
        if path.name.startswith("test_")
        for _, what, _ in emulator_starts(path)
        if what.startswith("emulator serve")
    }
    return sorted(modules)


@pytest.mark.long
def test_the_modules_that_serve_leave_the_user_account_alone(tmp_path: Path) -> None:
    """Here the file is one no emulator can load (JSON, but no account): a test that serves the
    default account fails to start its emulator, and one that writes there changes the bytes."""
    home = tmp_path / "user"
    home.mkdir()
    before = b'{"sentinel": "the user\'s account: no test may load or write it"}\n'
    (home / DEFAULT_STATE).write_bytes(before)
    modules = serving_modules()
    assert TESTS / "emulator" / "test_emulator_server.py" in modules
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MATON_", "PYTEST_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-o",
            "addopts=",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",  # and plain asserts: these tests' messages are the main suite's to show
            "--assert=plain",
            "--rootdir",
            str(REPO),
            "-k",
            "serve or disconnect",
            *map(str, modules),
        ],
        cwd=home,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"^\d+ passed, (\d+ skipped, )?\d+ deselected in ", result.stdout, flags=re.M), result.stdout
    assert (home / DEFAULT_STATE).read_bytes() == before
