"""Turning validation failures into ``Problem``s with YAML positions and plain-English messages.

``unknown_keys`` walks a YAML tree alongside the document models and reports every key a model
does not have, with "did you mean". ``from_validation`` maps each pydantic error to the position of
the offending key or value through ruamel's ``.lc`` data (1-based) and rewrites pydantic's message
into one sentence; the input value itself is never echoed (it may be a secret). Knows the document
models only by introspection, and no Mailgun rule.
"""

from __future__ import annotations

import datetime
import re
import types
import typing
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Union

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import TaggedScalar

from mgsync.shapes.doc import SHAPE_TAGS, Doc, shape_of
from mgsync.shapes.rules import PATTERN_WORDS, unknown

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Spot:
    """A place in a manifest: file, 1-based line and column, dotted path."""

    file: str
    line: int
    col: int
    where: str


def dotted(loc: Loc, root: Any = None) -> str:
    """``domains.mg.example.com.webhooks.delivered[0]``: list items in brackets, keys after dots."""
    text, node = "", root
    for part in loc:
        in_list = isinstance(node, list) or (node is None and isinstance(part, int))
        text += f"[{part}]" if in_list else f".{part}" if text else str(part)
        node = _get(node, part)
    return text


def _get(node: Any, part: Any) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def spot(file: str, root: Any, loc: Loc, at_key: bool = False) -> Spot:
    """The position of ``loc`` in the tree: the value's (or the key's); the nearest parent if absent."""
    node, (line, col) = root, _start(root)
    for i, part in enumerate(loc):
        found = _child(node, part, at_key and i == len(loc) - 1)
        if found is None:
            break
        node, line, col = found
    return Spot(file, line, col, dotted(loc, root))


def _start(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    return (lc.line + 1, lc.col + 1) if lc is not None and lc.line is not None else (1, 1)


def _child(node: Any, part: Any, at_key: bool) -> tuple[Any, int, int] | None:
    """The child at ``part`` and its position: of its key for a container or when asked, else of its value."""
    child = _get(node, part)
    if child is None and not (isinstance(node, dict) and part in node):
        return None
    try:
        if isinstance(node, list):
            line, col = node.lc.item(part)  # type: ignore[attr-defined]  # ruamel's CommentedSeq
        elif at_key or isinstance(child, (dict, list)):
            line, col = node.lc.key(part)
        else:
            line, col = node.lc.value(part)
    except (AttributeError, KeyError, TypeError):  # merged (<<) keys and the like carry no position
        return child, *_start(node)
    return child, line + 1, col + 1


# --- unknown keys ------------------------------------------------------------------------------


def unknown_keys(node: Any, model: type[BaseModel], loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """(location of the key, message) for every key ``model`` (and the models below it) lacks."""
    if not isinstance(node, dict):
        return
    fields = {info.alias or name: info.annotation for name, info in model.model_fields.items()}
    noun = model.KEY_NOUN if issubclass(model, Doc) else "key"
    for key, value in node.items():
        if key not in fields:
            yield (*loc, key), unknown(noun, key if isinstance(key, str) else str(key), tuple(fields))
        else:
            yield from _below(value, fields[key], (*loc, key))


def _below(node: Any, annotation: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    annotation = _for_shape(annotation, node)
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from unknown_keys(node, annotation, loc)
    elif origin is dict and isinstance(node, dict):
        value_type = typing.get_args(annotation)[1]
        for key, value in node.items():
            yield from _below(value, value_type, (*loc, key))
    elif origin in (list, tuple) and isinstance(node, list):
        item_type = typing.get_args(annotation)[0]
        for i, item in enumerate(node):
            yield from _below(item, item_type, (*loc, i))


def _for_shape(annotation: Any, node: Any) -> Any:
    """Strip ``Annotated``; of a union, the member matching the node's shape (as ``either`` does)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = typing.get_args(annotation)
            shapes: dict[str, tuple[type, ...]] = {"~mapping": (dict, BaseModel), "~list": (list, tuple)}
            wanted = shapes.get(shape_of(node), ())
            annotation = next((m for m in members if _is(m, wanted)), members[0])
        else:
            return annotation


def _is(annotation: Any, kinds: tuple[type, ...]) -> bool:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    target = typing.get_origin(annotation) or annotation
    return isinstance(target, type) and issubclass(target, kinds)


# --- pydantic errors ---------------------------------------------------------------------------


def from_validation(err: ValidationError, file: str, root: Any) -> list[tuple[Spot, str]]:
    """(place, message) of each error; ``root`` is the YAML tree the validated data came from."""
    found = []
    for error in err.errors(include_url=False, include_context=True):
        if error["type"] in ("extra_forbidden", "invalid_key"):
            continue  # reported by unknown_keys, with a suggestion
        loc = tuple(part for part in error["loc"] if part not in SHAPE_TAGS)
        at_key = bool(loc) and loc[-1] == "[key]"
        loc = loc[:-1] if at_key else loc
        if error["type"] == "missing":
            found.append((spot(file, root, loc[:-1], at_key=True), f'missing required key "{loc[-1]}"'))
        else:
            hint = " (quote the name)" if at_key and error["type"] == "string_type" else ""
            found.append((spot(file, root, loc, at_key=at_key), describe(error) + hint))
    return found


EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "union_tag_invalid": "a mapping",
}


def describe(error: Any) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind in EXPECTED:
        hint = " (YAML reads yes/no/on/off as strings)" if kind == "bool_type" and _yes_no(value) else ""
        return f"expected {EXPECTED[kind]}, got {kind_of(value)}{hint}"
    if kind == "literal_error":
        choices = tuple(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        if isinstance(value, str) and choices:
            return unknown("value", value, choices)
        if choices:
            return f"expected one of {', '.join(choices)}, got {kind_of(value)}"
        return f"must be {ctx.get('expected')}"
    if kind in ("too_short", "string_too_short"):
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"must have at least {least} {_units(kind)}"
    if kind in ("too_long", "string_too_long"):
        return f"must have at most {ctx.get('max_length')} {_units(kind)}"
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more"
    if kind == "recursion_loop":
        return "refers to itself through a YAML alias"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_WORDS:
        return PATTERN_WORDS[ctx["pattern"]]
    message = str(error["msg"])
    if message.startswith("Input should be "):
        return f"must be {message.removeprefix('Input should be ')}"
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _units(kind: str) -> str:
    return "characters" if kind.startswith("string") else "items"


def _yes_no(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in ("yes", "no", "on", "off", "y", "n")


def kind_of(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int():
            return "an integer"
        case float():
            return "a number"
        case str():
            return "a string"
        case dict():
            return "a mapping"
        case list() | tuple():
            return "a list"
        case AbstractSet():
            return "a set"
        case datetime.date():
            return "a date (quote it to make a string)"
        case TaggedScalar():
            return f"a value tagged {value.tag}"
        case _:
            return f"a {type(value).__name__} value"
