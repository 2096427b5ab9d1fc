"""Import of an account of odd bulk entries gives exactly the files (manifests, CSV, lockfile) that
import wrote when each entry was exported as a Resource: ``golden/`` holds those (see ``odd``), each
lockfile beside its folder (``<name>.lock``: the sdist leaves out files named mgsync.lock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgsync.importer import run_import
from tests.support.harness import Harness

from .odd import seed

GOLDEN = Path(__file__).parent / "golden"


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("golden", "only"), [("odd", None), ("odd-domain", {"domain": ("Other.Example.org",)})])
def test_odd_entries_import_byte_for_byte_as_before(
    golden: str, only: dict[str, tuple[str, ...]] | None, tmp_path: Path
) -> None:
    harness = Harness(tmp_path / golden)
    seed(harness.emu)
    run_import(harness.client, harness.root, only=only)
    written, expected = files_of(harness.root), files_of(GOLDEN / golden)
    expected["mgsync.lock"] = (GOLDEN / f"{golden}.lock").read_bytes()
    assert sorted(written) == sorted(expected)
    for path, content in expected.items():
        assert written[path].decode() == content.decode(), path
    assert harness.actions() == []
