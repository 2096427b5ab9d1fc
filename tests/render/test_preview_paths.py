"""Where ``plan --preview DIR`` writes a template's renderings, and the safe file name import uses too:
a template's name is a manifest's text, never a path or a device."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgsync.render.rendered import preview_stem
from mgsync.shapes.output import file_stem
from mgsync.state import Address


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("welcome", "welcome"),
        ("welcome.v2", "welcome.v2"),
        ("../../evil", "_.._evil"),
        ("..\\..\\evil", "_.._evil"),
        ("a:b", "a_b"),
        ("nul", "nul_"),
        ("NUL.welcome", "NUL_.welcome"),
        ("con", "con_"),
        ("com1", "com1_"),
        ("LPT9", "LPT9_"),
        ("console", "console"),
        ("trailing. ", "trailing._"),
        ("dots...", "dots"),
        ("x" * 119 + ".y", "x" * 119),  # cut at 120: no trailing dot either
    ],
)
def test_a_file_stem_is_safe_on_every_system(name: str, stem: str) -> None:
    assert file_stem(name) == stem


@pytest.mark.parametrize(
    "address",
    [
        Address("template", "mg.example.com/../../evil"),
        Address("template", "mg.example.com/..\\..\\evil"),
        Address("account_template", "../../../evil"),
        Address("account_template", ".."),
        Address("account_template", "nul"),
        Address("account_template", "C:\\evil"),
    ],
    ids=str,
)
def test_a_preview_stays_inside_its_directory(address: Address, tmp_path: Path) -> None:
    directory = tmp_path / "previews"
    stem = preview_stem(directory, address)
    assert stem.resolve().is_relative_to(directory.resolve() / address.kind)
    inside = stem.relative_to(directory).parts
    assert all(part.split(".")[0].lower() not in ("", "nul", "con") for part in inside)
    assert not any(set(part) & set("\\:") for part in inside)


def test_a_domain_template_is_in_its_domain_folder(tmp_path: Path) -> None:
    stem = preview_stem(tmp_path, Address("template", "mg.example.com/welcome"))
    assert stem == tmp_path / "template" / "mg.example.com" / "welcome"
