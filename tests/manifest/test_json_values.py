"""A member's ``vars`` is sent to Mailgun as JSON: a number JSON has not (YAML's ``.inf`` and ``.nan``,
``1.0e+400``, which YAML reads as infinity; ``NaN`` or ``1e400`` in a CSV cell) is an error at
validate, at its place, not a 400 that fails a whole batch of members at apply ("Invalid 'members'
parameter: it must be a JSON array")."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgsync.errors import ManifestError
from mgsync.manifest import load

LIST = "news@mg.example.com"
AT = f"mailing_lists.{LIST}.members"


def problems(root: Path) -> list[str]:
    with pytest.raises(ManifestError) as err:
        load([root], {})
    return [str(p).removeprefix(f"{root}/") for p in err.value.problems]


def test_yaml_vars_holding_a_number_json_has_not_are_refused(tmp_path: Path) -> None:
    (tmp_path / "lists.yaml").write_text(
        f"mailing_lists:\n  {LIST}:\n    members:\n"
        "      - {address: a@example.org, vars: {x: .inf}}\n"
        "      - {address: b@example.org, vars: {x: .nan}}\n"
        "      - {address: c@example.org, vars: {x: 1.0e+400}}\n"
        "      - {address: d@example.org, vars: {x: [1, {y: -.inf}]}}\n"
        "      - {address: e@example.org, vars: {x: 1.0e+300, y: '.inf', z: [1.5]}}\n"
    )
    assert problems(tmp_path) == [
        f"lists.yaml:4:34: {AT}[0].vars: not JSON: x is .inf (infinite, or too large a number for JSON)",
        f"lists.yaml:5:34: {AT}[1].vars: not JSON: x is .nan (JSON has no NaN)",
        f"lists.yaml:6:34: {AT}[2].vars: not JSON: x is .inf (infinite, or too large a number for JSON)",
        f"lists.yaml:7:34: {AT}[3].vars: not JSON: x[1].y is -.inf (infinite, or too large a number for JSON)",
    ]


def test_csv_vars_holding_a_number_json_has_not_are_refused(tmp_path: Path) -> None:
    (tmp_path / "lists.yaml").write_text(f"mailing_lists:\n  {LIST}:\n    members: {{file: news.csv}}\n")
    (tmp_path / "news.csv").write_text(
        "address,vars\n"
        'a@example.org,"{""a"": NaN}"\n'
        'b@example.org,"{""a"": 1e400}"\n'
        'c@example.org,"{""a"": [-Infinity]}"\n'
        'd@example.org,"{""a"": 1e300, ""b"": ""NaN""}"\n'
    )
    assert problems(tmp_path) == [
        "news.csv:2:1: vars: is not valid JSON (NaN is not JSON)",
        "news.csv:3:1: vars: is not valid JSON (1e400 is too large a number for JSON)",
        "news.csv:4:1: vars: is not valid JSON (-Infinity is not JSON)",
    ]
