"""Kind ``domain``: a sending domain's settings (``domain:<name>``). mailgun-api.md §2."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from mgsync.kinds.base import Spec

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
