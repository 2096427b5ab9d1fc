"""Values Mailgun accepts that look unusual: members written ``Name <address>`` (Mailgun's mailing-list
docs allow it for the member ``address``), and route values that validate with a warning."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mgsync.errors import ManifestError
from mgsync.manifest import load
from mgsync.rows import Row

LIST = "team@mg.example.com"


def write(base: Path, name: str, text: str) -> Path:
    path = base / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def members(paths: list[Path]) -> dict[str, dict]:
    """Each declared member of LIST by its identity: the fields the manifest manages."""
    table = load(paths, {}).state.table("member", LIST)
    return {address: Row.from_entry(entry).managed() for address, entry in table.items()}


def test_inline_name_and_address_is_the_address_with_that_name(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lists.yaml",
        f"""
        mailing_lists:
          {LIST}:
            members:
              - Alice <Alice@Example.com>
              - '"Doe, Jane" <jane@example.com>'
              - {{address: Carol <carol@example.com>, name: Caroline}}
              - <dave@example.com>
              - erin@example.com
    """,
    )
    assert members([tmp_path]) == {
        "alice@example.com": {"name": "Alice"},
        "jane@example.com": {"name": "Doe, Jane"},
        "carol@example.com": {"name": "Caroline"},  # a written name wins over the display part
        "dave@example.com": {},
        "erin@example.com": {},
    }


def test_csv_rows_take_the_same_form(tmp_path: Path) -> None:
    write(tmp_path, "lists.yaml", f"mailing_lists:\n  {LIST}:\n    members: {{file: team.csv}}\n")
    write(
        tmp_path,
        "team.csv",
        'address,name\nAlice <alice@example.com>,\n"""Doe, Jane"" <jane@example.com>",\nbob@example.com,Bob\n',
    )
    assert members([tmp_path]) == {
        "alice@example.com": {"name": "Alice"},
        "jane@example.com": {"name": "Doe, Jane"},
        "bob@example.com": {"name": "Bob"},
    }


def test_the_same_member_written_two_ways_is_defined_twice(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lists.yaml",
        f"mailing_lists:\n  {LIST}:\n    members: [alice@example.com, Alice <ALICE@example.com>]\n",
    )
    with pytest.raises(ManifestError) as err:
        load([tmp_path], {})
    assert [str(p) for p in err.value.problems] == [
        f"{tmp_path}/lists.yaml:3:34: member:{LIST}/ALICE@example.com: defined twice (also at {tmp_path}/lists.yaml:3:15)"
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "Alice <alice-at-example.com>",
            '"alice-at-example.com" in "Alice <alice-at-example.com>" is not a valid email address',
        ),
        ("Alice alice@example.com", '"Alice alice@example.com" is not a valid email address'),
    ],
)
def test_a_bad_address_inside_the_brackets_is_an_error(tmp_path: Path, written: str, message: str) -> None:
    write(tmp_path, "lists.yaml", f"mailing_lists:\n  {LIST}:\n    members: ['{written}']\n")
    with pytest.raises(ManifestError) as err:
        load([tmp_path], {})
    assert [str(p) for p in err.value.problems] == [
        f"{tmp_path}/lists.yaml:3:15: mailing_lists.{LIST}.members[0]: {message}"
    ]


def test_unusual_route_values_validate_with_warnings_at_their_place(tmp_path: Path) -> None:
    write(
        tmp_path,
        "routes.yaml",
        """
        routes:
          odd:
            expression: match_recipient("a@x.com") or match_recipient("b@x.com") and catch_all()
            actions: [forward(".*@"), 'store(notify="nope")', stop()]
    """,
    )
    desired = load([tmp_path], {})
    assert [str(w) for w in desired.warnings] == [
        f'{tmp_path}/routes.yaml:3:17: routes.odd.expression: expression at column 58: "or" and "and" are mixed without '
        "parentheses; Mailgun's docs do not say which binds tighter, so add parentheses to say which you mean",
        f'{tmp_path}/routes.yaml:4:15: routes.odd.actions[0]: action at column 9: forward destination ".*@" is neither an '
        "email address nor an http(s) URL; Mailgun accepts it, but forwards only to addresses and URLs (a pattern is "
        "not expanded), so mail may not arrive where you expect",
        f'{tmp_path}/routes.yaml:4:31: routes.odd.actions[1]: action at column 14: notify "nope" is not an http(s) URL; '
        "Mailgun accepts it, but cannot notify it when a message is stored",
    ]


def test_a_list_written_name_and_address_is_that_list_so_named(tmp_path: Path) -> None:
    """Mailgun's list docs: address "A valid email address for the mailing list, e.g. developers@mailgun.net,
    or Developers <devs@mg.net>" (mailgun/documentation source/api-mailinglists.rst)."""
    from tests.support.cli import run

    write(
        tmp_path,
        "m/lists.yaml",
        """
        mailing_lists:
          Developers <devs@mg.net>:
            access_level: members
            members: [Alice <alice@example.com>]
    """,
    )
    state = ["--emulator", "--emulator-state", str(tmp_path / "account.json")]
    env = {"MAILGUN_API_KEY": "unused-by-the-emulator"}
    applied = run("apply", "--yes", *state, str(tmp_path / "m"), env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert '+ list:devs@mg.net\n      name:         "Developers"\n      access_level: "members"\n' in applied.stdout
    planned = run("plan", "--detailed-exitcode", *state, str(tmp_path / "m"), env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    imported = run("import", "--out", str(tmp_path / "imported"), *state, env=env)
    assert imported.returncode == 0, imported.stderr
    lists = (tmp_path / "imported" / "lists.yaml").read_text(encoding="utf-8")
    assert "\n  devs@mg.net:\n    name: Developers\n" in lists
    assert "      - {address: alice@example.com, name: Alice}\n" in lists
