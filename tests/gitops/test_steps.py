"""The GitHub steps' own edges: one ``::error`` line and exit 1, never a traceback; pagination; the trust rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mgsync.gitops.comments import artifact_name, sticky
from mgsync.gitops.github import GitHub, GitOpsError
from mgsync.gitops.reviewed import newest
from tests.gitops.fakegithub import BOT, REPOSITORY, Served
from tests.gitops.runner import clean_env


def step(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mgsync.gitops", *args],
        cwd=tmp_path,
        env={**clean_env(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_missing_token_is_one_line(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 1}}))
    (tmp_path / "comment.md").write_text("<!-- mgsync-plan: mailgun -->\nplan\n")
    done = step(
        tmp_path, "publish", "--comment", "comment.md", GITHUB_EVENT_PATH=str(event), GITHUB_REPOSITORY=REPOSITORY
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "::error title=mgsync publish::GITHUB_TOKEN is not set: run this step inside a GitHub "
        "Actions job (the action sets it).\n"
    )


def test_api_errors_name_the_request_and_never_the_token() -> None:
    with Served() as fake:
        token = fake.token_for(BOT)
        gh = GitHub(f"{fake.url}/api", token, REPOSITORY)
        with pytest.raises(GitOpsError) as error:
            gh.get("/actions/runs/999")
        assert str(error.value) == f"GitHub API: GET /repos/{REPOSITORY}/actions/runs/999 returned 404: Not Found"
        with pytest.raises(GitOpsError) as error:
            GitHub(f"{fake.url}/api", "wrong-token", REPOSITORY).get("/pulls/1")
        assert "returned 401: Bad credentials" in str(error.value) and "wrong-token" not in str(error.value)


def test_lists_are_read_across_pages_and_only_the_bot_is_trusted() -> None:
    with Served() as fake:
        gh = GitHub(f"{fake.url}/api", fake.token_for(BOT), REPOSITORY)
        body = "<!-- mgsync-plan: mailgun -->\n<!-- mgsync-run: 7 -->\nPlan digest: `sha256:" + "a" * 64 + "`\n"
        fake.comment(1, BOT, body)
        for n in range(4):  # more than a page (fakegithub.PAGE) of look-alikes after it
            fake.comment(1, {"login": f"user{n}", "type": "User"}, body.replace("a" * 64, "b" * 64))
        comments = gh.paginate("/issues/1/comments")
        assert len(comments) == 5
        found, ignored = sticky(comments, "mailgun", BOT["login"])
        assert found is not None and (found.run_id, found.digest) == ("7", "sha256:" + "a" * 64)
        assert ignored == ["user0", "user1", "user2", "user3"]
        assert sticky(comments, "other", BOT["login"]) == (None, [])


@pytest.mark.parametrize(
    ("key", "name"),
    [("mailgun", "mgsync-plan-mailgun"), ("accounts/team a", "mgsync-plan-accounts-team-a"), (".", "mgsync-plan-root")],
)
def test_artifact_names(key: str, name: str) -> None:
    assert artifact_name(key) == name


def test_a_proxy_mgsync_cannot_use_is_one_line_never_its_password(tmp_path: Path) -> None:
    """It was httpx's "ValueError: Unknown scheme for proxy URL URL('ftp://ops:[secure]@...')"; a SOCKS one
    a traceback (ImportError, outside what the steps catch)."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 1}}))
    (tmp_path / "comment.md").write_text("<!-- mgsync-plan: mailgun -->\nplan\n")
    done = step(
        tmp_path,
        "publish",
        "--comment",
        "comment.md",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_REPOSITORY=REPOSITORY,
        GITHUB_TOKEN="t",
        ALL_PROXY="ftp://ops:proxy-password-123@proxy.example:21",
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "::error title=mgsync publish::ALL_PROXY names a proxy mgsync cannot use (ftp://): mgsync connects "
        "directly or through an http:// or https:// proxy. Set ALL_PROXY to one, or leave it empty for mgsync "
        "(ALL_PROXY= mgsync ...)\n"
    )


def test_the_newest_artifact_is_chosen_by_its_time_then_its_id() -> None:
    made = [
        {"id": 9, "created_at": None},  # no time: the oldest
        {"id": 7, "created_at": "2026-01-01T10:00:00Z"},
        {"id": 3, "created_at": "2026-01-01T10:00:00.5Z"},  # later in the same second, whatever its id
        {"id": 5, "created_at": "2026-01-01T09:59:59+00:00"},
    ]
    assert newest(made)["id"] == 3
    assert (
        newest([{"id": 4, "created_at": "2026-01-01T10:00:00Z"}, {"id": 6, "created_at": "2026-01-01T10:00:00Z"}])["id"]
        == 6
    )
