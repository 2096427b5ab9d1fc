"""mgsync import: awkward data round-trips, a plan right after shows no changes, files are never
overwritten by accident, --domain narrows the reads, and a large account costs the minimum of pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mgsync.errors import MgsyncError
from mgsync.importer import run_import
from tests.support.harness import Harness

from .awkward import DOMAINS, seed


@pytest.fixture
def account(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path / "imported")
    seed(harness.emu)
    return harness


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_plan_after_import_shows_no_changes_and_rotates_no_password(account: Harness) -> None:
    imported = run_import(account.client, account.root)
    root = account.root
    assert imported.summary() == (
        f"Imported 3 domains, 6 routes, 3 mailing lists (140 objects) into {root}; run: mgsync plan {root}"
    )
    plan = account.plan()
    assert account.actions(plan) == []
    assert {kind: [str(a) for a in found] for kind, found in plan.unmanaged.items()} == {
        # Mailgun's own login, seen where the plan reads credentials (news.example.com has no other login)
        "credential": ["credential:mg.example.com/postmaster", "credential:old.example.org/postmaster"]
    }
    outcome = account.apply()
    assert outcome.applied == 0
    assert account.emu.store.password_matches("mg.example.com", "alice", "secret-alice")
    assert account.requests("PUT") == account.requests("POST") == account.requests("DELETE") == []


def test_manifest_layout_and_awkward_values(account: Harness) -> None:
    run_import(account.client, account.root)
    assert sorted(files_of(account.root)) == [
        "lists.yaml",
        "lists/big@mg.example.com.csv",
        "mg.example.com.yaml",
        "mgsync.lock",
        "news.example.com.yaml",
        "old.example.org.yaml",
        "routes.yaml",
        "suppressions/mg.example.com/bounces.csv",
        "suppressions/news.example.com/unsubscribes.csv",
        "templates/mg.example.com/receipt.tmpl",
        "templates/mg.example.com/welcome.hbs",
        "templates/news.example.com/weird.name_1.hbs",
    ]
    mg = (account.root / "mg.example.com.yaml").read_text(encoding="utf-8")
    assert "# Live state: active" in mg
    assert "# Live state: disabled" in (account.root / "old.example.org.yaml").read_text()
    assert 'html_footer: <p>Se désabonner — <a href="%unsubscribe_url%">ici</a> ✉</p>' in mg
    assert not [line for line in mg.splitlines() if "password" in line.partition("#")[0]]  # only in comments
    hint = '# to manage its password: alice: {password: "${env:MG_SMTP_MG_EXAMPLE_COM_ALICE}"}'
    assert f"      alice: {{}}         {hint}\n" in mg
    assert "postmaster: " not in mg and "postmaster@mg.example.com is Mailgun's own login" in mg
    assert "- {address: multi@example.com, tags: [newsletter, promo, été]}" in mg
    # the active one of twelve versions, byte for byte (a \r\n survives too)
    assert (account.root / "templates/mg.example.com/welcome.hbs").read_text() == "<p>Bonjour {{name}} — v7</p>\n"
    receipt = account.root / "templates/mg.example.com/receipt.tmpl"
    assert receipt.read_bytes() == b"Receipt {{.Number}}\r\nTotal: {{.Total}}"
    lists = (account.root / "lists.yaml").read_text(encoding="utf-8")
    assert "- {address: zoe@example.com, name: Zoë O'Brien, vars: {n: 3, plan: pro, tags: [a, b]}}" in lists
    assert "- {address: gone@example.com, subscribed: false}" in lists
    members = (account.root / "lists/big@mg.example.com.csv").read_text(encoding="utf-8").splitlines()
    assert members[:3] == [
        "address,name,subscribed,vars",
        "user000@example.org,,no,",
        'user001@example.org,Ürsula 1,,"{""i"": 1, ""ville"": ""Zürich""}"',
    ]


def test_awkward_route_names_are_stable_and_explained(account: Harness) -> None:
    ids = {r["description"]: r["id"] for r in account.emu.store.routes.values()}
    empty = sorted(r["id"] for r in account.emu.store.routes.values() if not r["description"])
    newer_support = max(r["id"] for r in account.emu.store.routes.values() if r["description"] == "support")
    imported = run_import(account.client, account.root)
    routes = (account.root / "routes.yaml").read_text(encoding="utf-8")
    names = [
        line[2:-1]
        for line in routes.splitlines()
        if line.startswith("  ") and not line.startswith("   ") and not line.startswith("  #")
    ]
    # in priority order, then by name
    assert names == [
        "padded",
        f"route#{empty[1]}",
        "support",
        f"support#{newer_support}",
        "Équipe - ventes ☃",
        f"route#{empty[0]}",
    ]
    assert "Routes without a description are named route#<id>" in routes
    assert imported.notes == [
        "route 'padded': described '  padded  ' in Mailgun (surrounding spaces dropped).",
        f"route 'route#{empty[0]}': no description in Mailgun: named by its id.",
        f"route 'route#{empty[1]}': no description in Mailgun: named by its id.",
        f"route 'support#{newer_support}': an older route is also described 'support': named by its id.",
        "route 'Équipe - ventes ☃': described 'Équipe / ventes ☃' in Mailgun; a name cannot hold \"/\".",
    ]
    locked = json.loads((account.root / "mgsync.lock").read_text())["resources"]
    assert locked["route:Équipe - ventes ☃"]["meta"] == {"id": ids["Équipe / ventes ☃"]}


def test_applied_to_an_empty_account_then_imported_again_gives_identical_files(account: Harness, tmp_path) -> None:
    run_import(account.client, account.root)
    copy = tmp_path / "applied"
    shutil.copytree(account.root, copy, ignore=shutil.ignore_patterns("mgsync.lock"))
    second = Harness(copy)
    assert second.apply().applied > 0
    assert second.actions() == []
    for name, state in DOMAINS.items():  # verification and disabling are Mailgun's: mirror them
        second.emu.store.domains[name].update(state=state, is_disabled=state == "disabled")
        if state == "active":  # verification also made the domain's first key sign
            second.emu.store.mark_dns_valid(name)
            second.client.put(f"/v4/domains/{name}/verify")
    again = Harness(tmp_path / "again", emu=second.emu)
    run_import(again.client, again.root)
    first_files, second_files = files_of(account.root), files_of(again.root)
    first_lock, second_lock = first_files.pop("mgsync.lock"), second_files.pop("mgsync.lock")
    assert second_files == first_files
    assert _without_ids(second_lock) == _without_ids(first_lock)
    assert second_lock != first_lock  # the route ids do differ


def _without_ids(lock: bytes) -> dict:
    data = json.loads(lock)
    for entry in data["resources"].values():
        entry.get("meta", {}).pop("id", None)
    return data


def test_refuses_to_overwrite_without_force(account: Harness) -> None:
    account.root.mkdir()
    (account.root / "routes.yaml").write_text("# mine\n")
    (account.root / "notes.txt").write_text("keep me\n")
    with pytest.raises(MgsyncError) as err:
        run_import(account.client, account.root)
    assert str(err.value) == (
        f"Refusing to overwrite {account.root / 'routes.yaml'}: it already exists. "
        "Import into an empty directory, or re-run with --force to replace the files import writes."
    )
    assert sorted(files_of(account.root)) == ["notes.txt", "routes.yaml"]
    run_import(account.client, account.root, force=True)
    assert (account.root / "routes.yaml").read_text().startswith("# Imported from Mailgun")
    assert (account.root / "notes.txt").read_text() == "keep me\n"
    assert account.actions() == []


def test_an_existing_lockfile_is_never_overwritten_without_force(account: Harness) -> None:
    account.root.mkdir()
    account.lock_path.write_text("{}")
    with pytest.raises(MgsyncError, match=r"Refusing to overwrite .*mgsync.lock"):
        run_import(account.client, account.root)
    assert account.lock_path.read_text() == "{}"


def test_domain_narrows_the_reads_to_that_domain(account: Harness) -> None:
    account.emu.log.clear()
    imported = run_import(account.client, account.root, only={"domain": ("news.example.com",)})
    assert sorted(p.name for p in account.root.glob("*.yaml")) == ["lists.yaml", "news.example.com.yaml", "routes.yaml"]
    assert imported.counts == {"domain": 1, "route": 6, "list": 3}
    scoped = [path for path in account.requests("GET") if "/v3/lists" not in path and any(d in path for d in DOMAINS)]
    # tracking, webhooks, templates, credentials, four suppression tables, and the DKIM key listing
    # (once, shared by the key kind and the signing-key kind: Client.cache)
    assert len(scoped) == 9
    assert all("/news.example.com/" in path for path in scoped)
    assert account.actions() == []


def test_unknown_domain_is_one_clear_error(account: Harness) -> None:
    with pytest.raises(MgsyncError) as err:
        run_import(account.client, account.root, only={"domain": ("nope.example.com",)})
    assert str(err.value) == (
        "--domain nope.example.com: no such domain in this Mailgun account "
        "(it has: mg.example.com, news.example.com, old.example.org)."
    )
    assert not account.root.exists()


def test_an_empty_account_imports_as_one_loadable_manifest(tmp_path: Path) -> None:
    harness = Harness(tmp_path / "empty")
    imported = run_import(harness.client, harness.root)
    assert sorted(files_of(harness.root)) == ["mgsync.lock", "mgsync.yaml"]
    assert imported.objects == 0
    assert harness.actions() == []


@pytest.mark.parametrize("example", ["production", "quickstart"])
def test_an_account_built_from_an_example_imports_with_no_changes(example: str, tmp_path: Path) -> None:
    from tests.support.cli import EXAMPLE_ENV, REPO

    source = tmp_path / example
    shutil.copytree(REPO / "examples" / example, source, ignore=shutil.ignore_patterns("mgsync.lock*"))
    built = Harness(source, env=EXAMPLE_ENV)
    built.apply()
    imported = Harness(tmp_path / "imported", emu=built.emu)
    run_import(imported.client, imported.root)
    assert imported.actions() == []
