"""Kind ``tracking``: a domain's open/click/unsubscribe tracking (``tracking:<domain>``). §3."""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from mgsync.kinds.base import Spec

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
