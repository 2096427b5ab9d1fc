"""The real mgsync executable: import from the emulator served on 127.0.0.1, then plan shows nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

from .awkward import seed

KEY = "import-key"


@pytest.fixture
def mailgun():
    emu = Emulator(api_key=KEY)
    seed(emu)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def test_import_then_plan_with_detailed_exitcode_exits_0(mailgun, tmp_path: Path) -> None:
    emu, env = mailgun
    out = tmp_path / "manifests"
    imported = run("import", "--out", str(out), env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == (
        f"Imported 3 domains, 6 routes, 3 mailing lists (140 objects) into {out}; run: mgsync plan {out}\n"
    )
    assert "Note: route 'Équipe - ventes ☃': described 'Équipe / ventes ☃' in Mailgun" in imported.stderr
    planned = run("plan", "--detailed-exitcode", str(out), env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout
    assert all(entry.method == "GET" for entry in emu.log)


def test_import_refuses_to_overwrite_and_writes_nothing(mailgun, tmp_path: Path) -> None:
    _, env = mailgun
    out = tmp_path / "manifests"
    assert run("import", "--out", str(out), env=env).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (out / "lists.yaml").write_text("# edited by hand\n")
    before[out / "lists.yaml"] = b"# edited by hand\n"
    again = run("import", "--out", str(out), env=env)
    assert again.returncode == 1
    assert again.stderr == (
        f"Error: Refusing to overwrite {out / 'lists.yaml'}: it already exists. Import into an empty directory, "
        "or re-run with --force to replace the files import writes.\n"
    )
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    forced = run("import", "--force", "--out", str(out), "--domain", "mg.example.com", env=env)
    assert forced.returncode == 0, forced.stderr
    assert f"Note: {out / 'news.example.com.yaml'} was not written by this import" in forced.stderr
