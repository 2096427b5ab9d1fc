"""The emulator's in-memory state, its JSON persistence, and seeding helpers for tests and benchmarks.

Owns the containers and the rules that span families (a domain's scoped data lives and dies with it),
and the parent account's subaccounts: each is a whole ``Store`` of its own, persisted inside the
parent's state file. A newer endpoint family keeps its account-level state in a generic ``Family``
(``store.family(name)``), so adding one never edits this module. Knows nothing of HTTP: the endpoint
modules read and write these containers under the emulator lock.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgsync import jsontext
from mgsync.emulator import certificates, dkimkeys, records
from mgsync.emulator.tables import Family, Table
from mgsync.emulator.wire import parse_date
from mgsync.errors import ConfigError, read_file

SUPPRESSION_KINDS = ("bounces", "unsubscribes", "complaints", "whitelists")
__all__ = ["SUPPRESSION_KINDS", "Family", "Store", "Subaccount", "Table"]


@dataclass
class Subaccount:
    record: dict[str, Any]  # as /v5/accounts/subaccounts renders it
    store: Store


ELSEWHERE = "--memory with emulator serve, another --emulator-state FILE with --emulator."


def _unusable(path: Path, why: str) -> ConfigError:
    # Both ways of starting the emulator read a state file: name each one's way around it.
    return ConfigError(
        f"{path} is not a usable emulator state file ({why}); remove it to start an empty account, "
        f"or start elsewhere: {ELSEWHERE}"
    )


class Store:
    """All emulated state of one account. Domain names and keyed addresses are stored lower-cased.

    The parent account's store also holds its subaccounts (``subaccounts``: id → ``Subaccount``).
    UNCONFIRMED: live Mailgun may hold a domain name in one account only; here every account has
    its own namespace, so a subaccount can be given a copy of another's domains.
    """

    def __init__(
        self,
        region: str = "us",
        clock: Callable[[], float] = time.time,
        parent: Store | None = None,
        account_id: str | None = None,
    ):
        self.region, self.clock = region, clock
        self.parent, self.account_id = parent, account_id  # None, None for the parent account
        self.subaccounts: dict[str, Subaccount] = {}
        self.seq = 0
        self.salt: int = parent.salt if parent is not None else secrets.randbits(40)  # the ids' random part
        self.domains: dict[str, dict[str, Any]] = {}
        self.tracking: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, list[str]]] = {}
        self.templates: dict[str, Table] = {}
        self.versions: dict[str, dict[str, Table]] = {}
        self.suppressions: dict[str, dict[str, Table]] = {}
        self.credentials: dict[str, Table] = {}
        self.routes: dict[str, dict[str, Any]] = {}
        self.lists = Table()
        self.members: dict[str, Table] = {}
        self.families: dict[str, Family] = {}

    def family(self, name: str) -> Family:
        """The account-level state of endpoint family ``name`` (e.g. ``"forwards"``), persisted generically."""
        return self.families.setdefault(name, Family())

    def object_id(self, now: float, seq: int) -> str:
        return records.object_id(now, seq, self.salt)

    def next_seq(self) -> int:
        if self.parent is not None:  # one sequence, so ids stay unique across all the accounts
            return self.parent.next_seq()
        self.seq += 1
        return self.seq

    # ---- domains and their scope ----------------------------------------------------------

    def create_domain(
        self, name: str, state: str, settings: dict[str, Any], smtp_password: str | None
    ) -> dict[str, Any]:
        """Create a domain with its scoped containers and its ``postmaster@`` SMTP login."""
        name = name.lower()
        now = self.clock()
        rec = records.domain(name, state, now, self.next_seq(), self.salt, settings)
        self.domains[name] = rec
        self.tracking[name] = records.tracking()
        self.webhooks[name] = {}
        self.templates[name] = Table()
        self.versions[name] = {}
        self.suppressions[name] = {kind: Table() for kind in SUPPRESSION_KINDS}
        self.credentials[name] = Table()
        login = f"postmaster@{name}"
        self.credentials[name].put(login, records.credential(now, login, smtp_password or os.urandom(12).hex()))
        return rec

    def delete_domain(self, name: str) -> None:
        for container in (
            self.domains,
            self.tracking,
            self.webhooks,
            self.templates,
            self.versions,
            self.suppressions,
            self.credentials,
        ):
            container.pop(name, None)

    def suppression_table(self, domain: str, kind: str) -> Table:
        return self.suppressions[domain][kind]

    def member_table(self, list_address: str) -> Table:
        return self.members.setdefault(list_address.lower(), Table())

    # ---- subaccounts (the parent account's only) --------------------------------------------

    def add_subaccount(self, name: str) -> dict[str, Any]:
        """Create an open subaccount with an empty account of its own; return its public record."""
        now = self.clock()
        sub = self._new_subaccount(records.subaccount(now, self.object_id(now, self.next_seq()), name))
        return dict(sub.record)

    def _new_subaccount(self, record: dict[str, Any]) -> Subaccount:
        sub = Subaccount(record, Store(self.region, self.clock, parent=self, account_id=record["id"]))
        self.subaccounts[record["id"]] = sub
        return sub

    def account(self, account_id: str | None) -> Store | None:
        """The store requests on behalf of ``account_id`` act on (``None``: this one); None if unknown."""
        if account_id is None:
            return self
        sub = self.subaccounts.get(account_id)
        return sub.store if sub is not None else None

    # ---- persistence ----------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "format": 1,
            "seq": self.seq,
            "salt": self.salt,
            "domains": self.domains,
            "tracking": self.tracking,
            "webhooks": self.webhooks,
            "routes": self.routes,
            "lists": self.lists.rows,
            "templates": {d: t.rows for d, t in self.templates.items()},
            "versions": {d: {n: t.rows for n, t in by.items()} for d, by in self.versions.items()},
            "suppressions": {d: {k: t.rows for k, t in by.items()} for d, by in self.suppressions.items()},
            "credentials": {d: t.rows for d, t in self.credentials.items()},
            "members": {lst: t.rows for lst, t in self.members.items()},
            "families": {name: f.to_data() for name, f in self.families.items()},
            "subaccounts": {sid: {**sub.record, "state": sub.store.to_data()} for sid, sub in self.subaccounts.items()},
        }

    def load_data(self, data: dict[str, Any]) -> None:
        self.seq = data.get("seq", 0)
        self.salt = data.get("salt", self.salt)  # absent in older files: keep the new one
        if type(self.salt) is not int:
            raise ValueError("salt")
        self.domains, self.tracking = data["domains"], data["tracking"]
        self.webhooks, self.routes = data["webhooks"], data["routes"]
        self.lists = Table(data["lists"])
        self.templates = {d: Table(rows) for d, rows in data["templates"].items()}
        self.versions = {d: {n: Table(rows) for n, rows in by.items()} for d, by in data["versions"].items()}
        self.suppressions = {d: {k: Table(rows) for k, rows in by.items()} for d, by in data["suppressions"].items()}
        self.credentials = {d: Table(rows) for d, rows in data["credentials"].items()}
        self.members = {lst: Table(rows) for lst, rows in data["members"].items()}
        self.families = {
            name: Family.from_data(f) for name, f in data.get("families", {}).items()
        }  # absent in older files
        self.subaccounts = {}
        for saved in data.get("subaccounts", {}).values():  # absent in state files before subaccounts
            sub = self._new_subaccount({k: v for k, v in saved.items() if k != "state"})
            sub.store.load_data(saved["state"])

    def save(self, path: Path) -> None:
        """Write the state atomically (temp file + rename) so a crash never leaves half a file."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        except OSError as err:
            there = next(p for p in (path.parent, *path.parent.parents) if p.exists())
            raise ConfigError(
                f"Cannot save the emulator state file {path} ({err.strerror or err}); make "
                f"{there} writable, or start elsewhere: {ELSEWHERE}"
            ) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_data(), fh, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException as err:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(err, OSError):  # a full disk, a file size limit: the file is as it was
                raise ConfigError(
                    f"Cannot save the emulator state file {path} ({err.strerror or err}); it keeps the state "
                    f"before this change. Free some space, or start elsewhere: {ELSEWHERE}"
                ) from None
            raise

    def load(self, path: Path) -> None:
        """Load the state file at ``path``; a file that is not one (not JSON, another shape, unreadable)
        is a ``ConfigError`` naming it (the half-loaded store is then dropped with its emulator)."""
        try:
            self.load_data(jsontext.loads(read_file(path).decode("utf-8")))
        except json.JSONDecodeError as err:
            where = f"line {err.lineno} column {err.colno}"
            raise _unusable(path, f"not JSON: {err.msg.removesuffix(' at')}, {where}") from None
        except UnicodeDecodeError:
            raise _unusable(path, "not UTF-8 text") from None
        except OSError as err:
            raise _unusable(path, f"cannot read it: {err.strerror or err}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as err:  # JSON, but not of a state file's shape
            what = f"no {err.args[0]!r} entry" if isinstance(err, KeyError) else "JSON of another shape"
            raise _unusable(path, what) from None

    # ---- seeding helpers (no HTTP, no validation) -----------------------------------------

    def add_domain(
        self, name: str, state: str = "unverified", smtp_password: str | None = None, **settings: Any
    ) -> dict[str, Any]:
        if state not in records.DOMAIN_STATES:
            raise ValueError(f"unknown domain state {state!r}")
        return records.public(self.create_domain(name, state, settings, smtp_password))

    def mark_dns_valid(self, name: str, valid: bool = True) -> None:
        """Test hook: every record Mailgun asks for is published in DNS now (or not): its ``valid``
        says so and the next ``PUT /v4/domains/{name}/verify`` passes. DKIM keys created later are
        not published until the hook is called again."""
        rec = self.domains[name.lower()]
        rec["_dns_valid"] = rec["_ass_published"] = valid
        dkimkeys.publish_all(rec, valid)

    def advance_certificates(self) -> int:
        """Test hook: every tracking certificate still being generated is issued; returns how many."""
        return certificates.advance_all(self.domains, self.clock)

    def expire_certificate(self, host: str) -> None:
        """Test hook: the tracking certificate of ``host`` has expired."""
        certificates.expire(self.domains, host, self.clock)

    def add_route(
        self, expression: str, actions: Iterable[str] = ("stop()",), priority: int = 0, description: str = ""
    ) -> dict[str, Any]:
        rec = records.route(self.clock(), self.next_seq(), self.salt, expression, list(actions), priority, description)
        self.routes[rec["id"]] = rec
        return records.public(rec)

    def add_webhook(self, domain: str, event: str, urls: Iterable[str]) -> None:
        self.webhooks[domain.lower()][event] = list(urls)

    def set_tracking(
        self,
        domain: str,
        open: bool | None = None,
        click: bool | str | None = None,
        unsubscribe: bool | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Set tracking flags; ``fields`` may hold place_at_the_top, html_footer, text_footer."""
        t = self.tracking[domain.lower()]
        for section, value in (("open", open), ("click", click), ("unsubscribe", unsubscribe)):
            if value is not None:
                t[section]["active"] = value
        if "place_at_the_top" in fields:
            t["open"]["place_at_the_top"] = fields.pop("place_at_the_top")
        t["unsubscribe"].update(fields)
        return {k: dict(v) for k, v in t.items()}

    def add_template(
        self,
        domain: str,
        name: str,
        description: str = "",
        versions: Iterable[dict[str, Any]] = (),
        created_by: str = "",
    ) -> dict[str, Any]:
        domain = domain.lower()
        return seed_template(
            self.templates[domain], self.versions[domain], self.clock(), name, description, versions, created_by
        )

    def add_list(self, address: str, **fields: Any) -> dict[str, Any]:
        rec = records.mailing_list(self.clock(), address, fields)
        self.lists.put(rec["address"], rec)
        self.member_table(rec["address"])
        return dict(rec)

    def add_members(self, list_address: str, members: Iterable[dict[str, Any]]) -> int:
        table = self.member_table(list_address)
        rows = table.rows
        count = 0
        for m in members:
            rec = records.member(m["address"], m.get("name"), m.get("subscribed", True), m.get("vars"))
            rows[rec["address"].lower()] = rec
            count += 1
        table._sorted = None
        return count

    def _add_suppressions(
        self,
        domain: str,
        kind: str,
        items: Iterable[dict[str, Any]],
        build: Callable[[float, dict[str, Any]], dict[str, Any]],
        key: str = "address",
    ) -> int:
        table = self.suppression_table(domain.lower(), kind)
        now, count = self.clock(), 0
        for item in items:
            ts = parse_date(item["created_at"]) if item.get("created_at") else now
            table.rows[item[key].lower()] = build(ts, item)
            count += 1
        table._sorted = None
        return count

    def add_bounces(self, domain: str, items: Iterable[dict[str, Any]]) -> int:
        return self._add_suppressions(
            domain,
            "bounces",
            items,
            lambda ts, i: records.bounce(ts, i["address"], i.get("code", "550"), i.get("error", "")),
        )

    def add_unsubscribes(self, domain: str, items: Iterable[dict[str, Any]]) -> int:
        return self._add_suppressions(
            domain,
            "unsubscribes",
            items,
            lambda ts, i: records.unsubscribe(
                ts, i["address"], i.get("tags") or ([i["tag"]] if i.get("tag") else None)
            ),
        )

    def add_complaints(self, domain: str, items: Iterable[dict[str, Any]]) -> int:
        return self._add_suppressions(domain, "complaints", items, lambda ts, i: records.complaint(ts, i["address"]))

    def add_allowlist(self, domain: str, items: Iterable[dict[str, Any]]) -> int:
        norm = ({**i, "value": i.get("value") or i.get("address") or i.get("domain")} for i in items)
        return self._add_suppressions(
            domain, "whitelists", norm, lambda ts, i: records.allow(ts, i["value"], i.get("reason", "")), key="value"
        )

    def add_credential(self, domain: str, login: str, password: str) -> dict[str, Any]:
        domain = domain.lower()
        full = login if "@" in login else f"{login}@{domain}"
        rec = records.credential(self.clock(), full, password)
        self.credentials[domain].put(full, rec)
        return records.public(rec)

    def password_matches(self, domain: str, login: str, password: str) -> bool:
        """Test helper: whether the stored SMTP password for ``login`` is ``password``."""
        full = login if "@" in login else f"{login}@{domain}"
        rec = self.credentials[domain.lower()].get(full)
        return rec is not None and rec["_password"] == records.hash_password(password)


def seed_template(
    templates: Table,
    versions: dict[str, Table],
    now: float,
    name: str,
    description: str = "",
    specs: Iterable[dict[str, Any]] = (),
    created_by: str = "",
) -> dict[str, Any]:
    """Seeding helper for a template of a domain or of the account (no validation, no limits): ``specs``
    as ``{"tag", "template", "engine", "comment", "headers", "active"}``; the first (or the one marked
    active) is active."""
    rec = records.template(now, name, description, created_by)
    templates.put(rec["name"], rec)
    table = versions.setdefault(rec["name"], Table())
    for spec in specs:
        ver = records.version(
            now,
            spec["tag"],
            spec.get("template", ""),
            spec.get("engine", "handlebars"),
            spec.get("comment", ""),
            spec.get("headers"),
            bool(spec.get("active")),
        )
        if ver["active"] or not len(table):
            for other in table.rows.values():
                other["active"] = False
            ver["active"] = True
        table.put(ver["tag"], ver)
    return dict(rec)
