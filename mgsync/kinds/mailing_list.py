"""Kinds ``list`` (``list:<address>``) and ``member`` (``member:<list>/<address>``). §7."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool

from mgsync.kinds.base import Spec

AccessLevel = Literal["readonly", "members", "everyone"]
ReplyPreference = Literal["list", "sender"]


class MailingList(Spec):
    name: str = ""
    description: str = ""
    access_level: AccessLevel = "readonly"
    reply_preference: ReplyPreference = "list"


class Member(Spec):
    name: str = ""
    vars: dict[str, Any] = Field(default_factory=dict)
    subscribed: StrictBool = True
