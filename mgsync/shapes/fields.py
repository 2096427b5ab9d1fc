"""Scalar field types of manifest documents shared by several kinds, with Mailgun's rules.

Each type attaches a ``rules`` check and the JSON Schema editors should see. Types only one kind
uses live in that kind's module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, InstanceOf, SecretStr, WithJsonSchema

from mgsync.shapes import rules
from mgsync.shapes.env import REFERENCE, EnvStr, UnsetSecret

Email = Annotated[str, AfterValidator(rules.check_email), WithJsonSchema({"type": "string", "format": "email"})]
URL_SCHEMA = {"type": "string", "format": "uri"}
Url = Annotated[str, AfterValidator(rules.check_url), WithJsonSchema(URL_SCHEMA)]
DomainName = Annotated[str, AfterValidator(rules.check_domain), WithJsonSchema({"type": "string"})]
EmailOrDomain = Annotated[str, AfterValidator(rules.check_email_or_domain)]


def name_check(what: str) -> Callable[[str], str]:
    """Checks a name used as a mapping key: non-empty, no ``/`` (it separates an address's parts), no padding."""

    def check(text: str) -> str:
        if not text.strip() or text != text.strip() or "/" in text:
            raise ValueError(f'{what} "{text}" must be non-empty, without "/" or surrounding spaces')
        return text

    return check


def _env_only(value: Any) -> Any:
    if isinstance(value, (UnsetSecret, SecretStr)):  # made in code, not read from a manifest
        return value
    if not (isinstance(value, EnvStr) and value.whole_reference):  # a number or a list too
        raise ValueError('write the password as "${env:NAME}": secrets come only from the environment')
    if value.unset:  # reported by the loader: an error, or "not checked" for a plan
        return UnsetSecret(value)
    if not 5 <= len(value) <= 32:
        raise ValueError(f"the value of {value.raw} must be 5 to 32 characters long (Mailgun's rule)")
    return value


Password = Annotated[
    InstanceOf[UnsetSecret] | SecretStr,
    BeforeValidator(_env_only),
    WithJsonSchema({"type": "string", "pattern": f"^{REFERENCE.pattern}$", "description": "Always ${env:NAME}."}),
]
