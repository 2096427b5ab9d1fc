"""The bad-manifest corpus: every case under ``bad/`` fails ``mgsync validate`` with exactly these lines.

Each case is a small manifest (or a directory of them, with CSV files) whose first comment says what
is wrong. Paths are relative to ``bad/`` because the CLI runs there, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mgsync.cli import main
from tests.support.cli import mgsync_command, native
from tests.support.manifests import BAD, PRUNABLE, SECTIONS

CASES = {
    "credential_literal_password.yaml": [
        'credential_literal_password.yaml:5:25: domains.mg.example.com.credentials.alice.password: write the password as "${env:NAME}": secrets come only from the environment',
    ],
    "secret_not_a_string.yaml": [
        'secret_not_a_string.yaml:5:25: domains.mg.example.com.credentials.alice.password: write the password as "${env:NAME}": secrets come only from the environment',
        'secret_not_a_string.yaml:6:13: domains.mg.example.com.credentials.bob.password: write the password as "${env:NAME}": secrets come only from the environment',
        'secret_not_a_string.yaml:7:25: domains.mg.example.com.credentials.carol.password: write the password as "${env:NAME}": secrets come only from the environment',
        'secret_not_a_string.yaml:9:29: domains.mg.example.com.dkim_keys.s1.pem: write the private key as "${env:NAME}": secrets come only from the environment',
    ],
    "credential_logins.yaml": [
        'credential_logins.yaml:5:7: domains.mg.example.com.credentials.bob@other.example.com: login "bob@other.example.com" is not on this domain (write just "bob")',
        'credential_logins.yaml:6:7: domains.mg.example.com.credentials.bad login: "bad login" is not a valid SMTP login (a local part such as "alice")',
        "credential_logins.yaml:8:7: credential:mg.example.com/alice: defined twice (also at credential_logins.yaml:7:7)",
    ],
    "credential_missing_env.yaml": [
        "credential_missing_env.yaml:5:25: domains.mg.example.com.credentials.alice.password: environment variable MGSYNC_TEST_UNSET_PASSWORD is not set",
    ],
    "csv_bad_header": [
        f'{native("csv_bad_header/members.csv")}:1:1: header: column "name" appears twice',
        f'{native("csv_bad_header/members.csv")}:1:1: header: required column "address" is missing',
        f'{native("csv_bad_header/members.csv")}:1:1: header: unknown column "adress" (did you mean "address"?)',
    ],
    "csv_bad_rows": [
        f'{native("csv_bad_rows/members.csv")}:3:1: subscribed: "maybe" is not yes, no, true or false',
        f"{native('csv_bad_rows/members.csv')}:4:1: vars: is not valid JSON (Expecting property name enclosed in double quotes)",
        f'{native("csv_bad_rows/members.csv")}:5:1: address: "dave-at-example.org" is not a valid email address',
        f"{native('csv_bad_rows/members.csv')}:6:1: row has 2 fields; the header has 4",
        f"{native('csv_bad_rows/members.csv')}:8:1: member:news@mg.example.com/alice@example.org: defined twice (also at {native('csv_bad_rows/members.csv')}:2:1)",
        f"{native('csv_bad_rows/members.csv')}:9:1: vars: expected a mapping, got a list",
    ],
    "csv_not_utf8": [
        f'{native("csv_not_utf8/mg.yaml")}:5:28: domains.mg.example.com.suppressions.unsubscribes.file: cannot read "{native("csv_not_utf8/unsubscribes.csv")}": not UTF-8 text: byte 0xe9 at line 2, column 4; save it as UTF-8 (in Excel: "CSV UTF-8")',
    ],
    "csv_semicolons": [
        "csv_semicolons/members.csv:1:1: header: the header is one column, separated by ';': mgsync reads comma-separated files",
    ],
    "csv_utf16": [
        f'{native("csv_utf16/lists.yaml")}:4:21: mailing_lists.news@mg.example.com.members.file: cannot read "{native("csv_utf16/members.csv")}": UTF-16 text, not UTF-8; save it as UTF-8 (in Excel: "CSV UTF-8")',
    ],
    "csv_missing.yaml": [
        f'csv_missing.yaml:4:21: mailing_lists.news@mg.example.com.members.file: cannot read "{native("lists/missing.csv")}": No such file or directory',
    ],
    "domain_bool_yes.yaml": [
        "domain_bool_yes.yaml:4:15: domains.mg.example.com.wildcard: expected true or false, got a string (YAML reads yes/no/on/off as strings)",
        "domain_bool_yes.yaml:5:18: domains.mg.example.com.require_tls: expected true or false, got an integer",
    ],
    "domain_enums.yaml": [
        'domain_enums.yaml:4:18: domains.mg.example.com.spam_action: unknown value "tga" (did you mean "tag"?)',
        'domain_enums.yaml:5:17: domains.mg.example.com.web_scheme: unknown value "ftp" (expected one of: http, https)',
    ],
    "domain_name_case.yaml": [
        'domain_name_case.yaml:3:3: domains.MG.Example.com: domain names are lower-case in Mailgun: write "mg.example.com"',
        'domain_name_case.yaml:4:3: domains.not_a_domain: "not_a_domain" is not a valid domain name',
    ],
    "domain_settings_twice": [
        f"{native('domain_settings_twice/b.yaml')}:3:3: domain:mg.example.com: defined twice (also at {native('domain_settings_twice/a.yaml')}:2:3)",
    ],
    "domain_unknown_key.yaml": [
        'domain_unknown_key.yaml:4:5: domains.mg.example.com.spam_actoin: unknown key "spam_actoin" (did you mean "spam_action"?)',
    ],
    "domain_web_prefix.yaml": [
        'domain_web_prefix.yaml:4:17: domains.mg.example.com.web_prefix: "Track.Me" is not a valid web prefix (Mailgun takes an atom: letters, digits and !#$%&\'*+-/=?^_`{|}~)',
    ],
    "duplicate_keys.yaml": [
        'duplicate_keys.yaml:7:7: domains.mg.example.com.webhooks.delivered: duplicate key "delivered" (also at duplicate_keys.yaml:6:7)',
        'duplicate_keys.yaml:8:3: domains.mg.example.com: duplicate key "mg.example.com" (also at duplicate_keys.yaml:3:3)',
    ],
    "env_malformed.yaml": [
        'env_malformed.yaml:5:18: domains.mg.example.com.webhooks.delivered: malformed environment reference "${env:}" (expected ${env:NAME})',
        "env_malformed.yaml:6:15: domains.mg.example.com.webhooks.opened: environment variable MGSYNC_TEST_UNSET_TOKEN is not set",
    ],
    "list_bad.yaml": [
        'list_bad.yaml:3:3: mailing_lists.newsletter: "newsletter" is not a valid email address',
        'list_bad.yaml:5:19: mailing_lists.news@mg.example.com.access_level: unknown value "public" (expected one of: readonly, members, everyone)',
        'list_bad.yaml:6:23: mailing_lists.news@mg.example.com.reply_preference: unknown value "senders" (did you mean "sender"?)',
        'list_bad.yaml:7:5: mailing_lists.news@mg.example.com.descripton: unknown key "descripton" (did you mean "description"?)',
    ],
    "list_members_duplicate.yaml": [
        "list_members_duplicate.yaml:7:9: member:news@mg.example.com/Bob@Example.org: defined twice (also at list_members_duplicate.yaml:5:9)",
    ],
    "list_members_inline.yaml": [
        "list_members_inline.yaml:7:50: mailing_lists.news@mg.example.com.members[2].subscribed: expected true or false, got a string (YAML reads yes/no/on/off as strings)",
        'list_members_inline.yaml:8:9: mailing_lists.news@mg.example.com.members[3]: missing required key "address"',
        'list_members_inline.yaml:8:10: mailing_lists.news@mg.example.com.members[3].adress: unknown key "adress" (did you mean "address"?)',
        'list_members_inline.yaml:9:9: mailing_lists.news@mg.example.com.members[4]: "not-an-email" is not a valid email address',
    ],
    "malformed.yaml": [
        "malformed.yaml:3:52: invalid YAML: expected ',' or ']', but got '}' (while parsing a flow sequence at line 3, column 27)",
    ],
    "nul_byte.yaml": [
        "nul_byte.yaml:4:16: invalid YAML: character U+0000 (a control character) is not allowed: remove it",
    ],
    "bom_inside.yaml": [
        "bom_inside.yaml:3:1: a byte order mark (U+FEFF) in the middle of the file, as where two files were joined: remove it",
    ],
    "c1_control.yaml": [
        "c1_control.yaml:4:29: invalid YAML: character U+009B (a control character) is not allowed: remove it",
    ],
    "not_a_mapping.yaml": [
        f"not_a_mapping.yaml:1:1: a manifest must be a mapping ({', '.join(f'{s}:' for s in SECTIONS)}, prune:)",
    ],
    "not_utf8.yaml": [
        "not_utf8.yaml:3:18: not UTF-8 text (save the file as UTF-8)",
    ],
    "prune_unknown.yaml": [
        'prune_unknown.yaml:2:9: prune[0]: unknown value "route" (did you mean "routes"?)',
        f'prune_unknown.yaml:2:16: prune[1]: unknown value "domains" (expected one of: {", ".join(PRUNABLE)})',
        'prune_unknown.yaml:5:13: domains.mg.example.com.prune[0]: unknown value "webhook" (did you mean "webhooks"?)',
        'prune_unknown.yaml:5:22: domains.mg.example.com.prune[1]: unknown value "members" (expected one of: webhooks, templates, credentials, bounces, unsubscribes, complaints, allowlist)',
        'prune_unknown.yaml:8:13: mailing_lists.news@mg.example.com.prune[0]: unknown value "member" (did you mean "members"?)',
    ],
    "route_actions.yaml": [
        'route_actions.yaml:6:9: routes.actions.actions[0]: invalid action at column 1: unknown action "forwrd" (did you mean "forward"?)',
        "route_actions.yaml:7:9: routes.actions.actions[1]: invalid action at column 1: forward() takes one quoted destination",
        'route_actions.yaml:8:9: routes.actions.actions[2]: invalid action at column 1: store() takes no argument or notify="URL"',
        'route_actions.yaml:9:9: routes.actions.actions[3]: invalid action at column 8: expected the end of the action (one action per list item), found "stop"',
    ],
    "route_defined_twice": [
        f"{native('route_defined_twice/b.yaml')}:3:3: route:support: defined twice (also at {native('route_defined_twice/a.yaml')}:2:3)",
    ],
    "route_expression_syntax.yaml": [
        'route_expression_syntax.yaml:4:17: routes.unterminated.expression: invalid expression at column 38: expected "," or ")", found the end',
        'route_expression_syntax.yaml:7:17: routes.unknown-filter.expression: invalid expression at column 1: unknown filter "match_recipent" (did you mean "match_recipient"?)',
        'route_expression_syntax.yaml:10:17: routes.bad-operator.expression: invalid expression at column 34: unexpected character "&"',
        'route_expression_syntax.yaml:13:17: routes.unclosed-group.expression: invalid expression at column 46: expected "and", "or" or ")", found the end',
        "route_expression_syntax.yaml:16:17: routes.arity.expression: invalid expression at column 1: match_header() takes 2 quoted arguments, got 1",
    ],
    "route_fields.yaml": [
        'route_fields.yaml:3:3: routes.no-expression: missing required key "expression"',
        "route_fields.yaml:7:5: routes.no-actions.actions: must not be empty",
        'route_fields.yaml:8:3: routes.a/b: route name "a/b" must be non-empty, without "/" or surrounding spaces',
        "route_fields.yaml:12:15: routes.float-priority.priority: expected an integer, got a number",
    ],
    "suppressions_bad.yaml": [
        'suppressions_bad.yaml:5:7: domains.mg.example.com.suppressions.bounce: unknown suppression list "bounce" (did you mean "bounces"?)',
        "suppressions_bad.yaml:7:39: domains.mg.example.com.suppressions.bounces[0].code: expected a string, got a list",
        "suppressions_bad.yaml:10:39: domains.mg.example.com.suppressions.unsubscribes[0].tags: must not be empty",
        'suppressions_bad.yaml:11:20: domains.mg.example.com.suppressions.complaints[0]: "angry-at-example.org" is not a valid email address',
        "suppressions_bad.yaml:13:11: domains.mg.example.com.suppressions.allowlist[0]: give exactly one of value, address or domain",
        'suppressions_bad.yaml:14:11: domains.mg.example.com.suppressions.allowlist[1]: "not a domain" is neither an email address nor a domain name',
    ],
    "suppressions_csv": [
        f'{native("suppressions_csv/allowlist.csv")}:1:1: header: required column "value" is missing',
        f'{native("suppressions_csv/allowlist.csv")}:1:1: header: unknown column "address" (expected one of: value, reason)',
        f'{native("suppressions_csv/bounces.csv")}:3:1: address: "quoted, broken@example.org" is not a valid email address',
    ],
    "suppressions_duplicate.yaml": [
        "suppressions_duplicate.yaml:7:11: bounce:mg.example.com/gone@example.org: defined twice (also at suppressions_duplicate.yaml:6:11)",
        "suppressions_duplicate.yaml:8:40: allowlist:mg.example.com/partner.example.org: defined twice (also at suppressions_duplicate.yaml:8:19)",
    ],
    "tabs_and_yaml_errors.yaml": [
        "tabs_and_yaml_errors.yaml:3:1: invalid YAML: found character '\\t' that cannot start any token; write a space there instead of the tab",
    ],
    "template_case_duplicate.yaml": [
        "template_case_duplicate.yaml:6:7: template:mg.example.com/welcome: defined twice (also at template_case_duplicate.yaml:5:7)",
    ],
    "template_content.yaml": [
        "template_content.yaml:5:7: domains.mg.example.com.templates.both: has both template: and file:; keep one",
        "template_content.yaml:8:7: domains.mg.example.com.templates.neither: needs its content: template: (inline) or file: (a file beside the manifest)",
    ],
    "template_limits.yaml": [
        "template_limits.yaml:7:24: domains.mg.example.com.templates.welcome.keep_versions: must be between 1 and 40 (Mailgun stores at most 40 versions)",
        'template_limits.yaml:8:17: domains.mg.example.com.templates.welcome.engine: unknown value "jinja" (expected one of: handlebars, go)',
        'template_limits.yaml:9:19: domains.mg.example.com.templates.welcome.headers.subject: unknown header "subject" (did you mean "Subject"?)',
        'template_limits.yaml:9:32: domains.mg.example.com.templates.welcome.headers.X-Mailer: unknown header "X-Mailer" (expected one of: From, Subject, Reply-To)',
    ],
    "template_missing_file.yaml": [
        f'template_missing_file.yaml:6:15: domains.mg.example.com.templates.welcome.file: cannot read "{native("templates/does-not-exist.html.hbs")}": No such file or directory',
    ],
    "template_not_utf8": [
        f'{native("template_not_utf8/mg.yaml")}:6:15: domains.mg.example.com.templates.welcome.file: cannot read "{native("template_not_utf8/welcome.html.hbs")}": not UTF-8 text: byte 0xe9 at line 2, column 7; save it as UTF-8',
    ],
    "top_unknown_key.yaml": [
        'top_unknown_key.yaml:2:1: domain: unknown key "domain" (did you mean "domains"?)',
    ],
    "tracking_bad.yaml": [
        'tracking_bad.yaml:5:14: domains.mg.example.com.tracking.open.actve: unknown key "actve" (did you mean "active"?)',
        'tracking_bad.yaml:6:14: domains.mg.example.com.tracking.click: unknown value "htmlony" (did you mean "htmlonly"?)',
        "tracking_bad.yaml:7:20: domains.mg.example.com.tracking.unsubscribe: expected true or false, got a string (YAML reads yes/no/on/off as strings)",
    ],
    "version_and_types.yaml": [
        "version_and_types.yaml:2:10: version: must be 1",
        "version_and_types.yaml:3:1: domains: expected a mapping, got a list",
        "version_and_types.yaml:6:15: routes.dated.priority: expected an integer, got a string",
        "version_and_types.yaml:8:14: routes.dated.actions: expected a list, got a string",
        "version_and_types.yaml:11:11: mailing_lists.news@mg.example.com.name: expected a string, got a date (quote it to make a string)",
        "version_and_types.yaml:12:5: mailing_lists.news@mg.example.com.description: expected a string, got a list",
    ],
    "webhook_bad_urls.yaml": [
        'webhook_bad_urls.yaml:5:15: domains.mg.example.com.webhooks.opened: "ftp://hooks.example.com/mg" is not a valid URL (expected http:// or https:// and a host)',
        'webhook_bad_urls.yaml:6:17: domains.mg.example.com.webhooks.clicked[0]: "https://" is not a valid URL (expected http:// or https:// and a host)',
        'webhook_bad_urls.yaml:6:27: domains.mg.example.com.webhooks.clicked[1]: "https://hooks.example.com/a b" is not a valid URL (expected http:// or https:// and a host)',
        "webhook_bad_urls.yaml:7:7: domains.mg.example.com.webhooks.accepted: needs at least one URL (remove the event to leave it unmanaged)",
        "webhook_bad_urls.yaml:8:7: domains.mg.example.com.webhooks.delivered: expected a list, got a mapping",
        'webhook_bad_urls.yaml:9:7: domains.mg.example.com.webhooks.permanent_fail: lists "https://hooks.example.com/mg" twice',
    ],
    "webhook_too_many_urls.yaml": [
        "webhook_too_many_urls.yaml:5:7: domains.mg.example.com.webhooks.delivered: has 4 URLs; Mailgun allows at most 3 per event",
    ],
    "webhook_unknown_event.yaml": [
        'webhook_unknown_event.yaml:5:7: domains.mg.example.com.webhooks.deliverd: unknown event "deliverd" (did you mean "delivered"?)',
        'webhook_unknown_event.yaml:6:7: domains.mg.example.com.webhooks.bounce: unknown event "bounce" (expected one of: accepted, clicked, complained, delivered, opened, permanent_fail, temporary_fail, unsubscribed)',
    ],
    "does_not_exist.yaml": [
        "does_not_exist.yaml: no such file or directory",
    ],
}


def _plural(count: int) -> str:
    return f"{count} error found." if count == 1 else f"{count} errors found."


def test_the_corpus_is_large_and_complete() -> None:
    assert {"domains", "routes", "mailing_lists"} <= set(SECTIONS)  # the expected messages are built from these
    assert {"routes", "mailing_lists"} <= set(PRUNABLE)
    on_disk = {p.name for p in BAD.iterdir() if p.suffix != ".csv"}
    assert on_disk == set(CASES) - {"does_not_exist.yaml"}
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_manifest_fails_with_exact_messages(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    monkeypatch.delenv("MGSYNC_TEST_UNSET_PASSWORD", raising=False)
    monkeypatch.delenv("MGSYNC_TEST_UNSET_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["validate", "--strict", case])  # strict: unset variables are errors
    expected = [*CASES[case], _plural(len(CASES[case]))]
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == expected
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_all_cases_at_once_still_report_each_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation is complete: loading every case together loses none of their problems.

    (Cross-file duplicates differ: together, many cases declare the same domain.)
    """
    monkeypatch.chdir(BAD)
    result = CliRunner().invoke(main, ["validate", "--strict", "."])
    problems = set(result.stderr.splitlines()[:-1])
    singles = {line for case, lines in CASES.items() if case != "does_not_exist.yaml" for line in lines}
    assert result.exit_code == 1
    assert {line for line in singles if "defined twice" not in line} <= problems


def test_validate_as_a_real_process() -> None:
    command = [*mgsync_command(), "validate", "route_expression_syntax.yaml", "malformed.yaml"]
    done = subprocess.run(command, cwd=BAD, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        *CASES["malformed.yaml"],
        *CASES["route_expression_syntax.yaml"],
        "6 errors found.",
    ]


def test_thousands_of_repeated_rows_are_one_screen_and_every_one_in_json(tmp_path: Path) -> None:
    """A CSV of 50,000 repeated rows printed 50,000 lines of "defined twice"; JSON still lists every one."""
    rows = ["address,code", *(f"a{i % 10}@x.org,550" for i in range(5_000))]
    (tmp_path / "b.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "m.yaml").write_text("domains:\n  mg.example.com:\n    suppressions:\n      bounces: {file: b.csv}\n")
    for command in (["validate"], ["plan", "--emulator", "--emulator-state", str(tmp_path / "e.json")]):
        done = subprocess.run(
            [*mgsync_command(), *command, "."], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        lines = done.stderr.splitlines()
        assert done.returncode == 1 and len(lines) == 52, done.stderr[-500:]
        first = "b.csv:12:1: bounce:mg.example.com/a0@x.org: defined twice (also at b.csv:2:1)"
        assert lines[0] in (first, f"Error: {first}")  # a plan's error says Error: first
        assert lines[-2:] == [
            "b.csv: … and 4,940 more errors (validate --format json lists every one)",
            "4,990 errors found.",
        ]
    document = subprocess.run(
        [*mgsync_command(), "validate", "--format", "json", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert len(json.loads(document.stdout)["problems"]) == 4_990


def test_a_secret_padded_with_a_line_end_or_a_space_is_a_warning_that_never_shows_it(tmp_path: Path) -> None:
    """A CRLF .env file made an SMTP password end in a carriage return, sent as part of it: a login
    nobody could type, with no word. A key file's final line feed is how PEM files end."""
    pem = (Path(__file__).parents[1] / "emulator" / "data" / "dkim-test-rsa1024.pem").read_text(encoding="ascii")
    (tmp_path / "m.yaml").write_text(
        "domains:\n  mg.example.com:\n    credentials:\n"
        + "".join(f'      {name}: {{password: "${{env:PW_{name.upper()}}}"}}\n' for name in ("a", "b", "c", "d"))
        + '    dkim_keys:\n      s1: {bits: 1024, pem: "${env:PEM}"}\n'
    )
    env = {**os.environ, "PW_A": "secret-a1\r", "PW_B": " secret-b1", "PW_C": "secret-c1", "PW_D": "secret-d1\t"}
    done = subprocess.run(
        [*mgsync_command(), "validate", "."],
        cwd=tmp_path,
        env={**env, "PEM": pem if pem.endswith("\n") else pem + "\n"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    said = "which is sent as part of it (a .env file with Windows line ends, a pasted secret?)"
    assert done.stderr.splitlines() == [
        f"Warning: m.yaml:4:21: domains.mg.example.com.credentials.a.password: its value ends with a carriage return, {said}",
        f"Warning: m.yaml:5:21: domains.mg.example.com.credentials.b.password: its value begins with a space, {said}",
        f"Warning: m.yaml:7:21: domains.mg.example.com.credentials.d.password: its value ends with a tab, {said}",
    ]
    assert "secret-" not in done.stdout + done.stderr
