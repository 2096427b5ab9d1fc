"""A manifest's YAML scanned and parsed by libyaml (C), for ruamel.yaml's composer to go on from.

ruamel.yaml's scanner and parser are pure Python: two thirds of a manifest's parse (account L's 22
files, 127 KB: 0.25 of 0.37 s). libyaml does the same work in C, through PyYAML's binding of it
(``yaml._yaml.CParser``). Its events are made again as ruamel.yaml's, with the same positions (both
count lines and columns in characters), and ruamel.yaml's composer, resolver and constructor do the
rest as before: what a scalar means (YAML 1.2: ``yes`` is a string), ``.lc`` positions, duplicate
keys and every message are theirs.

libyaml reads YAML 1.1, which scans text as 1.2 does except where ``events`` declines and returns
None, so that ruamel.yaml's own scanner reads the text as before:

- a NEL, LINE SEPARATOR or PARAGRAPH SEPARATOR character (line breaks in 1.1, content in 1.2), a
  byte order mark, or a tab;
- a directive (``%YAML``, ``%TAG``), an explicit tag (``!!str``, ``!local``), an anchor or an alias:
  ruamel.yaml keeps those its own way (the version changes the resolver; tags are its own objects;
  what an anchor's name may hold differs), and a document that is a single scalar;
- three spellings libyaml accepts and ruamel.yaml refuses: a comment right after a block scalar's
  header (``>#``), a value right after a quoted key (``["a":1]``), a block scalar whose first line
  holds only spaces, fewer than the lines after it;
- anything libyaml refuses: then ruamel.yaml accepts it or words the problem, as it always did;
- no libyaml at all (PyYAML installed without its C extension, where no wheel has it).

One thing differs, on purpose: a value left out (``key:`` and nothing after) is placed where libyaml
places it, just after its colon, not where ruamel.yaml's parser did (at whatever follows, often the
next line's key), so a problem with it names the key's own line.

tests/manifest/test_yaml_events.py holds the two to the same events on every YAML file of the
project and on generated and mutated texts, and checks that it declines every text ruamel.yaml refuses.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from ruamel.yaml import events as ruamel
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import StreamMark
from ruamel.yaml.resolver import VersionedResolver

try:
    from yaml import YAMLError as LibyamlError
    from yaml import events as libyaml
    from yaml._yaml import CParser, get_version_string
except ImportError:  # PyYAML without its C extension: every text goes ruamel.yaml's pure way
    CParser = None


def libyaml_version() -> str | None:
    """The version of the libyaml that scans manifests; None where there is none (``mgsync version``)."""
    return None if CParser is None else str(get_version_string())


NAME = "<unicode string>"  # what ruamel.yaml's reader names a text it is given
_DIFFERENT = re.compile(
    r"[\t\x85\ufeff\u2028\u2029]"  # tabs, line breaks of YAML 1.1 only, byte order marks
    r"|(?:^ *|[:?-] +)[|>][-+0-9]*#"  # a comment right after a block scalar's header
    r"|[\"']:\S"  # a value right after a quoted key (``["a":1]``)
    r"|(?:^ *|[:?-] +)[|>][-+0-9]* *(?:#.*)?\r?\n(?: *\r?\n)*? +\r?\n",  # a block scalar's first line: spaces
    re.MULTILINE,
)


def events(text: str) -> list[ruamel.Event] | None:
    """The text's parser events as ruamel.yaml's parser would make them, or None where it must
    read the text itself (see the module's docstring)."""
    if CParser is None or _DIFFERENT.search(text):
        return None
    try:
        return _converted(CParser(text))
    except LibyamlError:
        return None


def _converted(parser: Any) -> list[ruamel.Event] | None:
    made: list[ruamel.Event] = []
    append, mark = made.append, StreamMark
    while (event := parser.get_event()) is not None:
        start, end = event.start_mark, event.end_mark
        at = mark(NAME, start.index, start.line, start.column)
        to = mark(NAME, end.index, end.line, end.column)
        kind = type(event)
        if kind is libyaml.ScalarEvent:
            if event.anchor is not None or event.tag is not None or type(made[-1]) is ruamel.DocumentStartEvent:
                return None
            style = event.style or None  # libyaml's plain style is "", ruamel.yaml's None
            append(ruamel.ScalarEvent(None, None, event.implicit, event.value, at, to, style))
        elif kind is libyaml.MappingStartEvent or kind is libyaml.SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                return None
            start_event = ruamel.MappingStartEvent if kind is libyaml.MappingStartEvent else ruamel.SequenceStartEvent
            append(start_event(None, None, event.implicit, at, to, event.flow_style))
        elif kind is libyaml.MappingEndEvent:
            append(ruamel.MappingEndEvent(at, to))
        elif kind is libyaml.SequenceEndEvent:
            append(ruamel.SequenceEndEvent(at, to))
        elif kind is libyaml.DocumentStartEvent:
            if event.version is not None or event.tags:
                return None
            append(ruamel.DocumentStartEvent(at, to, explicit=event.explicit))
        elif kind is libyaml.DocumentEndEvent:
            append(ruamel.DocumentEndEvent(at, to, explicit=event.explicit))
        elif kind is libyaml.StreamStartEvent:
            append(ruamel.StreamStartEvent(at, to))
        elif kind is libyaml.StreamEndEvent:
            append(ruamel.StreamEndEvent(at, to))
        else:  # an alias
            return None
    return made


class Replay:
    """ruamel.yaml's parser, as its composer uses one, handing out events made beforehand."""

    def __init__(self, made: list[ruamel.Event], loader: Any = None):
        self.made, self.next = made, 0

    @classmethod
    def of(cls, made: list[ruamel.Event]) -> Any:
        """A parser class for ``YAML.Parser``, which ruamel.yaml calls with ``loader=``."""
        return partial(cls, made)

    def check_event(self, *choices: type[ruamel.Event]) -> bool:
        if self.next == len(self.made):
            return False
        return not choices or isinstance(self.made[self.next], choices)

    def peek_event(self) -> ruamel.Event | None:
        return self.made[self.next] if self.next < len(self.made) else None

    def get_event(self) -> ruamel.Event:
        event = self.made[self.next]
        self.next += 1
        return event

    def dispose(self) -> None:
        """After the load: the events go now, not with the YAML object's parts at the next collection
        (they refer to each other, and ``of``'s parser class holds this very list)."""
        self.made.clear()


class BoundComposer(Composer):
    """ruamel.yaml's composer with its parser and resolver looked up once: its own properties find
    them through the YAML object on every use, 70,000 times for account L's manifests (a third of
    their parse once libyaml scans them)."""

    parser = resolver = None  # plain attributes, in place of Composer's properties

    def __init__(self, loader: Any = None):
        super().__init__(loader)
        self.parser, self.resolver = loader.parser, loader.resolver
        self.aliases = 0  # aliases composed: without one, no value expands past what is written

    def return_alias(self, a: Any) -> Any:
        self.aliases += 1
        return super().return_alias(a)


class Resolver12(VersionedResolver):
    """ruamel.yaml's resolver for a text with no ``%YAML`` directive (``events`` declines one): YAML
    1.2, the default, without asking the scanner, which libyaml replaces, for each scalar."""

    processing_version = (1, 2)
