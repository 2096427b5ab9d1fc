"""Property: whatever YAML it is given, ``load`` returns a ``Desired`` or raises ``ManifestError``.

Inputs are random text, and the example manifests mutated (keys dropped, renamed or retyped,
values replaced, lines deleted, duplicated or garbled). Every run is derandomized for CI.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from mgsync.errors import ManifestError
from mgsync.manifest import Desired, load
from tests.support.manifests import EXAMPLES, PRODUCTION_ENV

FUZZ = settings(max_examples=100, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from([
    "${env:MG_SMTP_APP}", "${env:NOPE}", "${env:", "htmlonly", "yes", "tag", "members", "webhooks",
    'match_recipient("a@b.com")', "match_recipient(", "stop()", 'forward("x")', "a@b.com", "https://x.example.com",
    "file", "lists/newsletter.csv", "templates/welcome.html.hbs", "", "~", "&a", "*a", "<<", "!!binary", "\t", "{", "[",
])  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False), WORDS, st.text(max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WORDS | st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the examples, so mutants resolve their template and CSV files like the originals."""
    target = tmp_path_factory.mktemp("fuzz") / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


SOURCES = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.yaml"))


def check(workdir: Path, text: str, name: str = "quickstart/mutant.yaml") -> None:
    path = workdir / name
    path.write_text(text, encoding="utf-8")
    try:
        result = load([path], PRODUCTION_ENV)
    except ManifestError as err:
        assert err.problems
        message = str(err)
        assert not any(secret in message for secret in PRODUCTION_ENV.values())
    else:
        assert isinstance(result, Desired)


def _containers(node: Any) -> list[Any]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (dict, list)) and current:
            found.append(current)
            stack.extend(current.values() if isinstance(current, dict) else current)
    return found


def mutate(tree: Any, data: st.DataObject) -> None:
    container = data.draw(st.sampled_from(_containers(tree)))
    keys = list(container) if isinstance(container, dict) else list(range(len(container)))
    key = data.draw(st.sampled_from(keys))
    match data.draw(st.sampled_from(["drop", "rename", "replace", "copy"])):
        case "drop":
            del container[key]
        case "rename" if isinstance(container, dict):
            container[data.draw(WORDS | st.text(min_size=1, max_size=8))] = container.pop(key)
        case "copy" if isinstance(container, dict):
            container[f"{key}x"] = container[key]
        case _:
            container[key] = data.draw(VALUES)


def mutate_text(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    at = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    match data.draw(st.sampled_from(["delete", "duplicate", "garble", "keep"])):
        case "delete":
            del lines[at : at + 1]
        case "duplicate":
            lines[at:at] = lines[at : at + 1]
        case "garble":
            line = lines[at] if lines else ""
            cut = data.draw(st.integers(0, len(line)))
            lines[at : at + 1] = [line[:cut] + data.draw(WORDS | st.text(max_size=5)) + line[cut:]]
    return "\n".join(lines) + "\n"


@FUZZ
@given(data=st.data())
def test_mutated_examples_load_or_fail_cleanly(workdir: Path, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(SOURCES))
    yaml = YAML()
    tree = yaml.load((EXAMPLES / source).read_text())
    for _ in range(data.draw(st.integers(1, 4))):
        if _containers(tree):
            mutate(tree, data)
    out = io.StringIO()
    yaml.dump(tree, out)
    check(workdir, mutate_text(out.getvalue(), data), str(Path(source).parent / "mutant.yaml"))


@FUZZ
@given(text=st.text(max_size=200))
def test_random_text_loads_or_fails_cleanly(workdir: Path, text: str) -> None:
    check(workdir, text)


@settings(FUZZ, max_examples=40)
@given(lines=st.lists(st.tuples(st.integers(0, 3), WORDS, VALUES), max_size=8))
def test_random_yaml_mappings_load_or_fail_cleanly(workdir: Path, lines: list[tuple[int, str, Any]]) -> None:
    text = "".join(f"{'  ' * depth}{key or 'k'}: {value!r}\n" for depth, key, value in lines)
    check(workdir, text)
