"""The manifest document: pydantic models of the YAML shape, the single source of truth for the
JSON Schema (``schemas/mgsync.schema.json``).

These models describe what users write, shorthands included (``open: true``, a webhook URL given
as one string, a member given as its address, a collection given as ``{file: x.csv}``). They check
types, enums and Mailgun's syntax rules (``rules.py``) offline. A field left out stays *unset*
(``model_fields_set``), which ``convert.py`` carries over to the canonical kind models: unset means
"not managed, leave it as it is in Mailgun". Unknown keys are reported by ``check.py`` with
"did you mean" (``KEY_NOUN`` names what a key is, e.g. an event). Knows nothing of files or YAML.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from mgsync.kinds.domain import SpamAction, WebScheme
from mgsync.kinds.mailing_list import AccessLevel, ReplyPreference
from mgsync.manifest import rules
from mgsync.manifest.fields import (
    ClickActive,
    DomainName,
    Email,
    EmailOrDomain,
    KeepVersions,
    Login,
    Password,
    RouteName,
    SmtpCode,
    TemplateName,
    TemplateText,
    Urls,
    WebPrefix,
    either,
)

def _tidy(schema: dict[str, Any]) -> None:
    # An omitted field is "not managed", never "reset to a default": the schema shows no defaults.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)
        prop.pop("title", None)


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True, json_schema_extra=_tidy)

    KEY_NOUN: ClassVar[str] = "key"


class CsvFile(Doc):
    """A collection read from a CSV file beside the manifest (see the column conventions)."""

    file: str


def collection(entry: type[Doc], plain: Any = Email) -> Any:
    """Inline entries (a mapping, or just its address) or ``{file: x.csv}``."""
    return either(("list", list[either(("mapping", entry), ("scalar", plain))]), ("mapping", CsvFile))


# --- domains -----------------------------------------------------------------------------------


class OpenDoc(Doc):
    active: StrictBool = None
    place_at_the_top: StrictBool = None


class ClickDoc(Doc):
    active: ClickActive = None


class UnsubscribeTrackingDoc(Doc):
    active: StrictBool = None
    html_footer: str = None
    text_footer: str = None


class TrackingDoc(Doc):
    """Open, click and unsubscribe tracking; `open: true` is short for `open: {active: true}`."""

    open: either(("mapping", OpenDoc), ("scalar", StrictBool)) = None
    click: either(("mapping", ClickDoc), ("scalar", ClickActive)) = None
    unsubscribe: either(("mapping", UnsubscribeTrackingDoc), ("scalar", StrictBool)) = None


class WebhooksDoc(Doc):
    """Webhook URLs per event (at most 3 each); one URL may be written as a plain string."""

    KEY_NOUN: ClassVar[str] = "event"

    accepted: Urls = None
    clicked: Urls = None
    complained: Urls = None
    delivered: Urls = None
    opened: Urls = None
    permanent_fail: Urls = None
    temporary_fail: Urls = None
    unsubscribed: Urls = None


class HeadersDoc(Doc):
    KEY_NOUN: ClassVar[str] = "header"

    from_: str = Field(None, alias="From")
    subject: str = Field(None, alias="Subject")
    reply_to: str = Field(None, alias="Reply-To")


class TemplateDoc(Doc):
    """A stored template; content inline (`template:`) or from a file relative to the manifest."""

    description: str = None
    template: TemplateText = None
    file: str = None
    engine: Literal["handlebars", "go"] = None
    headers: HeadersDoc = None
    keep_versions: KeepVersions = None

    @model_validator(mode="after")
    def _one_content(self) -> TemplateDoc:
        written = {"template", "file"} & self.model_fields_set
        if not written:
            raise ValueError("needs its content: template: (inline) or file: (a file beside the manifest)")
        if len(written) == 2:
            raise ValueError("has both template: and file:; keep one")
        return self


class CredentialDoc(Doc):
    """An SMTP login; without a password, mgsync ensures it exists and leaves its password alone."""

    password: Password = None


class BounceDoc(Doc):
    address: Email
    code: SmtpCode = None
    error: str = None


class UnsubscribeDoc(Doc):
    address: Email
    tags: Annotated[list[str], Field(min_length=1)] = None


class ComplaintDoc(Doc):
    address: Email


class AllowDoc(Doc):
    value: EmailOrDomain = None
    address: Email = None
    domain: DomainName = None
    reason: str = None

    @model_validator(mode="after")
    def _one_value(self) -> AllowDoc:
        if len({"value", "address", "domain"} & self.model_fields_set) != 1:
            raise ValueError("give exactly one of value, address or domain")
        return self

    @property
    def target(self) -> str:
        return self.value or self.address or self.domain


class SuppressionsDoc(Doc):
    """Suppression entries mgsync ensures exist (others are kept unless the domain prunes them)."""

    KEY_NOUN: ClassVar[str] = "suppression list"

    bounces: collection(BounceDoc) = None
    unsubscribes: collection(UnsubscribeDoc) = None
    complaints: collection(ComplaintDoc) = None
    allowlist: collection(AllowDoc, EmailOrDomain) = None


OWNED = "owned completely: live entries not declared in the manifests are deleted"
DomainPrune = Literal["webhooks", "templates", "credentials", "bounces", "unsubscribes", "complaints", "allowlist"]


class DomainDoc(Doc):
    """A sending domain: its settings (any left out are not managed) and what lives on it."""

    spam_action: SpamAction = None
    web_scheme: WebScheme = None
    web_prefix: WebPrefix = None
    wildcard: StrictBool = None
    require_tls: StrictBool = None
    skip_verification: StrictBool = None
    use_automatic_sender_security: StrictBool = None
    tracking: TrackingDoc = None
    webhooks: WebhooksDoc = None
    templates: dict[TemplateName, TemplateDoc] = None
    credentials: dict[Login, CredentialDoc] = None
    suppressions: SuppressionsDoc = None
    prune: list[DomainPrune] = Field(None, description=f"Collections {OWNED}.")


# --- account level -----------------------------------------------------------------------------


class RouteDoc(Doc):
    """An inbound route; its key in `routes` is written to Mailgun as the route's description."""

    priority: Annotated[StrictInt, Field(ge=0)] = None
    expression: Annotated[str, AfterValidator(rules.check_expression)]
    actions: Annotated[list[Annotated[str, AfterValidator(rules.check_action)]], Field(min_length=1)]


class MemberDoc(Doc):
    address: Email
    name: str = None
    vars: dict[str, Any] = None
    subscribed: StrictBool = None


class ListDoc(Doc):
    """A mailing list; members are ensured to exist and never removed unless the list prunes them."""

    name: str = None
    description: str = None
    access_level: AccessLevel = None
    reply_preference: ReplyPreference = None
    members: collection(MemberDoc) = None
    prune: list[Literal["members"]] = Field(None, description=f"Members {OWNED}.")


TopPrune = Literal["routes", "mailing_lists"]


class ManifestDoc(Doc):
    """An mgsync manifest: Mailgun configuration as code. Anything left out is not managed."""

    model_config = ConfigDict(title="mgsync manifest")

    version: Literal[1] = None
    prune: list[TopPrune] = Field(None, description=f"Account-level collections {OWNED}.")
    domains: dict[DomainName, DomainDoc] = None
    routes: dict[RouteName, RouteDoc] = None
    mailing_lists: dict[Email, ListDoc] = None


SECTIONS = ("domains", "routes", "mailing_lists")  # top-level mappings of independent entries
