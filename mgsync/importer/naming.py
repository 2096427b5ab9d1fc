"""Names the import has to invent: route names, file names and environment variable names.

Route names come from ``kinds.route.route_names`` (the description; ``<description>#<id>`` for later
duplicates, ``route#<id>`` without one), so the engine derives the same names from the live account
even without a lockfile. Only a name the manifest cannot hold (one with ``/``) is changed here, and
the lockfile then ties it to the route's id. Every name that differs from the live description comes
with a note saying why (printed by the CLI; the manifest states the rule once, so that importing
an account the manifests were applied to gives identical files). Knows nothing of YAML or files on disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mgsync.state import Address, Resource, State

ENGINE_SUFFIX = {"handlebars": ".hbs", "go": ".tmpl"}


@dataclass(frozen=True)
class RouteName:
    name: str
    note: str  # "" when the name is the live description as it is


def route_names(routes: list[Resource]) -> dict[Address, RouteName]:
    """The manifest name of every observed route, and why it differs from the description."""
    taken = {r.address.key for r in routes}
    named = {}
    for route in routes:
        name = route.address.key
        if "/" in name:
            wanted = name.replace("/", "-")
            name = wanted if wanted not in taken else f"{wanted}#{route.meta['id']}"
            taken.add(name)
        named[route.address] = RouteName(name, _why(route, name))
    return named


def _why(route: Resource, name: str) -> str:
    description = str(route.meta.get("description") or "")
    if name == description:
        return ""
    if not description.strip():
        return "no description in Mailgun: named by its id"
    if name == f"{description.strip()}#{route.meta['id']}":
        return f"an older route is also described {description.strip()!r}: named by its id"
    if "/" in description:
        return f'described {description!r} in Mailgun; a name cannot hold "/"'
    return f"described {description!r} in Mailgun (surrounding spaces dropped)"


def rename_routes(observed: State, names: dict[Address, RouteName]) -> None:
    """Put the routes of ``observed`` under their manifest names (their ids stay in ``meta``)."""
    for address, named in names.items():
        if named.name != address.key:  # never another route's current name: those are all taken
            resource = observed[address]
            observed.remove(address)
            observed.add(Resource(Address("route", named.name), resource.body, meta=resource.meta))


def file_stem(name: str) -> str:
    """A file name (without suffix) for ``name`` that is safe on every file system."""
    stem = re.sub(r"[^\w.@+-]", "_", name).strip(".") or "_"
    return stem[:120]


def template_file(domain: str, name: str, engine: str, taken: set[str]) -> str:
    stem, suffix = file_stem(name), ENGINE_SUFFIX.get(engine, ".txt")
    path, n = f"templates/{domain}/{stem}{suffix}", 1
    while path.lower() in taken:  # case-blind: two names may only differ in case or in unsafe characters
        n += 1
        path = f"templates/{domain}/{stem}-{n}{suffix}"
    taken.add(path.lower())
    return path


def password_variable(domain: str, login: str) -> str:
    """``MG_SMTP_MG_EXAMPLE_COM_ALICE``: the ``${env:}`` name suggested for a login's password."""
    return "MG_SMTP_" + re.sub(r"[^A-Z0-9]+", "_", f"{domain}_{login}".upper()).strip("_")
