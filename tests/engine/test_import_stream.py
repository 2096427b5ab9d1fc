"""An import makes and loads back its files while it reads (``observe``'s ``finished`` and
``arrived``): each kind is reported once, when its reads are in, the routes long before the last
domain read; and still nothing is written unless every read succeeded and nothing would be overwritten."""

from __future__ import annotations

from typing import Any

import pytest

from mgsync.engine import observe, wanted_scopes
from mgsync.errors import MgsyncError
from mgsync.importer import run_import
from mgsync.kinds import Kind
from mgsync.state import State
from tests.support.harness import Harness

ACCOUNT = """
routes:
  support: {expression: 'match_recipient("support@mg.example.com")', actions: ['stop()']}
  sales: {expression: 'match_recipient("sales@mg.example.com")', actions: ['stop()']}
domains:
  {domains}
mailing_lists:
  news@mg0.example.com:
    members: [ann@example.org, bob@example.org]
"""
DOMAIN = """{name}:
    tracking: {{open: true}}
    suppressions:
      bounces: [{{address: gone@example.net, code: 550}}]
  """


@pytest.fixture
def h(tmp_path) -> Harness:
    source = tmp_path / "source"
    source.mkdir()
    harness = Harness(source)
    harness.write(ACCOUNT.replace("{domains}", "".join(DOMAIN.format(name=f"mg{i}.example.com") for i in range(4))))
    harness.apply()
    return harness


def test_each_kind_is_reported_once_when_its_reads_are_in(h) -> None:
    seen: list[tuple[str, int]] = []

    def finished(kind: Kind[Any], observed: State) -> None:
        done = h.client.stats.requests
        seen.append((kind.name, done))
        if kind.name == "route":  # what the routes' manifest is made of is all there
            assert len(observed.of_kind("route")) == 2

    h.client.reset_stats()
    observe(h.client, wanted_scopes(None, State(), everything=True), State(), finished=finished)
    names = [name for name, _ in seen]
    assert len(names) == len(set(names)) and {"domain", "route", "list", "member", "bounce", "tracking"} <= set(names)
    for child, parent in (("tracking", "domain"), ("bounce", "domain"), ("member", "list")):
        assert names.index(parent) < names.index(child)
    total = h.client.stats.requests
    assert dict(seen)["route"] < total and dict(seen)["bounce"] <= total


def test_the_import_is_what_a_person_would_load(h, tmp_path) -> None:
    out = tmp_path / "imported"
    imported = run_import(h.client, out)
    assert imported.counts == {"domain": 4, "route": 2, "list": 1}
    again = Harness(out, emu=h.emu)
    assert again.actions() == []


def test_a_late_read_that_fails_leaves_nothing_written(h, tmp_path) -> None:
    """The routes' manifest is made early, in memory; the failure of a domain's read still means no file at all."""
    out = tmp_path / "imported"
    h.emu.faults.fail_before_commit(method="GET", path="/v3/domains/mg3.example.com/tracking", status=400)
    with pytest.raises(MgsyncError):
        run_import(h.client, out)
    assert not out.exists() or not any(out.rglob("*"))


def test_a_file_in_the_way_is_refused_before_anything_is_written(h, tmp_path) -> None:
    out = tmp_path / "imported"
    out.mkdir()
    (out / "routes.yaml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(MgsyncError, match=r"Refusing to overwrite .*routes.yaml"):
        run_import(h.client, out)
    assert sorted(p.name for p in out.rglob("*")) == ["routes.yaml"]
    assert (out / "routes.yaml").read_text(encoding="utf-8") == "# mine\n"
