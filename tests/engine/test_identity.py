"""One identity rule per kind (``Kind.identity``), the same for the loader, the planner and pruning."""

from __future__ import annotations

import pytest

from mgsync.errors import ManifestError
from mgsync.importer import run_import
from mgsync.kinds import KINDS
from tests.support.harness import Harness

DOMAIN = "domains:\n  mg.example.com:\n"


def test_logins_differing_in_case_are_one_credential_to_the_loader(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(DOMAIN + "    credentials:\n      alice: {}\n      Alice: {}\n")
    with pytest.raises(ManifestError) as err:
        h.desired()
    assert [p.message for p in err.value.problems] == [f"defined twice (also at {tmp_path / 'mgsync.yaml'}:4:7)"]
    assert err.value.problems[0].where == "credential:mg.example.com/Alice"


def test_logins_differing_in_case_are_one_credential_to_the_planner(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(DOMAIN + "    credentials: {alice: {}}\n")
    h.apply()
    h.write(DOMAIN + "    credentials: {Alice: {}}\n    prune: [credentials]\n")
    assert h.actions() == []  # neither a create of Alice nor a pruning delete of alice


def test_routes_are_matched_exactly(tmp_path) -> None:
    h = Harness(tmp_path)
    route = "{expression: 'catch_all()', actions: ['stop()']}"
    h.write(f"routes:\n  Support: {route}\n  support: {route}\n")
    assert sorted(h.actions()) == [("route:Support", "create"), ("route:support", "create")]


def test_import_names_a_domain_by_the_same_rule(tmp_path) -> None:
    h = Harness(tmp_path / "account")
    h.root.mkdir()
    h.write(DOMAIN + "    spam_action: tag\n")
    h.apply()
    imported = run_import(h.client, tmp_path / "out", only={"domain": ("MG.Example.com",)})
    assert imported.counts == {"domain": 1}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_identities_is_identity_of_each_key(kind) -> None:
    keys = ["Bob@Example.org", "bob@example.org", "Route One", "ÉCOLE.example.org", "x"]
    assert kind.identities(keys) == [kind.identity(key) for key in keys]
