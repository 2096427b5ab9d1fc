"""Kind ``account_template``: an account-level template (``account_template:<name>``), wire-issue11.md §2.

The domain template kind (``template.py``) mounted on the account: the same content files, versions
tagged by a digest of their content, activation and ``keep_versions`` pruning, at ``/v4/templates``
instead of ``/v3/<domain>/templates``. This module owns only what differs: the place (top-level
``account_templates:``, no parent), the API path, where import writes bodies
(``templates/account/<name>.hbs``) and Mailgun's limit of 100 templates per account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgsync.kinds.base import Loc
from mgsync.kinds.capabilities import OwnFile
from mgsync.kinds.template import TemplateDoc, TemplateKind, TemplateName

if TYPE_CHECKING:
    from mgsync.shapes.harvest import Harvest

# "100 account-level templates" per account (wire-issue11.md §2.1); the status and text of Mailgun's
# refusal of the 101st are UNCONFIRMED, so mgsync refuses such a manifest before sending anything.
MAX_TEMPLATES = 100
FILES_FOLDER = "templates/account"  # not a domain's folder: a domain name always has a dot


class AccountTemplateDoc(TemplateDoc):
    """An account-level template, usable from every sending domain of the account (and on behalf
    of subaccounts); content inline (`template:`) or from a file relative to the manifest."""


class AccountTemplateKind(TemplateKind, OwnFile):
    """Account templates: domain templates' semantics at ``/v4/templates`` (at most 100)."""

    name = "account_template"
    nouns = ("account template", "account templates")
    parent = None
    section = "account_templates"
    document = dict[TemplateName, AccountTemplateDoc]
    import_file = "account_templates.yaml"
    import_title = "account-level templates"

    def base(self, scope: str) -> str:
        return "/v4/templates"

    def files_folder(self, scope: str) -> str:
        return FILES_FOLDER

    def declare_one(self, out: Harvest, scope: str, key: str, doc: TemplateDoc, loc: Loc) -> None:
        # Counted per manifest file: the loader merges files without asking kinds, so a set split
        # over several files that passes 100 only in total is refused by Mailgun at apply instead.
        super().declare_one(out, scope, key, doc, loc)
        declared = sum(1 for resource in out.resources if resource.address.kind == self.name)
        if declared == MAX_TEMPLATES + 1:  # said once, at the first template too many
            out.problem(
                loc,
                f"Mailgun holds at most {MAX_TEMPLATES} account templates; "
                f"this is number {MAX_TEMPLATES + 1} in this file",
                at_key=True,
            )


ACCOUNT_TEMPLATE = AccountTemplateKind()
