"""Splitting a Handlebars template into text and tags, as mailgun/raymond's lexer (``lexer/lexer.go``)
does.

A tag is ``{{…}}``, ``{{{…}}}``, a comment ``{{!…}}`` / ``{{!--…--}}`` (closed by ``--}}`` or
``--~}}``) or a raw block's ``{{{{…}}}}``, whose text runs to the first ``{{{{/``; ``\\{{`` is
literal text, with the run of ``{`` after it (``lexEscapedOpenMustache``). A tag's close is searched with string literals skipped, so
``{{x "}}"}}`` is one tag. What cannot be a tag (a ``{{`` never closed, ``{{x}}}``, ``{{ #each}}``) raises
``TemplateSyntaxError`` at the opening braces. Whitespace control (``~``) and standalone lines are
applied here, on the token list, before the tree is built (``strip``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mgsync.handlebars.nodes import TemplateSyntaxError

OPEN = "{{"
RAW, END = "{{{{", "}}}}"
# Tags that vanish with their line when alone on it (handlebars.js WhitespaceControl)
STANDALONE = frozenset("#/^!>*") | {"else"}
SIGILS = frozenset("#/^>&!")  # what must follow {{ (or {{~) with no space between


@dataclass
class Tag:
    sigil: str  # "" | "#" | "/" | "^" | ">" | "&" | "!" | "*" | "else" | "{" (triple) | "raw" | "/raw"
    inner: str  # the expression text, sigil and ~ removed
    inner_start: int  # offset of ``inner`` in the template
    start: int
    end: int
    strip_left: bool = False
    strip_right: bool = False
    raw_close: bool = False  # the {{{{/name}}}} of a raw block


@dataclass
class Chunk:
    value: str
    start: int


Token = Chunk | Tag


def tokens(text: str) -> list[Token]:
    """The template as text chunks and tags, whitespace control applied."""
    found: list[Token] = []
    i = 0
    while i < len(text):
        at = text.find(OPEN, i)
        if at < 0:
            found.append(Chunk(text[i:], i))
            break
        if at > 0 and text[at - 1] == "\\" and not (at > 1 and text[at - 2] == "\\"):
            found.append(Chunk(text[i : at - 1], i))  # \{{ is text: the backslash goes, the {s stay
            stop = at + len(text[at:]) - len(text[at:].lstrip("{"))
            found.append(Chunk(text[at:stop], at))
            i = stop
            continue
        if at > i:
            text_end = at - 1 if at > 1 and text[at - 2 : at] == "\\\\" else at  # \\{{: one backslash stays
            found.append(Chunk(text[i:text_end], i))
        tag = _tag(text, at)
        found.append(tag)
        i = tag.end
        if tag.sigil == "raw":
            i = _raw_body(text, tag, found)
    return strip([t for t in found if not (isinstance(t, Chunk) and not t.value)])


def _tag(text: str, at: int) -> Tag:
    if text.startswith("{{{{", at):
        return _raw_open(text, at)
    if text.startswith("{{!", at) or text.startswith("{{~!", at):
        return _comment(text, at)
    triple = text.startswith("{{{", at) or text.startswith("{{~{", at)
    body = at + 2
    strip_left = text.startswith("~", body)
    body += strip_left + triple
    close = _close(text, body, at, "}}}" if triple else "}}")
    strip_right = text[close - 1] == "~" and close - 1 >= body
    inner_end = close - 1 if strip_right else close
    inner = text[body:inner_end]
    if triple:
        inner = inner[:-1] if inner.endswith("}") else inner
        sigil, skip = "{", 0
    else:
        sigil, skip = _sigil(inner, text[at:body], at)
    end = close + (3 if triple and text[close - 2 : close] != "}~" else 2)
    return Tag(sigil, inner[skip:], body + skip, at, end, strip_left, strip_right)


def _sigil(inner: str, opener: str, at: int) -> tuple[str, int]:
    """The tag's sigil, written right after ``{{`` or ``{{~`` (lexer.go:66-74 rOpenBlock, rOpenPartial
    …); only ``else`` may follow a space (rOpenInverseChain ``^\\{\\{~?\\s*else``)."""
    stripped = inner.lstrip()
    lead = len(inner) - len(stripped)
    for sigil in ("#>", "#*", "*"):  # refused either way, by the parser with a message of their own
        if stripped.startswith(sigil):
            return sigil, lead + len(sigil)
    for sigil in ("#", "/", "^", ">", "&"):
        if inner.startswith(sigil):
            return sigil, len(sigil)
    if stripped.startswith("else"):  # lexer.go rOpenInverseChain: {{elsewhere}} is {{else where}}
        return "else", lead + 4
    if lead and stripped[:1] in SIGILS:
        raise TemplateSyntaxError(_space_before(opener, stripped), at)
    return "", 0


def _space_before(opener: str, stripped: str) -> str:
    """``{{ #each items }}``: raymond's lexer reads the ``#`` as a character of an expression."""
    sigil, words = stripped[0], stripped[1:].split()
    name = "" if sigil == "^" or not words else words[0]
    written = {"!": "{{!…}}", ">": f"{{{{> {name}}}}}"}.get(sigil, f"{opener}{sigil}{name}}}}}")
    between = f'"{opener}" and "{sigil}"'
    return f"Mailgun cannot parse a space between {between}: write {written} without a space after {opener}"


def _close(text: str, body: int, at: int, closer: str) -> int:
    """The offset of the ``}}`` (``}}}``) that ends the tag opened at ``at``; string literals skipped."""
    i, quote, opened = body, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\n":  # lexer.go lexString: "Unterminated string"
                break
            quote = "" if ch == quote and text[i - 1] != "\\" else quote
        elif ch in "\"'" and _starts_literal(text, i):
            quote, opened = ch, i
        elif text.startswith("}}", i):
            return _checked_close(text, i, at, closer)
        elif text.startswith(OPEN, i):
            break
        i += 1
    if quote:
        raise TemplateSyntaxError(f"the string opened here is never closed with {quote} on its line", opened)
    opener = "{{{" if closer == "}}}" else "{{"
    raise TemplateSyntaxError(f'"{opener}" is never closed with "{closer}"', at)


def _starts_literal(text: str, i: int) -> bool:
    """A quote opens a string literal where an expression may start (after a space, ``(`` or ``=``)."""
    return i > 0 and text[i - 1] in " \t\r\n(=~{#^/>&"


def _checked_close(text: str, i: int, at: int, closer: str) -> int:
    braces = len(text[i:]) - len(text[i:].lstrip("}"))
    tilde_between = text[i - 2 : i] == "}~"  # {{~{x}~}} closes with }~}}
    if closer == "}}}" and not tilde_between:
        _checked_triple(text, i, at, braces)
    if closer == "}}" and braces >= 3 and text[i - 1] != "~":  # {{x~}}} is {{x~}} then "}" (rClose ^~?\}\})
        raise TemplateSyntaxError('"{{" is closed with "}}}" (write "}}", or open with "{{{")', at)
    return i


def _checked_triple(text: str, i: int, at: int, braces: int) -> None:
    """lexer.go:61-64: after ``{{{``, ``}}}}`` is rCloseRaw (tried first) and the close with ``~`` is
    ``}~}}`` (rCloseUnescaped ``^\\}~?\\}\\}``): raymond refuses ``{{{x}}}}`` and ``{{{x ~}}}``."""
    if braces < 3:
        raise TemplateSyntaxError('"{{{" is closed with "}}" (write "}}}" to close it)', at)
    if braces > 3:
        raise TemplateSyntaxError(
            '"{{{" is closed with "}}}}", which Mailgun cannot parse: for a "}" right after it, write'
            ' "}}}{{!}}}" (an empty comment between) or put a space before the "}"',
            at,
        )
    if text[i - 1] == "~":
        raise TemplateSyntaxError('"{{{" is closed with "~}}}", which Mailgun cannot parse: write "}~}}"', at)


def _comment(text: str, at: int) -> Tag:
    """lexer.go rCloseCommentDash ``^\\s*--~?\\}\\}`` after ``{{!--``, rCloseComment ``~?}}`` after ``{{!``."""
    body = at + 2 + text.startswith("~", at + 2) + 1  # after {{ ~? !
    long = text.startswith("--", body)
    # searched from the opener's own "--", as lexer.go:281-285 lexComment does: {{!--}} is a comment
    match = re.compile(r"--~?\}\}" if long else r"~?\}\}").search(text, body)
    if match is None:
        closer = "--}}" if long else "}}"
        raise TemplateSyntaxError(f'comment "{OPEN}!{"--" if long else ""}" is never closed with "{closer}"', at)
    return Tag("!", "", body, at, match.end(), text.startswith("~", at + 2), "~" in match.group())


def _raw_open(text: str, at: int) -> Tag:
    close = text.find("}}}}", at + 4)
    if close < 0:
        raise TemplateSyntaxError('"{{{{" is never closed with "}}}}"', at)
    inner = text[at + 4 : close]
    if inner.lstrip().startswith("/"):
        raise TemplateSyntaxError("{{{{" + inner.strip() + "}}}} closes no raw block", at)
    return Tag("raw", inner, at + 4, at, close + 4)


def _raw_body(text: str, tag: Tag, found: list[Token]) -> int:
    """Append a raw block's text (to the first ``{{{{/``: lexer.go ``lexContent``; none is a parse
    error, parser.go ``parseRawBlock``) and its closing tag; the offset after it."""
    name = tag.inner.split()[0] if tag.inner.split() else ""
    closing = re.compile(r"\{\{\{\{/\s*([^}]*?)\s*\}\}\}\}")
    match = closing.search(text, tag.end)
    if match is None or match.group(1) != name:
        raise TemplateSyntaxError(f"raw block {RAW}{name}{END} is never closed with {RAW}/{name}{END}", tag.start)
    if match.start() == tag.end:
        raise TemplateSyntaxError(f"raw block {RAW}{name}{END} is empty: Mailgun cannot parse an empty one", tag.start)
    found.append(Chunk(text[tag.end : match.start()], tag.end))
    found.append(Tag("/", name, match.start() + 5, match.start(), match.end(), raw_close=True))
    return match.end()


def strip(found: list[Token]) -> list[Token]:
    """Apply ``~`` (drop all whitespace on that side) and standalone lines (a block, else, comment
    or partial tag alone on its line takes the line's indentation and line break with it). Which
    tags stand alone is decided on the text as written, before either is applied (handlebars.js
    ``WhitespaceControl`` does the same)."""
    alone = [
        i
        for i, token in enumerate(found)
        if isinstance(token, Tag) and token.sigil in STANDALONE and not token.raw_close and _standalone(found, i)
    ]
    for i, token in enumerate(found):
        if not isinstance(token, Tag):
            continue
        before = found[i - 1] if i > 0 else None
        after = found[i + 1] if i + 1 < len(found) else None
        if token.strip_left and isinstance(before, Chunk):
            before.value = before.value.rstrip()
        if token.strip_right and isinstance(after, Chunk):
            _lstrip(after, after.value.lstrip())
    for i in alone:  # decided on the text as written, then applied: one drop must not hide the next
        _drop_line(found, i)
    return found


def _lstrip(chunk: Chunk, value: str) -> None:
    chunk.start += len(chunk.value) - len(value)
    chunk.value = value


def _standalone(found: list[Token], i: int) -> bool:
    before = found[i - 1] if i > 0 else None
    after = found[i + 1] if i + 1 < len(found) else None
    if isinstance(before, Tag) or isinstance(after, Tag):
        return False
    left_ok = before is None or re.search(r"(^|\n)[ \t]*$", before.value) is not None
    if before is not None and "\n" not in before.value and i - 1 > 0:
        left_ok = False  # the text before sits after another tag on the same line
    right_ok = after is None or re.match(r"[ \t]*(\r?\n|$)", after.value) is not None
    if after is not None and "\n" not in after.value and i + 2 < len(found):
        right_ok = False
    return left_ok and right_ok


def _drop_line(found: list[Token], i: int) -> None:
    before = found[i - 1] if i > 0 else None
    after = found[i + 1] if i + 1 < len(found) else None
    if isinstance(before, Chunk):
        before.value = re.sub(r"[ \t]*\Z", "", before.value)  # \Z: "$" also matches before a final \n
    if isinstance(after, Chunk):
        match = re.match(r"[ \t]*(\r?\n)?", after.value)
        _lstrip(after, after.value[match.end() if match else 0 :])
