"""Account **L** of issue 10 as manifests on disk, and the request minimums the benchmark compares with.

Owns the shape of the account (``Shape``), writing it as YAML + CSV + template files, the change
the "change apply" run makes, and the arithmetic of R_min / W_min. It runs nothing and knows no CLI.

L: 20 domains, each with tracking (open, click, unsubscribe with footer), 5 webhook events with 1-2
URLs, 10 templates (content files), 3 SMTP credentials (``${env:}`` passwords), 5,000 bounces,
2,000 unsubscribes, 500 complaints and 50 allowlist entries (CSV); 500 routes; 20 mailing lists of
2,500 members (CSV). ``Shape.scaled(s)`` multiplies the large collections (suppressions, routes,
members) by ``s`` and keeps the structure (domains, lists, templates, credentials, webhooks).

Minimums (the largest page each endpoint allows, mailgun-api.md §1.6; bulk batch sizes, DESIGN §5):

- a read of n items in pages of ``size`` costs ``max(1, ceil(n / size))`` requests: domains, routes,
  credentials, suppressions, lists and members pages of 1000; templates pages of 100 (the list
  carries the active version, so no per-template read); tracking and webhooks one GET per domain.
- writes: one per non-bulk object (domain, webhook event, template with its first version,
  credential, route, list), one PUT per tracking section (open, click, unsubscribe), suppressions
  and members in batches of their kind's ``max_batch`` (999 suppressions: Mailgun refuses 1,000;
  1,000 members), the allowlist through one CSV import per domain. With 999, L's W_min is 1,240 and
  its change run's 22; issue 10 counted batches of 1,000 (1,200 and 21).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

READ_PAGE = 1000
TEMPLATE_PAGE = 100
TRACKING_SECTIONS = 3
EVENTS = ("delivered", "opened", "clicked", "permanent_fail", "complained", "unsubscribed", "accepted")
FOOTER = '<p><a href="%unsubscribe_url%">Unsubscribe</a></p>'


@dataclass(frozen=True)
class Shape:
    domains: int = 20
    templates: int = 10  # per domain
    credentials: int = 3  # per domain
    webhooks: int = 5  # events per domain
    bounces: int = 5000  # per domain
    unsubscribes: int = 2000
    complaints: int = 500
    allowlist: int = 50
    routes: int = 500
    lists: int = 20
    members: int = 2500  # per list

    def scaled(self, scale: float) -> Shape:
        def n(count: int) -> int:
            return max(1, round(count * scale))

        return replace(
            self,
            bounces=n(self.bounces),
            unsubscribes=n(self.unsubscribes),
            complaints=n(self.complaints),
            allowlist=n(self.allowlist),
            routes=n(self.routes),
            members=n(self.members),
        )

    def items(self) -> int:
        per_domain = (
            1
            + 1
            + self.webhooks
            + self.templates
            + self.credentials
            + self.bounces
            + self.unsubscribes
            + self.complaints
            + self.allowlist
        )
        return self.domains * per_domain + self.routes + self.lists * (1 + self.members)

    def domain(self, d: int) -> str:
        return f"mg{d:02d}.bench.example.com"

    def mailing_list(self, n: int) -> str:
        return f"list{n:02d}@{self.domain(n % self.domains)}"

    def extra_bounces(self) -> int:
        """New bounces of the change run (1,000 in L), all in the first domain."""
        return max(1, round(1000 * self.bounces / 5000))


# --- writing the manifests ----------------------------------------------------------------------


def password_env(shape: Shape) -> dict[str, str]:
    """The ``${env:}`` variables the credentials' passwords come from."""
    return {
        _password_var(d, c): f"pw-{d:02d}-{c}-secret" for d in range(shape.domains) for c in range(shape.credentials)
    }


def write_account(root: Path, shape: Shape, template_version: int = 1) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for d in range(shape.domains):
        _write_domain(root, shape, d)
        _write_suppressions(root, shape, d, extra_bounces=0)
    write_templates(root, shape, template_version)
    write_routes(root, shape)
    _write_lists(root, shape)
    for n in range(shape.lists):
        write_members(root, shape, n, renamed=False)


def write_templates(root: Path, shape: Shape, version: int) -> None:
    """Template bodies; writing ``version`` 2 over 1 makes the next apply add a second version."""
    for d in range(shape.domains):
        folder = root / "templates" / shape.domain(d)
        folder.mkdir(parents=True, exist_ok=True)
        for t in range(shape.templates):
            (folder / f"t{t:02d}.html.hbs").write_text(
                f"<h1>Template {t} of {shape.domain(d)}</h1>\n<p>Hello {{{{name}}}}, version {version}.</p>\n"
            )


def write_change(root: Path, shape: Shape) -> None:
    """The change run: every 100th member of every list renamed (1 %), new bounces in one domain."""
    for n in range(shape.lists):
        write_members(root, shape, n, renamed=True)
    _write_suppressions(root, shape, 0, extra_bounces=shape.extra_bounces())


def write_members(root: Path, shape: Shape, n: int, renamed: bool) -> None:
    folder = root / "lists"
    folder.mkdir(exist_ok=True)
    rows = [f"m{i:05d}.{n:02d}@people.example.org,{_member_name(i, renamed)}\n" for i in range(shape.members)]
    (folder / f"list{n:02d}.csv").write_text("address,name\n" + "".join(rows))


def renamed_members(shape: Shape) -> int:
    """Members per list that ``write_change`` renames."""
    return len(range(0, shape.members, 100))


def _member_name(i: int, renamed: bool) -> str:
    return f"Member {i} (renamed)" if renamed and i % 100 == 0 else f"Member {i}"


def _password_var(d: int, c: int) -> str:
    return f"MGSYNC_BENCH_SMTP_{d:02d}_{c}"


def _write_domain(root: Path, shape: Shape, d: int) -> None:
    name = shape.domain(d)
    lines = [
        f"domains:\n  {name}:\n    spam_action: tag\n    web_scheme: https\n",
        "    tracking:\n      open: true\n      click: true\n",
        f"      unsubscribe: {{active: true, html_footer: '{FOOTER}'}}\n",
        "    webhooks:\n",
    ]
    for e, event in enumerate(EVENTS[: shape.webhooks]):
        urls = [f"https://hooks.example.com/{name}/{event}"] + (
            [f"https://backup.example.com/{event}"] if e % 2 else []
        )
        lines.append(f"      {event}: [{', '.join(urls)}]\n")
    lines.append("    templates:\n")
    for t in range(shape.templates):
        lines.append(
            f"      t{t:02d}: {{description: Template {t}, file: templates/{name}/t{t:02d}.html.hbs,"
            f" headers: {{Subject: 'Subject {t}'}}}}\n"
        )
    lines.append("    credentials:\n")
    lines += [f"      smtp{c}: {{password: '${{env:{_password_var(d, c)}}}'}}\n" for c in range(shape.credentials)]
    lines.append("    suppressions:\n")
    lines += [
        f"      {table}: {{file: suppressions/{name}/{table}.csv}}\n"
        for table in ("bounces", "unsubscribes", "complaints", "allowlist")
    ]
    (root / f"{name}.yaml").write_text("".join(lines))


def _write_suppressions(root: Path, shape: Shape, d: int, extra_bounces: int) -> None:
    name = shape.domain(d)
    folder = root / "suppressions" / name
    folder.mkdir(parents=True, exist_ok=True)
    bounces = [
        f"b{i:05d}@gone.example.net,550,mailbox {i} does not exist\n" for i in range(shape.bounces + extra_bounces)
    ]
    unsubscribes = [f"u{i:05d}@quit.example.net,*\n" for i in range(shape.unsubscribes)]
    complaints = [f"c{i:05d}@angry.example.net\n" for i in range(shape.complaints)]
    allowlist = [
        (f"a{i:03d}@partner.example.org" if i % 2 else f"partner{i:03d}.example.org") + ",contract\n"
        for i in range(shape.allowlist)
    ]
    (folder / "bounces.csv").write_text("address,code,error\n" + "".join(bounces))
    (folder / "unsubscribes.csv").write_text("address,tags\n" + "".join(unsubscribes))
    (folder / "complaints.csv").write_text("address\n" + "".join(complaints))
    (folder / "allowlist.csv").write_text("value,reason\n" + "".join(allowlist))


def write_routes(root: Path, shape: Shape) -> None:
    lines = [
        f"  route-{r:04d}: {{priority: {r % 100}, expression: 'match_recipient(\"r{r}@bench.example.com\")',"
        f" actions: ['forward(\"https://app.example.com/in/{r}\")', 'stop()']}}\n"
        for r in range(shape.routes)
    ]
    (root / "routes.yaml").write_text("routes:\n" + "".join(lines))


def _write_lists(root: Path, shape: Shape) -> None:
    lines = [
        f"  {shape.mailing_list(n)}: {{name: List {n}, access_level: readonly, members: {{file: lists/list{n:02d}.csv}}}}\n"
        for n in range(shape.lists)
    ]
    (root / "lists.yaml").write_text("mailing_lists:\n" + "".join(lines))


# --- minimums ------------------------------------------------------------------------------------


def pages(count: int, size: int = READ_PAGE) -> int:
    return max(1, math.ceil(count / size))


def batches(count: int, kind: str) -> int:
    """Bulk adds of ``count`` entries of ``kind``, at its ``max_batch``."""
    return math.ceil(count / max_batch()[kind])


def max_batch() -> dict[str, int]:
    """Each bulk kind's ``max_batch`` by its name. Imported here, not at the top: ``sdk_read`` runs this
    module beside the official SDK, and the CPU and memory measured there must be the SDK's own."""
    from mgsync.kinds.mailing_list import MEMBER
    from mgsync.kinds.suppression import BOUNCE, COMPLAINT, UNSUBSCRIBE

    return {kind.name: kind.max_batch for kind in (BOUNCE, UNSUBSCRIBE, COMPLAINT, MEMBER)}


def read_min(shape: Shape, extra_bounces: int = 0) -> int:
    """R_min: every scope of the account read once, at the largest page size (plan and import)."""
    top = 3  # domains, routes, lists
    per_domain = (
        1
        + 1
        + pages(shape.templates, TEMPLATE_PAGE)
        + pages(shape.credentials + 1)  # + postmaster
        + pages(shape.bounces)
        + pages(shape.unsubscribes)
        + pages(shape.complaints)
        + pages(shape.allowlist)
    )
    extra = pages(shape.bounces + extra_bounces) - pages(shape.bounces)
    return top + shape.domains * per_domain + extra + shape.lists * pages(shape.members)


def write_min(shape: Shape) -> int:
    """W_min of the apply from empty (template content version 1)."""
    per_domain = (
        1
        + TRACKING_SECTIONS
        + shape.webhooks
        + shape.templates
        + shape.credentials
        + batches(shape.bounces, "bounce")
        + batches(shape.unsubscribes, "unsubscribe")
        + batches(shape.complaints, "complaint")
        + (1 if shape.allowlist else 0)
    )  # one CSV import
    return shape.domains * per_domain + shape.routes + shape.lists * (1 + batches(shape.members, "member"))


def template_version_writes(shape: Shape) -> int:
    """W_min of the second apply: one new (activated) version per template."""
    return shape.domains * shape.templates


def change_write_min(shape: Shape) -> int:
    """W_min of the change run: one members.json batch per list, the new bounces in batches."""
    return shape.lists * batches(renamed_members(shape), "member") + batches(shape.extra_bounces(), "bounce")


def status_reads(shape: Shape) -> int:
    """Reads a plan of L makes besides the pages R_min counts, which issue 12 added after R_min was
    defined: per domain, its details while it is unverified (every domain the emulator creates is,
    until its DNS checks pass) and its HTTPS tracking certificate's status (L's domains set
    ``web_scheme: https``). The benchmark reports requests against R_min and against R_min + these."""
    return 2 * shape.domains


def import_reads(shape: Shape) -> int:
    """Reads an import of L makes besides the pages R_min counts, for kinds added after R_min was
    defined (issues 9 and 12): each domain's DKIM key listing (``/v4/domains/{d}/keys``, one read for
    the ``dkim_key`` and ``dkim`` kinds), and the listings of the account-level kinds L has none of
    (account webhooks, account templates, forwards). An import has no lockfile, so it makes no
    status reads (``status_reads``)."""
    return shape.domains + 3


def listing_reads(count: int, size: int = READ_PAGE) -> int:
    """What reading a paging-URL listing of ``count`` items costs: pages until a short one, so a
    full last page needs one (empty) page more to show it was the last."""
    return count // size + 1


def change_touched_reads(shape: Shape) -> int:
    """Reads of the scopes the change run writes: every list's members and one domain's bounces,
    each as reading it costs (``listing_reads``: 6,000 bounces are 6 full pages and an empty one)."""
    return shape.lists * listing_reads(shape.members) + listing_reads(shape.bounces + shape.extra_bounces())
