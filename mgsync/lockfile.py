"""The lockfile: what mgsync manages and what it last observed, as deterministic JSON.

Layout (sorted keys, 2-space indent, no timestamps, so an apply that changed nothing rewrites it
byte for byte and it diffs cleanly in git)::

    {"format_version": 1,
     "account_notes": "sha256:…",
     "resources": {"route:support-inbox": {"body": {...}, "fingerprint": "sha256:…", "meta": {"id": "…"}},
                   "credential:mg.example.com/alice": {"body": {}, "fingerprint": "…", "secret_hash": "scrypt$…"}},
     "collections": {"member:news@mg.example.com": {"count": 3, "digest": "sha256:…"}},
     "secrets_verifier": "scrypt$…",
     "account": {"region": "us", "sandbox": "sandbox….mailgun.org", "subaccount": null}}

Bodies never hold a secret (secret fields are excluded; passwords are kept as salted scrypt hashes).
``secrets_verifier`` (present only when the lockfile holds secret hashes the manifests all match) is
one more salted scrypt hash, of every (address, secret hash, secret) at once, so that a plan checks
all stored passwords with one scrypt instead of one per credential (see ``engine.secret_matches``);
it is kept as it is while it still verifies, so a no-op apply rewrites the file byte for byte.
``account`` names the Mailgun account (and subaccount) the lockfile belongs to (``account.py``:
what identifies one, and the refusal to use the lockfile on another); absent in older lockfiles.
Writes are atomic (temp file + rename). ``safefile.hold`` takes an exclusive lock on a sidecar file
so two applies on one lockfile cannot run at once.

The journal (``<lockfile>.journal``, JSON Lines) makes an apply's record of each step durable without
rewriting the whole file per step, which made an apply quadratic in what it wrote. An apply opens it
(``open_journal``), appends the resulting entry of every address a step changed (``commit``: one
append and one fsync for every group of steps that finished together), and folds it into the lockfile
when it ends, even when it fails (``write``: the new file atomically, then the journal removed). Its
first line names the lockfile text it continues (``base``, a digest). ``read`` replays a journal whose
base is the file it read, so after a kill at any moment the lockfile as read holds every step committed
before it; a journal of another base (the fold completed, or the file was replaced since: a pull, a
checkout) is stale and ignored (``journal.py`` reads it). The document apart from the file (its shape,
text, collection digests, conflict markers) is ``lockdoc.py``'s.

``account_notes`` (present only when there were some) is the digest of the notes on the account as
the last apply left it (``plandigest.account_digest``: unverified domains, certificates), so a review shows
them only when they changed; import leaves it out (it reads no domain's detail, so it cannot see them
as a plan does). A top-level field this version does not know is kept as it was read (``others``): a
lockfile written by a newer mgsync loses nothing here.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from mgsync import __version__, jsontext
from mgsync.errors import LockfileError, read_file
from mgsync.fingerprint import digest, fingerprint
from mgsync.journal import JOURNAL_VERSION, append, journal_path, read_journal
from mgsync.kinds import BY_NAME, Kind
from mgsync.lockdoc import FORMAT_VERSION, KNOWN_FIELDS, collection_text, conflicted, shape_problem
from mgsync.safefile import hold, replaced, temporary, unwritable
from mgsync.state import Address, Entries, Resource, State

log = logging.getLogger("mgsync.lockfile")


class Lockfile:
    def __init__(self, path: Path, resources: dict[str, Any] | None = None, collections: dict[str, Any] | None = None):
        self.path = path
        self.resources: dict[str, dict[str, Any]] = dict(resources or {})
        self.collections: dict[str, dict[str, Any]] = dict(collections or {})
        self.account_notes: str | None = None
        self.others: dict[str, Any] = {}  # top-level fields this version does not know, written back as read
        self.secrets_verifier: str | None = None
        self.account: dict[str, Any] | None = None  # see account.py
        self._mutex = threading.Lock()  # guards the dicts
        self._writing = threading.Lock()  # serialises writes, so an older snapshot never lands last
        self._journal: int | None = None  # the open journal's file descriptor (``open_journal``)
        self._made: dict[str, bytes] = {}  # secret hashes this run made: a sha256 of each one's secret (``vouch``)
        self._dirty: set[str] = set()  # addresses changed since the journal's last commit
        # what is recorded in place of values from ${env:}: their references (engine.sealing)
        self.seal: Sealing = _UNSEALED

    @classmethod
    def read(cls, path: Path) -> Lockfile:
        try:
            raw = read_file(path)
        except (FileNotFoundError, NotADirectoryError):
            return cls(path)  # a journal always continues a file its apply wrote first (``open_journal``)
        except OSError as err:
            remedy = (
                "choose a shorter path (--lockfile)" if err.errno == errno.ENAMETOOLONG else "make it a readable file"
            )
            raise LockfileError(f"{path}: cannot read the lockfile ({err.strerror}); {remedy}") from None
        try:
            text = raw.decode("utf-8-sig")  # a byte order mark, as Windows editors save: the next write drops it
        except UnicodeDecodeError:
            raise LockfileError(f"{path}: cannot read the lockfile (not UTF-8 text); restore it from git") from None
        try:
            data = jsontext.loads(text)
        except ValueError as err:
            unreadable = f"{path}: cannot read the lockfile ({err}); restore it from git"
            raise LockfileError(conflicted(path, text) or unreadable) from None
        found = data.get("format_version") if isinstance(data, dict) else None
        if type(found) is int and found > FORMAT_VERSION:  # a teammate's newer mgsync wrote it
            raise LockfileError(
                f"{path}: written by a newer mgsync (lockfile format_version {found}; this mgsync "
                f"{__version__} reads {FORMAT_VERSION}): upgrade mgsync"
            )
        if found != FORMAT_VERSION:
            raise LockfileError(f"{path}: not an mgsync lockfile of format_version {FORMAT_VERSION}")
        _check_shape(path, data)
        lock = cls(path, data.get("resources"), data.get("collections"))
        notes = data.get("account_notes")
        lock.account_notes = notes if isinstance(notes, str) else None
        lock.others = {key: value for key, value in data.items() if key not in KNOWN_FIELDS}
        verifier = data.get("secrets_verifier")
        lock.secrets_verifier = verifier if isinstance(verifier, str) else None
        account = data.get("account")
        lock.account = account if isinstance(account, dict) else None
        lock._replay(text)
        return lock

    @property
    def journal_path(self) -> Path:
        return journal_path(self.path)

    def _replay(self, text: str) -> None:
        """Apply the steps of an interrupted apply's journal, when it continues ``text`` (the file as read)."""
        steps = read_journal(self.journal_path, digest(text))
        for key, entry in steps:
            if entry is None:
                self.resources.pop(key, None)
            else:
                self.resources[key] = entry

    def state(self) -> State:
        """The locked state: every managed object as last observed."""
        state = State()
        for key, entry in self.resources.items():
            address = Address.parse(key)
            kind = BY_NAME.get(address.kind)
            if kind is None:
                raise LockfileError(f"{self.path}: unknown kind in address {key!r}")
            state.add(Resource(address, self._body(kind, key, entry.get("body", {})), meta=entry.get("meta", {})))
        return state

    def _body(self, kind: Kind[Any], key: str, body: Any) -> Any:
        """An entry's model; a setting recorded as Mailgun showed it, which the model refuses, as read
        (``Kind.as_read``)."""
        try:
            return kind.model.model_validate(body)
        except ValidationError as err:
            found = kind.as_read(body, err.errors()) if isinstance(body, dict) else None
        if found is None:
            raise LockfileError(f"{self.path}: entry {key!r} does not match its kind; restore it from git")
        return found

    def secret_hashes(self) -> dict[str, str]:
        """Every stored secret hash, by address."""
        with self._mutex:
            return {key: entry["secret_hash"] for key, entry in self.resources.items() if entry.get("secret_hash")}

    def vouch(self, stored: str, secret: str) -> None:
        """``stored`` was just made from ``secret`` (an apply wrote a new password): the re-plan after
        the apply knows they match without a second scrypt (``vouches``). Kept in memory only."""
        self._made[stored] = hashlib.sha256(secret.encode()).digest()

    def vouches(self, secret: str, stored: str | None) -> bool:
        """Whether this run made ``stored`` from ``secret`` (``vouch``); False means only "not known here"."""
        made = self._made.get(stored or "")
        return made is not None and hmac.compare_digest(made, hashlib.sha256(secret.encode()).digest())

    def secret_hash(self, address: Address) -> str | None:
        return self.resources.get(str(address), {}).get("secret_hash")

    def references(self) -> bool:
        """Whether a recorded body holds a ``${env:NAME}`` reference (``seal``)."""
        with self._mutex:
            bodies = [entry.get("body") for entry in self.resources.values()]
        return any("${env:" in text for text in jsontext.strings(bodies))

    def record(self, resource: Resource, *, secret_hash: str | None = None, meta_keys: tuple[str, ...] = ()) -> None:
        body = self.seal.recorded(resource)
        entry: dict[str, Any] = {"body": body, "fingerprint": fingerprint(body)}
        meta = {k: resource.meta[k] for k in meta_keys if resource.meta.get(k) is not None}
        if meta:
            entry["meta"] = meta
        if secret_hash:
            entry["secret_hash"] = secret_hash
        with self._mutex:
            self.resources[str(resource.address)] = entry
            self._dirty.add(str(resource.address))

    def forget(self, address: Address) -> None:
        with self._mutex:
            self.resources.pop(str(address), None)
            self._dirty.add(str(address))

    def record_collection(self, kind: str, scope: str, entries: Entries, made: str | None = None) -> None:
        """Record one collection's live entries (``Row.entry`` tuples by name) as a count and a digest
        of them sealed (a token in a member's ``vars`` as its reference: a digest of the value would let
        a short one be guessed); ``made``: that digest, when the caller made it already (import)."""
        if entries and made is None:
            text = collection_text(kind, scope, entries)
            if self.seal.found_in_json(text):  # else no entry holds one: 200,000 entries are not walked
                text = collection_text(kind, scope, self.seal.data(entries))
            made = digest(text)
        recorded = {"count": len(entries), "digest": made} if entries else None
        with self._mutex:
            if recorded:
                self.collections[f"{kind}:{scope}"] = recorded
            else:
                self.collections.pop(f"{kind}:{scope}", None)

    def render(self) -> str:
        data: dict[str, Any] = {
            **self.others,
            "format_version": FORMAT_VERSION,
            "resources": self.resources,
            "collections": self.collections,
        }
        if self.account_notes:
            data["account_notes"] = self.account_notes
        if self.secrets_verifier:
            data["secrets_verifier"] = self.secrets_verifier
        if self.account is not None:
            data["account"] = self.account
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def write(self) -> None:
        """Atomically replace the file (temp file in the same directory, fsync, rename), then remove
        the journal it now holds (``open_journal``)."""
        with self._writing:
            self._write()
            self._close_journal()
            try:
                self.journal_path.unlink(missing_ok=True)
            except OSError as err:  # Windows: another process has it open; its base is no longer the file's
                log.debug("lockfile: the folded journal %s stays (%s); read ignores it", self.journal_path, err)

    def open_journal(self) -> None:
        """Start recording steps in the journal: the file is first written as it is in memory (what
        reading replayed, the account adopted), so that the journal continues exactly that text."""
        with self._writing:
            header = json.dumps({"journal": JOURNAL_VERSION, "base": digest(self._write())}) + "\n"
            try:
                fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY, 0o644)
                append(fd, header)
            except OSError as err:
                raise LockfileError(
                    f"Cannot write the apply journal {self.journal_path}: {unwritable(self.journal_path, err)}."
                ) from None
            self._journal = fd
            with self._mutex:
                self._dirty.clear()

    def commit(self) -> None:
        """Append the entry of every address changed since the last commit to the journal, durably:
        the steps that finished before this call survive a kill from now on."""
        with self._writing:
            if self._journal is None:
                return
            with self._mutex:
                lines = [
                    json.dumps([key, self.resources.get(key)], sort_keys=True, ensure_ascii=False) + "\n"
                    for key in sorted(self._dirty)
                ]
                self._dirty.clear()
            if not lines:
                return
            try:
                append(self._journal, "".join(lines))
            except OSError as err:
                raise LockfileError(
                    f"Cannot write the apply journal {self.journal_path}: {err.strerror or err}; free space or "
                    "make it writable, then run the command again (the next apply records what Mailgun already holds)."
                ) from None

    def _close_journal(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None

    def _write(self) -> str:
        """Write the file unless it holds this text already; the text it holds now."""
        with self._mutex:
            text = self.render()
        if self.path.exists() and self.path.read_bytes() == text.encode("utf-8"):  # bytes: CRLF (autocrlf) is no match
            return text
        target = replaced(self.path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = temporary(target, ".mgsync-lock-")
        except OSError as err:
            raise LockfileError(
                f"Cannot write the lockfile {self.path}: {unwritable(self.path, err)}, then run the command again "
                "(the next apply records what Mailgun already holds)."
            ) from None
        try:
            # "\n" as written on every system (Windows would write "\r\n"): the journal's base is this text's digest
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException as err:
            Path(tmp).unlink(missing_ok=True)
            if not isinstance(err, OSError):
                raise
            kept = (  # the journal is closed only once the file holds it (``write``)
                f"the apply journal {self.journal_path} keeps every step that completed"
                if self._journal is not None
                else "the next apply records what Mailgun already holds"
            )
            raise LockfileError(
                f"Cannot write the lockfile {self.path}: {err.strerror or err}; free space or make it writable, "
                f"then run the command again ({kept})."
            ) from None
        return text


_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class Sealing(Protocol):
    """What the lockfile records of bodies and entries (``engine.sealing.Seal``)."""

    def recorded(self, resource: Resource) -> Any:
        """The body recorded of ``resource``."""

    def data(self, value: Any) -> Any:
        """JSON-like ``value`` as recorded; the same object when nothing in it is sealed."""

    def found_in_json(self, text: str) -> bool:
        """Whether JSON ``text`` may hold a value ``data`` seals (False: it holds none)."""


class _Unsealed:
    """No value from ``${env:}`` to seal: bodies and entries as they are."""

    def recorded(self, resource: Resource) -> Any:
        return resource.body.comparable()

    def data(self, value: Any) -> Any:
        return value

    def found_in_json(self, text: str) -> bool:
        return False


_UNSEALED = _Unsealed()


def _check_shape(path: Path, data: dict[str, Any]) -> None:
    """A ``LockfileError`` naming the first entry not of a lockfile's shape (a hand edit, a bad merge):
    each field is used as what mgsync wrote, and anything else would fail later, as a bug would."""
    problem = shape_problem(data)
    if problem is not None:
        raise LockfileError(f"{path}: {problem}; restore it from git")


STATE_WAIT = "run the command again once it has finished"  # ``mgsync state`` has no --lock-timeout


def fold(lockfile: Path, *, held: bool = False) -> None:
    """Bring an interrupted apply's journal into the lockfile (``mgsync state push`` and ``pull``),
    holding its apply lock unless the caller ``held`` it already."""
    if journal_path(lockfile).exists():
        if held:
            Lockfile.read(lockfile).write()
            return
        with hold(lockfile, hint=STATE_WAIT):
            Lockfile.read(lockfile).write()
