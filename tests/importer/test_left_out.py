"""Issue 18, item 2: one odd object never blocks an account. A live object whose manifest does not
load back is left out alone: import writes everything else, names it in a note with the reason,
records nothing of it in the lockfile, exits 0, and the plan right after is empty with the object
under "Not managed". Through the real CLI against the emulator served on 127.0.0.1, and through
``run_import`` for a collection's CSV file.

The odd values are seeded straight into the emulator's store, past its own checks: a template over
the 100 KiB that mgsync checks, and allowlist values that are neither an address nor a domain name."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mgsync.emulator import Emulator
from mgsync.emulator.server import serve
from mgsync.emulator.store import Store
from mgsync.importer import run_import
from tests.support.cli import run
from tests.support.harness import Harness

KEY = "left-out-key"
D = "mg.example.com"
HUGE = "<p>" + "x" * 110_000 + "</p>"  # 110,007 bytes


def seed(emu: Emulator) -> None:
    emu.store.add_domain(D, state="active")
    emu.store.add_template(D, "welcome", "Welcome", versions=[{"tag": "v1", "template": "<p>Hi {{name}}</p>"}])
    emu.store.add_template(D, "huge", "Too big", versions=[{"tag": "v1", "template": HUGE}])
    emu.store.add_allowlist(D, [{"value": "partner.example.org"}, {"value": "not an address"}])
    emu.store.add_route('match_recipient("support@mg.example.com")', ["stop()"], description="support")


@pytest.fixture
def mailgun() -> Iterator[tuple[Emulator, dict[str, str]]]:
    emu = Emulator(api_key=KEY)
    seed(emu)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield emu, {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


def test_import_leaves_out_only_the_objects_it_cannot_write(mailgun, tmp_path: Path) -> None:
    _, env = mailgun
    out = tmp_path / "imported"
    imported = run("import", "--out", str(out), env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == (
        f"Imported 1 domain, 1 route (7 objects) into {out}; left out 2 (see the notes above); run: mgsync plan {out}\n"
    )
    # the notes, without the status line a phase slower than status.QUIET_UNDER prints (a busy machine)
    notes = "".join(line for line in imported.stderr.splitlines(keepends=True) if not line.startswith("importing: "))
    assert notes == (
        f"Note: allowlist:{D}/not an address was left out: mgsync cannot write it as a manifest (domains.{D}."
        'suppressions.allowlist[0]: "not an address" is neither an email address nor a domain name); it stays '
        "as it is in Mailgun, not managed.\n"
        f"Note: template:{D}/huge was left out: mgsync cannot write it as a manifest (domains.{D}.templates.huge."
        f'file: "{out}/templates/{D}/huge.hbs": template is 110,007 bytes; Mailgun allows at most 102,400 (100 KiB)); it stays '
        "as it is in Mailgun, not managed.\n"
    )
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        f"{D}.yaml",
        "mgsync.lock",
        "routes.yaml",
        f"templates/{D}/welcome.hbs",
    ]
    manifest = (out / f"{D}.yaml").read_text(encoding="utf-8")
    assert "huge" not in manifest and "not an address" not in manifest
    assert "      allowlist:\n        - partner.example.org\n" in manifest
    locked = json.loads((out / "mgsync.lock").read_text(encoding="utf-8"))
    assert f"template:{D}/welcome" in locked["resources"]
    assert not [a for a in locked["resources"] if "huge" in a]
    assert "not an address" not in (out / "mgsync.lock").read_text(encoding="utf-8")

    planned = run("plan", "--detailed-exitcode", str(out), env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout
    assert (
        f"Not managed (left alone):\n  1 allowlist entry in {D}: not an address\n  1 template in {D}: huge\n"
    ) in planned.stdout


def test_a_row_of_a_csv_collection_is_left_out_alone(tmp_path: Path) -> None:
    harness = Harness(tmp_path / "imported")
    harness.emu.store.add_domain(D, state="active")
    values = [{"value": f"partner{i:02d}.example.org"} for i in range(25)]
    harness.emu.store.add_allowlist(D, [*values[:10], {"value": "no such thing"}, *values[10:]])
    imported = run_import(harness.client, harness.root)
    assert imported.left_out == 1
    assert imported.notes == [
        f"allowlist:{D}/no such thing was left out: mgsync cannot write it as a manifest (suppressions/{D}/"
        'allowlist.csv, value: "no such thing" is neither an email address nor a domain name); it stays as it '
        "is in Mailgun, not managed."
    ]
    rows = (harness.root / f"suppressions/{D}/allowlist.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 26 and "no such thing" not in "\n".join(rows)
    assert harness.actions() == []


def test_a_listed_item_of_another_shape_is_left_out_of_the_import(tmp_path: Path) -> None:
    harness = Harness(tmp_path / "imported")
    harness.emu.store.add_domain(D, state="active")
    harness.emu.store.add_route('match_recipient("support@mg.example.com")', ["stop()"], description="support")
    support = {k: v for k, v in next(iter(harness.emu.store.routes.values())).items() if not k.startswith("_")}
    odd = {"id": "5f1a", "description": "odd", "expression": 'match_recipient("x@mg.example.com")', "actions": "stop()"}
    harness.emu.faults.replace_body("/v3/routes", json.dumps({"items": [odd, support], "total_count": 2}), exact=True)
    imported = run_import(harness.client, harness.root)
    assert imported.notes == [
        "Mailgun API: GET /v3/routes item 0 'odd': expected items[0].actions to be a list, got a string 'stop()'; "
        "left out, it stays as it is in Mailgun, not managed."
    ]
    assert imported.summary().startswith(f"Imported 1 domain, 1 route (5 objects) into {harness.root}; left out 1 ")
    routes = (harness.root / "routes.yaml").read_text(encoding="utf-8")
    assert "  support:\n" in routes and "odd" not in routes
    assert harness.actions() == []


def test_a_live_setting_whose_value_the_model_refuses_is_left_out_alone_and_planned_around(tmp_path: Path) -> None:
    """Only the setting is left out: the domain, and what is in it, are imported (the whole domain was,
    with its webhooks, suppressions and templates)."""
    harness = Harness(tmp_path / "imported")
    harness.emu.store.add_domain(D, state="active")
    harness.emu.store.add_domain("odd.example.net", state="active")
    harness.emu.store.add_webhook("odd.example.net", "delivered", ["https://hooks.example.com/d"])
    listing = harness.client.get("/v4/domains")
    for item in listing["items"]:
        if item["name"] == "odd.example.net":
            item["spam_action"] = "quarantine"  # a setting value mgsync does not know
    harness.emu.faults.replace_body("/v4/domains", json.dumps(listing), exact=True)
    imported = run_import(harness.client, harness.root)
    assert imported.notes == [
        "domain:odd.example.net: spam_action was left out: mgsync cannot write it as a manifest (domains."
        'odd.example.net.spam_action: unknown value "quarantine" (expected one of: disabled, block, tag)); it '
        "stays as it is in Mailgun, not managed."
    ]
    assert sorted(p.name for p in harness.root.iterdir()) == [f"{D}.yaml", "mgsync.lock", "odd.example.net.yaml"]
    manifest = (harness.root / "odd.example.net.yaml").read_text(encoding="utf-8")
    assert "spam_action" not in manifest and "delivered: https://hooks.example.com/d" in manifest
    plan = harness.plan()
    assert harness.actions(plan) == []
    assert plan.notes == [
        "Mailgun API: domain:odd.example.net has a value mgsync cannot read: spam_action: Input should be "
        "'disabled', 'block' or 'tag' (got 'quarantine'); kept as Mailgun has it, changed only if the "
        "manifests set it."
    ]


@contextmanager
def served(seed: Callable[[Store], object]) -> Iterator[dict[str, str]]:
    """A new account with domain ``D``, seeded by ``seed`` straight into the store and served: the
    environment that reaches it."""
    emu = Emulator(api_key=KEY)
    emu.store.add_domain(D, state="active")
    seed(emu.store)
    with serve(emu, host="127.0.0.1", port=0) as server:
        yield {"MAILGUN_API_KEY": KEY, "MAILGUN_BASE_URL": server.url}


@contextmanager
def imported(tmp_path: Path, seed: Callable[[Store], object]) -> Iterator[tuple[dict[str, str], Path, str]]:
    """A new account with domain ``D``, seeded by ``seed`` straight into the store, served and imported:
    (the environment that reaches it, the import's directory, what the import said on stderr)."""
    with served(seed) as env:
        out = tmp_path / "imported"
        done = run("import", "--out", str(out), env=env)
        assert done.returncode == 0, done.stderr
        yield env, out, done.stderr


def test_an_entry_whose_address_holds_a_slash_is_left_out_and_plans_go_on(tmp_path: Path) -> None:
    """``b/x@example.com`` is an e-mail address (``/`` is atext, RFC 5322) that Mailgun's bulk add takes;
    mgsync leaves it out, as its addresses part scope and name at a ``/``. Beside another bounce, the
    plan right after the import was "internal error (KeyError ...)": a lookup took the last ``/``."""
    bounces = [{"address": "b/x@example.com", "code": "550"}, {"address": "a@example.com"}]
    with imported(tmp_path, lambda store: store.add_bounces(D, bounces)) as (env, out, said):
        assert f"bounce:{D}/b/x@example.com was left out" in said
        for targets in ((), ("--target", "bounce:*"), ("--target", f"bounce:{D}/b/x@example.com")):
            plan = run("plan", "--detailed-exitcode", *targets, str(out), env=env)
            assert plan.returncode == 0, plan.stderr
            assert "internal error" not in plan.stderr and "No changes" in plan.stdout


def test_pruned_entries_whose_address_holds_a_slash_are_counted_in_their_collection(tmp_path: Path) -> None:
    """Pruning a domain's bounces deletes a live ``b/x@example.com`` with the others, and the plan counts
    it in its collection: the text took the part before the address's last ``/`` as the collection, so
    it showed "24 bounces" with that one apart, and a caution line of its own."""
    bounces = [{"address": f"b{i:02d}@example.com"} for i in range(24)] + [{"address": "b/x@example.com"}]
    (tmp_path / "mgsync.yaml").write_text(f"domains:\n  {D}:\n    prune: [bounces]\n", encoding="utf-8")
    with served(lambda store: store.add_bounces(D, bounces)) as env:
        plan = run("plan", str(tmp_path), env={**env, "NO_COLOR": "1"})
    assert plan.returncode == 0, plan.stderr
    assert f"  - 25 bounces in {D} (first 5 shown; plan --full lists every one)" in plan.stdout
    assert f"  ! Deletes 25 bounces in {D}" in plan.stdout
    assert "Plan: 0 to add, 0 to change, 25 to destroy." in plan.stdout


def test_a_list_whose_address_holds_a_slash_is_left_out_never_renamed(tmp_path: Path) -> None:
    """``news/fr@mg.example.com`` was imported as ``fr@mg.example.com`` (its key cut at the ``/``): the
    plan then created that stray list and left the real one unmanaged."""
    with imported(tmp_path, lambda store: store.add_list(f"news/fr@{D}", name="French news")) as (env, out, said):
        assert f"list:news/fr@{D} was left out" in said
        assert not (out / "lists.yaml").exists()
        plan = run("plan", "--detailed-exitcode", str(out), env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "list:fr@" not in plan.stdout


def test_domains_with_names_longer_than_a_file_name_import_whole(tmp_path: Path) -> None:
    """A domain name may be 253 characters (DNS's limit); its manifest ``<name>.yaml`` was 258 bytes, past
    the 255 a file name may have, and the whole import failed ("File name too long"). Two such names
    alike in their first 120 characters share one file."""
    long_a = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57]) + ".com"
    long_b = ".".join(["a" * 63, "b" * 63, "c" * 63, "e" * 57]) + ".com"
    with imported(tmp_path, lambda store: [store.add_domain(n, state="active") for n in (long_a, long_b)]) as (
        env,
        out,
        _,
    ):
        assert len(long_a) == 253 and max(len(p.name) for p in out.iterdir()) <= 255
        assert sorted(p.name for p in out.glob("*.yaml")) == [f"{long_a[:120]}.yaml", f"{D}.yaml"]
        plan = run("plan", "--detailed-exitcode", str(out), env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_smtp_logins_of_every_shape_mailgun_keeps_import_and_plan_empty(tmp_path: Path) -> None:
    """``bob@MG.EXAMPLE.COM`` (the domain as typed: Mailgun compares it without case) was read as a login
    of its own, never the manifest's ``bob``: the plan after import created it again. ``ops/alerts``
    was cut at its ``/`` and dropped without a word; it is left out with a note."""
    logins = (f"bob@{D.upper()}", f"ops/alerts@{D}")
    with imported(tmp_path, lambda store: [store.add_credential(D, login, "s3cret-pw") for login in logins]) as (
        env,
        out,
        said,
    ):
        assert f"credential:{D}/ops/alerts was left out" in said
        assert "      bob: {}" in (out / f"{D}.yaml").read_text(encoding="utf-8")
        plan = run("plan", "--detailed-exitcode", str(out), env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_half_a_surrogate_pair_in_an_answer_imports_as_the_replacement_character(tmp_path: Path) -> None:
    """``"\\ud83d"`` alone (an emoji cut in two) in a member's name or vars, or a bounce's error: the
    import was "internal error (UnicodeEncodeError ...)", since no text holding one can be written as
    UTF-8. It reads as U+FFFD, as Mailgun's Go services read it, and the plan after is empty."""

    def seed(store: Store) -> None:
        store.add_list(f"news@{D}")
        store.add_members(f"news@{D}", [{"address": "a@example.com", "name": "Jo \ud83d", "vars": {"x": "\udfff"}}])
        store.add_bounces(D, [{"address": "b@example.com", "code": "550", "error": "mailbox \ud83d full"}])

    with imported(tmp_path, seed) as (env, out, _):
        plan = run("plan", "--detailed-exitcode", str(out), env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert "Jo \ufffd" in written and "mailbox \ufffd full" in written
