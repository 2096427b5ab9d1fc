"""libyaml's events (``yamlevents``) are those ruamel.yaml's own parser makes, or it declines.

For every text: ``events`` gives the events ruamel.yaml's spec parser gives (kinds, values, styles,
anchors, implicit flags, flow styles and both positions), or None, and then the text goes ruamel.yaml's
way as it always did. Where ruamel.yaml refuses a text, ``events`` gives None, so the refusal and its
words stay ruamel.yaml's. (A character YAML refuses is refused by ruamel.yaml's reader on either
way, before any event is used: ``yamlfile`` keeps the reader.) The texts: every YAML file of the
project, a generated account, and generated, mutated and random texts.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import DocumentStartEvent, NodeEvent, ScalarEvent
from ruamel.yaml.parser import Parser
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import Scanner

from mgsync.manifest import yamlevents, yamlfile
from tests.benchmarks import account_l
from tests.manifest.test_fuzz import FUZZ, VALUES, WORDS, mutate_text
from tests.support.manifests import REPO

FOLDERS = ("examples", "tests", ".github", "action")
PROJECT_YAML = [
    *sorted(path for folder in FOLDERS for pattern in ("*.yaml", "*.yml") for path in (REPO / folder).rglob(pattern)),
    REPO / "action.yml",
    REPO / ".pre-commit-hooks.yaml",
]
# the characters that steer YAML's scanner, and some that do not
YAML_CHARS = st.sampled_from([*":-?[]{},#&*!|>'\"%@`~ \t\n\\.0aé😀", "\r\n", "---", "...", "- ", ": "])


def pure(text: str) -> list[Any]:
    """ruamel.yaml's events of the text, by its spec scanner and parser, as ``yamlfile`` used them."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Scanner, yaml.Parser = Scanner, Parser
    return list(yaml.parse(text))


def shape(event: Any) -> tuple[Any, ...]:
    """What a load takes from an event: its kind, its fields, and where a node or document starts
    (a node's ``.lc``, a message's place). Not where anything ends (no mgsync code reads an end mark,
    and at the end of a text with no line break libyaml puts ends one line further), nor where an
    empty value is (``empty``)."""
    start = event.start_mark
    fields = ("anchor", "ctag", "implicit", "value", "style", "flow_style", "explicit", "version", "tags")
    placed = isinstance(event, (NodeEvent, DocumentStartEvent)) and not empty(event)
    return (
        type(event).__name__,
        *(getattr(event, name, None) for name in fields),
        placed and (start.line, start.column),
    )


def empty(event: Any) -> bool:
    """A value left out (``key:``, ``- `` and nothing): libyaml places it right after what precedes
    it, ruamel.yaml's parser often at the start of what follows (the next line's key)."""
    return isinstance(event, ScalarEvent) and event.value == "" and event.style is None


def positions(made: list[Any]) -> list[tuple[int, int]]:
    return [(e.start_mark.line, e.start_mark.column) for e in made if isinstance(e, (NodeEvent, DocumentStartEvent))]


def same_or_declined(text: str) -> None:
    made = yamlevents.events(text)
    try:
        expected = pure(text)
    except ReaderError:
        return  # refused by the reader, which yamlfile runs either way
    except (YAMLError, RecursionError):
        assert made is None, "libyaml read a text ruamel.yaml refuses"
        return
    if made is not None:
        assert list(map(shape, made)) == list(map(shape, expected))
        assert positions(made) == sorted(positions(made))  # an empty value's among the others, in order


def test_libyaml_is_there() -> None:
    """The wheels of the declared PyYAML have the C extension on Linux, macOS and Windows: without
    it every test below would pass by declining."""
    assert yamlevents.CParser is not None


@pytest.mark.parametrize("path", PROJECT_YAML, ids=lambda p: str(p.relative_to(REPO)))
def test_every_yaml_file_of_the_project(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    same_or_declined(text)
    if path.suffix == ".yaml" and "bad" not in path.parts:  # the manifests (workflows are .yml)
        assert yamlevents.events(text) is not None  # libyaml reads them


def test_a_generated_account_is_read_by_libyaml(tmp_path: Path) -> None:
    """The files of an account as import writes them (the benchmark's account, small)."""
    account_l.write_account(tmp_path, account_l.Shape().scaled(0.01), template_version=1)
    files = sorted(tmp_path.rglob("*.yaml"))
    assert len(files) > 3
    for file in files:
        text = file.read_text(encoding="utf-8")
        made = yamlevents.events(text)
        assert made is not None
        assert list(map(shape, made)) == list(map(shape, pure(text)))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a: !!str 1\n", "a tag"),
        ("a: !local x\n", "a local tag"),
        ("!!map {a: 1}\n", "a tag on a mapping"),
        ("%YAML 1.1\n---\na: yes\n", "a YAML directive: the version changes what yes means"),
        ("%TAG !e! tag:example.com,2000:\n---\na: 1\n", "a TAG directive"),
        ("a: one\x85two\n", "NEL: a line break in YAML 1.1, content in 1.2"),
        ("a: one\u2028two\n", "LINE SEPARATOR"),
        ("a: [1, 2\n", "what libyaml refuses"),
        ("a: one\ttwo\n", "a tab: libyaml takes it where ruamel.yaml refuses it"),
        ("a: b\n\ufeffc: d\n", "a byte order mark"),
        ("a: &x 1\nb: *x\n", "an anchor and an alias: YAML 1.1 and 1.2 differ in what their names may hold"),
        ("<<: *base\n", "a merge from an alias"),
        ("|\n#x\n", "a document that is one scalar: YAML 1.1 and 1.2 read this block differently"),
        ("a: >#c\n  x\n", "a comment right after a block scalar's header, which ruamel.yaml refuses"),
        ('["a":1]\n', "a value right after a quoted key, which ruamel.yaml refuses"),
        ("a: |\n  \n    x\n", "a block scalar whose first line is spaces, which ruamel.yaml refuses"),
    ],
)
def test_what_goes_ruamel_yamls_way(text: str, why: str) -> None:
    assert yamlevents.events(text) is None, why


@pytest.mark.parametrize(
    "text",
    [
        "# Routes are named by description; others are named <description>#<id>.\nroutes: {}\n",  # import's
        "t:\n  template: |\n    <p>\n\n    </p>\n  headers: {Subject: 'Hi > there'}\n",
        "domains:\r\n  mg.example.com: {spam_action: tag}\r\n",  # a file saved on Windows
        'webhooks: {"delivered": ["https://hooks.example.com/mg"]}\n',
        "a: 'it''s'\nb: \"\\u00e9\\n\"\nc: >-\n  folded\n  text\n",
    ],
)
def test_what_libyaml_reads(text: str) -> None:
    made = yamlevents.events(text)
    assert made is not None
    assert list(map(shape, made)) == list(map(shape, pure(text)))


def test_a_directive_keeps_its_meaning_through_the_load(tmp_path: Path) -> None:
    """YAML 1.1 (declared) reads ``yes`` as true, 1.2 (the default) as a string: both as before."""
    file = tmp_path / "m.yaml"
    file.write_text("%YAML 1.1\n---\na: yes\n")
    parsed, _ = yamlfile.parse(file)
    assert parsed is not None and parsed.root["a"] is True
    file.write_text("a: yes\n")
    parsed, _ = yamlfile.parse(file)
    assert parsed is not None and parsed.root["a"] == "yes"


def test_positions_count_characters_as_ruamel_yaml_does(tmp_path: Path) -> None:
    file = tmp_path / "m.yaml"
    file.write_text("é€😀: {ä: 1, b: 'x'}\nroutes:\n  r: {priority: -1}\n  r: {}\n", encoding="utf-8")
    parsed, problems = yamlfile.parse(file)
    assert parsed is not None and parsed.root["é€😀"].lc.data["b"] == [0, 12, 0, 15]
    assert parsed.root["routes"]["r"].lc.line == 2 and parsed.root["routes"]["r"].lc.col == 5
    assert [(p.line, p.col, p.message) for p in problems] == [(4, 3, f'duplicate key "r" (also at {file}:3:3)')]


@settings(FUZZ, max_examples=200)
@given(value=VALUES, flow=st.sampled_from([None, True, False]), width=st.sampled_from([20, 80, 4096]))
def test_dumped_values(value: Any, flow: bool | None, width: int) -> None:
    yaml = YAML()
    yaml.default_flow_style, yaml.width = flow, width
    out = io.StringIO()
    yaml.dump({"k": value, "list": [value, {"x": value}]}, out)
    same_or_declined(out.getvalue())


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_mutated_project_files(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(PROJECT_YAML))
    text = path.read_bytes().decode("utf-8", errors="replace")
    for _ in range(data.draw(st.integers(1, 3))):
        text = mutate_text(text, data)
    same_or_declined(text)


@settings(FUZZ, max_examples=400)
@given(parts=st.lists(YAML_CHARS | WORDS, max_size=40))
def test_random_yaml_like_text(parts: list[str]) -> None:
    same_or_declined("".join(parts))


@settings(FUZZ, max_examples=200)
@given(text=st.text(max_size=120))
def test_random_text(text: str) -> None:
    same_or_declined(text)


def test_without_libyaml_the_load_is_ruamel_yamls(tmp_path: Path) -> None:
    """PyYAML without its C extension (a platform with no wheel): a load as before, and the same
    problem where there is one. Run in a process where ``yaml._yaml`` cannot be imported."""
    (tmp_path / "m.yaml").write_text(
        "routes:\n  r:\n    priority: 1\n    expression: catch_all()\n    actions: [stop()]\n"
    )
    (tmp_path / "bad.yaml").write_text("routes: [1, 2\n")
    script = (
        "import sys; sys.modules['yaml._yaml'] = None\n"
        "from pathlib import Path\n"
        "from mgsync.manifest import yamlevents, yamlfile\n"
        "assert yamlevents.CParser is None and yamlevents.events('a: 1') is None\n"
        "from mgsync import about\n"
        "assert about.environment()['libyaml'] is None  # mgsync version says so\n"
        "parsed, problems = yamlfile.parse(Path(sys.argv[1]))\n"
        "print(parsed.root['routes']['r']['priority'], problems)\n"
        "print(yamlfile.parse(Path(sys.argv[2]))[1][0].message)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "m.yaml"), str(tmp_path / "bad.yaml")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    _, with_libyaml = yamlfile.parse(tmp_path / "bad.yaml")
    assert done.stdout.splitlines() == ["1 []", with_libyaml[0].message]


def test_a_value_left_out_is_placed_on_its_keys_line(tmp_path: Path) -> None:
    """libyaml places ``spam_action:`` (no value) just after the colon; ruamel.yaml's parser placed
    it at the next line's key, and so did a problem with it."""
    file = tmp_path / "m.yaml"
    file.write_text("domains:\n  mg.example.com:\n    spam_action:\n    web_scheme: https\n")
    parsed, _ = yamlfile.parse(file)
    assert parsed is not None
    assert parsed.root["domains"]["mg.example.com"].lc.data["spam_action"] == [2, 4, 2, 16]


def test_scalars_mean_what_they_meant(tmp_path: Path) -> None:
    """Read through libyaml (with the resolver fixed at YAML 1.2) and through ruamel.yaml's own
    scanner (a tab in a comment sends a text that way), every kind of scalar loads alike."""
    body = (
        "a: [yes, no, on, off, true, False, ~, null, '', 1, -0, 0o17, 0x1F, 017, 1.5, 1e3, .inf, -.Inf, .nan]\n"
        "b: [2001-12-14, '2001-12-14', 1_000, +1, 12:30:00, '550', \"\\u00e9\\n\", x y, 'q''s']\n"
        "c:\n  <<: {m: 2}\n  k: |\n    lit\n  d: >-\n    folded\n    text\n  ? [complex, key]\n  : 1\n"
    )
    fast, slow = tmp_path / "fast.yaml", tmp_path / "slow.yaml"
    fast.write_text(body)
    slow.write_text(body + "#\ta tab\n")
    assert yamlevents.events(body) is not None and yamlevents.events(body + "#\ta tab\n") is None
    (one, _), (other, _) = yamlfile.parse(fast), yamlfile.parse(slow)
    assert one is not None and other is not None
    assert repr(one.root) == repr(other.root)
    assert [type(v) for v in one.root["a"]] == [type(v) for v in other.root["a"]]
