"""What a template change does to the email (issue 22): for a changed Handlebars template that has
test data (``templatedata``), the plain-text view of the template rendered before and after, as a
unified diff; ``plan --preview DIR`` writes both renderings as HTML.

The text plan shows the diff under the change's source diff (``rows``, called from
``terminal.change_blocks``); the markdown plan shows one collapsed ``<details>`` per template
(``comment`` builds it from ``renderings``: this module imports no renderer back). A change is a template's when ``templatedata``
finds Handlebars text in its fields: no kind is named here. Rendering reads the test data
and the manifest files again; a template without test data, or a plan made elsewhere (a saved plan
has no manifests at hand), simply shows no rendered diff.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgsync.changes import Action, Change
from mgsync.errors import MgsyncError, writing
from mgsync.render import values

if TYPE_CHECKING:
    from mgsync.plan import Plan
    from mgsync.state import Address

NOTHING_VISIBLE = "(the rendered text does not change)"


@dataclass(frozen=True)
class Rendering:
    """A changed template rendered with its test data: HTML before and after (None: absent then)."""

    change: Change
    data: str  # the test data file, as shown
    before: str | None
    after: str | None

    def text_rows(self) -> list[values.Row]:
        from mgsync.handlebars.plaintext import text_of

        before, after = (text_of(html) if html is not None else "" for html in (self.before, self.after))
        return values.text_diff(before, after) or [values.Row(2, NOTHING_VISIBLE, "@")]


def rows(change: Change) -> list[values.Row]:
    """Detail rows for the text plan: ``rendered with FILE:`` and the diff; none without test data."""
    found = rendering(change) if change.action is Action.UPDATE else None
    if found is None:
        return []
    return [values.Row(0, values.clean(f"rendered with {found.data}:")), *found.text_rows()]


def write_previews(plan: Plan, directory: Path) -> list[Path]:
    """Write ``DIR/<kind>/<key>.before.html`` and ``.after.html`` for every changed template (only
    ``after`` for a new one, only ``before`` for a deleted one); the files written, in order."""
    written = []
    for found in renderings(plan, Action.CREATE, Action.UPDATE, Action.DELETE, with_data_only=False):
        stem = preview_stem(directory, found.change.address)
        for side, html in (("before", found.before), ("after", found.after)):
            if html is None:
                continue
            path = stem.with_name(f"{stem.name}.{side}.html")
            with writing(path):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(html, encoding="utf-8")
            written.append(path)
    return written


def preview_stem(directory: Path, address: Address) -> Path:
    """``DIR/<kind>/<key>`` without a suffix, each part of the key (``/`` parts its names) a safe file
    name (``file_stem``, as import's): a template name is the manifest's text, and on Windows
    ``..\\..\\x`` is a path out of DIR, ``a:b`` a data stream and ``nul`` a device."""
    from mgsync.shapes.output import file_stem

    stem = directory / file_stem(address.kind)
    for part in address.key.split("/"):
        stem /= file_stem(part)
    return stem


def previews(plan: Plan, directory: Path) -> str:
    """Write the previews (``write_previews``); the line that says how many and where."""
    written = write_previews(plan, directory)
    return f"Wrote {len(written)} template preview file{'s' * (len(written) != 1)} to {directory}"


def renderings(plan: Plan, *actions: Action, with_data_only: bool = True) -> Iterator[Rendering]:
    for change in plan.changes:
        if change.action in actions:
            found = rendering(change, with_data_only=with_data_only)
            if found is not None:
                yield found


def rendering(change: Change, *, with_data_only: bool = True) -> Rendering | None:
    """``change`` rendered, if it is a Handlebars template's content change (and has test data)."""
    from mgsync import templatedata

    before, after = change.before or {}, change.after or {}
    if templatedata.handlebars_text(before) is None and templatedata.handlebars_text(after) is None:
        return None
    if change.action is Action.UPDATE and not templatedata.content_changed({f.field for f in change.fields}):
        return None
    resource = change.desired or change.observed
    located = templatedata.locate(change.desired) if change.desired is not None else None
    data_file = located.data if located is not None else None
    if data_file is None and (with_data_only or resource is None):
        return None
    try:
        data = templatedata.load(data_file) if data_file is not None else {}
    except MgsyncError:
        return None  # validate and template render report it; a plan is no place to fail on test data
    shown = str(data_file) if data_file is not None else "no test data"
    return Rendering(change, shown, _html(before, data), _html(after, data))


def _html(body: dict[str, Any], data: dict[str, Any]) -> str | None:
    from mgsync import handlebars, templatedata

    text = templatedata.handlebars_text(body)
    if text is None:
        return None
    try:
        return handlebars.render(text, data).html
    except handlebars.TemplateSyntaxError as err:  # a live template that does not parse; too much output
        return f"<!-- not rendered: {err.message} -->\n"
