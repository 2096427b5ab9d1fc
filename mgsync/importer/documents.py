"""Observed canonical state → the manifests a person would have written.

Layout: one ``<domain>.yaml`` per domain, ``routes.yaml`` and ``lists.yaml``; template bodies in
``templates/<domain>/<name>.hbs|.tmpl``; member and suppression collections of more than
``CSV_THRESHOLD`` entries in ``lists/<address>.csv`` and ``suppressions/<domain>/<collection>.csv``.

Settings objects (domains, tracking, webhooks, templates, routes, lists) are written in full, so a
plan compares every field. Two exceptions keep defaults terse, and leave those fields unmanaged:
tracking footers equal to Mailgun's defaults and ``place_at_the_top: false`` are omitted. Entries of
additive collections (members, suppressions) carry only non-default fields; in particular a
subscribed member's ``subscribed`` is left out, so mgsync never re-subscribes someone who later
unsubscribes (DESIGN §3.3). Knows nothing of HTTP or of the files on disk.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap

from mgsync.importer import bulk
from mgsync.importer.naming import password_variable, template_file
from mgsync.importer.output import Output, block_seq, flow_map, flow_seq
from mgsync.kinds import BY_NAME
from mgsync.kinds.tracking import DEFAULT_HTML_FOOTER, DEFAULT_TEXT_FOOTER, Tracking
from mgsync.state import Resource, State

HEADER = """\
Imported from Mailgun by `mgsync import` ({what}).
Every field written here is managed: remove a field to leave it as it is in Mailgun. mgsync.lock
records what mgsync manages, so removing a domain, route, list, template, webhook or login here
makes the next plan delete it. Members and suppressions are additive: removing an entry never
deletes it (see `prune`). Editor support: `mgsync schema > mgsync.schema.json`, then make the first
line of this file `# yaml-language-server: $schema=mgsync.schema.json`."""

ROUTES_NOTE = """\
Routes are named by their Mailgun description, and apply writes the name as the description.
Routes without a description are named route#<id>; when several share a description, the oldest
keeps it and the others are named <description>#<id>. Surrounding spaces are dropped and "/"
becomes "-". mgsync derives the same names from the live account, and mgsync.lock ties each name
to its route id, so renaming a route here renames it in Mailgun."""

CREDENTIALS_NOTE = """\
SMTP logins ({postmaster} is Mailgun's own login, created with the domain: not listed).
Mailgun never reveals passwords, so none is managed here and a plan never changes one. To let mgsync
manage a password, give it from the environment as the comment beside each login shows."""

TEMPLATES_NOTE = """\
The active version of each template. When content changes, mgsync adds and activates a version and
keeps at most keep_versions of them (default 10): raise it to keep more of the history."""


class Account:
    """The observed state grouped by (kind, scope): what each domain and list holds."""

    def __init__(self, observed: State):
        self.groups: dict[tuple[str, str], list[Resource]] = {}
        for resource in observed.values():
            scope = BY_NAME[resource.address.kind].scope_of(resource.address)
            self.groups.setdefault((resource.address.kind, scope), []).append(resource)

    def get(self, kind: str, scope: str = "") -> list[Resource]:
        return self.groups.get((kind, scope), [])


def build(observed: State) -> Output:
    account, output = Account(observed), Output()
    for domain in account.get("domain"):
        output.add_yaml(f"{domain.address.key}.yaml", domain_file(account, domain, output))
    if account.get("route"):
        output.add_yaml("routes.yaml", routes_file(account.get("route")))
    if account.get("list"):
        output.add_yaml("lists.yaml", lists_file(account, output))
    if not output.files:
        output.add_yaml("mgsync.yaml", _root("an empty account"))
    return output


def _root(what: str) -> CommentedMap:
    root = CommentedMap(version=1)
    root.yaml_set_start_comment(HEADER.format(what=what))
    return root


# --- domains -----------------------------------------------------------------------------------


def domain_file(account: Account, domain: Resource, output: Output) -> CommentedMap:
    name = domain.address.key
    body = CommentedMap(domain.body.model_dump(mode="json"))
    for key, part in (("tracking", _tracking), ("webhooks", _webhooks), ("templates", _templates),
                      ("credentials", _credentials), ("suppressions", bulk.suppressions)):
        value = part(account, name, output)
        if value:
            body[key] = value
    if "credentials" in body:
        note = CREDENTIALS_NOTE.format(postmaster=f"postmaster@{name}")
        body.yaml_set_comment_before_after_key("credentials", note, 4)
    if "templates" in body:
        body.yaml_set_comment_before_after_key("templates", TEMPLATES_NOTE, 4)
    if "suppressions" in body:
        body.yaml_set_comment_before_after_key("suppressions", bulk.SUPPRESSIONS_NOTE, 4)
    root = _root(f"domain {name}")
    root["domains"] = CommentedMap({name: body})
    state = domain.meta.get("state") or "unknown"
    root["domains"].yaml_set_comment_before_after_key(
        name, f"Live state: {state} (DNS verification and disabling are Mailgun's, not managed by mgsync).", 2
    )
    return root


def _tracking(account: Account, domain: str, output: Output) -> CommentedMap | None:
    found = account.get("tracking", domain)
    if not found:
        return None
    body: Tracking = found[0].body  # type: ignore[assignment]
    opened, unsubscribe = body.open, body.unsubscribe
    footers = {name: value for name, value, default in (
        ("html_footer", unsubscribe.html_footer, DEFAULT_HTML_FOOTER),
        ("text_footer", unsubscribe.text_footer, DEFAULT_TEXT_FOOTER),
    ) if value != default}
    return CommentedMap(
        open=flow_map({"active": opened.active, "place_at_the_top": True}) if opened.place_at_the_top
        else opened.active,
        click=body.click.active,
        unsubscribe=CommentedMap(active=unsubscribe.active, **footers) if footers else unsubscribe.active,
    )


def _webhooks(account: Account, domain: str, output: Output) -> CommentedMap:
    hooks = CommentedMap()
    for hook in account.get("webhook", domain):
        urls = hook.body.urls
        hooks[hook.address.name] = urls[0] if len(urls) == 1 else flow_seq(urls)
    return hooks


def _templates(account: Account, domain: str, output: Output) -> CommentedMap:
    templates, taken = CommentedMap(), set()
    for template in account.get("template", domain):
        body = template.body
        headers = flow_map(dict(sorted(body.headers.items())))  # sorted: apply sends them sorted
        entry = CommentedMap(description=body.description, engine=body.engine, headers=headers)
        if body.template:
            path = template_file(domain, template.address.name, body.engine, taken)
            output.add_text(path, body.template)
            entry["file"] = path
        else:
            entry["template"] = ""
        templates[template.address.name] = entry
    return templates


def _credentials(account: Account, domain: str, output: Output) -> CommentedMap:
    kind, logins = BY_NAME["credential"], CommentedMap()
    names = [c.address.name for c in account.get("credential", domain) if not kind.protected(c.address)]
    column = 6 + max(map(len, names), default=0) + len(": {}  ")
    for login in names:
        logins[login] = flow_map({})
        hint = f'to manage its password: {login}: {{password: "${{env:{password_variable(domain, login)}}}"}}'
        logins.yaml_add_eol_comment(hint, login, column=column)
    return logins


# --- account level -----------------------------------------------------------------------------


def routes_file(routes: list[Resource]) -> CommentedMap:
    entries = CommentedMap()
    for route in sorted(routes, key=lambda r: (r.body.priority, r.address.key)):
        body = route.body
        entries[route.address.key] = CommentedMap(
            priority=body.priority, expression=body.expression, actions=block_seq(body.actions)
        )
    root = _root("inbound routes")
    root["routes"] = entries
    root.yaml_set_comment_before_after_key("routes", ROUTES_NOTE)
    return root


def lists_file(account: Account, output: Output) -> CommentedMap:
    lists = CommentedMap()
    for mailing_list in account.get("list"):
        address = mailing_list.address.key
        entry = CommentedMap(mailing_list.body.model_dump(mode="json"))
        members = bulk.members(account.get("member", address), address, output)
        if members is not None:
            entry["members"] = members
        lists[address] = entry
    root = _root("mailing lists")
    root["mailing_lists"] = lists
    return root

