"""The base of every manifest document model, and the shapes documents share.

Document models describe what users write, shorthands included (``open: true``, a webhook URL given
as one string, a member given as its address, a collection given as ``{file: x.csv}``). Each kind
declares its own in its module; ``manifest.document`` assembles them into the top-level, per-domain
and per-list documents. A field left out stays *unset* (``model_fields_set``), which the kinds carry
over to their canonical models: unset means "not managed, leave it as it is in Mailgun". Unknown
keys are reported by ``manifest.check`` with "did you mean" (``KEY_NOUN`` names what a key is).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema

from mgsync.shapes.fields import Email

SHAPE_TAGS = ("~mapping", "~list", "~scalar")  # discriminator tags; they appear in error locations
OWNED = "owned completely: live entries not declared in the manifests are deleted"

# An omitted key is unset ("not managed"). Typed Any so that a field's annotation says what a
# written value must be, while its default stays None (never shown in the schema, see ``_tidy``).
UNSET: Any = None


def _tidy(schema: dict[str, Any]) -> None:
    # An omitted field is "not managed", never "reset to a default": the schema shows no defaults.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)
        prop.pop("title", None)


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True, json_schema_extra=_tidy)

    KEY_NOUN: ClassVar[str] = "key"


class CsvFile(Doc):
    """A collection read from a CSV file beside the manifest (see the column conventions)."""

    file: str


def shape_of(value: Any) -> str:
    return "~mapping" if isinstance(value, dict) else "~list" if isinstance(value, list) else "~scalar"


@dataclass(frozen=True)
class Either:
    """``Annotated[Primary | Shorthand, Either("mapping", "scalar")]``: a value written in one of two
    shapes. The value's shape picks the branch, so an error speaks of the shape the user wrote."""

    primary: str
    shorthand: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        tags = (f"~{self.primary}", f"~{self.shorthand}")

        def pick(value: Any) -> str:
            shape = shape_of(value)
            return shape if shape in tags else tags[0]

        members = typing.get_args(source)
        choices = {tag: handler.generate_schema(member) for tag, member in zip(tags, members, strict=True)}
        return core_schema.tagged_union_schema(choices, discriminator=pick)


def collection(entry: type[Doc], plain: Any = Email) -> Any:
    """Inline entries (each a mapping, or just its address) or ``{file: x.csv}``: a bulk kind's section."""
    item = _annotated(Union[entry, plain], Either("mapping", "scalar"))  # noqa: UP007
    return _annotated(Union[types.GenericAlias(list, (item,)), CsvFile], Either("list", "mapping"))  # noqa: UP007


def _annotated(annotation: Any, marker: Either) -> Any:
    # The one type built at run time, from the entry model a kind passes in.
    return Annotated[annotation, marker]


def written(doc: BaseModel, names: Iterable[str]) -> dict[str, Any]:
    """The fields of ``doc`` among ``names`` that the user wrote, by alias."""
    return doc.model_dump(include=set(names) & doc.model_fields_set, exclude_unset=True, by_alias=True)


@dataclass(frozen=True)
class Group:
    """A mapping that only groups sections of several kinds (``suppressions: {bounces: …}``)."""

    key: str  # its key in the parent's document
    title: str  # its document model's name (and JSON Schema definition)
    doc: str  # its description
    key_noun: str = "key"  # what its keys are, for "unknown …" messages
    note: str = ""  # the comment import writes above it
