"""Issue 18, item 5: import writes what live holds. Through the real CLI against the emulator served
on 127.0.0.1: no ``dkim: active:`` for a domain whose keys are all inactive, and Mailgun's default
unsubscribe footers written as their text while unsubscribe tracking is on; the plan right after is
empty and says nothing of switching a signing key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "live-values-key"


@pytest.fixture
def mailgun() -> Iterator[tuple[Emulator, dict[str, str]]]:
    emu = Emulator(api_key=KEY)
    emu.store.add_domain("new.example.com", state="unverified")  # its one key is activated at verification
    emu.store.add_domain("mg.example.com", state="active")
    emu.store.set_tracking("mg.example.com", unsubscribe=True)  # Mailgun's default footers
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def test_import_writes_only_the_active_key_and_the_default_footers_as_text(mailgun, tmp_path: Path) -> None:
    _, env = mailgun
    out = tmp_path / "imported"
    imported = run("import", "--out", str(out), env=env)
    assert imported.returncode == 0, imported.stderr
    new = (out / "new.example.com.yaml").read_text(encoding="utf-8")
    assert "dkim:" not in new and "active: smtp" not in new
    assert "    dkim_keys:\n      smtp: {bits: 1024}\n" in new
    mg = (out / "mg.example.com.yaml").read_text(encoding="utf-8")
    assert "    dkim:\n      active: smtp\n" in mg  # verified: Mailgun activated its key
    assert (
        "      unsubscribe:\n"
        "        active: true\n"
        '        html_footer: "\\n<br>\\n<p><a href=\\"%unsubscribe_url%\\">unsubscribe</a></p>\\n"\n'
        '        text_footer: "\\n\\nTo unsubscribe click: <%unsubscribe_url%>\\n\\n"\n'
    ) in mg
    assert "      unsubscribe: false\n" in new  # off: the default footers are not what anyone sees

    planned = run("plan", "--detailed-exitcode", str(out), env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout
    assert "switching the signing key" not in planned.stdout + planned.stderr
