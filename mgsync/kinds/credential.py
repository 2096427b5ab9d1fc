"""Kind ``credential``: an SMTP login on a domain (``credential:<domain>/<login>``). §9.

Mailgun never returns passwords, so an observed credential has ``password=None``; changes are
detected against a salted scrypt hash kept in the lockfile. A password whose variable is not set
is an ``UnsetSecret``: a plan shows it "not checked" (``engine.secret_matches``); nothing writes it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, Field, InstanceOf, SecretStr
from ruamel.yaml.comments import CommentedMap

from mgsync.answers import STR, Obj
from mgsync.changes import Change
from mgsync.errors import MgsyncError
from mgsync.kinds.base import Kind, Loc, key_in, path_quote
from mgsync.kinds.capabilities import Deletable, Prunable, Writable
from mgsync.kinds.domain import DOMAIN
from mgsync.shapes import rules
from mgsync.shapes.doc import UNSET, Doc, written
from mgsync.shapes.env import UnsetSecret
from mgsync.shapes.fields import Password
from mgsync.shapes.output import Output, flow_map
from mgsync.state import Address, Resource, Spec, State

if TYPE_CHECKING:
    from mgsync.client import Client
    from mgsync.shapes.harvest import Harvest


class Credential(Spec):
    SECRET: ClassVar[frozenset[str]] = frozenset({"password"})

    password: InstanceOf[UnsetSecret] | Annotated[SecretStr, Field(min_length=5, max_length=32)] | None = None


def _login(text: str) -> str:
    valid = rules.is_email(text) if "@" in text else rules.LOCAL_PART.fullmatch(text) is not None
    if not valid:
        raise ValueError(f'"{text}" is not a valid SMTP login (a local part such as "alice")')
    return text


Login = Annotated[str, AfterValidator(_login)]


class CredentialDoc(Doc):
    """An SMTP login; without a password, mgsync ensures it exists and leaves its password alone."""

    password: Password = UNSET


CREDENTIALS_NOTE = """\
SMTP logins (postmaster@{scope} is Mailgun's own login, created with the domain: not listed).
Mailgun never reveals passwords, so none is managed here and a plan never changes one. To let mgsync
manage a password, give it from the environment as the comment beside each login shows."""


class CredentialKind(Kind[Credential], Writable, Deletable, Prunable):
    name = "credential"
    model = Credential
    parent = DOMAIN
    section = "credentials"
    document = dict[Login, CredentialDoc]
    note = CREDENTIALS_NOTE

    def declare_one(self, out: Harvest, scope: str, key: str, doc: Any, loc: Loc) -> None:
        """``alice`` and ``alice@<domain>`` are the same login; a login on another domain is a mistake."""
        local, at, on = key.rpartition("@")
        if at and on.lower() != scope:
            return out.problem(loc, f'login "{key}" is not on this domain (write just "{local}")', at_key=True)
        out.declare(self.address(scope, local if at else key), self.model, written(doc, self.model.model_fields), loc)

    def export(self, out: Output, scope: str, resources: list[Resource]) -> CommentedMap:
        """Every login but Mailgun's own, with a comment on how to manage its password."""
        logins = CommentedMap()
        names = [key_in(scope, c.address) for c in resources if not self.protected(c.address)]
        column = 6 + max(map(len, names), default=0) + len(": {}  ")
        for login in names:
            logins[login] = flow_map({})
            hint = f'to manage its password: {login}: {{password: "${{env:{password_variable(scope, login)}}}"}}'
            logins.yaml_add_eol_comment(hint, login, column=column)
        return logins

    def protected(self, address: Address) -> bool:
        # Mailgun creates postmaster@<domain> with every domain (its smtp_login); pruning never removes it.
        return address.name == "postmaster"

    def read(self, client: Client, scope: str, locked: State) -> list[Resource]:
        path = f"/v3/domains/{path_quote(scope)}/credentials"
        items = list(client.iter_skip(path, limit=1000, item=Obj({"login": STR})))
        return [self.resource(scope, _local(item["login"], scope), {}) for item in items]

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
        secret = CREDENTIAL.spec(change.desired).password
        if isinstance(secret, UnsetSecret):  # apply loads every secret first: this is a bug, never a write
            raise MgsyncError(f"Cannot write {change.address}: {secret.variable} is not set.")
        return [("password", secret.get_secret_value())] if secret is not None else []

    @staticmethod
    def _path(change: Change) -> str:
        address = change.address
        return f"/v3/domains/{path_quote(address.scope)}/credentials/{path_quote(address.name)}"


def _local(login: str, domain: str) -> str:
    """``alice`` of ``alice@mg.example.com``, the domain in any case (``bob@MG.EXAMPLE.COM``, kept as
    typed by Mailgun): the manifest's ``alice@<domain>`` is read so, and a login read otherwise would
    never match its declaration."""
    local, at, on = login.rpartition("@")
    return local if at and on.lower() == domain.lower() else login


def password_variable(domain: str, login: str) -> str:
    """``MG_SMTP_MG_EXAMPLE_COM_ALICE``: the ``${env:}`` name suggested for a login's password."""
    return "MG_SMTP_" + re.sub(r"[^A-Z0-9]+", "_", f"{domain}_{login}".upper()).strip("_")


CREDENTIAL = CredentialKind()
