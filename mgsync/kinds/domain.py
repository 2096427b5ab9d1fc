"""Kind ``domain``: a sending domain's settings (``domain:<name>``). mailgun-api.md §2, wire-issue12 §1.

In a manifest: ``domains: {<name>: {<settings>, <sections of the kinds inside a domain>}}``; import
writes one ``<name>.yaml`` per domain.

Settings come in three sorts. *Listed* ones are in ``GET /v4/domains`` and change in place (PUT).
``mailfrom_host`` changes in place too but is shown only by ``GET /v4/domains/{name}?h:extended=true``
and is not taken by POST (sent by a PUT right after creation). *Create-only* ones (``CREATE_ONLY``) are
sent with the POST; Mailgun shows none of them but ``encrypt_incoming_message``, so the value mgsync
sent is what the lockfile keeps and the next plans compare with: a different value on a live domain
is a refusal ("cannot change in place"), never a silent re-creation; on a domain mgsync did not
create the value is unknown and a note says it is not checked.

Live status (``state``, the records Mailgun still reports not valid, the HTTPS tracking certificate:
``domain_status.py`` reads and words them) rides in ``POLICY`` fields: never written in YAML,
diffed or recorded. They are read only for domains the lockfile holds, and only when they matter
(unverified, ``mailfrom_host`` managed, ``https``), so an unchanged verified account is still
planned from the one listing.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, model_validator

from mgsync.answers import BOOL, INT, STR, Obj
from mgsync.changes import Change, Notice
from mgsync.kinds.base import Kind, Loc, form_bool, path_quote
from mgsync.kinds.capabilities import Deletable, OwnFile, Reviewable, Verifiable, Writable
from mgsync.kinds.domain_status import (
    CERTIFICATE,
    certificate_note,
    ensure_certificate,
    invalid_records,
    read_status,
    tracking_host,
    unverified_note,
)
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc
from mgsync.shapes.fields import DomainName
from mgsync.state import Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

SpamAction = Literal["disabled", "block", "tag"]
WebScheme = Literal["http", "https"]


KeySize = Literal[1024, 2048]
ATOM = rules.SELECTOR  # a DKIM selector: one DNS label, as Mailgun takes it
# Sent only with POST /v4/domains; PUT ignores them (wire-issue12.md §1.1).
CREATE_ONLY = (
    "dkim_key_size",
    "dkim_selector",
    "dkim_host_name",
    "force_dkim_authority",
    "force_root_dkim_host",
    "encrypt_incoming_message",
    "ips",
    "pool_id",
)
LISTED = (
    "spam_action",
    "web_scheme",
    "web_prefix",
    "wildcard",
    "require_tls",
    "skip_verification",
    "use_automatic_sender_security",
    "archive_to",
    "message_ttl",
    "encrypt_incoming_message",
)
REMEMBERED = tuple(f for f in (*CREATE_ONLY, "mailfrom_host") if f not in LISTED)  # known from the lockfile
QUIET_DEFAULTS: dict[str, Any] = {"archive_to": "", "message_ttl": 0, "encrypt_incoming_message": False}


class Domain(Spec):
    # Live status, read for managed domains: never in YAML, never diffed or recorded (see the module).
    POLICY: ClassVar[frozenset[str]] = frozenset({"state", "invalid_records", CERTIFICATE})

    spam_action: SpamAction = "disabled"
    web_scheme: WebScheme = "http"
    web_prefix: str = "email"  # an atom (``_web_prefix``); the model takes what Mailgun shows
    wildcard: StrictBool = False
    require_tls: StrictBool = False
    skip_verification: StrictBool = False
    use_automatic_sender_security: StrictBool = False
    archive_to: str = ""  # absent from Mailgun's answer when unset
    message_ttl: StrictInt = 0
    mailfrom_host: str | None = None  # None: none set, or not known (not read, never set by mgsync)
    encrypt_incoming_message: StrictBool = False
    dkim_key_size: KeySize | None = None  # this and below: None = not known (see the module)
    dkim_selector: str | None = None
    dkim_host_name: str | None = None
    force_dkim_authority: StrictBool | None = None
    force_root_dkim_host: StrictBool | None = None
    ips: tuple[str, ...] | None = None
    pool_id: str | None = None
    state: str | None = None
    invalid_records: tuple[str, ...] | None = None  # "TXT smtp._domainkey.mg.example.com"; None: not read
    tracking_certificate: str | None = None  # none, processing, active, expired, error; None: not read


def _web_prefix(text: str) -> str:
    """Mailgun's OpenAPI (PUT /v4/domains, ``web_prefix``): "Must be a valid atom". Whether Mailgun
    takes upper case or an underscore is UNCONFIRMED (mgsync's emulator takes ``e_mail``): accepted."""
    if not rules.is_atom(text):
        raise ValueError(f'"{text}" is not a valid web prefix (Mailgun takes an atom: {rules.ATOM_WORDS})')
    return text


def _unusual(doc: DomainSettingsDoc) -> list[tuple[str, str]]:
    """Valid settings that may not do what their author expects: (field, warning)."""
    found, written = [], doc.model_fields_set
    if "web_prefix" in written and not rules.is_domain(f"{doc.web_prefix.lower()}.example.com"):
        found.append(
            (
                "web_prefix",
                f'"{doc.web_prefix}" is no host name label (letters, digits, hyphens), yet tracking '
                f"links go to {doc.web_prefix}.<domain>: browsers or its HTTPS certificate may refuse it",
            )
        )
    if "archive_to" in written and doc.archive_to and not rules.is_url(doc.archive_to):
        found.append(
            (
                "archive_to",
                f'"{doc.archive_to}" is not an http or https URL, where Mailgun posts each delivered message',
            )
        )
    return found


def _lower(text: str) -> str:
    if text != text.lower():
        raise ValueError(f'Mailgun requires it in lower case: write "{text.lower()}"')
    return text


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f'"{text}" is not an IP address') from None


# What a read takes from a ``GET /v4/domains`` item (§2.2, §2.3); newer fields may be missing.
ITEM = Obj(
    {"name": STR},
    {
        "state": STR,
        "spam_action": STR,
        "web_scheme": STR,
        "web_prefix": STR,
        "wildcard": BOOL,
        "require_tls": BOOL,
        "skip_verification": BOOL,
        "use_automatic_sender_security": BOOL,
        "archive_to": STR,
        "message_ttl": INT,
        "encrypt_incoming_message": BOOL,
        "tracking_host": STR,
        "type": STR,
    },
)


class DomainSettingsDoc(Doc):
    """A sending domain: its settings (any left out are not managed) and what lives on it."""

    spam_action: SpamAction = UNSET
    web_scheme: WebScheme = UNSET
    web_prefix: Annotated[str, AfterValidator(_web_prefix)] = UNSET
    wildcard: StrictBool = UNSET
    require_tls: StrictBool = UNSET
    skip_verification: StrictBool = UNSET
    use_automatic_sender_security: StrictBool = UNSET
    archive_to: str = UNSET  # Mailgun posts to "a URL"; whether it refuses another string is UNCONFIRMED
    message_ttl: Annotated[StrictInt, Field(ge=0)] = UNSET
    mailfrom_host: Annotated[DomainName, AfterValidator(_lower)] = UNSET
    encrypt_incoming_message: StrictBool = UNSET
    dkim_key_size: KeySize = UNSET
    dkim_selector: Annotated[str, Field(pattern=ATOM)] = UNSET
    dkim_host_name: Annotated[DomainName, AfterValidator(_lower)] = UNSET
    force_dkim_authority: StrictBool = UNSET
    force_root_dkim_host: StrictBool = UNSET
    ips: list[Annotated[str, AfterValidator(_ip)]] = UNSET
    pool_id: str = UNSET

    @model_validator(mode="after")
    def _one_dkim_place(self) -> DomainSettingsDoc:
        """Mailgun refuses ``dkim_host_name`` beside either ``force_*`` flag (wire-issue12.md §1.1)."""
        if "dkim_host_name" in self.model_fields_set and (self.force_dkim_authority or self.force_root_dkim_host):
            raise ValueError("dkim_host_name cannot be combined with force_dkim_authority or force_root_dkim_host")
        return self


class DomainKind(Kind[Domain], Writable, Deletable, Verifiable, Reviewable, OwnFile):
    """Domains are read with one list call; settings change in place (PUT), never by re-creation."""

    name = "domain"
    model = Domain
    section = "domains"
    key_type = DomainName
    settings = DomainSettingsDoc  # its entry document ("DomainDoc"): these fields + its children's sections
    import_file = "{key}.yaml"
    import_title = "domain {key}"
    import_filter = True
    confirm_delete = True  # double intent (DESIGN §3.4): gone from the manifests and named on apply

    def hidden(self, resource: Resource) -> str:
        """A sandbox domain (``"type": "sandbox"`` in the listing, mailgun-api.md §2.2): Mailgun gives one
        to each new account for testing (its user manual, "Sandbox Domain"); it is not the team's."""
        if resource.meta.get("type") != "sandbox":
            return ""
        return f"{resource.address.key} is Mailgun's sandbox domain (for testing)"

    def declare_one(self, out: Harvest, scope: str, key: str, doc: Any, loc: Loc) -> None:
        super().declare_one(out, scope, key, doc, loc)
        for field, message in _unusual(doc):
            out.warn((*loc, field), message)

    def export_comment(self, resource: Resource) -> str:
        state = resource.meta.get("state") or "unknown"
        return f"Live state: {state} (DNS verification and disabling are Mailgun's, not managed by mgsync)."

    def export_one(self, out: Any, scope: str, resource: Resource) -> Any:
        """Settings as Mailgun shows them; unknown (None) ones, and newer ones left at Mailgun's default,
        are left out."""
        from ruamel.yaml.comments import CommentedMap

        body = resource.body.comparable()
        return CommentedMap(
            (k, v) for k, v in body.items() if v is not None and (k not in QUIET_DEFAULTS or QUIET_DEFAULTS[k] != v)
        )

    # --- plan ---

    def wanted(self, desired_object: Resource, observed_object: Resource) -> dict[str, Any]:
        """Create-only values are compared only when known; the tracking certificate is wanted
        (generated or regenerated) for an ``https`` domain Mailgun has verified."""
        desired, observed = self.spec(desired_object), self.spec(observed_object)
        out = desired.managed()
        for field in CREATE_ONLY:
            if field in out and getattr(observed, field) is None:
                out.pop(field)  # not known: review says it is not checked
        if self._wants_certificate(desired, observed):
            out[CERTIFICATE] = "active"
        return out

    @staticmethod
    def _wants_certificate(desired: Domain, observed: Domain) -> bool:
        if "web_scheme" not in desired.model_fields_set or desired.web_scheme != "https" or observed.state != "active":
            return False
        if observed.web_scheme == "http":
            return True  # switched in this very update
        return observed.tracking_certificate in ("none", "expired")

    def review(self, desired: Resource, observed: Resource | None) -> list[Notice]:
        if observed is None:
            return []
        want, live, name = self.spec(desired), self.spec(observed), desired.address.key
        notes = [*self._create_only(name, want, live)]
        if live.state not in (None, "active"):
            notes.append(Notice(unverified_note(name, live.state, live.invalid_records), account=True))
        if want.web_scheme == "https" and "web_scheme" in want.model_fields_set and live.tracking_certificate:
            notes.append(Notice(certificate_note(name, live.web_prefix, live.tracking_certificate), account=True))
        return notes

    @staticmethod
    def _create_only(name: str, want: Domain, live: Domain) -> list[Notice]:
        notes = []
        for field in CREATE_ONLY:
            if field not in want.model_fields_set:
                continue
            new, old = getattr(want, field), getattr(live, field)
            if old is None:
                notes.append(
                    Notice(
                        f"{name}: {field} is not checked: Mailgun does not show it and mgsync did not "
                        "create this domain."
                    )
                )
            elif old != new:
                notes.append(
                    Notice(
                        f"domain:{name}: {field} cannot change in place ({_show(old)} → {_show(new)}); remove it from "
                        f"the manifest, or re-create the domain deliberately (remove it, apply --delete-domain {name}, "
                        "then add it back).",
                        refuse=True,
                    )
                )
        return notes

    # --- the API adapter ---

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        items = list(client.iter_skip("/v4/domains", limit=1000, item=ITEM))
        remembered = {r.address.key: self.spec(r) for r in locked.of_kind(self.name)}
        status = client.pool.map(lambda item: self._status(client, item, remembered.get(item["name"].lower())), items)
        return [
            self.from_api(item, remembered.get(item["name"].lower()), extra)
            for item, extra in zip(items, status)
            if extra is not None
        ]

    def _status(self, client: Client, item: dict[str, Any], locked: Domain | None) -> dict[str, Any] | None:
        """Live status (``domain_status``), read for managed domains only and only when it matters:
        the domain's own read when it is unverified or its ``mailfrom_host`` is managed."""
        if locked is None:
            return {}
        detail = item.get("state") != "active" or bool(locked.mailfrom_host)
        return read_status(client, item, str(self.address("", item["name"])), detail=detail)

    def from_api(
        self, item: dict[str, Any], locked: Domain | None = None, extra: dict[str, Any] | None = None
    ) -> Resource:
        body = {field: item[field] for field in LISTED if item.get(field) is not None}
        for field in REMEMBERED:  # what mgsync sent, as the lockfile keeps it
            if locked is not None and getattr(locked, field) is not None:
                body[field] = getattr(locked, field)
        body.update(extra or {})
        body["state"] = item.get("state")
        kind = {"type": item["type"]} if item.get("type") == "sandbox" else {}  # only where it matters (``hidden``)
        return self.resource("", item["name"], body, state=item.get("state", ""), **kind)

    def create(self, client: Client, change: Change) -> Resource | None:
        wanted = self.spec(change.desired).managed()
        mailfrom = wanted.pop("mailfrom_host", None)  # not in the create schema (wire-issue12.md §1.1)
        form = [("name", change.address.key), *self._form(wanted)]
        client.post("/v4/domains", data=form)
        if mailfrom is not None:
            client.put(f"/v4/domains/{path_quote(change.address.key)}", data=[("mailfrom_host", mailfrom)])
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        wanted = self.spec(change.desired).managed()
        changed = {f.field for f in change.fields} - set(CREATE_ONLY)  # refused at plan time; never sent
        form = self._form({k: v for k, v in wanted.items() if k in changed})
        if form:
            client.put(f"/v4/domains/{path_quote(change.address.key)}", data=form)
        if CERTIFICATE in changed:
            live = self.spec(self.live(change))
            host = tracking_host({"name": change.address.key, **(change.after or {})})
            ensure_certificate(client, host, expired=live.tracking_certificate == "expired")
        return None

    def verify(self, client: Client, key: str) -> str:
        answer = client.put(f"/v4/domains/{path_quote(key)}/verify")
        state = answer.get("domain", {}).get("state", "unknown") if isinstance(answer, dict) else "unknown"
        if state == "active":
            return f"Verified {key}: Mailgun reports it active."
        invalid = invalid_records(answer, key) if isinstance(answer, dict) else ()
        left = f"; not valid yet: {', '.join(invalid)}" if invalid else ""
        return f"Asked Mailgun to verify {key}: it is still {state}{left}."

    def delete(self, client: Client, change: Change) -> None:
        client.delete(f"/v3/domains/{path_quote(change.address.key)}")

    @staticmethod
    def _form(fields: dict[str, Any]) -> list[tuple[str, str]]:
        return [(k, _form_value(v)) for k, v in sorted(fields.items()) if k != CERTIFICATE]


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return form_bool(value)
    if isinstance(value, (list, tuple)):
        return ",".join(value)  # ips: comma-separated (wire-issue12.md §1.1)
    return str(value)


def _show(value: Any) -> str:
    return (
        ",".join(value)
        if isinstance(value, (list, tuple))
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


DOMAIN = DomainKind()
