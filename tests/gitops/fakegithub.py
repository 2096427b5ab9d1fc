"""A stand-in for GitHub's REST API, served over HTTP on 127.0.0.1: the part the mgsync loop uses.

Pull requests and their merge commits (``commits/{sha}/pulls``), issue comments with their authors'
identities (each token is one user; ``github-actions[bot]`` is type Bot), labels, workflow runs and
their artifacts (listed, and downloaded as a zip through a redirect to another path, as GitHub
redirects to blob storage). Lists paginate with ``Link: rel="next"`` like GitHub's. The shapes follow
GitHub's REST documentation (https://docs.github.com/en/rest); only the fields the loop reads are set.
"""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

REPOSITORY = "acme/mail"
BOT = {"login": "github-actions[bot]", "type": "Bot", "id": 41898282}
PAGE = 2  # small pages, so every list the loop reads is paginated
BODY_LIMIT = 65_536  # characters of a comment's body; GitHub refuses a longer one (422)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Fake:
    """Everything the fake GitHub holds; tests read and change it directly."""

    url: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> user
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> comment (with issue number)
    labels: dict[int, list[str]] = field(default_factory=dict)
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    artifacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    blobs: dict[int, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    counter: int = 100
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    # --- what the tests do as people (or as GitHub itself) -------------------------------------

    def token_for(self, user: dict[str, Any]) -> str:
        token = f"token-{user['login']}"
        self.users[token] = user
        return token

    def open_pull(self, number: int, head_ref: str, head_sha: str, title: str) -> dict[str, Any]:
        pull = {
            "number": number,
            "title": title,
            "state": "open",
            "merged_at": None,
            "merge_commit_sha": None,
            "html_url": f"{self.url}/{REPOSITORY}/pull/{number}",
            "head": {"ref": head_ref, "sha": head_sha, "repo": {"full_name": REPOSITORY}},
            "base": {"ref": "main", "repo": {"full_name": REPOSITORY}},
        }
        self.pulls[number] = pull
        return pull

    def merged(self, number: int, merge_sha: str) -> None:
        self.pulls[number].update(state="closed", merged_at=now(), merge_commit_sha=merge_sha)

    def comment(self, number: int, user: dict[str, Any], body: str) -> dict[str, Any]:
        cid = self.next_id()
        self.comments[cid] = {
            "id": cid,
            "issue": number,
            "body": body,
            "user": user,
            "html_url": f"{self.url}/{REPOSITORY}/pull/{number}#issuecomment-{cid}",
        }
        return self.comments[cid]

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def new_run(self, event: str, head_sha: str) -> int:
        run_id = self.next_id()
        self.runs[run_id] = {"id": run_id, "event": event, "head_sha": head_sha, "status": "queued"}
        return run_id

    def upload(self, run_id: int, name: str, directory: Path) -> None:
        """actions/upload-artifact: the directory's files, zipped, under the run."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in sorted(p for p in directory.rglob("*") if p.is_file()):
                archive.write(path, path.relative_to(directory).as_posix())
        aid = self.next_id()
        self.artifacts[aid] = {
            "id": aid,
            "name": name,
            "run": run_id,
            "expired": False,
            "created_at": now(),
            "archive_download_url": f"{self.url}/api/repos/{REPOSITORY}/actions/artifacts/{aid}/zip",
        }
        self.blobs[aid] = buffer.getvalue()

    def download(self, run_id: int, name: str, directory: Path) -> None:
        """actions/download-artifact within the same run."""
        aid = max(a["id"] for a in self.artifacts.values() if a["run"] == run_id and a["name"] == name)
        with zipfile.ZipFile(io.BytesIO(self.blobs[aid])) as archive:
            archive.extractall(directory)

    # --- the REST API ----------------------------------------------------------------------------

    def route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, user: dict[str, Any] | None
    ) -> tuple[int, Any, dict[str, str]]:
        if path.startswith("/blob/"):  # the storage an artifact download redirects to
            return 200, self.blobs[int(path.rsplit("/", 1)[1])], {}
        if user is None:
            return 401, {"message": "Bad credentials"}, {}
        prefix = f"/api/repos/{REPOSITORY}"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}, {}
        for pattern, handler in self.ROUTES:
            found = re.fullmatch(pattern, f"{method} {path[len(prefix) :]}")
            if found:
                return handler(self, query, body, user, *found.groups())
        return 404, {"message": "Not Found"}, {}

    def commit_pulls(self, _q: Any, _b: Any, _u: Any, sha: str) -> tuple[int, Any, dict[str, str]]:
        # A merge commit on main names its merged pull request; a branch commit names its open one.
        found = [p for p in self.pulls.values() if p["merge_commit_sha"] == sha or p["head"]["sha"] == sha]
        return 200, found, {}

    def get_pull(self, _q: Any, _b: Any, _u: Any, number: str) -> tuple[int, Any, dict[str, str]]:
        pull = self.pulls.get(int(number))
        return (200, pull, {}) if pull else (404, {"message": "Not Found"}, {})

    def list_comments(
        self, query: dict[str, list[str]], _b: Any, _u: Any, number: str
    ) -> tuple[int, Any, dict[str, str]]:
        return self.paged(self.comments_on(int(number)), query, f"/issues/{number}/comments")

    def post_comment(self, _q: Any, body: Any, user: dict[str, Any], number: str) -> tuple[int, Any, dict[str, str]]:
        if len(body["body"]) > BODY_LIMIT:
            return 422, {"message": "Validation Failed: body is too long (maximum is 65536 characters)"}, {}
        return 201, self.comment(int(number), user, body["body"]), {}

    def patch_comment(self, _q: Any, body: Any, user: dict[str, Any], cid: str) -> tuple[int, Any, dict[str, str]]:
        comment = self.comments.get(int(cid))
        if comment is None:
            return 404, {"message": "Not Found"}, {}
        if comment["user"]["login"] != user["login"]:  # only its author (or an admin) edits a comment
            return 403, {"message": "Must have admin rights to Repository."}, {}
        if len(body["body"]) > BODY_LIMIT:
            return 422, {"message": "Validation Failed: body is too long (maximum is 65536 characters)"}, {}
        comment["body"] = body["body"]
        return 200, comment, {}

    def list_labels(
        self, query: dict[str, list[str]], _b: Any, _u: Any, number: str
    ) -> tuple[int, Any, dict[str, str]]:
        return self.paged([{"name": n} for n in self.labels.get(int(number), [])], query, f"/issues/{number}/labels")

    def add_labels(self, _q: Any, body: Any, _u: Any, number: str) -> tuple[int, Any, dict[str, str]]:
        present = self.labels.setdefault(int(number), [])
        present.extend(name for name in body["labels"] if name not in present)
        return 200, [{"name": n} for n in present], {}

    def remove_label(self, _q: Any, _b: Any, _u: Any, number: str, name: str) -> tuple[int, Any, dict[str, str]]:
        present = self.labels.get(int(number), [])
        if unquote(name) not in present:
            return 404, {"message": "Label does not exist"}, {}
        present.remove(unquote(name))
        return 200, [{"name": n} for n in present], {}

    def get_run(self, _q: Any, _b: Any, _u: Any, run_id: str) -> tuple[int, Any, dict[str, str]]:
        run = self.runs.get(int(run_id))
        return (200, run, {}) if run else (404, {"message": "Not Found"}, {})

    def run_artifacts(
        self, query: dict[str, list[str]], _b: Any, _u: Any, run_id: str
    ) -> tuple[int, Any, dict[str, str]]:
        # GitHub documents no order for this list, and a re-run job uploads its artifact again under the
        # same name: the newest is listed first here, so only a deliberate choice (created_at, id) finds it.
        name = query.get("name", [None])[0]
        found = [a for a in self.artifacts.values() if a["run"] == int(run_id) and name in (None, a["name"])]
        found.sort(key=lambda a: a["id"], reverse=True)
        return 200, {"total_count": len(found), "artifacts": found}, {}

    def artifact_zip(self, _q: Any, _b: Any, _u: Any, aid: str) -> tuple[int, Any, dict[str, str]]:
        if int(aid) not in self.blobs:
            return 404, {"message": "Not Found"}, {}
        return 302, b"", {"Location": f"{self.url}/blob/{aid}"}

    def paged(self, items: list[Any], query: dict[str, list[str]], path: str) -> tuple[int, Any, dict[str, str]]:
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * PAGE : page * PAGE]
        headers = {}
        if page * PAGE < len(items):
            headers["Link"] = f'<{self.url}/api/repos/{REPOSITORY}{path}?page={page + 1}>; rel="next"'
        return 200, chunk, headers

    ROUTES: ClassVar[list[tuple[str, Any]]] = [
        (r"GET /commits/([0-9a-f]{40})/pulls", commit_pulls),
        (r"GET /pulls/(\d+)", get_pull),
        (r"GET /issues/(\d+)/comments", list_comments),
        (r"POST /issues/(\d+)/comments", post_comment),
        (r"PATCH /issues/comments/(\d+)", patch_comment),
        (r"GET /issues/(\d+)/labels", list_labels),
        (r"POST /issues/(\d+)/labels", add_labels),
        (r"DELETE /issues/(\d+)/labels/(.+)", remove_label),
        (r"GET /actions/runs/(\d+)", get_run),
        (r"GET /actions/runs/(\d+)/artifacts", run_artifacts),
        (r"GET /actions/artifacts/(\d+)/zip", artifact_zip),
    ]


def handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            auth = self.headers.get("Authorization", "")
            user = fake.users.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
            with fake.lock:
                fake.requests.append(f"{self.command} {parts.path}")
                status, payload, headers = fake.route(self.command, parts.path, parse_qs(parts.query), body, user)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = answer

    return Handler


class Served:
    def __init__(self) -> None:
        self.fake = Fake()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler(self.fake))
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Fake:
        self.thread.start()
        return self.fake

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
