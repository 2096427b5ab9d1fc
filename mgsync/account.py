"""Which Mailgun account (and subaccount) a lockfile belongs to, and the refusal to use it on another.

Mailgun has no "who am I" for an account API key: ``GET /v5/users/me`` answers only for a key that
carries a ``user_id`` ("typically of 'web' kind", Mailgun's OpenAPI spec), and ``/v5/accounts``
offers only ``PUT``. So an account is known by what any key able to read a plan can see:

- ``region``: ``us`` or ``eu`` when the base URL is one of Mailgun's own API hosts (a region holds
  its own domains, so a lockfile of EU domains used on the US API would plan them all anew).
  Unknown (not recorded) through the Maton gateway, a proxy or the emulator.
- ``subaccount``: the subaccount acted on (``X-Mailgun-On-Behalf-Of``), ``None`` for the parent
  account. Always known: it comes from the settings.
- ``sandbox``: the name of the account's sandbox domain, ``sandbox<32 hex>.mailgun.org``, which
  Mailgun creates with every account under a random name and lists with ``"type": "sandbox"`` in
  ``GET /v4/domains`` (mailgun-api.md §2). One request finds it: ``search=sandbox`` (a documented
  parameter of that listing), first page only. UNCONFIRMED: whether a subaccount gets a sandbox
  domain of its own, and whether the EU API lists the sandbox (both fine: missing evidence is no
  reason to refuse).

Missing evidence never refuses: a field is compared only when both the lockfile and the live
account know it (except ``subaccount``, always known once recorded). A lockfile written before
this field existed has no ``account`` and is adopted: the next apply or import records it. What
a run learns is recorded, and what it could not see now (a sandbox) is kept as it was recorded.
Knows the client and the lockfile's ``account`` field; nothing of kinds or plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from mgsync.answers import OBJECT, ListOf, Obj
from mgsync.errors import AccountMismatchError
from mgsync.settings import REGIONS

if TYPE_CHECKING:
    from mgsync.client import Client

LISTING = Obj({"items": ListOf(OBJECT)})  # items as they come: an odd one is no evidence, never an error


@dataclass(frozen=True)
class Account:
    region: str | None = None
    subaccount: str | None = None
    sandbox: str | None = None

    def record(self) -> dict[str, str | None]:
        """The lockfile's ``account`` field: what is known, and always the subaccount (None: parent)."""
        data: dict[str, str | None] = {"subaccount": self.subaccount}
        data.update({key: value for key, value in (("region", self.region), ("sandbox", self.sandbox)) if value})
        return data

    @classmethod
    def recorded(cls, data: Mapping[str, Any] | None) -> Account | None:
        """The account a lockfile names, or None for a lockfile from before the field (or with a
        subaccount that is neither an id nor null: no evidence, so the lockfile is adopted anew)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("subaccount"), (str, type(None))):
            return None
        text = {key: value if isinstance(value, str) and value else None for key, value in data.items()}
        return cls(text.get("region"), text.get("subaccount"), text.get("sandbox"))


def identify(client: Client) -> Account:
    """The account ``client`` talks to, as far as it can be seen (one request)."""
    settings = client.settings
    region = region_of(settings.base_url)
    page = client.read("/v4/domains", LISTING, search="sandbox", limit=1000)
    sandboxes = sorted(
        item["name"].lower()
        for item in page["items"]
        if item.get("type") == "sandbox" and isinstance(item.get("name"), str) and item["name"]
    )
    return Account(region, settings.subaccount, sandboxes[0] if sandboxes else None)


def region_of(base_url: str) -> str | None:
    """``us`` or ``eu`` for Mailgun's own API host however written (``https://API.EU.mailgun.net:443/``,
    a trailing dot), else None."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        return None
    if url.scheme != "https" or url.port not in (None, 443) or url.path not in ("", "/"):
        return None
    host = url.host.lower().rstrip(".")
    return next((name for name, known in REGIONS.items() if httpx.URL(known).host == host), None)


def check(path: Path, recorded: Account | None, live: Account) -> Account:
    """Refuse (``AccountMismatchError``, one line) when the lockfile at ``path`` belongs to another
    account than ``live``; else the account to record (``live``, with what it cannot see kept)."""
    if recorded is None:
        return live
    if recorded.subaccount != live.subaccount:
        raise AccountMismatchError(
            f"Refusing to use {path}: it belongs to {_whose(recorded.subaccount)}, and this run acts on "
            f"{_whose(live.subaccount)}; use that account's lockfile and manifests, or check --subaccount "
            "and MAILGUN_SUBACCOUNT."
        )
    if recorded.region and live.region and recorded.region != live.region:
        raise AccountMismatchError(
            f"Refusing to use {path}: it belongs to Mailgun's {recorded.region.upper()} region, and this run "
            f"talks to the {live.region.upper()} API; check --region, MAILGUN_REGION and MAILGUN_BASE_URL."
        )
    if recorded.sandbox and live.sandbox and recorded.sandbox != live.sandbox:
        raise AccountMismatchError(
            f"Refusing to use {path}: it belongs to the Mailgun account whose sandbox domain is "
            f"{recorded.sandbox}, and this API key reaches the one with {live.sandbox}; check MAILGUN_API_KEY, "
            "or use this account's lockfile."
        )
    return Account(live.region or recorded.region, live.subaccount, live.sandbox or recorded.sandbox)


def _whose(subaccount: str | None) -> str:
    return f"subaccount {subaccount}" if subaccount else "the parent account"
