"""Kind ``tracking``: a domain's open/click/unsubscribe tracking (``tracking:<domain>``). §3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, PlainValidator, StrictBool, WithJsonSchema
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import BOOL, STR, Obj, Scalar
from mgsync.changes import Change
from mgsync.kinds.base import Kind, Loc, path_quote, yes_no
from mgsync.kinds.capabilities import Writable
from mgsync.kinds.domain import DOMAIN
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc, Either, written
from mgsync.shapes.output import Output, flow_map
from mgsync.state import Address, Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest

DEFAULT_HTML_FOOTER = '\n<br>\n<p><a href="%unsubscribe_url%">unsubscribe</a></p>\n'
DEFAULT_TEXT_FOOTER = "\n\nTo unsubscribe click: <%unsubscribe_url%>\n\n"


class OpenTracking(Spec):
    active: StrictBool = False
    place_at_the_top: StrictBool = False


class ClickTracking(Spec):
    # Mailgun returns the string "htmlonly" instead of a boolean in that mode (§3).
    active: StrictBool | Literal["htmlonly"] = False


class UnsubscribeTracking(Spec):
    active: StrictBool = False
    html_footer: str = DEFAULT_HTML_FOOTER
    text_footer: str = DEFAULT_TEXT_FOOTER


class Tracking(Spec):
    open: OpenTracking = OpenTracking()
    click: ClickTracking = ClickTracking()
    unsubscribe: UnsubscribeTracking = UnsubscribeTracking()


def _click(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if value == "htmlonly":
        return "htmlonly"
    if isinstance(value, str) and value.lower() in ("true", "false"):  # "true" quoted: text, not YAML's boolean
        raise ValueError(f'"{value}" is text: write {value.lower()} without quotes, or htmlonly')
    raise ValueError(rules.unknown("value", value, ("true", "false", "htmlonly")))


ClickActive = Annotated[bool | str, PlainValidator(_click), WithJsonSchema({"enum": [True, False, "htmlonly"]})]


class OpenDoc(Doc):
    active: StrictBool = UNSET
    place_at_the_top: StrictBool = UNSET


class ClickDoc(Doc):
    active: ClickActive = UNSET


class UnsubscribeTrackingDoc(Doc):
    active: StrictBool = UNSET
    html_footer: str = UNSET
    text_footer: str = UNSET


class TrackingDoc(Doc):
    """Open, click and unsubscribe tracking; `open: true` is short for `open: {active: true}`."""

    open: Annotated[OpenDoc | StrictBool, Either("mapping", "scalar")] = UNSET
    click: Annotated[ClickDoc | ClickActive, Either("mapping", "scalar")] = UNSET
    unsubscribe: Annotated[UnsubscribeTrackingDoc | StrictBool, Either("mapping", "scalar")] = UNSET


# ``active`` is a boolean, "htmlonly", or in old answers "yes"/"no" (§3); sections may be missing.
ACTIVE = Scalar("true, false or a word", (bool, str))
ANSWER = Obj(
    {
        "tracking": Obj(
            optional={
                "open": Obj(optional={"active": ACTIVE, "place_at_the_top": BOOL}),
                "click": Obj(optional={"active": ACTIVE}),
                "unsubscribe": Obj(optional={"active": ACTIVE, "html_footer": STR, "text_footer": STR}),
            }
        )
    }
)


class TrackingKind(Kind[Tracking], Writable):  # not Deletable: dropped settings are forgotten
    """Tracking always exists on a domain: "create" and "update" both PUT the changed sections,
    and a tracking block removed from the manifests is forgotten, not reset (§3)."""

    name = "tracking"
    model = Tracking
    parent = DOMAIN
    section = "tracking"
    document = TrackingDoc

    def scope_of(self, address: Address) -> str:
        return address.key

    def declare(self, out: Harvest, scope: str, value: TrackingDoc, loc: Loc) -> None:
        """Each section written, as the canonical mapping (``open: true`` is ``open: {active: true}``)."""
        sections = {}
        for section in value.model_fields_set:
            part = getattr(value, section)
            sections[section] = (
                written(part, type(part).model_fields) if isinstance(part, BaseModel) else {"active": part}
            )
        out.declare(self.address("", scope), self.model, sections, loc)  # one per domain, keyed by it

    def export(self, out: Output, scope: str, resources: list[Resource]) -> CommentedMap | None:
        """What live holds. While unsubscribe tracking is on, both footers are written as their text,
        Mailgun's defaults included, so the manifest shows what recipients see; while it is off, only
        footers other than the defaults are. ``place_at_the_top: false`` is left out (unmanaged)."""
        if not resources:
            return None
        body = self.spec(resources[0])
        opened, unsubscribe = body.open, body.unsubscribe
        footers = {
            name: value
            for name, value, default in (
                ("html_footer", unsubscribe.html_footer, DEFAULT_HTML_FOOTER),
                ("text_footer", unsubscribe.text_footer, DEFAULT_TEXT_FOOTER),
            )
            if unsubscribe.active or value != default
        }
        return CommentedMap(
            open=flow_map({"active": opened.active, "place_at_the_top": True})
            if opened.place_at_the_top
            else opened.active,
            click=body.click.active,
            unsubscribe=CommentedMap(active=unsubscribe.active, **footers) if footers else unsubscribe.active,
        )

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        data = client.read(f"/v3/domains/{path_quote(scope)}/tracking", ANSWER)["tracking"]
        sections: dict[str, type[Spec]] = {
            "open": OpenTracking,
            "click": ClickTracking,
            "unsubscribe": UnsubscribeTracking,
        }
        body = {name: _section(model, data[name]) for name, model in sections.items() if data.get(name)}
        return [self.resource("", scope, body)]

    def create(self, client: Client, change: Change) -> Resource | None:
        self._put_sections(client, change.address.key, self.spec(change.desired).managed())
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        changed = {f.field for f in change.fields}
        wanted = self.spec(change.desired).managed()
        self._put_sections(client, change.address.key, {k: v for k, v in wanted.items() if k in changed})
        return None

    def _put_sections(self, client: Client, domain: str, sections: dict[str, dict[str, Any]]) -> None:
        for section, fields in sorted(sections.items()):
            form = [(k, _form_value(v)) for k, v in sorted(fields.items())]
            client.put(f"/v3/domains/{path_quote(domain)}/tracking/{section}", data=form)


def _section(model: type[Spec], data: dict[str, Any]) -> dict[str, Any]:
    """Keep known fields that are not null (a null footer is none: the model's default, as
    ``domain.from_api`` drops nulls); old answers spell booleans "yes"/"no" (§3), htmlonly stays a string."""
    words = {"yes": True, "true": True, "no": False, "false": False}
    return {
        key: words.get(value.lower(), value) if isinstance(value, str) and key == "active" else value
        for key, value in data.items()
        if key in model.model_fields and value is not None
    }


def _form_value(value: Any) -> str:
    return yes_no(value) if isinstance(value, bool) else str(value)


TRACKING = TrackingKind()
