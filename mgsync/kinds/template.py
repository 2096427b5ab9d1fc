"""Kind ``template``: a stored template and its active version (``template:<domain>/<name>``). §6.

Changed content becomes a new version that is activated; ``keep_versions`` (policy, never sent)
bounds how many versions mgsync leaves behind.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from mgsync.kinds.base import Spec

MAX_VERSIONS = 40  # "A template can store up to 40 versions" (mailgun-api.md §6.1)
MAX_TEMPLATE_BYTES = 100 * 1024
HEADER_NAMES = ("From", "Reply-To", "Subject")


class Template(Spec):
    POLICY: ClassVar[frozenset[str]] = frozenset({"keep_versions"})

    description: str = ""
    template: str = ""
    engine: Literal["handlebars", "go"] = "handlebars"
    headers: dict[str, str] = Field(default_factory=dict)
    keep_versions: int = Field(10, ge=1, le=MAX_VERSIONS)
