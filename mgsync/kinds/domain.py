"""Kind ``domain``: a sending domain's settings (``domain:<name>``). mailgun-api.md §2.

In a manifest: ``domains: {<name>: {<settings>, <sections of the kinds inside a domain>}}``; import
writes one ``<name>.yaml`` per domain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictBool

from mgsync.changes import Change
from mgsync.kinds.base import Kind, form_bool, path_quote
from mgsync.answers import BOOL, STR, Obj
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc
from mgsync.shapes.fields import DomainName
from mgsync.state import Resource, Spec, State

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


def _web_prefix(text: str) -> str:
    if not rules.is_domain(f"{text}.example.com") or "." in text:
        raise ValueError(f'"{text}" is not a valid web prefix (lower-case letters, digits and hyphens)')
    return text


# What a read takes from a ``GET /v4/domains`` item (§2.2, §2.3); newer fields may be missing.
ITEM = Obj({"name": STR}, {
    "state": STR, "spam_action": STR, "web_scheme": STR, "web_prefix": STR, "wildcard": BOOL,
    "require_tls": BOOL, "skip_verification": BOOL, "use_automatic_sender_security": BOOL,
})


class DomainSettingsDoc(Doc):
    """A sending domain: its settings (any left out are not managed) and what lives on it."""

    spam_action: SpamAction = UNSET
    web_scheme: WebScheme = UNSET
    web_prefix: Annotated[str, AfterValidator(_web_prefix)] = UNSET
    wildcard: StrictBool = UNSET
    require_tls: StrictBool = UNSET
    skip_verification: StrictBool = UNSET
    use_automatic_sender_security: StrictBool = UNSET


class DomainKind(Kind[Domain]):
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

    def export_comment(self, resource: Resource) -> str:
        state = resource.meta.get("state") or "unknown"
        return f"Live state: {state} (DNS verification and disabling are Mailgun's, not managed by mgsync)."

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        return [self.from_api(item) for item in client.iter_skip("/v4/domains", limit=1000, item=ITEM)]

    def from_api(self, item: dict[str, Any]) -> Resource:
        body = {field: item[field] for field in Domain.model_fields if item.get(field) is not None}
        return self.resource("", item["name"], body, state=item.get("state", ""))

    def create(self, client: Client, change: Change) -> Resource | None:
        form = [("name", change.address.key), *self._form(self.spec(change.desired).managed())]
        client.post("/v4/domains", data=form)
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        wanted = self.spec(change.desired).managed()
        changed = {f.field for f in change.fields}
        form = self._form({k: v for k, v in wanted.items() if k in changed})
        client.put(f"/v4/domains/{path_quote(change.address.key)}", data=form)
        return None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(f"/v3/domains/{path_quote(change.address.key)}")

    @staticmethod
    def _form(fields: dict[str, Any]) -> list[tuple[str, str]]:
        return [(k, form_bool(v) if isinstance(v, bool) else str(v)) for k, v in sorted(fields.items())]


DOMAIN = DomainKind()
