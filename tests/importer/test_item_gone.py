"""Issue 18, item 3: a 404 on one item's own read means that item is gone, never its scope. Through
the real CLI against the emulator served on 127.0.0.1, a template is deleted (for real, by the
emulator's ``after_answer`` hook) between its domain's template listing and its detail read: every
other template of the domain is imported, the gone one is named with ``--verbose``, and the plan
right after is empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "item-gone-key"
D = "mg.example.com"


def _delete(emu: Emulator, name: str) -> None:
    emu.store.templates[D].pop(name)
    emu.store.versions[D].pop(name, None)


@pytest.fixture
def mailgun() -> Iterator[tuple[Emulator, dict[str, str]]]:
    emu = Emulator(api_key=KEY)
    emu.store.add_domain(D, state="active")
    emu.store.add_template(D, "welcome", "Welcome", versions=[{"tag": "v1", "template": "<p>Hi {{name}}</p>"}])
    emu.store.add_template(D, "draft", "No version yet")  # no active version: the listing lacks it, read one by one
    emu.store.add_template(D, "gone", "Deleted meanwhile")  # read one by one too, after it is deleted
    emu.faults.after_answer("GET", f"/v3/{D}/templates", lambda: _delete(emu, "gone"), exact=True)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def test_a_template_deleted_between_listing_and_detail_read_is_left_out_alone(mailgun, tmp_path: Path) -> None:
    emu, env = mailgun
    out = tmp_path / "imported"
    imported = run("--verbose", "import", "--out", str(out), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "Traceback" not in imported.stderr
    assert (
        f"mgsync.read: template:{D}/gone is gone since it was listed "
        f"(GET /v3/{D}/templates/gone answered 404): left out\n"
    ) in imported.stderr
    assert sorted(e.path for e in emu.log if e.path.startswith(f"/v3/{D}/templates/")) == [
        f"/v3/{D}/templates/draft",
        f"/v3/{D}/templates/gone",
    ]  # both detail reads were made
    manifest = (out / f"{D}.yaml").read_text(encoding="utf-8")
    assert "      draft:\n        description: No version yet\n" in manifest
    assert "      welcome:\n        description: Welcome\n" in manifest
    assert "gone" not in manifest
    assert (out / f"templates/{D}/welcome.hbs").read_text(encoding="utf-8") == "<p>Hi {{name}}</p>"
    assert sorted(p.name for p in (out / "templates" / D).iterdir()) == ["welcome.hbs"]

    planned = run("plan", "--detailed-exitcode", str(out), env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout


def test_without_verbose_the_gone_template_is_not_reported(mailgun, tmp_path: Path) -> None:
    _, env = mailgun
    imported = run("import", "--out", str(tmp_path / "imported"), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "gone" not in imported.stderr
