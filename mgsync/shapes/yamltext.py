"""The YAML text of an import's trees, written directly: exactly what ruamel.yaml's round-trip dumper
writes with ``output``'s settings, for the shapes import builds, in a tenth of the time.

ruamel.yaml's pure-Python dumper walks every value through a representer, a serializer and an
emitter (events, a state machine, a column kept per character); for account L's 188 KB of manifests
that was 0.37 s of the import's CPU, on the thread every read waits on. Here a tree of
``CommentedMap`` (block or flow), ``CommentedSeq`` (block or flow), ``str``, ``bool`` and ``int``,
with a start comment on the root and comments before keys, is written line by line; each string's
style (plain, single or double quotes) is ruamel.yaml's own decision (its emitter's
``analyze_scalar`` and its resolver, by the rules of ``Emitter.choose_scalar_style``). Anything else
(an empty or multi-line value ruamel would write another way, a key too long to be a simple key,
``None``, other comment places, nested flow collections, an empty block collection) raises
``Unsure``, and the caller lets ruamel.yaml write that file. tests/importer/test_yaml_text.py
compares both on every tree shape import makes and on generated ones.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.nodes import ScalarNode

STR_TAG = "tag:yaml.org,2002:str"
SIMPLE_KEY = 128  # ruamel.yaml's ``check_simple_key``: a longer key is written as "? key"
MAPPING_INDENT, SEQUENCE_DASH = 2, 2  # ``yaml.indent(mapping=2, sequence=4, offset=2)``
UNICODE_RANGES = (("\xa0", "\ud7ff"), ("\ue000", "\ufffd"), ("\U00010000", "\U0010ffff"))


class Unsure(Exception):
    """The tree holds something this writer does not write exactly as ruamel.yaml would."""


class _Scalars:
    """Each string's text in a context (block, flow, key), decided once per string and context."""

    def __init__(self, yaml: YAML) -> None:
        # the dumper's own emitter class, asking the dumper's serializer which YAML version it writes
        self.emitter = yaml.Emitter(io.StringIO(), allow_unicode=True, width=yaml.width, dumper=yaml)
        self.resolver = yaml.resolver
        self.made: dict[tuple[str, bool, bool], str] = {}

    def text(self, value: Any, flow: bool, key: bool) -> str:
        kind = type(value)
        if kind is str:
            found = self.made.get((value, flow, key))
            if found is None:
                found = self.made[(value, flow, key)] = self._string(value, flow, key)
            return found
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return str(value)
        raise Unsure(f"a {kind.__name__} value")

    def _string(self, value: str, flow: bool, key: bool) -> str:
        if not value:
            if key:
                raise Unsure("an empty key")
            return "''"
        if "\x85" in value:  # NEL (a cp1252 "…" read as Latin-1): double-quoted, as ``output._Representer`` has it
            if key:
                raise Unsure("a key with NEL")  # the dumper writes it as an explicit key (``? "…"``)
            return _double_quoted(value)
        analysis = self.emitter.analyze_scalar(value)
        if key and (analysis.multiline or len(value) >= SIMPLE_KEY):
            raise Unsure("a key that is not a simple key")
        implicit = str(self.resolver.resolve(ScalarNode, value, (True, False))) == STR_TAG
        plain = analysis.allow_flow_plain if flow else analysis.allow_block_plain
        if implicit and plain:
            if analysis.multiline:
                raise Unsure("a multi-line plain string")
            return value
        if analysis.allow_double_quoted and ("'" in value or "\n" in value):
            return _double_quoted(value)
        if analysis.allow_single_quoted and not (key and analysis.multiline):
            if any(ch in value for ch in "\n\x85\u2028\u2029"):
                raise Unsure("line breaks in single quotes")
            return "'" + value.replace("'", "''") + "'"
        return _double_quoted(value)


def _printable(ch: str) -> bool:
    return "\x20" <= ch <= "\x7e" or any(low <= ch <= high for low, high in UNICODE_RANGES)


def _double_quoted(value: str) -> str:
    """As ruamel.yaml's ``write_double_quoted`` writes it when no line is ever folded (its width)."""
    out = ['"']
    for ch in value:
        if ch in '"\\\x85\u2028\u2029\ufeff' or not _printable(ch):
            if ch in Emitter.ESCAPE_REPLACEMENTS:
                out.append("\\" + Emitter.ESCAPE_REPLACEMENTS[ch])
            elif ch <= "\xff":
                out.append(f"\\x{ord(ch):02X}")
            elif ch <= "\uffff":
                out.append(f"\\u{ord(ch):04X}")
            else:
                out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _one_line(value: str) -> str:
    return value[:-1] if value.endswith("\n") else value


def _end_comment(line: str, token: Any) -> str:
    """As ruamel.yaml's ``write_comment`` puts a comment after a value: at its column, at least one space
    after the value (the column counts characters)."""
    value = _one_line(str(token.value))
    column: int = token.start_mark.column
    return " " * max(1, column - len(line)) + value


def _is_flow(node: CommentedMap | CommentedSeq) -> bool:
    return bool(node.fa.flow_style())


def _comments(node: CommentedMap | CommentedSeq) -> None:
    """Only the comments import sets: before a key (checked by the caller), a start comment on the root."""
    ca = node.ca
    if ca.end or getattr(ca, "pre", None) or (isinstance(node, CommentedSeq) and ca.items):
        raise Unsure("a comment at an unexpected place")


class _Writer:
    def __init__(self, scalars: _Scalars) -> None:
        self.scalars, self.lines = scalars, list[str]()

    def root(self, tree: CommentedMap) -> str:
        if type(tree) is not CommentedMap or _is_flow(tree) or not tree:
            raise Unsure("a root that is not a block mapping with entries")
        _comments(tree)
        comment = tree.ca.comment
        if comment:
            if comment[0] is not None or len(comment) != 2:
                raise Unsure("a comment at an unexpected place")
            self._comment_lines(comment[1] or [])
        self.mapping(tree, 0)
        return "".join(self.lines)

    def _comment_lines(self, tokens: list[Any]) -> None:
        for token in tokens:
            value = token.value
            if not value.endswith("\n") or "\n" in value[:-1]:
                raise Unsure("a comment of several lines in one token")
            self.lines.append(value if value.startswith("\n") else " " * token.start_mark.column + value)

    def mapping(self, node: CommentedMap, indent: int) -> None:
        if node.ca.comment and node.ca.comment != [None, None] and indent:
            raise Unsure("a comment at an unexpected place")
        _comments(node)
        pad, items = " " * indent, node.ca.items
        for key, value in node.items():
            after = None
            if key in items:
                before, after = self._key_comments(items[key])
                self._comment_lines(before)
            head = f"{pad}{self.scalars.text(key, False, True)}:"
            kind = type(value)
            block = (kind is CommentedMap or kind is CommentedSeq) and not _is_flow(value)
            if block and (not value or after is not None):
                raise Unsure("an empty block collection, or one with a comment after its key")
            if kind is CommentedMap and block:
                self.lines.append(head + "\n")
                self.mapping(value, indent + MAPPING_INDENT)
            elif kind is CommentedSeq and block:
                _comments(value)
                self.lines.append(head + "\n")
                dash = " " * (indent + SEQUENCE_DASH) + "- "
                self.lines += [dash + self.inline(item, False) + "\n" for item in value]
            else:
                line = f"{head} {self.inline(value, False)}"
                self.lines.append(line + ("" if after is None else _end_comment(line, after)) + "\n")

    @staticmethod
    def _key_comments(found: list[Any]) -> tuple[list[Any], Any]:
        """The comment lines before a key, and the comment at the end of its line (or None)."""
        if len(found) != 4 or found[0] is not None or found[3] is not None:
            raise Unsure("a comment at an unexpected place")
        after = found[2]
        if after is not None and (not after.value.strip() or "\n" in _one_line(after.value)):
            raise Unsure("an end-of-line comment that is not one line")
        return found[1] or [], after

    def inline(self, value: Any, flow: bool) -> str:
        """A scalar, or a flow collection of scalars, on the current line."""
        kind = type(value)
        if kind is CommentedMap or kind is CommentedSeq:
            if flow or not _is_flow(value):
                raise Unsure("a nested collection inside a flow collection or sequence")
            _comments(value)
            if value.ca.items or (value.ca.comment and value.ca.comment != [None, None]):
                raise Unsure("a comment in a flow collection")
            text = self.scalars.text
            if kind is CommentedMap:
                return "{" + ", ".join(f"{text(k, True, True)}: {text(v, True, False)}" for k, v in value.items()) + "}"
            return "[" + ", ".join(text(item, True, False) for item in value) + "]"
        return self.scalars.text(value, flow, False)


class Writer:
    """Writes trees, keeping each string's decided text for the next tree (one per import)."""

    def __init__(self, yaml: YAML) -> None:
        self.scalars = _Scalars(yaml)

    def dump(self, tree: CommentedMap) -> str:
        """The YAML text of ``tree``, as ruamel.yaml's round-trip dumper writes it; ``Unsure`` if not sure."""
        return _Writer(self.scalars).root(tree)
