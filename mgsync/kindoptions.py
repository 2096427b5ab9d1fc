"""The per-kind options of the command line: one repeatable option per kind that offers a capability
(``--delete-route NAME``, ``--verify-domain NAME``, ``--route NAME`` on import). Part of the command
line, as ``cliparts.py`` is. Names no kind: the registry decides which kinds get one.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

if TYPE_CHECKING:
    from mgsync.kinds import Kind

P = ParamSpec("P")
R = TypeVar("R")


GLOB = frozenset("*?[")
TARGET_HELP = "Limit to this address (KIND:KEY) or glob (repeatable)."


def known_targets(_ctx: click.Context, _param: click.Parameter, targets: tuple[str, ...]) -> tuple[str, ...]:
    """``--target``'s check, before anything is read: each target is an address (``KIND:KEY``) or a
    glob, whose kind is one the registry knows. A kind mistyped would match nothing, and the plan
    would say "No changes" where there are some."""
    from mgsync.kinds import KINDS
    from mgsync.shapes.rules import unknown

    names = [kind.name for kind in KINDS]
    for target in targets:
        kind, colon, _ = target.partition(":")
        if GLOB & set(kind):
            if colon and not any(fnmatch.fnmatchcase(name, kind) for name in names):
                raise click.BadParameter(f"{target}: no kind matches {kind} (kinds: {', '.join(names)})")
        elif not colon:
            raise click.BadParameter(f"{target} is not an address (KIND:KEY) or a glob over addresses ('KIND:*')")
        elif kind not in names:
            raise click.BadParameter(f"{target}: {unknown('kind', kind, names)}")
    return targets


def per_kind(flag: str, option: str, help: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """One repeatable ``option`` (e.g. ``--delete-{name}``) per kind offering ``flag`` (``_offers``).

    The registry decides which kinds get one, so this module names none; the keys given land in
    ``named(flag)``, by kind name.
    """
    from mgsync.kinds import KINDS, children

    def collect(kind: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], None]:
        def store(ctx: click.Context, param: click.Parameter, keys: tuple[str, ...]) -> None:
            ctx.meta.setdefault(flag, {})[kind] = keys

        return store

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        for kind in reversed([k for k in KINDS if _offers(k, flag)]):
            others = [k.noun(2) for k in children(None) if k is not kind]
            text = help.format(noun=kind.noun(1), others=_and(others))
            fn = click.option(
                option.format(name=kind.name),
                multiple=True,
                metavar="NAME",
                expose_value=False,
                callback=collect(kind.name),
                help=text,
            )(fn)
        return fn

    return decorate


def _offers(kind: Kind[Any], flag: str) -> bool:
    """Whether ``kind`` takes the per-kind option ``flag``, by the capabilities it declares."""
    from mgsync.kinds import Deletable, OwnFile, Verifiable

    match flag:
        case "confirm_delete":
            return isinstance(kind, Deletable) and kind.confirm_delete
        case "verifiable":
            return isinstance(kind, Verifiable)
        case "import_filter":
            return isinstance(kind, OwnFile) and kind.import_filter
    raise ValueError(f"per_kind: no kind offers the option {flag!r}")


def _and(words: list[str]) -> str:
    return f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else "".join(words)


def named(flag: str) -> dict[str, tuple[str, ...]]:
    """The keys given to the ``per_kind`` options of ``flag``, by kind name."""
    return dict(click.get_current_context().meta.get(flag, {}))
