"""Kind ``credential``: an SMTP login on a domain (``credential:<domain>/<login>``). §9.

Mailgun never returns passwords, so an observed credential has ``password=None``; changes are
detected against a salted scrypt hash kept in the lockfile.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from mgsync.kinds.base import Spec


class Credential(Spec):
    SECRET: ClassVar[frozenset[str]] = frozenset({"password"})

    password: SecretStr | None = Field(None, min_length=5, max_length=32)
