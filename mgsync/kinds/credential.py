"""Kind ``credential``: an SMTP login on a domain (``credential:<domain>/<login>``). §9.

Mailgun never returns passwords, so an observed credential has ``password=None``; changes are
detected against a salted scrypt hash kept in the lockfile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, SecretStr

from mgsync.changes import Change
from mgsync.kinds.base import Kind, Spec, path_quote
from mgsync.shape import STR, Obj
from mgsync.state import Address, Resource, State

if TYPE_CHECKING:
    from mgsync.client import Client


class Credential(Spec):
    SECRET: ClassVar[frozenset[str]] = frozenset({"password"})

    password: SecretStr | None = Field(None, min_length=5, max_length=32)


class CredentialKind(Kind):
    name = "credential"
    model = Credential

    def protected(self, address: Address) -> bool:
        # Mailgun creates postmaster@<domain> with every domain (its smtp_login); pruning never removes it.
        return address.name == "postmaster"

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        path = f"/v3/domains/{path_quote(scope)}/credentials"
        items = list(client.iter_skip(path, limit=1000, item=Obj({"login": STR})))
        suffix = f"@{scope}"
        return [self.resource(scope, item["login"].removesuffix(suffix), {}) for item in items]

    def create(self, client: Client, change: Change) -> Resource | None:
        form = [("login", change.address.name), *self._password(change)]
        client.post(f"/v3/domains/{path_quote(change.address.scope)}/credentials", data=form)
        return None

    def update(self, client: Client, change: Change) -> Resource | None:
        client.put(self._path(change), data=self._password(change))
        return None

    def delete(self, client: Client, change: Change) -> None:
        client.delete(self._path(change))

    @staticmethod
    def _password(change: Change) -> list[tuple[str, str]]:
        secret = change.desired.body.password
        return [("password", secret.get_secret_value())] if secret is not None else []

    @staticmethod
    def _path(change: Change) -> str:
        address = change.address
        return f"/v3/domains/{path_quote(address.scope)}/credentials/{path_quote(address.name)}"
