"""A value from ``${env:NAME}`` outside a secret field (a token in a webhook URL, a password in a route's
forward URL) goes to Mailgun, and nowhere else: plans in every format, plan files, the lockfile and
the pull-request comment show its reference, and a live value where a reference stands (the token
before a rotation) shows as ``(not ${env:NAME})``. It used to be printed and recorded as it is. The
real mgsync against the emulator served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "sealed-key-1234"
OLD, NEW = "t0ken-OLD-4f1c9", "t0ken-NEW-7a2e8"
MANIFEST = """\
domains:
  mg.example.com:
    webhooks:
      delivered: "https://hooks.example.com/mailgun?token=${env:HOOK_TOKEN}"
routes:
  inbound:
    priority: 1
    expression: match_recipient("in@mg.example.com")
    actions: ['forward("https://mg:${env:HOOK_TOKEN}@app.example.com/in")', "stop()"]
"""
WEBHOOK = 'urls: ["https://hooks.example.com/mailgun?token=${env:HOOK_TOKEN}"]'


@pytest.fixture
def mailgun() -> Iterator[dict[str, str]]:
    with serve(Emulator(api_key=KEY), host="127.0.0.1", port=0) as server:
        yield {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def mgsync(env: dict[str, str], token: str, *args: str, cwd: Path, code: int = 0) -> str:
    result = run(*args, cwd=cwd, env={**env, "HOOK_TOKEN": token})
    assert result.returncode == code, result.stdout + result.stderr
    return result.stdout + result.stderr


def live_urls(env: dict[str, str]) -> list[str]:
    """The webhook's and the route's URLs as Mailgun holds them."""
    auth = ("api", KEY)
    hooks = httpx.get(f"{env['MAILGUN_BASE_URL']}/v3/domains/mg.example.com/webhooks", auth=auth).json()
    routes = httpx.get(f"{env['MAILGUN_BASE_URL']}/v3/routes", auth=auth).json()
    return [*hooks["webhooks"]["delivered"]["urls"], *routes["items"][0]["actions"][:1]]


def written(directory: Path) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in sorted(directory.iterdir()) if path.is_file())


def test_a_token_from_the_environment_reaches_mailgun_and_no_output_or_file(mailgun, tmp_path: Path) -> None:
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    shown = mgsync(mailgun, OLD, "plan", ".", "--out", "plan.json", "--text-out", "plan.txt", cwd=tmp_path)
    shown += mgsync(mailgun, OLD, "plan", ".", "--format", "json", cwd=tmp_path)
    shown += mgsync(mailgun, OLD, "plan", ".", "--format", "markdown", cwd=tmp_path)
    shown += mgsync(mailgun, OLD, "apply", "--yes", ".", cwd=tmp_path)
    assert WEBHOOK in shown
    assert 'forward(\\"https://mg:${env:HOOK_TOKEN}@app.example.com/in\\")' in shown
    assert live_urls(mailgun) == [
        f"https://hooks.example.com/mailgun?token={OLD}",
        f'forward("https://mg:{OLD}@app.example.com/in")',
    ]
    assert OLD not in shown + written(tmp_path)
    assert "${env:HOOK_TOKEN}" in (tmp_path / "mgsync.lock").read_text(encoding="utf-8")
    # the lockfile's reference is taken for the live value it stands for: no drift, no change
    assert "No changes." in mgsync(mailgun, OLD, "plan", ".", "--detailed-exitcode", cwd=tmp_path)


def test_a_rotated_token_shows_as_other_than_its_reference_and_applies_as_reviewed(mailgun, tmp_path: Path) -> None:
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    mgsync(mailgun, OLD, "apply", "--yes", ".", cwd=tmp_path)
    shown = mgsync(mailgun, NEW, "plan", ".", "--out", "plan.json", cwd=tmp_path)
    assert '- "https://hooks.example.com/mailgun?token=(not ${env:HOOK_TOKEN})"' in shown
    assert '+ "https://hooks.example.com/mailgun?token=${env:HOOK_TOKEN}"' in shown
    assert "deliveries to https://hooks.example.com/mailgun?token=(not ${env:HOOK_TOKEN}) stop" in shown
    assert "Drift" not in shown and "outside mgsync" not in shown
    digest = shown.split("Plan digest: ")[1].split()[0]
    shown += mgsync(mailgun, NEW, "apply", "--yes", "--expect-plan", digest, ".", cwd=tmp_path)
    assert OLD not in shown + written(tmp_path) and NEW not in shown + written(tmp_path)
    assert live_urls(mailgun)[0] == f"https://hooks.example.com/mailgun?token={NEW}"
    assert "No changes." in mgsync(mailgun, NEW, "plan", ".", cwd=tmp_path)


def test_a_saved_plan_with_references_applies(mailgun, tmp_path: Path) -> None:
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    mgsync(mailgun, OLD, "plan", ".", "--out", "plan.json", cwd=tmp_path)
    shown = mgsync(mailgun, OLD, "apply", "--yes", "plan.json", cwd=tmp_path)
    assert "Apply complete: 3 added" in shown
    assert live_urls(mailgun)[0] == f"https://hooks.example.com/mailgun?token={OLD}"


def test_an_edit_in_mailgun_is_drift_or_a_change_and_the_token_stays_hidden(mailgun, tmp_path: Path) -> None:
    """Another host in Mailgun's dashboard is drift, shown with the reference; another token alone is
    no drift (the lockfile recorded the reference), but the change back to the variable's value."""
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    mgsync(mailgun, OLD, "apply", "--yes", ".", cwd=tmp_path)
    put = f"{mailgun['MAILGUN_BASE_URL']}/v3/domains/mg.example.com/webhooks/delivered"
    moved = httpx.put(put, auth=("api", KEY), data={"url": f"https://moved.example.com/mg?token={OLD}"})
    assert moved.status_code == 200, moved.text
    shown = mgsync(mailgun, OLD, "plan", ".", cwd=tmp_path)
    assert "https://moved.example.com/mg?token=${env:HOOK_TOKEN}" in shown
    assert "outside mgsync" in shown
    httpx.put(put, auth=("api", KEY), data={"url": f"https://hooks.example.com/mailgun?token={NEW}"})
    shown += (changed := mgsync(mailgun, OLD, "plan", ".", cwd=tmp_path))
    assert '- "https://hooks.example.com/mailgun?token=(not ${env:HOOK_TOKEN})"' in changed
    assert "outside mgsync" not in changed
    assert OLD not in shown and NEW not in shown


def test_a_deleted_object_shows_the_reference_its_lockfile_entry_recorded(mailgun, tmp_path: Path) -> None:
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    mgsync(mailgun, OLD, "apply", "--yes", ".", cwd=tmp_path)
    (tmp_path / "mgsync.yaml").write_text("domains:\n  mg.example.com: {}\n", encoding="utf-8")
    shown = mgsync(mailgun, "", "plan", ".", cwd=tmp_path)
    assert "- webhook:mg.example.com/delivered" in shown
    assert 'urls: ["https://hooks.example.com/mailgun?token=(earlier ${env:HOOK_TOKEN})"]' in shown
    assert OLD not in shown


def test_a_reference_for_a_whole_value_hides_that_field_only(mailgun, tmp_path: Path) -> None:
    """A whole-value reference (``opened: ${env:HOOK_URL}``) fits any string: what it learns of live
    values is taken from the same field only, not from every string of the object (a domain's
    ``web_prefix`` had shown as ``(not ${env:SPAM})`` in the DNS note)."""
    manifest = "domains:\n  mg.example.com:\n    spam_action: ${env:SPAM}\n    webhooks: {opened: '${env:HOOK_URL}'}\n"
    (tmp_path / "mgsync.yaml").write_text(manifest, encoding="utf-8")
    url = {"HOOK_URL": f"https://x.example.com/in?k={OLD}"}
    mgsync({**mailgun, **url, "SPAM": "block"}, OLD, "apply", "--yes", ".", cwd=tmp_path)
    shown = mgsync(
        {**mailgun, "HOOK_URL": f"https://x.example.com/in?k={NEW}", "SPAM": "tag"}, OLD, "plan", ".", cwd=tmp_path
    )
    assert 'spam_action: "block" -> "tag"' in shown  # a setting of a few words is recorded as it is
    assert '- "(not ${env:HOOK_URL})"' in shown and '+ "${env:HOOK_URL}"' in shown
    assert "CNAME email.mg.example.com" in shown  # the unverified domain's note, its web_prefix as it is
    assert OLD not in shown and NEW not in shown


def test_a_plan_file_is_the_same_whatever_the_token_so_no_digest_in_it_can_give_one_away(
    mailgun, tmp_path: Path
) -> None:
    """The desired state's digest, the live objects' fingerprints, the plan digest and the change
    fingerprints in a saved plan are made from what is shown: two plans that differ only in the
    token's value (live and wanted) save the same file, and a short token cannot be guessed from it."""
    (tmp_path / "mgsync.yaml").write_text(MANIFEST, encoding="utf-8")
    mgsync(mailgun, OLD, "apply", "--yes", ".", cwd=tmp_path)
    mgsync(mailgun, NEW, "plan", ".", "--out", "new.json", cwd=tmp_path)
    mgsync(mailgun, "t0ken-THIRD-0000", "plan", ".", "--out", "third.json", cwd=tmp_path)
    new, third = ((tmp_path / name).read_text(encoding="utf-8") for name in ("new.json", "third.json"))
    assert '"webhook:mg.example.com/delivered": "sha256:' in new  # a live fingerprint of the changed object
    assert new == third


def test_a_reference_where_a_setting_takes_one_of_a_few_words_keeps_the_lockfile_readable(
    mailgun, tmp_path: Path
) -> None:
    """The lockfile recorded ``click: {active: "html${env:TAIL}"}``, which the tracking model refuses:
    the re-read after the apply and every later plan failed with "does not match its kind; restore
    it from git". A field whose sealed value its kind refuses is recorded as it is. A short whole
    value (``web_scheme: ${env:SCHEME}``) is a setting, not a secret: shown, and no "https" in any
    URL reads as its reference."""
    manifest = (
        "domains:\n  mg.example.com:\n    web_scheme: ${env:SCHEME}\n    tracking:\n      click: html${env:TAIL}\n"
        "    webhooks: {opened: 'https://x.example.com/in?k=${env:HOOK_TOKEN}'}\n"
    )
    (tmp_path / "mgsync.yaml").write_text(manifest, encoding="utf-8")
    env = {**mailgun, "SCHEME": "https", "TAIL": "only"}
    shown = mgsync(env, OLD, "plan", ".", cwd=tmp_path)
    assert (
        'web_scheme: "https"' in shown
        and WEBHOOK.replace("hooks.example.com/mailgun?token", "x.example.com/in?k") in shown
    )
    assert "Apply complete: 3 added" in mgsync(env, OLD, "apply", "--yes", ".", cwd=tmp_path)
    assert "No changes." in mgsync(env, OLD, "plan", ".", cwd=tmp_path)
    lockfile = (tmp_path / "mgsync.lock").read_text(encoding="utf-8")
    assert '"active": "htmlonly"' in lockfile and '"web_scheme": "https"' in lockfile
    assert "https://x.example.com/in?k=${env:HOOK_TOKEN}" in lockfile and OLD not in lockfile


def test_a_rotated_token_in_a_member_s_vars_shows_as_other_than_its_reference(mailgun, tmp_path: Path) -> None:
    """Inline bulk entries (a list member's ``vars``) are learned from their changes: the token before
    a rotation is never printed, in any format or file, and the new one is applied."""
    (tmp_path / "mgsync.yaml").write_text(
        "mailing_lists:\n"
        "  news@mg.example.com:\n"
        "    members:\n"
        "      - address: ann@example.org\n"
        '        vars: {portal: "https://portal.example.com/?t=${env:HOOK_TOKEN}"}\n',
        encoding="utf-8",
    )
    mgsync(mailgun, OLD, "apply", "--yes", ".", cwd=tmp_path)
    shown = mgsync(mailgun, NEW, "plan", ".", "--out", "plan.json", "--text-out", "plan.txt", cwd=tmp_path, code=0)
    shown += mgsync(mailgun, NEW, "plan", ".", "--format", "json", cwd=tmp_path)
    shown += mgsync(mailgun, NEW, "plan", ".", "--format", "markdown", cwd=tmp_path)
    shown += written(tmp_path)
    assert OLD not in shown and NEW not in shown
    assert "https://portal.example.com/?t=(not ${env:HOOK_TOKEN})" in shown
    assert "https://portal.example.com/?t=${env:HOOK_TOKEN}" in shown
    mgsync(mailgun, NEW, "apply", "--yes", "plan.json", cwd=tmp_path)
    members = httpx.get(
        f"{mailgun['MAILGUN_BASE_URL']}/v3/lists/news@mg.example.com/members/pages", auth=("api", KEY)
    ).json()["items"]
    assert [m["vars"] for m in members] == [{"portal": f"https://portal.example.com/?t={NEW}"}]


def test_neither_the_lockfile_nor_a_plan_file_depends_on_a_token_in_a_member_s_vars(mailgun, tmp_path: Path) -> None:
    """The lockfile's digest of a member list and a saved plan's fingerprints of member changes are
    made from the entries as shown (the reference, not its value): two accounts that differ only in
    the token record the same lockfile and save the same plan, so a short token cannot be guessed by
    hashing candidates against a lockfile or plan committed to git. It was a digest of the values."""
    (tmp_path / "mgsync.yaml").write_text(
        "mailing_lists:\n"
        "  news@mg.example.com:\n"
        "    members:\n"
        "      - address: ann@example.org\n"
        '        vars: {portal: "https://portal.example.com/?t=${env:HOOK_TOKEN}", n: 7}\n'
        "      - address: bob@example.org\n",
        encoding="utf-8",
    )
    lockfile = tmp_path / "mgsync.lock"
    mgsync(mailgun, OLD, "apply", "--yes", ".", cwd=tmp_path)
    assert '"member:news@mg.example.com": {' in lockfile.read_text(encoding="utf-8")
    recorded = {OLD: lockfile.read_text(encoding="utf-8")}
    for token in (NEW, "t0ken-THIRD-0000"):
        mgsync(mailgun, token, "plan", ".", "--out", f"{token}.json", cwd=tmp_path, code=0)
    saved = [(tmp_path / f"{token}.json").read_text(encoding="utf-8") for token in (NEW, "t0ken-THIRD-0000")]
    assert "(not ${env:HOOK_TOKEN})" in saved[0] and saved[0] == saved[1]
    mgsync(mailgun, NEW, "apply", "--yes", f"{NEW}.json", cwd=tmp_path)
    recorded[NEW] = lockfile.read_text(encoding="utf-8")
    assert "No changes." in mgsync(mailgun, NEW, "plan", ".", cwd=tmp_path)
    assert recorded[OLD] == recorded[NEW]
