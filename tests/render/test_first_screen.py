"""The reviewer's first screen (everything above the comment's first ``<details>``), made by the real
``mgsync`` CLI against the emulator served on 127.0.0.1: the production example is applied as it is,
then a template is edited, a webhook URL removed, a route added and 2,000 members added, as in a
pull request. The first screen names the directory, the commit and the run, every changed object's
address, and no note on the account's state: its six notes are the ones the apply recorded in the
lockfile, so one line below the details says so. Then Mailgun finds one domain's records published:
the next plan shows the notes again, collapsed, marked as changed.

Regenerate after an intended change with: MGSYNC_UPDATE_GOLDEN=1 pytest tests/render/test_first_screen.py
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import REPO, run
from tests.support.plans import assert_golden

KEY = "first-screen-key"
COMMIT = "0f3c2a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a"
RUN_URL = "https://github.com/example/mailgun-config/actions/runs/9876543210"
HEADING = ["--heading-commit", COMMIT, "--heading-run-url", RUN_URL]
ROUTE = """\
  vip-inbox:
    priority: 5
    expression: match_recipient("vip@mg.example.com")
    actions: [forward("https://app.example.com/inbound/vip"), stop()]
"""


@dataclass
class Reviewed:
    comment: str
    plan: dict  # plan --format json
    full_text: str  # plan --format text --full
    applied_lock: dict  # the lockfile the apply wrote
    changed: str  # plan --format markdown once one domain's DNS records are published


def edit(root: Path) -> None:
    """The pull request: a template edited, a webhook URL removed, a route added, 2,000 members added."""
    template = root / "templates" / "welcome.html.hbs"
    template.write_text(
        template.read_text(encoding="utf-8").replace("Welcome to Example", "Welcome aboard"), encoding="utf-8"
    )
    domain = root / "mg.example.com.yaml"
    both = "delivered: [https://hooks.example.com/mailgun, https://backup.example.com/mailgun]"
    text = domain.read_text(encoding="utf-8")
    assert both in text
    domain.write_text(text.replace(both, "delivered: https://hooks.example.com/mailgun"), encoding="utf-8")
    account = root / "account.yaml"
    account.write_text(account.read_text(encoding="utf-8") + ROUTE, encoding="utf-8")
    members = root / "lists" / "newsletter.csv"
    added = "".join(f"reader{i:04}@example.org,Reader {i},,\n" for i in range(2000))
    members.write_text(members.read_text(encoding="utf-8") + added, encoding="utf-8")


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> Reviewed:
    tmp = tmp_path_factory.mktemp("first-screen")
    shutil.copytree(REPO / "examples" / "production", tmp / "production")
    emulator = Emulator(api_key=KEY)
    with serve(emulator, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        applied = run("apply", "--yes", "production", cwd=tmp, env=env)
        assert applied.returncode == 0, applied.stderr
        lock = json.loads((tmp / "production" / "mgsync.lock").read_text(encoding="utf-8"))
        edit(tmp / "production")
        outputs = [
            run("plan", *args, "production", cwd=tmp, env=env)
            for args in (["--format", "markdown", *HEADING], ["--format", "json"], ["--format", "text", "--full"])
        ]
        emulator.store.mark_dns_valid("mg.example.com")  # Mailgun now finds its records, outside any apply
        outputs.append(run("plan", "--format", "markdown", "production", cwd=tmp, env=env))
    for result in outputs:
        assert result.returncode == 0, result.stderr
    comment, plan, full, changed = (result.stdout for result in outputs)
    return Reviewed(comment, json.loads(plan), full, lock, changed)


def first_screen(comment: str) -> str:
    return comment.split("<details>")[0]


def test_the_comment_matches_its_golden(reviewed: Reviewed) -> None:
    assert_golden("production-pr.md", reviewed.comment)


def test_the_first_screen_names_the_directory_the_commit_and_the_run(reviewed: Reviewed) -> None:
    assert reviewed.comment.splitlines()[:4] == [
        "<!-- mgsync-plan -->",
        "### mgsync plan for `production`",
        "",
        f"Commit {COMMIT} · [Workflow run](<{RUN_URL}>)",
    ]


def test_the_first_screen_lists_every_changed_object_by_action(reviewed: Reviewed) -> None:
    changes = reviewed.plan["changes"]
    assert len(changes) == 2003
    screen = first_screen(reviewed.comment)
    for change in changes:  # a member by its list's collection and count, every other object by address
        kind, _, key = change["address"].partition(":")
        shown = f"`{kind}:{key.split('/')[0]}` ×2,000" if kind == "member" else f"`{change['address']}`"
        assert shown in screen, change["address"]
    assert screen.index("**Add** (2,001)") < screen.index("`route:vip-inbox`") < screen.index("**Change** (2)")
    assert screen.index("**Change** (2)") < screen.index("`template:mg.example.com/welcome` (template)")


def test_the_removed_webhook_url_is_called_out_before_the_addresses(reviewed: Reviewed) -> None:
    screen = first_screen(reviewed.comment)
    caution = (
        "> [!CAUTION]\n> - `webhook:mg.example.com/delivered`: deliveries to https://backup.example.com/mailgun stop\n"
    )
    assert caution in screen and screen.index(caution) < screen.index("**Add**")


def test_the_apply_recorded_the_digest_of_the_sorted_account_notes(reviewed: Reviewed) -> None:
    notes = reviewed.plan["notes"]
    assert len(notes) == 6 and all("unverified" in n or "HTTPS tracking certificate" in n for n in notes)
    text = json.dumps(sorted(notes), separators=(",", ":"), ensure_ascii=False)
    assert reviewed.applied_lock["account_notes"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_unchanged_account_notes_are_one_line_after_the_details_and_postmaster_is_not_listed(
    reviewed: Reviewed,
) -> None:
    notes = reviewed.plan["notes"]
    assert not any(note in reviewed.comment for note in notes) and "Account status:" not in reviewed.comment
    assert "Note" not in first_screen(reviewed.comment)
    line = "\n</details>\n\nAccount status unchanged since the last apply (6 notes: `mgsync plan` lists them).\n"
    assert line in reviewed.comment
    # the text plan keeps showing them, each command as typed there (with the manifest path planned)
    typed = [re.sub(r"(mgsync apply --verify-domain \S+)\.$", r"\1 production.", note) for note in notes]
    assert typed != notes and all(note in reviewed.full_text for note in typed)
    assert "postmaster" not in reviewed.comment and "Not managed" not in reviewed.comment
    assert reviewed.plan["unmanaged"]["credential"] == [  # there, but Mailgun's own login on every domain
        f"credential:{domain}/postmaster" for domain in ("eu.example.net", "mg.example.com", "news.example.com")
    ]


def test_changed_account_notes_are_shown_collapsed_and_marked_changed(reviewed: Reviewed) -> None:
    notes = reviewed.plan["notes"]
    now = (
        "mg.example.com is unverified: its DNS records are not verified yet; publish them (mgsync dns export), "
        "then run mgsync apply --verify-domain mg.example.com."
    )
    expected = [now if note.startswith("mg.example.com is unverified") else note for note in notes]
    assert expected != notes
    screen, rest = first_screen(reviewed.changed), reviewed.changed[len(first_screen(reviewed.changed)) :]
    assert not any(note in screen for note in expected) and "unchanged" not in reviewed.changed
    summary = "<details><summary>Account status: 6 notes, changed since the last apply</summary>\n\n"
    collapsed = rest.split(summary)[1].split("\n\n</details>")[0]
    assert collapsed.splitlines() == [f"- {note}" for note in expected]


def test_the_digest_line_is_unchanged_and_the_full_text_plan_lists_every_member(reviewed: Reviewed) -> None:
    assert reviewed.comment.endswith(f"\n\nPlan digest: `{reviewed.plan['digest']}`\n")
    listed = [line.strip()[2:] for line in reviewed.full_text.splitlines() if line.startswith("      + member:")]
    assert listed == [f"member:newsletter@news.example.com/reader{i:04}@example.org" for i in range(2000)]
    assert reviewed.full_text.endswith(f"Plan digest: {reviewed.plan['digest']}\n")


def test_deletions_are_called_out_one_line_each_with_what_goes_with_them(tmp_path) -> None:
    """A deleted domain, route, list (with the members Mailgun reports) and webhook, and a member pruned."""
    shutil.copytree(REPO / "examples" / "production", tmp_path / "production")
    root = tmp_path / "production"
    with serve(Emulator(api_key=KEY), host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        assert run("apply", "--yes", "production", cwd=tmp_path, env=env).returncode == 0
        (root / "eu.example.net.yaml").unlink()
        cut(root / "account.yaml", "  billing-disputes:", "  per-user-aliases:")
        cut(root / "lists.yaml", "  newsletter@news.example.com:", "  staff@mg.example.com:")
        cut(root / "lists.yaml", "      - dave@example.com\n", "    prune: [members]")
        cut(root / "mg.example.com.yaml", "      opened:", "      clicked:")
        result = run("plan", "--format", "markdown", "production", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert first_screen(result.stdout).split("\n\n")[2:5] == [
        "\n".join(
            [
                "> [!CAUTION]",
                "> - Deletes `member:staff@mg.example.com/dave@example.com`",
                "> - Deletes `list:newsletter@news.example.com`; its 50 members go with it",
                "> - Deletes `route:billing-disputes`",
                "> - Deletes `webhook:mg.example.com/opened`; deliveries to https://hooks.example.com/mailgun stop",
                "> - Deletes `domain:eu.example.net` and everything in it",
            ]
        ),
        "**Destroy** (5)",
        "\n".join(
            [
                "- `member:staff@mg.example.com/dave@example.com`",
                "- `list:newsletter@news.example.com`",
                "- `route:billing-disputes`",
                "- `webhook:mg.example.com/opened`",
                "- `domain:eu.example.net`",
            ]
        ),
    ]


def cut(path: Path, start: str, end: str) -> None:
    """Remove ``path``'s text from ``start`` up to (not including) ``end``."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(start)] + text[text.index(end) :], encoding="utf-8")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://example.com/runs/1 (x)", "https://x/<y>"])
def test_a_run_url_that_is_not_a_plain_web_address_is_refused_before_any_request(tmp_path, url) -> None:
    shutil.copytree(REPO / "examples" / "quickstart", tmp_path / "quickstart")
    emulator = Emulator(api_key=KEY)
    with serve(emulator, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        result = run("plan", "--format", "markdown", "--heading-run-url", url, "quickstart", cwd=tmp_path, env=env)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"Error: --heading-run-url {url!r} is not an http(s) URL; pass the run's address, "
        "e.g. https://github.com/OWNER/REPO/actions/runs/ID.\n"
    )
    assert list(emulator.log) == []
