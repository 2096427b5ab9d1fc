"""The YAML text import writes directly (``shapes.yamltext``) is byte for byte what ruamel.yaml's
round-trip dumper writes with import's settings; where the writer is not sure, it says so (``Unsure``)
and the dumper writes the file."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mgsync.importer.documents import _root
from mgsync.shapes.output import Output, _dumper, block_seq, flow_map, flow_seq
from mgsync.shapes.yamltext import Unsure, Writer

# what makes YAML quote, escape or refuse: indicators, comment and mapping marks, reserved words,
# numbers, line breaks, controls, non-ASCII, a byte order mark, Unicode line separators
ATOM_TEXTS = (
    [
        "a", "Z", "0", "1.5", "0x1F", "1e3", " ", ":", ": ", " #", "#", "-", "- ", "?", ",", "[", "]", "{", "}",
        "'", '"', "\\", "\n", "\t", "\r", "\x07", "\x01", "\x7f", "\ufffe", "😀", "é", "☃", "\u2028", "\x85", "\ufeff", "true", "no", "null",
        "~", "*", "&", "!", "|", ">", "%", "@", "`", "=", "2024-01-02", "<p>", "${env:X}",
    ]
)  # fmt: skip
# Each strategy is made once, here: drawing from a new one (or a filtered one) per node was most of the
# test's time in hypothesis's own bookkeeping. KEY_ATOMS is ATOMS without line breaks, as a filter was.
ATOMS = st.sampled_from(ATOM_TEXTS)
KEY_ATOMS = st.sampled_from([atom for atom in ATOM_TEXTS if atom not in "\n\r\x85\u2028"])
TEXT = st.lists(ATOMS, max_size=5).map("".join)
KEY = st.lists(KEY_ATOMS, min_size=1, max_size=4).map("".join)
KEYS = st.lists(KEY, min_size=1, max_size=4, unique=True)
SCALAR = st.one_of(TEXT, st.booleans(), st.integers(-(10**6), 10**6))
COMMENT = st.lists(st.sampled_from(["note", "a: b", "", "x  y", "☃"]), min_size=1, max_size=3).map("\n".join)
QUARTER = st.integers(0, 3)
FLOW_MAP = st.dictionaries(KEY, SCALAR, max_size=3)
FLOW_SEQ = st.lists(SCALAR, max_size=3)
BLOCK_SEQ = st.lists(st.one_of(SCALAR, st.builds(flow_map, st.dictionaries(KEY, SCALAR))))
INDENT = st.sampled_from([0, 2, 4, 6])
EOL = st.sampled_from(["eol", "# said", "a  b"])
COLUMN = st.integers(0, 30)


def _reference(tree: CommentedMap) -> str:
    buffer = io.StringIO()
    _dumper().dump(tree, buffer)
    return buffer.getvalue()


def _fast(tree: CommentedMap) -> str | None:
    try:
        return Writer(_dumper()).dump(tree)
    except Unsure:
        return None


@st.composite
def _leaf(draw: st.DrawFn) -> Any:
    choice = draw(QUARTER)
    if choice == 1:
        return flow_map(draw(FLOW_MAP))
    if choice == 2:
        return flow_seq(draw(FLOW_SEQ))
    if choice == 3:
        return block_seq(draw(BLOCK_SEQ))
    return draw(SCALAR)


@st.composite
def _mapping(draw: st.DrawFn, depth: int) -> CommentedMap:
    node = CommentedMap()
    for key in draw(KEYS):
        nested = depth > 0 and draw(st.booleans())
        node[key] = draw(MAPPINGS[depth - 1]) if nested else draw(LEAF)
        if draw(QUARTER) == 0:
            node.yaml_set_comment_before_after_key(key, draw(COMMENT), draw(INDENT))
        block = isinstance(node[key], CommentedMap | CommentedSeq) and not node[key].fa.flow_style()
        if not block and draw(QUARTER) == 0:
            node.yaml_add_eol_comment(draw(EOL), key, draw(COLUMN))
    return node


LEAF = _leaf()
MAPPINGS = [_mapping(depth) for depth in range(3)]


@st.composite
def _tree(draw: st.DrawFn) -> CommentedMap:
    tree = _root(draw(st.sampled_from(["an empty account", "routes"])))
    tree.update(draw(MAPPINGS[2]))
    return tree


@pytest.mark.long
@settings(max_examples=600, deadline=None)
@given(_tree())
def test_what_the_writer_writes_is_what_ruamel_writes(tree: CommentedMap) -> None:
    fast = _fast(tree)  # first: ruamel's dumper marks the comments it wrote
    if fast is not None:
        assert fast == _reference(tree)


def test_the_shapes_import_makes_are_written_directly() -> None:
    tree = _root("domain example.com")
    domains = tree["domains"] = CommentedMap()
    domain = domains["example.com"] = CommentedMap(spam_action="tag", wildcard=False, version=3)
    domains.yaml_set_comment_before_after_key("example.com", "Live state: active (a note).", 2)
    domain["tracking"] = CommentedMap(open=flow_map({"active": True, "place_at_the_top": True}), click=True)
    domain["tracking"]["unsubscribe"] = CommentedMap(active=True, text_footer="\n\nTo unsubscribe: <%url%>\n\n")
    domain["webhooks"] = CommentedMap(opened=flow_seq(["https://a.example/o", "https://b.example/o"]))
    domain.yaml_set_comment_before_after_key("webhooks", "One URL or a list.\nSecond line.", 4)
    domain["credentials"] = CommentedMap(smtp=flow_map({}))
    domain["credentials"].yaml_add_eol_comment('to manage its password: smtp: {password: "${env:X}"}', "smtp", 17)
    domain["suppressions"] = CommentedMap(
        bounces=block_seq(["a@example.com", flow_map({"address": "b@example.com", "code": "551", "error": "it's"})])
    )
    routes = tree["routes"] = CommentedMap()
    routes["route-1"] = CommentedMap(
        priority=0, expression='match_recipient("r@example.com")', actions=block_seq(['forward("https://x/in")'])
    )
    routes["empty"] = CommentedMap(description="", actions=flow_seq([]))
    fast = _fast(tree)
    assert fast is not None
    assert fast == _reference(tree)
    assert '    text_footer: "\\n\\nTo unsubscribe: <%url%>\\n\\n"\n' in fast
    assert "      smtp: {}   # to manage" in fast  # column 17


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"plain": "dict"},
        ["plain", "list"],
        CommentedMap(),
        CommentedSeq(),
        flow_map({"nested": flow_seq([1])}),
        "x" * 130,  # as a key: too long for a simple key
    ],
)
def test_what_the_writer_is_not_sure_of_goes_to_ruamel(value: Any) -> None:
    tree = _root("odd")
    if isinstance(value, str):
        tree[value] = 1
    else:
        tree["odd"] = value
    assert _fast(tree) is None
    output = Output()
    output.add_yaml("odd.yaml", tree)
    assert output.files["odd.yaml"] == _reference(tree).encode()


@pytest.mark.parametrize("value", ["Wait\x85", "Inbound\x85mail", "a \x85b", "\x85", "x\x85\ny"])
def test_nel_reads_back_as_itself(value: str) -> None:
    """NEL (U+0085: a cp1252 "…" read as Latin-1, found in real data) was written raw in single quotes,
    where YAML reads it as a line break folded into a space: the plan after an import was not empty, and
    a route keyed by such a description was created a second time."""
    from ruamel.yaml import YAML

    tree = _root("routes")
    tree.update({value: value, "flow": flow_map({"n": value}), "list": flow_seq([value]), "k": block_seq([value])})
    written = [text for text in (_reference(tree), _fast(tree)) if text is not None]
    for text in written:
        loaded = YAML(typ="rt", pure=True).load(text)
        assert (loaded[value], loaded["flow"]["n"], loaded["list"][0], loaded["k"][0]) == (value,) * 4, text
