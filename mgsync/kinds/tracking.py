"""Kind ``tracking``: a domain's open/click/unsubscribe tracking (``tracking:<domain>``). §3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import StrictBool

from mgsync.changes import Change
from mgsync.kinds.base import Kind, Spec, path_quote, yes_no
from mgsync.shape import BOOL, STR, Obj, Scalar
from mgsync.state import Address, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client

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


# ``active`` is a boolean, "htmlonly", or in old answers "yes"/"no" (§3); sections may be missing.
ACTIVE = Scalar("true, false or a word", (bool, str))
ANSWER = Obj({"tracking": Obj(optional={
    "open": Obj(optional={"active": ACTIVE, "place_at_the_top": BOOL}),
    "click": Obj(optional={"active": ACTIVE}),
    "unsubscribe": Obj(optional={"active": ACTIVE, "html_footer": STR, "text_footer": STR}),
})})


class TrackingKind(Kind):
    """Tracking always exists on a domain: "create" and "update" both PUT the changed sections,
    and a tracking block removed from the manifests is forgotten, not reset (§3)."""

    name = "tracking"
    model = Tracking
    deletable = False

    def scope_of(self, address: Address) -> str:
        return address.key

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        data = client.read(f"/v3/domains/{path_quote(scope)}/tracking", ANSWER)["tracking"]
        sections = {"open": OpenTracking, "click": ClickTracking, "unsubscribe": UnsubscribeTracking}
        body = {name: _section(model, data[name]) for name, model in sections.items() if data.get(name)}
        return [self.resource("", scope, body)]

    def create(self, client: Client, change: Change) -> Resource | None:
        self._put_sections(client, change.address.key, change.desired.body.managed())
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        changed = {f.field for f in change.fields}
        wanted = change.desired.body.managed()
        self._put_sections(client, change.address.key, {k: v for k, v in wanted.items() if k in changed})
        return None

    def _put_sections(self, client: Client, domain: str, sections: dict[str, dict[str, Any]]) -> None:
        for section, fields in sorted(sections.items()):
            form = [(k, _form_value(v)) for k, v in sorted(fields.items())]
            client.put(f"/v3/domains/{path_quote(domain)}/tracking/{section}", data=form)


def _section(model: type[Spec], data: dict[str, Any]) -> dict[str, Any]:
    """Keep known fields; old answers spell booleans "yes"/"no" (§3), htmlonly stays a string."""
    words = {"yes": True, "true": True, "no": False, "false": False}
    return {
        key: words.get(value.lower(), value) if isinstance(value, str) and key == "active" else value
        for key, value in data.items()
        if key in model.model_fields
    }


def _form_value(value: Any) -> str:
    return yes_no(value) if isinstance(value, bool) else str(value)
