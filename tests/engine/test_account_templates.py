"""Account-level templates (``account_templates:``, ``/v4/templates``) through the real loader, engine,
importer and CLI against the emulator: version history and keep_versions, top-level prune, lost
answers, an import round trip, golden plans of a body edit, and bad manifests with exact messages.

Regenerate the golden files after an intended change with MGSYNC_UPDATE_GOLDEN=1 and read the diff.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mgsync import render
from mgsync.cli import main
from mgsync.emulator import Emulator
from mgsync.emulator.account_templates import add_template
from mgsync.errors import ApiError
from mgsync.importer import run_import
from mgsync.kinds.template import version_tag
from tests.support.harness import KEY, Harness

from .test_golden import check

T = "/v4/templates"


def harness(root: Path) -> Harness:
    """A harness whose emulator clock moves one second per reading, so versions have distinct ages."""
    seconds = itertools.count(1_700_000_000)
    return Harness(root, emu=Emulator(api_key=KEY, clock=lambda: float(next(seconds))))


def manifest(body: str, keep: int | None = None, **more: str) -> str:
    keep_line = f"    keep_versions: {keep}\n" if keep is not None else ""
    extra = "".join(f"  {name}: {{template: '{text}'}}\n" for name, text in more.items())
    return f"account_templates:\n  receipt:\n    description: Receipt\n    template: '{body}'\n{keep_line}{extra}"


def versions(h: Harness, name: str = "receipt") -> list[tuple[str, bool]]:
    page = h.client.get(f"{T}/{name}/versions")["template"]["versions"]
    return sorted((v["tag"], v["active"]) for v in page)


def tag(body: str) -> str:
    return version_tag({"template": body})


def active(h: Harness, name: str = "receipt") -> dict[str, Any]:
    return h.client.get(f"{T}/{name}", active="yes")["template"]["version"]


# --- versions ----------------------------------------------------------------------------------


def test_changed_content_adds_and_activates_a_version_and_old_content_reactivates_its_own(tmp_path) -> None:
    h = harness(tmp_path)
    h.write(manifest("a"))
    h.apply()
    assert versions(h) == [(tag("a"), True)]
    assert h.requests("POST") == [f"POST {T}"]  # the template and its first version in one request

    h.write(manifest("b"))
    h.apply()
    assert versions(h) == sorted([(tag("a"), False), (tag("b"), True)])
    assert h.requests("POST", f"{T}/receipt/versions") == [f"POST {T}/receipt/versions"]
    assert active(h)["template"] == "b"

    h.write(manifest("a"))
    assert h.actions() == [("account_template:receipt", "update")]
    h.apply()
    assert versions(h) == sorted([(tag("a"), True), (tag("b"), False)])
    assert len(h.requests("POST", f"{T}/receipt/versions")) == 1  # no new version: the old one again
    assert h.requests("PUT") == [f"PUT {T}/receipt/versions/{tag('a')}"]
    assert h.actions() == []


def test_keep_versions_prunes_the_oldest_inactive_versions(tmp_path) -> None:
    h = harness(tmp_path)
    for body in ("a", "b", "c", "d"):
        h.write(manifest(body, keep=3))
        h.apply()
    assert versions(h) == sorted([(tag("b"), False), (tag("c"), False), (tag("d"), True)])  # "a" went first
    h.write(manifest("b", keep=3))
    h.apply()  # reactivates "b", now the oldest but active
    h.write(manifest("e", keep=3))
    h.apply()
    assert versions(h) == sorted([(tag("b"), False), (tag("d"), False), (tag("e"), True)])  # "c" went, not "b"
    assert h.requests("DELETE") == [
        f"DELETE {T}/receipt/versions/{tag('a')}",
        f"DELETE {T}/receipt/versions/{tag('c')}",
    ]
    assert h.actions() == []


# --- ownership ---------------------------------------------------------------------------------


def test_unmanaged_templates_are_listed_and_deleted_only_under_top_level_prune(tmp_path) -> None:
    h = harness(tmp_path)
    add_template(h.emu.store, "stray", "by hand", [{"tag": "v1", "template": "x"}])
    h.write(manifest("a"))
    plan = h.plan()
    assert h.actions(plan) == [("account_template:receipt", "create")]
    assert [str(a) for a in plan.unmanaged["account_template"]] == ["account_template:stray"]
    h.apply()

    h.write(manifest("a") + "prune: [account_templates]\n")
    assert h.actions() == [("account_template:stray", "delete")]
    h.apply()
    assert [item["name"] for item in h.client.get(T)["items"]] == ["receipt"]
    assert h.actions() == []


@pytest.mark.parametrize(("fault", "posts"), [("fail_after_commit", 1), ("fail_before_commit", 2)])
def test_a_create_whose_answer_was_lost_is_re_read_not_repeated(tmp_path, fault: str, posts: int) -> None:
    h = harness(tmp_path)
    getattr(h.emu.faults, fault)(method="POST", path=T, status=502)  # the first POST: the create
    h.write(manifest("a"))
    h.apply()
    assert h.requests("POST") == [f"POST {T}"] * posts
    assert versions(h) == [(tag("a"), True)]
    assert '"account_template:receipt"' in h.lock_path.read_text()
    assert h.actions() == []


@pytest.mark.parametrize(("fault", "posts"), [("fail_after_commit", 1), ("fail_before_commit", 2)])
def test_a_new_version_whose_answer_was_lost_is_re_read_not_repeated(tmp_path, fault: str, posts: int) -> None:
    """A lost answer to a new version's POST ended the apply ("not retried because POST may have been
    applied"), every other step with it, though the version had landed."""
    h = harness(tmp_path)
    h.write(manifest("a"))
    h.apply()
    getattr(h.emu.faults, fault)(method="POST", path=f"{T}/receipt/versions", status=502)
    h.write(manifest("b"))
    h.apply()
    assert h.requests("POST", f"{T}/receipt/versions") == [f"POST {T}/receipt/versions"] * posts
    assert versions(h) == sorted([(tag("a"), False), (tag("b"), True)])
    assert h.actions() == []


def test_a_pruned_version_whose_delete_answer_was_lost_is_gone_not_an_error(tmp_path) -> None:
    """The DELETE retried after a 502 found the version gone (404), and the apply failed on it."""
    h = harness(tmp_path)
    for body in ("a", "b"):
        h.write(manifest(body, keep=2))
        h.apply()
    h.emu.faults.fail_after_commit(method="DELETE", path=f"{T}/receipt/versions", status=502)
    h.write(manifest("c", keep=2))
    h.apply()
    assert h.requests("DELETE") == [f"DELETE {T}/receipt/versions/{tag('a')}"] * 2
    assert versions(h) == sorted([(tag("b"), False), (tag("c"), True)])
    assert h.actions() == []


REFUSED = '{"message": "template is invalid"}'


def refused(h: Harness, text: str) -> str:
    """The error of an apply of ``text`` whose new version Mailgun refuses."""
    h.emu.faults.fail_before_commit("POST", f"{T}/receipt/versions", 400, body=REFUSED, content_type="application/json")
    h.write(text)
    with pytest.raises(ApiError) as error:
        h.apply()
    return str(error.value)


def test_a_new_version_mailgun_refuses_costs_no_history(tmp_path) -> None:
    """The oldest version beyond keep_versions was deleted before the new one was sent: a version
    Mailgun refused still cost one, and the error said "Nothing applied"."""
    h = harness(tmp_path)
    for body in ("a", "b"):
        h.write(manifest(body, keep=2))
        h.apply()
    assert refused(h, manifest("c", keep=2)).endswith(
        "returned 400: template is invalid. Nothing applied; mgsync plan shows what is left"
    )
    assert h.requests("DELETE") == []
    assert versions(h) == sorted([(tag("a"), False), (tag("b"), True)])
    h.apply()  # accepted now: the oldest goes after it
    assert h.requests("DELETE") == [f"DELETE {T}/receipt/versions/{tag('a')}"]
    assert versions(h) == sorted([(tag("b"), False), (tag("c"), True)])
    assert h.actions() == []


def test_at_mailguns_cap_room_is_made_first_and_a_refusal_says_so(tmp_path) -> None:
    """Mailgun keeps at most 40 versions of a template: at the cap the oldest inactive one goes before
    the new one is sent, and when Mailgun then refuses it, the error says what was deleted."""
    h = harness(tmp_path)
    h.write(manifest("a", keep=40))
    h.apply()
    for n in range(39):
        h.client.post(f"{T}/receipt/versions", data=[("tag", f"old-{n:02}"), ("template", f"old {n}")])
    assert refused(h, manifest("b", keep=40)).endswith(
        "returned 400: template is invalid (before it, deleted the oldest version old-00: Mailgun keeps at most 40). "
        "No change completed; mgsync plan shows what is left"
    )
    assert len(versions(h)) == 39
    assert h.actions() == [("account_template:receipt", "update")]
    h.apply()
    assert h.requests("DELETE") == [f"DELETE {T}/receipt/versions/old-00"]  # none more: there was room
    assert len(versions(h)) == 40 and (tag("b"), True) in versions(h)


# --- import ------------------------------------------------------------------------------------


def seed(store: Any) -> None:
    add_template(
        store,
        "Welcome",
        "Welcome email",
        [
            {"tag": "v1", "template": "<p>Hello {{name}}</p>\n"},
            {
                "tag": "v2",
                "template": "<p>Bonjour {{name}} — v2</p>\n",
                "headers": {"Subject": "Salut", "From": "a@example.com"},
                "active": True,
            },
        ],
    )
    add_template(store, "receipt", "", [{"tag": "initial", "template": "Total: {{.Total}}\r\n", "engine": "go"}])
    add_template(store, "empty", "no versions yet")


def live(h: Harness) -> dict[str, tuple[Any, ...]]:
    """Each template's description and active content, engine and headers, as Mailgun shows them."""
    found = {}
    for item in h.client.get(T)["items"]:
        one = h.client.get(f"{T}/{item['name']}", active="yes")["template"]
        version = one.get("version") or {}
        found[one["name"]] = (
            one["description"],
            version.get("template"),
            version.get("engine"),
            version.get("headers"),
        )
    return found


def test_import_round_trip(tmp_path) -> None:
    source = harness(tmp_path / "imported")
    seed(source.emu.store)
    imported = run_import(source.client, source.root)
    assert imported.counts["account_template"] == 3
    files = sorted(str(p.relative_to(source.root)) for p in source.root.rglob("*") if p.is_file())
    assert files == [
        "account_templates.yaml",
        "mgsync.lock",
        "templates/account/receipt.tmpl",
        "templates/account/welcome.hbs",
    ]
    assert (source.root / "templates/account/receipt.tmpl").read_bytes() == b"Total: {{.Total}}\r\n"
    text = (source.root / "account_templates.yaml").read_text(encoding="utf-8")
    assert "headers: {From: a@example.com, Subject: Salut}" in text
    assert "    template: ''\n" in text  # no version: no content file
    plan = source.plan()
    assert source.actions(plan) == [] and "account_template" not in plan.unmanaged

    target = harness(tmp_path / "fresh")
    shutil.copytree(source.root, target.root, ignore=shutil.ignore_patterns("mgsync.lock"))
    target.apply()
    assert live(target) == live(source)
    assert target.actions() == []


# --- reviewable plans --------------------------------------------------------------------------

BODY = "<p>Thanks for your order, {{name}}.</p>\n<p>Total: {{total}}</p>\n<p>The Example shop</p>\n"


def block(body: str) -> str:
    return "".join(f"      {line}\n" for line in body.splitlines())


@pytest.fixture(scope="module")
def edit_plan(tmp_path_factory: pytest.TempPathFactory) -> Any:
    h = harness(tmp_path_factory.mktemp("account-template-edit"))
    head = "account_templates:\n  receipt:\n    description: Order receipt\n    template: |\n"
    h.write(head + block(BODY))
    h.apply()
    h.write(head + block(BODY.replace("Total: {{total}}", "Total: {{total}} (VAT included)")))
    return h.plan()


def test_body_edit_text_plan(edit_plan: Any) -> None:
    text = render.text(edit_plan)
    check("account_template_edit.txt", text)
    assert "        - <p>Total: {{total}}</p>" in text.splitlines()
    assert "        + <p>Total: {{total}} (VAT included)</p>" in text.splitlines()


def test_body_edit_markdown_plan(edit_plan: Any) -> None:
    text = render.markdown(edit_plan)
    check("account_template_edit.md", text)
    assert "!   account_template:receipt" in text.splitlines()


# --- bad manifests -----------------------------------------------------------------------------

BAD = {
    "fields.yaml": (
        "account_templates:\n"
        "  welcome:\n"
        "    template: '<p>hi</p>'\n"
        "    keep_versions: 41\n"
        "    engine: jinja\n"
        "    headers: {subject: Hi}\n"
        "  both: {template: x, file: x.hbs}\n"
        "  neither: {description: no content}\n"
        "  missing: {file: nowhere.hbs}\n"
        "  ' padded': {template: x}\n"
        "  big: {file: big.hbs}\n"
        "prune: [templates]\n",
        [
            "fields.yaml:4:20: account_templates.welcome.keep_versions: must be between 1 and 40 (Mailgun stores at most 40 versions)",
            'fields.yaml:5:13: account_templates.welcome.engine: unknown value "jinja" (expected one of: handlebars, go)',
            'fields.yaml:6:15: account_templates.welcome.headers.subject: unknown header "subject" (did you mean "Subject"?)',
            "fields.yaml:7:3: account_templates.both: has both template: and file:; keep one",
            "fields.yaml:8:3: account_templates.neither: needs its content: template: (inline) or file: (a file beside the manifest)",
            'fields.yaml:9:19: account_templates.missing.file: cannot read "nowhere.hbs": No such file or directory',
            'fields.yaml:10:3: account_templates. padded: template name " padded" must be non-empty, without "/" or surrounding spaces',
            'fields.yaml:11:15: account_templates.big.file: "big.hbs": template is 102,401 bytes; Mailgun allows at most 102,400 (100 KiB)',
            'fields.yaml:12:9: prune[0]: unknown value "templates" (did you mean "account_templates"?)',
        ],
    ),
    "case.yaml": (
        "account_templates:\n  welcome: {template: a}\n  Welcome: {template: b}\n",
        ["case.yaml:3:3: account_template:Welcome: defined twice (also at case.yaml:2:3)"],
    ),
    "many.yaml": (
        "account_templates:\n" + "".join(f"  t{i:03}: {{template: x}}\n" for i in range(102)),
        [
            "many.yaml:102:3: account_templates.t100: Mailgun holds at most 100 account templates; this is number 101 in this file"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_manifest_fails_with_exact_messages(case: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = BAD[case]
    (tmp_path / case).write_text(text, encoding="utf-8")
    (tmp_path / "big.hbs").write_text("x" * (100 * 1024 + 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--strict", case])
    count = len(expected)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*expected, f"{count} error{'s' if count > 1 else ''} found."]


def test_one_hundred_templates_are_fine(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("account_templates:\n" + "".join(f"  t{i:03}: {{template: x}}\n" for i in range(100)))
    assert len(h.desired().keys("account_template")) == 100
