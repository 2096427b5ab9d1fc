"""A change Mailgun refuses in the middle of an apply, through the real ``mgsync`` CLI: the error names
the change and where the manifests declare it (not only the HTTP call), and says how much was applied
before it, all of it recorded. The example is one ``validate`` cannot see: Mailgun's limit of three
URLs per event for account-level webhooks, reached across two files (the emulator keeps it as Mailgun
does)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import error_line, native, run


def test_a_refused_change_is_named_with_what_was_applied_before_it(tmp_path: Path) -> None:
    manifests = tmp_path / "mailgun"
    manifests.mkdir()
    (manifests / "a.yaml").write_text(
        "account_webhooks:\n"
        "  https://a.example.com/1: {events: [delivered]}\n"
        "  https://a.example.com/2: {events: [delivered]}\n",
        encoding="utf-8",
    )
    (manifests / "b.yaml").write_text(
        "account_webhooks:\n"
        "  https://a.example.com/3: {events: [delivered]}\n"
        "  https://a.example.com/4: {events: [delivered]}\n",
        encoding="utf-8",
    )
    connect = ("--emulator", "--emulator-state", "emu.json")
    assert run("validate", "mailgun", cwd=tmp_path).returncode == 0
    # one step at a time: which of four concurrent creates Mailgun refuses would be the one it saw last
    result = run("apply", "--yes", "--concurrency", "1", *connect, "mailgun", cwd=tmp_path)
    assert error_line(result) == (
        f"Error: account_webhook:https://a.example.com/4 ({native('mailgun/b.yaml')}:3:3): Mailgun API: POST /v1/webhooks "
        "returned 400: Maximum of 3 unique URLs per event type reached for 'delivered'. Applied: 3 of 4 "
        "changes, each recorded in the lockfile; mgsync plan shows what is left"
    )
    plan = run("plan", *connect, "mailgun", cwd=tmp_path)
    assert "+ account_webhook:https://a.example.com/4" in plan.stdout
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in plan.stdout


def test_manifest_errors_before_a_plan_or_apply_end_with_their_count(tmp_path: Path) -> None:
    """As validate's do: a long list (hundreds of lines) said nowhere how many there were."""
    (tmp_path / "m.yaml").write_text("routes:\n  a: {expresion: x}\n  b: {expression: x}\n", encoding="utf-8")
    for command in ("plan", "apply"):
        result = run(command, "--emulator", "--emulator-state", "emu.json", "m.yaml", cwd=tmp_path)
        assert result.returncode == 1 and not (tmp_path / "emu.json").exists()
        assert result.stderr.splitlines() == [
            'Error: m.yaml:2:3: routes.a: missing required key "actions"',
            'm.yaml:2:3: routes.a: missing required key "expression"',
            'm.yaml:2:7: routes.a.expresion: unknown key "expresion" (did you mean "expression"?)',
            'm.yaml:3:3: routes.b: missing required key "actions"',
            'm.yaml:3:19: routes.b.expression: invalid expression at column 1: unknown filter "x" '
            "(expected one of: match_recipient, match_header, catch_all)",
            "5 errors found.",
        ]


NGINX_404 = "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center></body></html>"


def test_a_delete_a_proxy_answers_with_its_404_page_is_not_counted_as_done(tmp_path: Path) -> None:
    """Mailgun's 404 to a delete ({"message": "Route not found"}) means gone already; a 404 page from a
    server in front of it (a proxy, a firewall that refuses DELETE) does not: the route stays live,
    recorded, and planned for deletion. It was counted as destroyed and forgotten: the next plan said
    "No changes" while the route lived on."""
    from mgsync.emulator import Emulator
    from mgsync.emulator.server import serve

    emu = Emulator(api_key="test")
    manifests = tmp_path / "mailgun"
    manifests.mkdir()
    route = "  r1: {expression: 'match_recipient(\"a@x.org\")', actions: ['stop()']}\n"
    (manifests / "m.yaml").write_text(f"version: 1\nprune: [routes]\nroutes:\n{route}", encoding="utf-8")
    with serve(emu, host="127.0.0.1", port=0) as srv:
        env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": srv.url}
        assert run("apply", "--yes", "mailgun", cwd=tmp_path, env=env).returncode == 0
        (manifests / "m.yaml").write_text("version: 1\nprune: [routes]\nroutes: {}\n", encoding="utf-8")
        emu.faults.fail_before_commit("DELETE", "/v3/routes/", status=404, body=NGINX_404)
        result = run("apply", "--yes", "mailgun", cwd=tmp_path, env=env)
        (route_id,) = emu.store.routes
        assert error_line(result) == (
            f"Error: route:r1: Mailgun API: DELETE /v3/routes/{route_id} returned 404: not found (no such "
            "endpoint). Nothing applied; mgsync plan shows what is left"
        )
        assert len(emu.store.routes) == 1
        again = run("plan", "--detailed-exitcode", "mailgun", cwd=tmp_path, env=env)
    assert again.returncode == 2 and "- route:r1" in again.stdout


def test_a_create_a_captive_portal_answers_with_its_page_is_not_counted_as_done(tmp_path: Path) -> None:
    """Mailgun answers every write with JSON: a 200 with a login page came from a server in front of it
    and made nothing. It was counted as added, and the apply ended with exit 0 and a note that
    Mailgun had not caught up yet."""
    from mgsync.emulator import Emulator
    from mgsync.emulator.server import serve

    emu = Emulator(api_key="test")
    manifests = tmp_path / "mailgun"
    manifests.mkdir()
    (manifests / "m.yaml").write_text(
        "version: 1\nroutes:\n  r1: {expression: 'match_recipient(\"a@x.org\")', actions: ['stop()']}\n",
        encoding="utf-8",
    )
    page = "<!DOCTYPE html><html><head><title>Guest Wi-Fi: Log in</title></head><body>…</body></html>"
    with serve(emu, host="127.0.0.1", port=0) as srv:
        env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": srv.url}
        emu.faults.fail_before_commit("POST", "/v3/routes", status=200, body=page)
        result = run("apply", "--yes", "mailgun", cwd=tmp_path, env=env)
        assert error_line(result) == (
            f"Error: route:r1 ({native('mailgun/m.yaml')}:3:3): Mailgun API: POST /v3/routes returned 200: expected an object, "
            "got an HTML page titled 'Guest Wi-Fi: Log in'; not retried because POST may have been applied: "
            "re-read before trying again. Nothing applied; mgsync plan shows what is left"
        )
        assert emu.store.routes == {}
        again = run("plan", "--detailed-exitcode", "mailgun", cwd=tmp_path, env=env)
    assert again.returncode == 2 and "+ route:r1" in again.stdout


def _served_apply(tmp_path: Path, manifest: str, *faults: tuple[str, str], concurrency: str = "8"):
    """``apply --yes`` of ``manifest`` against a served emulator whose ``faults`` (method, path) answer 400."""
    from mgsync.emulator import Emulator
    from mgsync.emulator.server import serve

    emu = Emulator(api_key="test")
    (tmp_path / "m.yaml").write_text(manifest, encoding="utf-8")
    for method, path in faults:
        emu.faults.fail_before_commit(
            method, path, status=400, times=None, body='{"message": "refused"}', content_type="application/json"
        )
    with serve(emu, host="127.0.0.1", port=0) as srv:
        env = {"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": srv.url, "MG_PW": "secret-pw-1"}
        return run("apply", "--yes", "--concurrency", concurrency, "m.yaml", cwd=tmp_path, env=env)


def test_every_step_that_failed_is_named(tmp_path: Path) -> None:
    """Two steps running together, both refused: the error named one of them only."""
    manifest = (
        "domains:\n"
        "  mg.example.com:\n"
        "    spam_action: tag\n"
        "    credentials: {alice: {password: '${env:MG_PW}'}}\n"
        "    templates: {welcome: {template: hi}}\n"
        "    webhooks: {delivered: [https://h.example.com/1], opened: [https://h.example.com/2]}\n"
    )
    result = _served_apply(
        tmp_path,
        manifest,
        ("POST", "/v3/domains/mg.example.com/credentials"),
        ("POST", "/v3/mg.example.com/templates"),
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        "Error: template:mg.example.com/welcome (m.yaml:5:17): Mailgun API: POST /v3/mg.example.com/templates "
        "returned 400: refused. Applied: 3 of 5 changes, each recorded in the lockfile; mgsync plan shows what is left",
        "Also failed: credential:mg.example.com/alice (m.yaml:4:19): Mailgun API: POST "
        "/v3/domains/mg.example.com/credentials returned 400: refused",
    ]


def test_the_failed_steps_named_are_capped(tmp_path: Path) -> None:
    names = [f"r{n:02}" for n in range(14)]
    routes = "".join(f"  {n}: {{expression: 'match_recipient(\"{n}@x.org\")', actions: ['stop()']}}\n" for n in names)
    result = _served_apply(tmp_path, f"routes:\n{routes}", ("POST", "/v3/routes"), concurrency="16")
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and lines[-11].startswith("Error: route:r00 (m.yaml:2:3): ")
    assert lines[-11].endswith("returned 400: refused. Nothing applied; mgsync plan shows what is left")
    assert [line.split(" (")[0] for line in lines[-10:-1]] == [f"Also failed: route:{n}" for n in names[1:10]]
    assert lines[-1] == "… and 4 more failed"


def test_a_change_still_planned_after_an_apply_is_named_and_not_only_blamed_on_mailgun_catching_up(
    tmp_path: Path,
) -> None:
    """The note said only "Mailgun has not caught up yet: a fresh plan still shows N changes", which
    sent a team waiting for a value Mailgun keeps otherwise than written, forever. It names them now."""
    from mgsync.emulator import Emulator
    from mgsync.emulator.server import serve

    emu = Emulator(api_key="test")
    (tmp_path / "m.yaml").write_text(
        "routes:\n"
        + "".join(
            f"  r{i}: {{expression: 'match_recipient(\"r{i}@x.org\")', actions: ['stop()']}}\n" for i in range(7)
        ),
        encoding="utf-8",
    )
    with serve(emu, host="127.0.0.1", port=0) as srv:
        emu.faults.fail_before_commit("POST", "/v3/routes", status=200, times=None)  # answered, not shown yet
        result = run("apply", "--yes", ".", cwd=tmp_path, env={"MAILGUN_API_KEY": "test", "MAILGUN_BASE_URL": srv.url})
    assert result.returncode == 0, result.stderr
    assert (
        "Note: a fresh plan after the apply still shows 7 changes (route:r0, route:r1, route:r2, route:r3, "
        "route:r4 and 2 more). Mailgun may not have caught up yet (its API is eventually consistent): run "
        "mgsync plan again in a minute. A change still shown then is one Mailgun keeps otherwise than the "
        "manifests write it; the plan shows how."
    ) in result.stderr
