"""Kinds ``dkim_key`` (``dkim_key:<domain>/<selector>``) and ``dkim`` (``dkim:<domain>``): a domain's
DKIM keys, the one that signs, and Mailgun's automatic rotation policy. wire-issue12.md §3.

In a manifest, inside a domain::

    dkim_keys:
      s2025: {bits: 1024}
      s2026: {bits: 2048, pem: "${env:MG_DKIM_S2026}"}   # optional: import this private key
    dkim:
      active: s2026                                     # the selector that signs
      rotation: {enabled: true, interval: 30d}          # automatic sender security domains only

Keys are created with ``POST /v1/dkim/keys`` and never changed (a new size or private key means a
new selector) nor deleted by mgsync: a key dropped from the manifest is forgotten. A supplied
private key comes only from the environment; it is sent once, at creation, and the lockfile keeps a
salted scrypt hash of it (as for SMTP passwords), never the key.

Switching the active selector is a rotation that never leaves the domain without an active key
whose record is published: the new selector is activated only once Mailgun reports its TXT record
``valid`` (``GET /v4/domains/{d}/keys``), and the old one is deactivated after it, in the same
apply. Until then the plan holds the switch and says which step is next (create, publish and
verify, activate). Mailgun has no read for the rotation policy (§3.3), so its live value is what
mgsync last set, kept in the lockfile; a change made elsewhere is not seen.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    InstanceOf,
    SecretStr,
    StrictBool,
    WithJsonSchema,
    model_validator,
)
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import BOOL, STR, ListOf, Obj
from mgsync.changes import Change, Notice
from mgsync.errors import ApiError, MgsyncError
from mgsync.kinds.base import Kind, Loc, form_bool, path_quote
from mgsync.kinds.capabilities import Reviewable, Writable
from mgsync.kinds.domain import ATOM, DOMAIN
from mgsync.shapes import rsakey
from mgsync.shapes.doc import UNSET, Doc, written
from mgsync.shapes.env import REFERENCE, EnvStr, UnsetSecret
from mgsync.shapes.output import Output, flow_map
from mgsync.state import Address, Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

KeySize = Literal[1024, 2048]
Selector = Annotated[str, Field(pattern=ATOM)]


def _key_from_env(value: Any) -> Any:
    if isinstance(value, (UnsetSecret, SecretStr)):  # made in code, not read from a manifest
        return value
    if not (isinstance(value, EnvStr) and value.whole_reference):  # a number or a list too
        raise ValueError('write the private key as "${env:NAME}": secrets come only from the environment')
    if isinstance(value, EnvStr) and value.unset:  # reported by the loader: an error, or "not checked" for a plan
        return UnsetSecret(value)
    return value


def _interval(text: str) -> str:
    match = re.fullmatch(r"(\d+)([dh])", text)
    if match is None:
        raise ValueError(f'"{text}" is not an interval such as 30d or 168h')
    if int(match.group(1)) * (24 if match.group(2) == "d" else 1) < 5 * 24:
        raise ValueError(f"{text} is below Mailgun's minimum of 5 days")
    return text


PrivateKey = Annotated[
    InstanceOf[UnsetSecret] | SecretStr,
    BeforeValidator(_key_from_env),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{REFERENCE.pattern}$",
            "description": "Always ${env:NAME}: a PKCS#1 RSA private key (BEGIN RSA PRIVATE KEY).",
        }
    ),
]
Interval = Annotated[str, AfterValidator(_interval), WithJsonSchema({"type": "string", "pattern": "^[0-9]+[dh]$"})]

# GET /v4/domains/{d}/keys (wire-issue12.md §3.2): no paging; upper-case verdicts in old answers.
KEYS = Obj(
    {
        "items": ListOf(
            Obj(
                {"selector": STR},
                {"dns_record": Obj(optional={"name": STR, "value": STR, "valid": STR, "is_active": BOOL})},
            )
        )
    }
)


class DkimKey(Spec):
    SECRET: ClassVar[frozenset[str]] = frozenset({"pem"})

    bits: KeySize = 2048
    pem: InstanceOf[UnsetSecret] | SecretStr | None = None


class DkimKeyDoc(Doc):
    """A DKIM key of the domain (created once; a new size or private key needs a new selector)."""

    bits: KeySize = UNSET
    pem: PrivateKey = UNSET

    @model_validator(mode="after")
    def _as_mailgun_takes_the_key(self) -> DkimKeyDoc:
        """Mailgun takes a PKCS#1 key only and sizes the key by it: a PKCS#8 key failed at apply, and a
        key of another size than ``bits`` was created, then every plan refused "a key's size cannot
        change". Checked once the key is read from the environment; nothing of it is shown."""
        if not isinstance(self.pem, SecretStr) or not self.pem.get_secret_value():
            return self  # not set: the loader says so
        try:
            size = rsakey.numbers(self.pem.get_secret_value())[0].bit_length()
        except rsakey.NotPem as err:
            raise ValueError(f"pem: {err}") from None
        except rsakey.NotPkcs1 as err:
            raise ValueError(
                f"pem: {err}; Mailgun takes PKCS#1: convert it with openssl rsa -in KEY -traditional"
            ) from None
        if self.bits is not None and size != self.bits:
            raise ValueError(
                f"the private key (pem) is {size} bits, not {self.bits}: write bits: {size}, or leave bits out"
            )
        return self


def key_bits(value: str) -> int:
    """A key's size from its record ``k=rsa; p=<base64 SPKI>``: the DER length rounded to 1024-bit steps
    (1024-bit keys are 162 bytes, 2048-bit ones 294; Mailgun states the size nowhere else)."""
    encoded = value.partition("p=")[2].split(";")[0].strip()
    try:
        size = len(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return 0
    return max(1024, round((size - 34) * 8 / 1024) * 1024)


def _keys(client: Client, domain: str) -> list[dict[str, Any]]:
    # Both DKIM kinds read this listing: one request per plan (``Client.cache``, shared in observe).
    items: list[dict[str, Any]] = client.cache.read(f"/v4/domains/{path_quote(domain)}/keys", KEYS)["items"]
    return items


class DkimKeyKind(Kind[DkimKey], Writable, Reviewable):  # not Deletable: a dropped key is forgotten
    name = "dkim_key"
    nouns = ("DKIM key", "DKIM keys")
    model = DkimKey
    parent = DOMAIN
    section = "dkim_keys"
    document = dict[Selector, DkimKeyDoc]
    note = "DKIM keys (created once; mgsync never deletes one: a key dropped here is only forgotten)."

    def export_one(self, out: Output, scope: str, resource: Resource) -> Any:
        return flow_map({"bits": self.spec(resource).bits})

    def review(self, desired: Resource, observed: Resource | None) -> list[Notice]:
        if observed is None:
            return []
        want, live = self.spec(desired), self.spec(observed)
        if "bits" in want.model_fields_set and want.bits != live.bits:
            return [
                Notice(
                    f"{desired.address}: a key's size cannot change ({live.bits} → {want.bits}); add a key "
                    "with a new selector and make it active instead.",
                    refuse=True,
                )
            ]
        return []

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        return [
            self.resource(scope, item["selector"], {"bits": key_bits((item.get("dns_record") or {}).get("value", ""))})
            for item in _keys(client, scope)
        ]

    def create(self, client: Client, change: Change) -> Resource | None:
        key = self.spec(change.desired)
        form = [("signing_domain", change.address.scope), ("selector", change.address.name)]
        if isinstance(key.pem, UnsetSecret):  # apply loads every secret first: this is a bug, never a write
            raise MgsyncError(f"Cannot create {change.address}: {key.pem.variable} is not set.")
        if key.pem is not None:
            form.append(("pem", key.pem.get_secret_value()))  # the size comes from the key itself
        else:
            form.append(("bits", str(key.bits)))
        try:
            client.post("/v1/dkim/keys", data=form)
        except ApiError as err:
            if not (err.status == 400 and "duplicate key" in str(err)):
                raise
            self._created_with_domain(client, change, key)
        return None

    def _created_with_domain(self, client: Client, change: Change, key: DkimKey) -> None:
        """Mailgun makes a domain's first key with the domain (selector ``dkim_selector``, default
        ``smtp``): declaring it is fine when its size is the one declared."""
        live = self.find(client, change.address)
        if live is not None and "bits" in key.model_fields_set and self.spec(live).bits != key.bits:
            raise MgsyncError(
                f"{change.address} exists already with {self.spec(live).bits} bits, not {key.bits}; "
                "declare its size as it is, or use a new selector."
            )

    def update(self, client: Client, change: Change) -> Resource | None:
        """Only the private key can differ here (the size is refused at plan time): Mailgun cannot
        replace a key's private half, so nothing is sent and the lockfile records the new hash."""
        return None


class Rotation(Spec):
    enabled: StrictBool = False
    interval: str | None = None


class Dkim(Spec):
    # Live facts from the key listing, never written or diffed (the kind's ``wanted`` and notes use them).
    POLICY: ClassVar[frozenset[str]] = frozenset({"ready", "selectors", "records"})

    active: tuple[str, ...] = ()  # the selectors that sign; a manifest names exactly one
    rotation: Rotation | None = None  # None: not known (Mailgun has no read for it)
    ready: tuple[str, ...] = ()  # keys whose record Mailgun reports valid
    selectors: tuple[str, ...] = ()  # every key of the domain
    records: dict[str, str] = {}  # noqa: RUF012  (a pydantic field, copied per instance) selector -> its TXT record's name


class RotationDoc(Doc):
    enabled: StrictBool = UNSET
    interval: Interval = UNSET


class DkimDoc(Doc):
    """Which DKIM key signs, switched without ever leaving the domain unsigned, and Mailgun's automatic
    key rotation (for domains with automatic sender security)."""

    active: Selector = UNSET
    rotation: RotationDoc = UNSET


DKIM_KEY = DkimKeyKind()


class DkimKind(Kind[Dkim], Writable, Reviewable):  # not Deletable: dropped, forgotten; the keys stay
    name = "dkim"
    nouns = ("DKIM setting", "DKIM settings")
    model = Dkim
    parent = DOMAIN
    follows = (DKIM_KEY,)  # the selector to activate exists first
    section = "dkim"
    document = DkimDoc

    def scope_of(self, address: Address) -> str:
        return address.key

    def declare(self, out: Harvest, scope: str, value: DkimDoc, loc: Loc) -> None:
        data: dict[str, Any] = {}
        if "active" in value.model_fields_set:
            data["active"] = [value.active]
        if "rotation" in value.model_fields_set:
            data["rotation"] = written(value.rotation, Rotation.model_fields)
        out.declare(self.address("", scope), self.model, data, loc)

    def export(self, out: Output, scope: str, resources: list[Resource]) -> Any:
        """The signing key, only when live has exactly one active: a domain not yet verified has
        none (Mailgun activates its first key at verification, wire-issue12.md §1.3), and writing
        that key would make every later plan announce a switch "from none" that is Mailgun's to make."""
        live = self.spec(resources[0]) if resources else None
        if live is None or len(live.active) != 1:
            return None
        return CommentedMap(active=live.active[0])

    def wanted(self, desired_object: Resource, observed_object: Resource) -> dict[str, Any]:
        """The next safe step: switch only to keys Mailgun reports published; until then hold."""
        desired, observed = self.spec(desired_object), self.spec(observed_object)
        out = desired.managed()
        if "active" in out and not set(desired.active) <= set(observed.ready):
            out["active"] = list(observed.active)
        return out

    def review(self, desired: Resource, observed: Resource | None) -> list[Notice]:
        want = self.spec(desired)
        if "active" not in want.model_fields_set or observed is None:
            return []
        live, domain = self.spec(observed), desired.address.key
        target = want.active[0]
        if live.active == want.active:
            return []
        old = ", ".join(live.active) or "none"
        record = live.records.get(target, f"{target}._domainkey.{domain}")
        if target not in live.selectors:
            step = (
                f"step 1 of 3: create the key {target} (dkim_keys), then publish its TXT record {record} "
                f"(mgsync dns export), run mgsync apply --verify-domain {domain}, and apply again to activate it"
            )
        elif target not in live.ready:
            step = (
                f"waiting for DNS: publish {record} (mgsync dns export), then run mgsync apply --verify-domain "
                f"{domain} and apply again; {target} is activated only once Mailgun reports its record valid"
            )
        else:
            step = f"{record} is published: activate {target}, then deactivate {old}"
        return [
            Notice(f"dkim:{domain}: switching the signing key from {old} to {target}: {step} ({old} signs until then).")
        ]

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        items = _keys(client, scope)
        record = {item["selector"]: item.get("dns_record") or {} for item in items}
        body: dict[str, Any] = {
            "active": sorted(s for s, r in record.items() if r.get("is_active")),
            "ready": sorted(s for s, r in record.items() if str(r.get("valid", "")).lower() == "valid"),
            "selectors": sorted(record),
            "records": {s: r["name"] for s, r in record.items() if r.get("name")},
        }
        before = locked.get(self.address("", scope))
        if before is not None and self.spec(before).rotation is not None:
            body["rotation"] = self.spec(before).rotation  # what mgsync last set (no read exists)
        return [self.resource("", scope, body)]

    def create(self, client: Client, change: Change) -> Resource | None:
        return self.update(client, change)

    def update(self, client: Client, change: Change) -> Resource | None:
        domain = change.address.key
        after, live = change.after or {}, self.spec(change.observed) if change.observed else Dkim()
        changed = {f.field for f in change.fields} if change.observed else set(after)
        if "active" in changed:
            wanted = [s for s in after.get("active", []) if change.observed is not None or s in live.ready]
            for selector in wanted:
                if selector not in live.active:
                    client.put(f"/v4/domains/{path_quote(domain)}/keys/{path_quote(selector)}/activate")
            for selector in live.active:  # only after the new one signs
                if wanted and selector not in wanted:
                    client.put(f"/v4/domains/{path_quote(domain)}/keys/{path_quote(selector)}/deactivate")
        if "rotation" in changed and after.get("rotation") is not None:
            rotation = after["rotation"]
            form = [("rotation_enabled", form_bool(bool(rotation.get("enabled"))))]
            if rotation.get("enabled") and rotation.get("interval"):
                form.append(("rotation_interval", rotation["interval"]))
            client.put(f"/v1/dkim_management/domains/{path_quote(domain)}/rotation", data=form)
        return None


DKIM = DkimKind()
