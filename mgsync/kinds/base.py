"""What every kind shares: the canonical model base class and the ``Kind`` interface.

A kind's model is its canonical form: the same type whether built from YAML (only the fields the
user wrote are *set*; unset fields are not managed) or from the API (every field set). Fields named
in ``POLICY`` steer mgsync (e.g. how many template versions to keep) and are never diffed or sent.

A ``Kind`` says what every kind of Mailgun object has, as an octoDNS record type does: its place
(``parent``, ``section``), its identity rule, its manifest shape and how entries become resources
(``document``, ``declare``), how live objects are written back by ``import`` (``export``) and how
they are read (``read``). What only some kinds do (write, delete, prune, batch, verify, review, warn
of losses, own an import file) are the opt-in protocols of ``capabilities.py``, which a kind names
among its bases. Retry and batching policy are not here: they live with apply (``apply.py``, ``writes.py``).
Knows nothing of the registry, the engine or rendering.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import OddItem, odd_sink
from mgsync.changes import Change
from mgsync.errors import ApiError, MgsyncError, NoAnswerError
from mgsync.shapes.doc import Doc, Group, written
from mgsync.state import Address, Body, Entries, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest
    from mgsync.shapes.output import Output

M = TypeVar("M", bound=Body)
Loc = tuple[Any, ...]  # a place in a manifest's YAML tree
log = logging.getLogger("mgsync.read")
UNREADABLE = "unreadable"  # meta of a placeholder for a live object the model refuses: never stored (observe)


class Kind(Generic[M]):
    """One kind of Mailgun object.

    ``parent`` is the kind whose objects contain this kind's (``None``: account level); a scoped
    object's address is ``<name>:<parent key>/<own key>`` and one read covers one parent object.
    This is the core every kind has; the rest is opt-in (``capabilities.py``): e.g. ``Bulk`` kinds
    (``BulkKind`` in bulk.py: members, suppressions) are additive collections written in batches.
    """

    name: ClassVar[str]  # the address prefix, e.g. "webhook"
    model: type[M]  # the canonical model
    parent: ClassVar[Kind[Any] | None] = None
    # Kinds whose changes in the same scope an apply makes before this kind's (and deletes after):
    # everything else an apply runs concurrently, after the object it lives in (apply.py).
    follows: ClassVar[tuple[Kind[Any], ...]] = ()
    nouns: ClassVar[tuple[str, str] | None] = None  # (one, many) for plans; default name / name + "s"

    # --- where the kind lives in a manifest, and its shape there ---
    section: ClassVar[str]  # the key of this kind's section in its parent's document
    group: ClassVar[Group | None] = None  # a mapping the section sits in (``suppressions:``)
    document: ClassVar[Any]  # the section's value type (a pydantic annotation, with docs)
    # A container kind (one other kinds name as parent) gives instead its key type and its own
    # fields; its section is ``{key: entry}`` with the entry document built by manifest.document.
    key_type: ClassVar[Any] = str
    settings: ClassVar[type[Doc] | None] = None
    note: ClassVar[str] = ""  # the comment import writes above the section; ``{scope}`` = parent key
    lock_meta: ClassVar[tuple[str, ...]] = ()  # server facts worth keeping in the lockfile

    def noun(self, count: int) -> str:
        one, many = self.nouns or (self.name, f"{self.name}s")
        return one if count == 1 else many

    # --- identity ---

    def identity(self, key: str) -> str:
        """The one matching rule for keys, used by loader, planner, pruning and import alike.

        Mailgun compares domain names, e-mail addresses, logins and template names case-blind.
        """
        return key.lower()

    def identities(self, keys: Iterable[str]) -> list[str]:
        """``identity`` of each key (200,000 names of a large account's CSV files at once)."""
        return list(map(str.lower, keys))

    def canonical(self, address: Address) -> Address:
        key = self.identity(address.key)
        return address if key == address.key else Address(address.kind, key)

    def canonical_table(self, scope: str, entries: Entries) -> tuple[str, Entries]:
        """A collection's scope and entries keyed as the kinds match them; the same objects when they
        are already (checked on all names at once: ``identity`` folds case character by character)."""
        key = self.parent.identity(scope) if self.parent is not None else scope
        names = "\n".join(entries)
        if key == scope and self.identity(names) == names:
            return scope, entries
        return key, {self.identity(name): entry for name, entry in entries.items()}

    def address(self, scope: str, name: str) -> Address:
        return Address(self.name, f"{scope}/{name}" if scope else name)

    def requires(self, address: Address) -> tuple[Address, ...]:
        """Objects outside its parent that Mailgun needs before it takes this one (a forward's domain):
        an apply writes it after their creates and updates, and deletes them after it (apply.py)."""
        return ()

    def scope_of(self, address: Address) -> str:
        """The key of the parent object ``address`` lives in (``""`` at account level)."""
        return address.scope if self.parent is not None else ""

    def parent_address(self, address: Address) -> Address | None:
        """The address of the object ``address`` lives in (``None`` at account level)."""
        return None if self.parent is None else Address(self.parent.name, self.scope_of(address))

    def resource(self, scope: str, name: str, body: Mapping[str, Any], **meta: Any) -> Resource:
        """An observed object from an answer of the right shape (answers.py) whose values the model may
        still refuse (a setting Mailgun added since): that is one sentence too, never a traceback; or,
        while ``observe`` reads leniently (``answers.collecting_odd``), a note, and the object left out.
        A refused value of one plain setting (a spam action Mailgun added) costs no more than that
        setting: the object is kept holding the value as read (``as_read``), noted while lenient."""
        address = self.address(scope, name)
        try:
            return Resource(address, self.model.model_validate(body), meta=meta)
        except ValidationError as err:
            errors = err.errors()
        sink, kept = odd_sink(), self.as_read(body, errors)
        if kept is not None:
            for error in errors:
                odd = OddItem("", -1, (address.name,), _refusal(error), self.name, scope, str(address))
                if sink is not None:
                    sink.append(replace(odd, setting=str(error["loc"][0])))
            return Resource(address, kept, meta=meta)
        if sink is None:
            raise MgsyncError(
                f"Mailgun API: {address} has a value mgsync cannot read: {_refusal(errors[0])}; please report this."
            )
        # Reading leniently (``engine.observe``): the object is noted and left out (``UNREADABLE``).
        sink.append(OddItem("", -1, (address.name,), _refusal(errors[0]), self.name, scope, str(address)))
        placeholder: Any = self.model  # a Spec: built unchecked, never stored or shown
        return Resource(address, placeholder.model_construct(), meta={**meta, UNREADABLE: True})

    def as_read(self, body: Mapping[str, Any], errors: list[Any]) -> Any:
        """The model of ``body`` when each refused value is a plain (JSON scalar) value of one top-level
        setting and the rest validate: those values kept as read (unchecked: compared and recorded as
        Mailgun shows them, sent only if a manifest sets them; the lockfile records them so); None otherwise."""
        refused = {str(e["loc"][0]) for e in errors if len(e["loc"]) == 1 and e["loc"][0] in body}
        if len(refused) != len(errors) or not all(isinstance(body[k], (str, int, float)) for k in refused):
            return None
        try:
            valid: Any = self.model.model_validate({k: v for k, v in body.items() if k not in refused})
        except ValidationError:
            return None
        values = {**dict(valid), **{k: body[k] for k in refused}}
        return valid.model_construct(valid.model_fields_set | refused, **values)

    def spec(self, resource: Resource | None) -> M:
        """``resource``'s canonical model, typed as this kind's."""
        if resource is None or not isinstance(resource.body, self.model):
            raise TypeError(f"{self.name}: expected a resource of this kind, got {resource!r}")
        return resource.body

    def live(self, change: Change) -> Resource:
        """The observed object an update or delete acts on."""
        if change.observed is None:
            raise TypeError(f"{change.address}: {change.action.value} without an observed object")
        return change.observed

    # --- manifest: entries -> resources ---

    def declare(self, out: Harvest, scope: str, value: Any, loc: Loc) -> None:
        """Add the resources of this kind's section ``value`` (validated by ``document``) to ``out``.

        The default fits a mapping of entries keyed by name whose written fields are the model's.
        """
        for key, doc in value.items():
            self.declare_one(out, scope, key, doc, (*loc, key))

    def declare_one(self, out: Harvest, scope: str, key: str, doc: Any, loc: Loc) -> None:
        out.declare(self.address(scope, key), self.model, written(doc, self.model.model_fields), loc)

    # --- import: live resources -> the section's YAML value ---

    def export(self, out: Output, scope: str, resources: list[Resource]) -> Any:
        """The YAML value of this kind's section (files it refers to go to ``out``); falsy: none."""
        return CommentedMap((key_in(scope, r.address), self.export_one(out, scope, r)) for r in resources)

    def export_one(self, out: Output, scope: str, resource: Resource) -> Any:
        return CommentedMap(resource.body.model_dump(mode="json"))

    # --- ownership ---

    def hidden(self, resource: Resource) -> str:
        """Why a live object is never managed unless a manifest declares it (a sandbox domain: Mailgun's,
        for testing): import leaves it and what it holds out, and a plan lists it under not managed
        only when asked (``plan --full``); "" for the objects that are managed as usual."""
        return ""

    def recorded(self, locked: Resource, observed: Resource) -> dict[str, Any]:
        """What the lockfile's record says of an object, compared with the live one to show drift."""
        return locked.body.comparable()

    def wanted(self, desired: Resource, observed: Resource) -> dict[str, Any]:
        """The managed fields of ``desired`` to compare with ``observed``; kinds with additive fields
        override (and kinds whose object holds its name, a route's description)."""
        return self.spec(desired).managed()

    # --- the API adapter ---

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        raise NotImplementedError

    def read_scope(self, client: Client, scope: str, locked: State) -> list[Resource]:
        """``read``, where a scope that is gone (its domain or list answers 404) holds nothing. An item
        gone since its listing (a 404 on its own read) is dropped by ``read_item`` inside ``read``,
        never here: one item's 404 never empties its scope."""
        try:
            return self.read(client, scope, locked)
        except ApiError as err:
            if is_not_found(err):
                return []
            raise

    def find(self, client: Client, address: Address) -> Resource | None:
        """The live object at ``address``, if any (apply re-reads after a lost answer)."""
        for resource in self.read_scope(client, self.scope_of(address), State()):
            if resource.address == address:
                return resource
        return None


def _refusal(error: Any) -> str:
    """A pydantic error as ``field: message (got value)``."""
    return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']} (got {error['input']!r})"


class Exact:
    """Mixin for kinds whose keys Mailgun compares exactly (route descriptions)."""

    def identity(self, key: str) -> str:
        return key

    def identities(self, keys: Iterable[str]) -> list[str]:
        return list(keys)


def form_bool(value: bool) -> str:
    return "true" if value else "false"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def path_quote(value: str) -> str:
    """Quote a path segment, keeping ``@`` and ``+`` literal as Mailgun's own clients do (§1.3)."""
    from mgsync.client import segment

    return segment(value)


def key_in(scope: str, address: Address) -> str:
    """``address``'s key within ``scope`` (the whole key at account level): a list may be named
    ``news/fr@mg.example.com`` (``/`` is valid in an address), which ``Address.name`` would cut."""
    return address.key[len(scope) + 1 :] if scope else address.key


def response_lost(err: ApiError) -> bool:
    """A 5xx or a dropped connection: the request may or may not have been committed."""
    return isinstance(err, NoAnswerError) or err.status >= 500


def is_not_found(err: ApiError) -> bool:
    """Mailgun's own 404 (a JSON ``message``: "Route not found"): the object is not there. A 404 page
    in HTML or text is no such answer: an unknown path, or a proxy or firewall in front of Mailgun;
    taking it for "gone" would forget a live object (a delete counted as done)."""
    return err.status == 404 and err.json


def read_item(client: Client, path: str, expected: Any, what: str, **params: Any) -> Any | None:
    """One listed item's own read (``Client.read``); None when it answers 404: the item was deleted
    since the listing, so only it is left out (said with ``--verbose``), never its scope."""
    try:
        return client.read(path, expected, **params)
    except ApiError as err:
        if not is_not_found(err):
            raise
    log.info("%s is gone since it was listed (GET %s answered 404): left out", what, path)
    return None
