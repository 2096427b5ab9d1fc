"""``load``: merging files, shorthands, env references, files beside manifests, odd YAML."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mgsync.errors import ManifestError
from mgsync.manifest import Desired, load
from mgsync.state import Address
from tests.support.cli import run
from tests.support.manifests import SECTIONS


def write(base: Path, name: str, text: str) -> Path:
    path = base / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(paths: list[Path], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ManifestError) as err:
        load(paths, env or {})
    return [str(p) for p in err.value.problems]


def managed(desired: Desired, address: str) -> dict:
    return desired.state[Address.parse(address)].body.managed()


def test_a_domain_may_be_split_across_files_when_only_one_sets_its_settings(tmp_path: Path) -> None:
    write(tmp_path, "settings.yaml", "domains:\n  mg.example.com: {spam_action: tag}\n")
    write(
        tmp_path, "hooks/webhooks.yml", "domains:\n  mg.example.com:\n    webhooks: {opened: https://h.example.com/o}\n"
    )
    desired = load([tmp_path], {})
    assert managed(desired, "domain:mg.example.com") == {"spam_action": "tag"}
    assert str(desired.state[Address.parse("domain:mg.example.com")].source) == f"{tmp_path}/settings.yaml:2:3"
    assert managed(desired, "webhook:mg.example.com/opened") == {"urls": ["https://h.example.com/o"]}
    assert desired.files == (tmp_path / "hooks/webhooks.yml", tmp_path / "settings.yaml")


def test_shorthands_become_canonical_forms(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.yaml",
        """
        domains:
          mg.example.com:
            tracking: {open: false, click: {active: true}, unsubscribe: {html_footer: "<p>bye</p>"}}
            webhooks: {delivered: https://h.example.com/d}
            suppressions:
              allowlist: [partner.example.org, ceo@example.com, {domain: example.net, reason: ours}]
        """,
    )
    desired = load([tmp_path / "m.yaml"], {})
    assert managed(desired, "tracking:mg.example.com") == {
        "open": {"active": False},
        "click": {"active": True},
        "unsubscribe": {"html_footer": "<p>bye</p>"},
    }
    assert managed(desired, "webhook:mg.example.com/delivered") == {"urls": ["https://h.example.com/d"]}
    assert managed(desired, "allowlist:mg.example.com/example.net") == {"reason": "ours"}
    assert {a.key for a in desired.state if a.kind == "allowlist"} == {
        "mg.example.com/partner.example.org", "mg.example.com/ceo@example.com", "mg.example.com/example.net",
    }  # fmt: skip
    assert managed(desired, "domain:mg.example.com") == {}  # no setting written: none managed


def test_env_references_are_substituted_in_values_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.yaml",
        """
        routes:
          "${env:NAME}":
            expression: match_recipient("${env:NAME}@example.com")
            actions:
              - forward("https://hooks.example.com/${env:NAME}")
        """,
    )
    desired = load([tmp_path], {"NAME": "ops"})
    assert managed(desired, "route:${env:NAME}") == {
        "expression": 'match_recipient("ops@example.com")',
        "actions": ['forward("https://hooks.example.com/ops")'],
    }


def test_values_from_the_environment_outside_secret_fields_are_the_ones_plans_show_by_reference(
    tmp_path: Path,
) -> None:
    """``shown_env`` (engine.sealing) holds a token in a webhook URL, never a password or a PEM: those
    fields are masked anyway, so a large account's passwords cost its plans no sealing."""
    write(
        tmp_path,
        "m.yaml",
        """
        domains:
          mg.example.com:
            webhooks: {delivered: "https://h.example.com/d?t=${env:TOKEN}"}
            credentials: {alice: {password: "${env:PASSWORD}"}}
            dkim_keys: {s1: {bits: 1024, pem: "${env:PEM}"}}
        """,
    )
    pem = (Path(__file__).parents[1] / "emulator" / "data" / "dkim-test-rsa1024.pem").read_text(encoding="ascii")
    env = {"TOKEN": "tok-123", "PASSWORD": "pw-alice-1", "PEM": pem}
    assert load([tmp_path], env).shown_env == {"tok-123": "${env:TOKEN}"}


def test_template_size_limit_applies_to_files_and_inline_content(tmp_path: Path) -> None:
    (tmp_path / "big.html").write_text("x" * (100 * 1024 + 1))
    (tmp_path / "ok.html").write_text("x" * (100 * 1024))
    write(
        tmp_path,
        "m.yaml",
        f"""
        domains:
          mg.example.com:
            templates:
              big: {{file: big.html}}
              ok: {{file: ok.html}}
              inline: {{template: "{"y" * (101 * 1024)}"}}
        """,
    )
    assert problems([tmp_path / "m.yaml"]) == [
        f'{tmp_path}/m.yaml:4:19: domains.mg.example.com.templates.big.file: "{tmp_path}/big.html": '
        "template is 102,401 bytes; Mailgun allows at most 102,400 (100 KiB)",
        f"{tmp_path}/m.yaml:6:26: domains.mg.example.com.templates.inline.template: "
        "template is 103,424 bytes; Mailgun allows at most 102,400 (100 KiB)",
    ]


def test_empty_files_declare_nothing_and_empty_directories_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "full/empty.yaml", "")
    write(tmp_path, "full/comment.yaml", "# nothing yet\n")
    (tmp_path / "none").mkdir()
    desired = load([tmp_path / "full"], {})
    assert len(desired.state) == 0 and desired.summary() == "OK: 0 resources in 2 files"
    assert problems([tmp_path / "none"]) == [f"{tmp_path}/none: no manifest files (*.yaml, *.yml) in this directory"]


def test_hidden_entries_and_other_suffixes_are_ignored_and_files_load_once(tmp_path: Path) -> None:
    route = "routes:\n  r: {expression: catch_all(), actions: [stop()]}\n"
    write(tmp_path, "a.yaml", route)
    write(tmp_path, ".git/b.yaml", route)
    write(tmp_path, ".hidden.yaml", route)
    write(tmp_path, "notes.txt", route)
    desired = load([tmp_path, tmp_path / "a.yaml"], {})
    assert desired.files == (tmp_path / "a.yaml",)
    assert desired.root == tmp_path


def test_upper_case_suffixes_and_linked_directories_load(tmp_path: Path) -> None:
    """``routes.YAML`` and a linked ``shared -> ../common`` were left out without a word, and a plan
    deleted what they declared; a link back to an ancestor is walked once, never in a loop."""
    root = tmp_path / "mailgun"
    write(root, "routes.YAML", "routes:\n  r1: {expression: catch_all(), actions: [stop()]}\n")
    write(root, "welcome.VARS.yml", "name: Ada\n")  # a template's test data, in any case: no manifest
    write(tmp_path, "common/more.yml", "routes:\n  r2: {expression: catch_all(), actions: [stop()]}\n")
    try:
        (root / "shared").symlink_to(tmp_path / "common", target_is_directory=True)
        (root / "shared" / "up").symlink_to(root, target_is_directory=True)
    except OSError:  # Windows without the right to make links
        pytest.skip("no symbolic links here")
    desired = load([root], {})
    assert desired.files == (root / "routes.YAML", root / "shared" / "more.yml")
    assert sorted(a.name for a in desired.state.objects) == ["r1", "r2"]


def test_anchors_and_merge_keys_work(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.yaml",
        """
        routes:
          base: &base {priority: 5, expression: catch_all(), actions: [stop()]}
          other:
            <<: *base
            priority: 6
        """,
    )
    desired = load([tmp_path], {})
    assert managed(desired, "route:other") == {"priority": 6, "expression": "catch_all()", "actions": ["stop()"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routes: !custom x\n", "m.yaml:1:9: routes: expected a mapping, got a value tagged !custom"),
        ("version: !!binary aGVsbG8=\n", "m.yaml:1:10: version: must be 1"),
        ("domains: !!set {a, b}\n", "m.yaml:1:10: domains: expected a mapping, got a set"),
        ("routes: &a\n  r: *a\n", "m.yaml:1:9: routes.r: expected a mapping, got null"),
        (
            "? [a, b]\n: 1\n",
            "m.yaml:1:3: ('a', 'b'): unknown key \"('a', 'b')\" "
            f"(expected one of: version, prune, {', '.join(SECTIONS)})",
        ),
        (
            "domains:\n  mg.example.com:\n    1: x\n",
            'm.yaml:3:5: domains.mg.example.com.1: unknown key "1" (expected one of: spam_action, web_scheme, web_prefix, wildcard, require_tls, skip_verification, use_automatic_sender_security, archive_to, message_ttl, mailfrom_host, encrypt_incoming_message, dkim_key_size, dkim_selector, dkim_host_name, force_dkim_authority, force_root_dkim_host, ips, pool_id, tracking, webhooks, templates, credentials, suppressions, dkim_keys, dkim, prune)',
        ),
        (
            "routes:\n  404: {expression: catch_all(), actions: [stop()]}\n",
            "m.yaml:2:3: routes.404: expected a string, got an integer (quote the name)",
        ),
        ("[" * 500 + "]" * 500, "m.yaml: invalid YAML: nested too deeply"),
        (  # a forward's catch-all written as the README's Forwards section shows, but unquoted
            "forwards:\n  *@mg.example.com:\n    store: https://app.example.com/stored\n",
            "m.yaml:2:3: invalid YAML: found undefined alias '@mg.example.com:'; YAML reads a plain * as an "
            "alias: quote the text ('*@mg.example.com')",
        ),
        (
            "routes:\n  r: {expression: *x, actions: [stop()]}\n",
            "m.yaml:2:19: invalid YAML: found undefined alias 'x'; YAML reads a plain * as an alias: quote the "
            "text ('*x')",
        ),
        (  # said: unknown value "true" (did you mean "true"?)
            'domains:\n  mg.example.com:\n    tracking: {click: "true"}\n',
            'm.yaml:3:23: domains.mg.example.com.tracking.click: "true" is text: write true without quotes, or '
            "htmlonly",
        ),
        (  # said: string should match pattern '^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$'
            "domains:\n  mg.example.com:\n    dkim_selector: S1\n",
            "m.yaml:3:20: domains.mg.example.com.dkim_selector: must be lower-case letters, digits, - and _ (at "
            "most 63), starting and ending with a letter or digit",
        ),
        (  # YAML 1.2 allows a tab there; ruamel.yaml's parser, which reads any file holding a tab, does not
            "domains:\n  mg.example.com:\n    spam_action:\ttag\n",
            "m.yaml:3:17: invalid YAML: found character '\\t' that cannot start any token; write a space there "
            "instead of the tab",
        ),
    ],
)
def test_odd_yaml_gives_problems_not_exceptions(
    tmp_path: Path, text: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert problems([Path("m.yaml")]) == [expected]


def test_csv_conventions(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.yaml",
        """
        domains:
          mg.example.com:
            suppressions:
              bounces: {file: bounces.csv}
        mailing_lists:
          news@mg.example.com:
            members: {file: members.csv}
        """,
    )
    (tmp_path / "bounces.csv").write_text(
        "\ufeffaddress, code ,error,created_at\n"
        'a@example.org , 550, gone ,"Tue, 04 Mar 2025 10:12:00 UTC"\n'
        "\n"
        "b@example.org,,,\n"
    )
    (tmp_path / "members.csv").write_text(
        'address,name,subscribed,vars\nc@example.org,"Two\nLines",NO,"{""x"": [1]}"\nbad,,,\n'
    )
    assert problems([tmp_path]) == [f'{tmp_path}/members.csv:4:1: address: "bad" is not a valid email address']
    (tmp_path / "members.csv").write_text(
        'address,name,subscribed,vars\nc@example.org,"Two\nLines",NO,"{""x"": [1]}"\n'
    )
    desired = load([tmp_path], {})
    assert managed(desired, "bounce:mg.example.com/a@example.org") == {"code": "550", "error": "gone"}
    assert managed(desired, "bounce:mg.example.com/b@example.org") == {}
    member = desired.state[Address.parse("member:news@mg.example.com/c@example.org")]
    assert member.body.managed() == {"name": "Two\nLines", "subscribed": False, "vars": {"x": [1]}}
    assert str(member.source) == f"{tmp_path}/members.csv:2:1"


def test_plain_csv_rows_name_their_lines(tmp_path: Path) -> None:
    """A plain CSV file takes the column path, whose rows' lines are found from their order only
    when asked: an entry's source, and a member declared in two files."""
    for name, rows in (("a", "x@example.org,X\ny@example.org,Y\n"), ("b", "z@example.org,Z\n")):
        write(tmp_path, f"{name}.yaml", f"mailing_lists:\n  news@mg.example.com:\n    members: {{file: {name}.csv}}\n")
        (tmp_path / f"{name}.csv").write_text("address,name\n" + rows)
    desired = load([tmp_path], {})
    member = desired.state[Address.parse("member:news@mg.example.com/y@example.org")]
    assert str(member.source) == f"{tmp_path}/a.csv:3:1"
    (tmp_path / "b.csv").write_text("address,name\nz@example.org,Z\ny@example.org,Y2\n")
    assert problems([tmp_path]) == [
        f"{tmp_path}/b.csv:3:1: member:news@mg.example.com/y@example.org: defined twice (also at {tmp_path}/a.csv:3:1)"
    ]


def test_an_alias_bomb_is_one_problem_at_the_value_it_blows_up(tmp_path: Path) -> None:
    """652 bytes of nested aliases in a member's vars took gigabytes and then crashed (a MemoryError,
    a panic in pydantic's core); a file reusing an anchor many times still loads."""
    lines = ["mailing_lists:", "  news@mg.example.com:", "    members:", "      - address: a@example.com"]
    lines += ["        vars:", "          l0: &l0 [a, b, c, d, e, f, g, h, i, j]"]
    lines += [f"          l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("validate", "bomb.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "bomb.yaml:11:15: aliases (*name) make this value expand to more than 1,000,000 values, as in an alias "
        "bomb; write it with fewer nested aliases\n1 error found.\n"
    )
    common = "{" + ", ".join(f"k{i}: [{', '.join(['v'] * 20)}]" for i in range(10)) + "}"
    members = f"      - {{address: m0@example.com, vars: &common {common}}}\n"
    members += "".join(f"      - {{address: m{i}@example.com, vars: *common}}\n" for i in range(1, 3000))
    (tmp_path / "reused.yaml").write_text(
        f"mailing_lists:\n  news@mg.example.com:\n    members:\n{members}", encoding="utf-8"
    )
    desired = load([tmp_path / "reused.yaml"], {})
    (table,) = desired.state.tables.values()
    assert len(table) == 3000


def test_an_error_echoing_a_file_never_shows_the_api_key(tmp_path: Path) -> None:
    """``file: /proc/self/environ`` as a CSV printed the whole environment, the key in it, as one
    unknown column name; the key is hidden wherever a file echoes it, and a long name is cut."""
    key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"  # Mailgun's documentation's example key
    (tmp_path / "m.yaml").write_text(
        "domains:\n  mg.example.com:\n    suppressions:\n      complaints: {file: env.csv}\n", encoding="utf-8"
    )
    (tmp_path / "env.csv").write_text(f"MAILGUN_API_KEY={key} HOME=/root {'PATH=/usr/bin ' * 20}\n", encoding="utf-8")
    result = run("validate", "m.yaml", cwd=tmp_path, env={"MAILGUN_API_KEY": key})
    assert result.returncode == 1 and key not in result.stdout + result.stderr
    assert (
        'env.csv:1:1: header: unknown column "MAILGUN_API_KEY=${env:MAILGUN_API_KEY} HOME=/root PATH=/usr/…" '
        "(expected one of: address, created_at)" in result.stderr
    )


def test_a_str_tag_makes_a_string_as_yaml_means(tmp_path: Path) -> None:
    """``!!str`` (the usual way to keep ``550`` a string) was refused: "got a value tagged
    tag:yaml.org,2002:str", and on a key a Python object's repr at 1:1."""
    write(
        tmp_path,
        "m.yaml",
        "domains:\n  !!str mg.example.com:\n    spam_action: !!str tag\n    web_prefix: !!str 123\n"
        "    suppressions:\n      bounces: [{address: x@example.com, code: !!str 550}]\n",
    )
    desired = load([tmp_path], {})
    domain = next(r for a, r in desired.state.objects.items() if a.kind == "domain")
    assert (domain.body.spam_action, domain.body.web_prefix) == ("tag", "123")
    (bounces,) = desired.state.tables.values()
    assert [entry[0] for entry in bounces.values()] == ["550"]
