"""A domain deleted while the manifests still declare what needs it (a forward, a list: ``Kind.requires``):
the plan says so and apply refuses, before anything is sent. It deleted the domain, Mailgun took the
forward with it, the lockfile still recorded the forward, and every later apply failed with "Domain
not found". The real mgsync against the emulator served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from tests.support.cli import run

KEY = "stranded-key"
OWN = """\
forwards:
  support@mg.example.com: {recipients: [alice@example.org]}
mailing_lists:
  team@mg.example.com: {}
"""


def test_a_domain_deleted_under_declared_objects_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    emu = Emulator(api_key=KEY)
    (tmp_path / "domains.yaml").write_text("domains:\n  mg.example.com: {spam_action: tag}\n")
    (tmp_path / "own.yaml").write_text(OWN)
    with serve(emu, host="127.0.0.1", port=0) as server:
        env = {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}
        assert run("apply", "--yes", str(tmp_path), env=env).returncode == 0
        (tmp_path / "domains.yaml").write_text("domains: {}\n")
        plan = run("plan", str(tmp_path), env=env)
        writes = len([e for e in emu.log if e.method != "GET"])
        refused = run("apply", "--yes", "--delete-domain", "mg.example.com", str(tmp_path), env=env)
        assert len([e for e in emu.log if e.method != "GET"]) == writes  # nothing sent
        assert [d["name"] for d in emu.store.domains.values()] == ["mg.example.com"]
    for address in ("forward:support@mg.example.com", "list:team@mg.example.com"):
        said = (
            f"{address} is declared but needs domain:mg.example.com, which this plan deletes; remove {address} "
            "from the manifests too, or keep domain:mg.example.com."
        )
        assert f"Note: {said}" in plan.stdout
    assert refused.returncode == 5, refused.stdout + refused.stderr
    assert refused.stderr.strip() == (
        "Error: Refusing to apply: forward:support@mg.example.com is declared but needs domain:mg.example.com, "
        "which this plan deletes; remove forward:support@mg.example.com from the manifests too, or keep "
        "domain:mg.example.com."
    )
