"""DESIGN.md §3: each protection has a test that fails if the protection is removed."""

from __future__ import annotations

import json

import pytest

from mgsync import render
from mgsync.errors import ApiError, LockHeldError, UnsafePlanError
from mgsync.safefile import hold
from tests.support.harness import Harness

ROUTE = (
    "  {name}: {{priority: {priority}, expression: 'match_recipient(\"{name}@example.com\")', actions: ['stop()']}}\n"
)


def routes(*names: str, priority: int = 0, prune: bool = False) -> str:
    head = "prune: [routes]\n" if prune else ""
    return (
        head + "routes:\n" + "".join(ROUTE.format(name=n, priority=priority) for n in names)
        if names
        else head + "routes: {}\n"
    )


# 1. Addresses name every change.
def test_plan_uses_addresses(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.example.com:\n    webhooks: {delivered: [https://h.example.com/x]}\n")
    doc = render.json_document(h.plan())
    assert [c["address"] for c in doc["changes"]] == ["domain:mg.example.com", "webhook:mg.example.com/delivered"]


# 2. Ownership: only what the lockfile records (or a pruned scope) is deleted.
def test_unmanaged_routes_are_listed_and_left_alone(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_route('match_recipient("x@example.com")', description="hand-made")
    h.write(routes("support"))
    h.apply()
    plan = h.plan()
    assert [str(a) for a in plan.unmanaged["route"]] == ["route:hand-made"]
    assert plan.changes == []
    assert len(h.client.get("/v3/routes")["items"]) == 2


def test_managed_route_removed_from_manifest_is_deleted(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_route('match_recipient("x@example.com")', description="hand-made")
    h.write(routes("support", "sales"))
    h.apply()
    h.write(routes("support"))
    assert h.actions() == [("route:sales", "delete")]


def test_prune_deletes_unmanaged_routes(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_route('match_recipient("x@example.com")', description="hand-made")
    h.write(routes("support", prune=True))
    assert ("route:hand-made", "delete") in h.actions()


# 3. Recipient- and Mailgun-owned data: additive by default, never re-subscribe by accident.
def test_undeclared_bounces_and_members_are_kept(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_domain("mg.example.com", state="active")
    h.emu.store.add_bounces("mg.example.com", [{"address": "auto@example.org", "code": "550", "error": "x"}])
    h.emu.store.add_list("news@mg.example.com", name="News")
    h.emu.store.add_members("news@mg.example.com", [{"address": "recipient@example.org"}])
    h.write(
        "domains:\n  mg.example.com:\n    suppressions: {bounces: [gone@example.org]}\n"
        "mailing_lists:\n  news@mg.example.com:\n    members: [bob@example.org]\n"
    )
    h.apply()
    plan = h.plan()
    assert plan.changes == []
    assert "bounce:mg.example.com/auto@example.org" in {str(a) for a in plan.unmanaged["bounce"]}
    assert "member:news@mg.example.com/recipient@example.org" in {str(a) for a in plan.unmanaged["member"]}


def test_unsubscribed_member_is_not_resubscribed_unless_asked(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_list("news@mg.example.com", name="News")
    h.emu.store.add_members("news@mg.example.com", [{"address": "bob@example.org", "name": "Bob", "subscribed": False}])
    h.write("mailing_lists:\n  news@mg.example.com:\n    members: [{address: bob@example.org, name: Bob}]\n")
    assert h.actions() == []
    h.write(
        "mailing_lists:\n  news@mg.example.com:\n    members: [{address: bob@example.org, name: Bob, subscribed: true}]\n"
    )
    assert h.actions() == [("member:news@mg.example.com/bob@example.org", "update")]


def test_member_name_update_keeps_unsubscribed_state(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_list("news@mg.example.com", name="News")
    h.emu.store.add_members("news@mg.example.com", [{"address": "bob@example.org", "name": "Bob", "subscribed": False}])
    h.write("mailing_lists:\n  news@mg.example.com:\n    members: [{address: bob@example.org, name: Robert}]\n")
    h.apply()
    member = h.client.get("/v3/lists/news@mg.example.com/members/bob@example.org")["member"]
    assert (member["name"], member["subscribed"]) == ("Robert", False)


def test_email_keys_match_case_blind(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_list("news@mg.example.com", name="News")
    h.emu.store.add_members("news@mg.example.com", [{"address": "bob@example.org", "name": "Bob"}])
    h.write(
        "mailing_lists:\n  News@mg.example.com:\n    name: News\n    members: [{address: Bob@Example.org, name: Bob}]\n"
    )
    assert h.actions() == []
    h.apply()
    assert h.actions() == []
    assert '"list:news@mg.example.com"' in h.lock_path.read_text()


def test_unsubscribe_tags_only_grow(tmp_path) -> None:
    h = Harness(tmp_path)
    h.emu.store.add_domain("mg.example.com", state="active")
    h.emu.store.add_unsubscribes("mg.example.com", [{"address": "quit@example.org", "tags": ["promo"]}])
    h.write(
        "domains:\n  mg.example.com:\n    suppressions: {unsubscribes: [{address: quit@example.org, tags: [promo]}]}\n"
    )
    assert h.actions() == []
    h.write(
        "domains:\n  mg.example.com:\n    suppressions: {unsubscribes: [{address: quit@example.org, tags: [news]}]}\n"
    )
    h.apply()
    item = h.client.get("/v3/mg.example.com/unsubscribes/quit@example.org")
    assert sorted(item["tags"]) == ["news", "promo"]
    assert h.actions() == []


# 4. In place, never replace; deleting a domain needs double intent.
def test_domain_settings_change_in_place(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.example.com: {spam_action: tag}\n")
    h.apply()
    h.emu.log.clear()
    h.write("domains:\n  mg.example.com: {spam_action: block}\n")
    h.apply()
    writes = [r for r in h.requests() if not r.startswith("GET")]
    assert writes == ["PUT /v4/domains/mg.example.com"]


def test_domain_deletion_needs_the_naming_flag(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.example.com: {spam_action: tag}\n")
    h.apply()
    h.write("domains: {}\n")
    assert "apply refuses unless given --delete-domain mg.example.com" in render.text(h.plan())
    with pytest.raises(UnsafePlanError, match=r"--delete-domain mg.example.com"):
        h.apply()
    assert h.client.get("/v4/domains/mg.example.com")["domain"]["name"] == "mg.example.com"
    h.apply(confirm=frozenset({"domain:mg.example.com"}))
    assert h.actions() == []
    assert "DELETE /v3/domains/mg.example.com" in h.requests("DELETE")


# 5. Templates keep history, bounded by keep_versions.
def test_template_versions_are_kept_up_to_the_count(tmp_path) -> None:
    h = Harness(tmp_path)
    for n in range(4):
        h.write(f"domains:\n  mg.example.com:\n    templates:\n      welcome: {{template: 'v{n}', keep_versions: 2}}\n")
        h.apply()
    page = h.client.get("/v3/mg.example.com/templates/welcome/versions")
    versions = page["template"]["versions"]
    assert len(versions) == 2
    active = h.client.get("/v3/mg.example.com/templates/welcome", active="yes")["template"]["version"]
    assert active["template"] == "v3"


def test_reverted_template_content_reactivates_its_version(tmp_path) -> None:
    h = Harness(tmp_path)
    for body in ("first", "second", "first"):
        h.write(f"domains:\n  mg.example.com:\n    templates:\n      welcome: {{template: {body}}}\n")
        h.apply()
    versions = h.client.get("/v3/mg.example.com/templates/welcome/versions")["template"]["versions"]
    assert len(versions) == 2
    assert h.actions() == []


# 6. Secrets never leave; a password change is detected through the lockfile's salted hash.
def test_secrets_stay_out_of_plans_and_lockfile(tmp_path) -> None:
    secret = "correct-horse-9"
    h = Harness(tmp_path, env={"PW": secret})
    h.write("domains:\n  mg.example.com:\n    credentials: {alice: {password: '${env:PW}'}}\n")
    plan = h.plan()
    outputs = [render.text(plan), json.dumps(render.json_document(plan)), render.markdown(plan)]
    h.apply()
    outputs.append(h.lock_path.read_text())
    assert all(secret not in out for out in outputs)
    assert "scrypt$" in outputs[-1]
    assert h.actions() == []
    h.env["PW"] = "battery-staple-7"
    plan = h.plan()
    assert [(f.path, f.after) for f in plan.changes[0].fields] == [(("password",), "(sensitive value changed)")]
    assert "(sensitive value changed)" in render.text(plan)


# 7. Safety thresholds.
def test_mass_deletion_is_refused_without_force(tmp_path) -> None:
    h = Harness(tmp_path)
    names = [f"r{i:02d}" for i in range(10)]
    h.write(routes(*names))
    h.apply()
    h.write(routes(*names[:6]))
    with pytest.raises(UnsafePlanError, match=r"plan deletes 4 of 10 route objects \(40% > 30%\)"):
        h.apply()
    h.apply(force=True)
    assert h.actions() == []


def test_small_accounts_are_below_the_threshold_floor(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(routes("a", "b", "c"))
    h.apply()
    h.write(routes("a"))
    h.apply()
    assert h.actions() == []


# 9. Crash-safe: lost responses are re-read, not repeated; interrupted applies converge; one apply at a time.
def test_create_whose_response_was_lost_is_not_repeated(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(routes("support"))
    h.emu.faults.fail_after_commit(method="POST", path="/v3/routes", status=502)
    h.apply()
    assert h.requests("POST", "/v3/routes") == ["POST /v3/routes"]
    assert h.actions() == []
    assert '"route:support"' in h.lock_path.read_text()


def test_create_of_several_calls_found_done_after_a_lost_answer_is_finished(tmp_path) -> None:
    """A domain's create is a POST, then a PUT of ``mailfrom_host`` (POST does not take it). With the
    POST's answer lost, the re-read found the domain and the step ended there: no PUT, the apply said
    "1 added" with a change still pending, and the create-only ``dkim_key_size`` it had sent was not
    recorded (the next plan said it was "not checked")."""
    h = Harness(tmp_path)
    h.write(
        "domains:\n  mf.example.com: {spam_action: tag, mailfrom_host: bounce.mf.example.com, dkim_key_size: 2048}\n"
    )
    h.emu.faults.drop_connection(method="POST", path="/v4/domains", after_commit=True)
    outcome = h.apply()
    assert h.requests("POST", "/v4/domains") == ["POST /v4/domains"]
    assert h.requests("PUT", "/v4/domains") == ["PUT /v4/domains/mf.example.com"]
    assert outcome.applied == 1 and outcome.pending is None
    plan = h.plan()
    assert h.actions(plan) == []
    assert not [note for note in plan.notes if "not checked" in note]


@pytest.mark.parametrize(("fault", "posts"), [("fail_after_commit", 1), ("fail_before_commit", 2)])
def test_bulk_batch_whose_answer_was_lost_is_re_read_then_completed(tmp_path, fault: str, posts: int) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.example.com:\n    suppressions: {bounces: [a@example.org, b@example.org]}\n")
    getattr(h.emu.faults, fault)(method="POST", path="/v3/mg.example.com/bounces", status=502)
    h.apply()
    assert len(h.requests("POST", "/v3/mg.example.com/bounces")) == posts
    assert h.actions() == []


def test_create_lost_before_commit_is_sent_again_after_a_re_read(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(routes("support"))
    h.emu.faults.fail_before_commit(method="POST", path="/v3/routes", status=503)
    h.apply()
    assert h.requests("POST", "/v3/routes") == ["POST /v3/routes"] * 2
    assert len(h.client.get("/v3/routes")["items"]) == 1


def test_interrupted_apply_leaves_a_true_lockfile_and_converges(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(routes("a", "b", "c"))
    h.emu.faults.fail_before_commit(method="POST", path="/v3/routes", status=400, times=1)
    with pytest.raises(ApiError, match="POST /v3/routes returned 400"):
        h.apply()
    locked = json.loads(h.lock_path.read_text())["resources"] if h.lock_path.exists() else {}
    live = {r["description"] for r in h.client.get("/v3/routes")["items"]}
    assert {k.removeprefix("route:") for k in locked} == live
    h.apply()
    assert h.actions() == []


def test_second_apply_on_the_same_lockfile_is_refused(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(routes("support"))
    with hold(h.lock_path), pytest.raises(LockHeldError, match="Another mgsync apply holds the lock"):
        h.apply()


# 10. Deterministic.
def test_plan_text_and_lockfile_are_deterministic(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(routes("b", "a") + "domains:\n  mg.example.com:\n    webhooks: {opened: [https://h.example.com/o]}\n")
    assert render.text(h.plan()) == render.text(h.plan())
    h.apply()
    first = h.lock_path.read_bytes()
    h.apply()
    assert h.lock_path.read_bytes() == first
    assert "created_at" not in first.decode() and "GMT" not in first.decode()
