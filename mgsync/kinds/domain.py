"""Kind ``domain``: a sending domain's settings (``domain:<name>``). mailgun-api.md §2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, StrictBool

from mgsync.changes import Change
from mgsync.kinds.base import Kind, Spec, form_bool, path_quote
from mgsync.shape import BOOL, STR, Obj
from mgsync.state import Address, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client

SpamAction = Literal["disabled", "block", "tag"]
WebScheme = Literal["http", "https"]


class Domain(Spec):
    spam_action: SpamAction = "disabled"
    web_scheme: WebScheme = "http"
    web_prefix: str = Field("email", pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    wildcard: StrictBool = False
    require_tls: StrictBool = False
    skip_verification: StrictBool = False
    use_automatic_sender_security: StrictBool = False


# What a read takes from a ``GET /v4/domains`` item (§2.2, §2.3); newer fields may be missing.
ITEM = Obj({"name": STR}, {
    "state": STR, "spam_action": STR, "web_scheme": STR, "web_prefix": STR, "wildcard": BOOL,
    "require_tls": BOOL, "skip_verification": BOOL, "use_automatic_sender_security": BOOL,
})


class DomainKind(Kind):
    """Domains are read with one list call; settings change in place (PUT), never by re-creation."""

    name = "domain"
    model = Domain
    scope = "account"
    confirm_delete = True  # double intent (DESIGN §3.4): gone from the manifests and named on apply

    def scope_of(self, address: Address) -> str:
        return ""

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        return [self.from_api(item) for item in client.iter_skip("/v4/domains", limit=1000, item=ITEM)]

    def from_api(self, item: dict[str, Any]) -> Resource:
        body = {field: item[field] for field in Domain.model_fields if item.get(field) is not None}
        return self.resource("", item["name"], body, state=item.get("state", ""))

    def create(self, client: Client, change: Change) -> Resource | None:
        form = [("name", change.address.key), *self._form(change.desired.body.managed())]
        client.post("/v4/domains", data=form)
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        wanted = change.desired.body.managed()
        changed = {f.field for f in change.fields}
        form = self._form({k: v for k, v in wanted.items() if k in changed})
        client.put(f"/v4/domains/{path_quote(change.address.key)}", data=form)
        return None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(f"/v3/domains/{path_quote(change.address.key)}")

    @staticmethod
    def _form(fields: dict[str, Any]) -> list[tuple[str, str]]:
        return [(k, form_bool(v) if isinstance(v, bool) else str(v)) for k, v in sorted(fields.items())]
