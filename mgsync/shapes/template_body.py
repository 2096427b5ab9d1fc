"""A template body's Handlebars checked where it was written: ``file:line:col`` of the template file,
or of the YAML file for an inline ``template:`` (a literal block ``|`` maps line by line; a one-line
plain or quoted value maps by column; what cannot be mapped exactly is shown at the value's start).

A syntax error in a body is a problem (the template can never render, ``handlebars.mailgun``);
what Mailgun accepts but will not render as written (an unknown helper, a partial) is a warning, and
so is anything found in a header (``check_headers``). Knows no kind: the template kinds call these
with their ``Harvest``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgsync import handlebars
from mgsync.errors import Problem, read_file

if TYPE_CHECKING:
    from mgsync.shapes.harvest import Harvest

Loc = tuple[Any, ...]


def check_body(out: Harvest, loc: Loc, text: str, where: str, file: str | None = None) -> None:
    """Report ``text``'s syntax error and warnings: at ``file`` (the template file, as shown) when
    given, else inside the manifest at ``loc`` (the ``template:`` value)."""
    checked = handlebars.check(text)
    place = _in_file(file, text) if file is not None else _in_yaml(out, loc, "template", text)
    if checked.error is not None:
        file_, line, col = place(checked.error.offset)
        message = checked.error.describe(lambda offset: "{1}:{2}".format(*place(offset)))
        out.problems.append(Problem(file_, line, col, where, message))
    for offset, message in checked.warnings:
        file_, line, col = place(offset)
        out.warnings.append(Problem(file_, line, col, where, message))


def check_headers(out: Harvest, loc: Loc, headers: dict[str, str], where: str) -> None:
    """Warn about a header (``Subject: "Hi {{name}}"``) that Handlebars cannot parse, or that names
    a helper Mailgun lacks. Only warnings: that Mailgun renders stored headers with Handlebars is
    seen in recorded traffic (``"headers":{"Subject":"{{subject}}"}``, mailgun-api.md §6.1), what it
    does with a broken one is not."""
    for name, text in headers.items():
        checked = handlebars.check(text)
        place = _in_yaml(out, (*loc, "headers"), name, text)
        found = list(checked.warnings)
        if checked.error is not None:
            found.insert(0, (checked.error.offset, checked.error.describe(lambda o: "{1}:{2}".format(*place(o)))))  # noqa: B023  (called at once)
        for offset, message in found:
            file_, line, col = place(offset)
            out.warnings.append(Problem(file_, line, col, where, f"header {name}: {message}"))


Place = Callable[[int], tuple[str, int, int]]  # a template offset → where to show it


def _in_file(file: str, text: str) -> Place:
    def place(offset: int) -> tuple[str, int, int]:
        return (file, *handlebars.position(text, offset))

    return place


def _in_yaml(out: Harvest, loc: Loc, key: str, text: str) -> Place:
    found = _value_start(out.root, loc, key)
    if found is None:  # no position of its own (e.g. a merged key): the entry's
        entry = out.source(loc)
        return lambda offset: (entry.file, entry.line, entry.col)
    value_line, value_col = found
    lines: list[str] = []  # the manifest's lines, read when a problem needs a place: reading them for
    # every inline template, problem or not, made a file of 4,000 of them take 3.5 s

    def place(offset: int) -> tuple[str, int, int]:
        line, col = handlebars.position(text, offset)
        if not lines:
            lines.extend(_manifest_lines(out))
        mapped = _mapped(lines, text, value_line, value_col, line, col)
        return (out.shown, *(mapped or (value_line, value_col)))

    return place


def _value_start(root: Any, loc: Loc, key: str) -> tuple[int, int] | None:
    """The 1-based position of the value of ``key`` at ``loc`` in the YAML tree (ruamel's ``lc`` data)."""
    node = root
    try:
        for part in loc:
            node = node[part]
        line, col = node.lc.value(key)
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return line + 1, col + 1


def _mapped(lines: list[str], text: str, vline: int, vcol: int, line: int, col: int) -> tuple[int, int] | None:
    """(line, col) in the YAML of the template's (line, col), when the written value shows it as is."""
    if not 0 < vline <= len(lines):
        return None
    source = lines[vline - 1]
    indicator = source[vcol - 1 : vcol]
    wanted = text.split("\n")[line - 1]
    if indicator == "|":
        return _in_block(lines, vline, line, col, wanted)
    if "\n" in text.rstrip("\n"):
        return None
    skip = 1 if indicator in ("'", '"') else 0
    if source[vcol - 1 + skip : vcol - 1 + skip + len(wanted)] == wanted:
        return vline, vcol + skip + col - 1
    return None


def _in_block(lines: list[str], vline: int, line: int, col: int, wanted: str) -> tuple[int, int] | None:
    target = vline + line
    if target > len(lines):
        return None
    body = [text for text in lines[vline:] if text.strip()]
    indent = len(body[0]) - len(body[0].lstrip(" ")) if body else 0
    written = lines[target - 1]
    return (target, indent + col) if written[indent:] == wanted else None


def _manifest_lines(out: Harvest) -> list[str]:
    path = Path(out.shown)
    staged = out.staged.data(path) if out.staged is not None else None
    try:
        data = staged if staged is not None else read_file(path)
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()
