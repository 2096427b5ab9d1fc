"""Field types of the manifest document: shapes with shorthands, and scalars with Mailgun's rules.

``either`` builds a value that may be written in two shapes (``open: true`` or ``open: {...}``); a
discriminator picks the branch by the value's shape, so an error speaks of the shape the user
wrote. Scalar types attach a ``rules`` check and the JSON Schema editors should see.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Discriminator,
    PlainValidator,
    SecretStr,
    StrictInt,
    Tag,
    WithJsonSchema,
)

from mgsync.kinds.template import MAX_VERSIONS
from mgsync.kinds.webhook import MAX_URLS
from mgsync.manifest import rules
from mgsync.manifest.env import REFERENCE, EnvStr

SHAPE_TAGS = ("~mapping", "~list", "~scalar")  # discriminator tags; they appear in error locations


def shape_of(value: Any) -> str:
    return "~mapping" if isinstance(value, dict) else "~list" if isinstance(value, list) else "~scalar"


def either(primary: tuple[str, Any], shorthand: tuple[str, Any]) -> Any:
    """A value written in one of two shapes; errors come only from the shape the value has."""
    tags = (f"~{primary[0]}", f"~{shorthand[0]}")

    def pick(value: Any) -> str:
        shape = shape_of(value)
        return shape if shape in tags else tags[0]

    members = Union[Annotated[primary[1], Tag(tags[0])], Annotated[shorthand[1], Tag(tags[1])]]  # noqa: UP007
    return Annotated[members, Discriminator(pick)]


Email = Annotated[str, AfterValidator(rules.check_email), WithJsonSchema({"type": "string", "format": "email"})]
URL_SCHEMA = {"type": "string", "format": "uri"}
Url = Annotated[str, AfterValidator(rules.check_url), WithJsonSchema(URL_SCHEMA)]
DomainName = Annotated[str, AfterValidator(rules.check_domain), WithJsonSchema({"type": "string"})]
EmailOrDomain = Annotated[str, AfterValidator(rules.check_email_or_domain)]


def _name(what: str) -> Any:
    def check(text: str) -> str:
        if not text.strip() or text != text.strip() or "/" in text:
            raise ValueError(f'{what} "{text}" must be non-empty, without "/" or surrounding spaces')
        return text

    return Annotated[str, AfterValidator(check)]


def _login(text: str) -> str:
    valid = rules.is_email(text) if "@" in text else rules.LOCAL_PART.fullmatch(text) is not None
    if not valid:
        raise ValueError(f'"{text}" is not a valid SMTP login (a local part such as "alice")')
    return text


def _web_prefix(text: str) -> str:
    if not rules.is_domain(f"{text}.example.com") or "." in text:
        raise ValueError(f'"{text}" is not a valid web prefix (lower-case letters, digits and hyphens)')
    return text


def _keep_versions(count: int) -> int:
    if not 1 <= count <= MAX_VERSIONS:
        raise ValueError(f"must be between 1 and {MAX_VERSIONS} (Mailgun stores at most {MAX_VERSIONS} versions)")
    return count


def _click(value: Any) -> bool | str:
    if isinstance(value, bool) or value == "htmlonly":
        return value
    raise ValueError(rules.unknown("value", value, ("true", "false", "htmlonly")))


def _env_only(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if not (isinstance(value, EnvStr) and value.whole_reference):
        raise ValueError('write the password as "${env:NAME}": secrets come only from the environment')
    if value != value.raw and not 5 <= len(value) <= 32:  # unset variables are reported already
        raise ValueError(f"the value of {value.raw} must be 5 to 32 characters long (Mailgun's rule)")
    return value


def _urls(urls: list[str]) -> list[str]:
    if not urls:
        raise ValueError("needs at least one URL (remove the event to leave it unmanaged)")
    if len(urls) > MAX_URLS:
        raise ValueError(f"has {len(urls)} URLs; Mailgun allows at most {MAX_URLS} per event")
    for i, url in enumerate(urls):
        if url in urls[:i]:
            raise ValueError(f'lists "{url}" twice')
    return urls


RouteName = _name("route name")
TemplateName = _name("template name")
Login = Annotated[str, AfterValidator(_login)]
WebPrefix = Annotated[str, AfterValidator(_web_prefix)]
KeepVersions = Annotated[
    StrictInt,
    AfterValidator(_keep_versions),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_VERSIONS}),
]
ClickActive = Annotated[bool | str, PlainValidator(_click), WithJsonSchema({"enum": [True, False, "htmlonly"]})]
Password = Annotated[
    SecretStr,
    BeforeValidator(_env_only),
    WithJsonSchema({"type": "string", "pattern": f"^{REFERENCE.pattern}$", "description": "Always ${env:NAME}."}),
]
UrlList = Annotated[
    list[Url],
    AfterValidator(_urls),
    WithJsonSchema({"type": "array", "items": URL_SCHEMA, "minItems": 1, "maxItems": MAX_URLS}),
]
Urls = either(("list", UrlList), ("scalar", Url))
TemplateText = Annotated[str, AfterValidator(rules.check_template_size)]
SmtpCode = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    AfterValidator(rules.check_smtp_code),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\d{3}$"}, {"type": "integer"}]}),
]
