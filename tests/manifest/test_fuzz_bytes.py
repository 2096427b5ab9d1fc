"""Property: odd bytes in a manifest (control characters, invalid UTF-8, a byte order mark past the start)
give errors located at ``file:line:col`` (the very character, when there is one odd sequence), exit 1,
and never a traceback. Runs ``mgsync validate`` in-process; derandomized for CI.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgsync.cli import main
from tests.support.manifests import EXAMPLES, PRODUCTION_ENV

FUZZ = settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Byte sequences YAML or UTF-8 refuse, each one odd character or one invalid UTF-8 sequence.
ONE_ODD = st.sampled_from([
    b"\x00", b"\x01", b"\x07", b"\x08", b"\x0b", b"\x0c", b"\x1b", b"\x1f", b"\x7f",  # C0 controls and DEL
    "\x80".encode(), "\x9f".encode(), "\ufffe".encode(), "\uffff".encode(),  # C1 controls, non-characters
    b"\xff", b"\xfe", b"\xc3", b"\xc3(", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",  # not UTF-8
    "\ufeff".encode(),  # a byte order mark (refused past the start)
])  # fmt: skip
REFUSED = ONE_ODD | st.binary(min_size=1, max_size=3).filter(lambda b: _refused(b))
SOURCE = EXAMPLES / "quickstart" / "mgsync.yaml"
LOCATED = re.compile(r"(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): [^\n]+")


def _refused(raw: bytes) -> bool:
    """Whether a short byte string, alone in a manifest, is an error and has no line break."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(
        (ord(c) < 0x20 and c not in "\t\n\r") or (0x7F <= ord(c) <= 0x9F and c != "\x85") or c in "\ufeff\ufffe\uffff"
        for c in text
    ) and not any(c in "\n\r\x85\u2028\u2029" for c in text)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bytes") / "quickstart"
    shutil.copytree(SOURCE.parent, target)
    return target


def validate(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(path)], env={**PRODUCTION_ENV, "MGSYNC_DEBUG": ""})
    return result.exit_code, result.output


def assert_every_error_located(code: int, output: str, path: Path) -> list[tuple[int, int]]:
    assert code == 1, output
    assert "Traceback" not in output and "internal error" not in output
    *errors, summary = output.rstrip("\n").split("\n")
    assert re.fullmatch(r"\d+ errors? found\.", summary), output
    places = []
    for line in errors:
        found = LOCATED.fullmatch(line)
        assert found and found["file"] == str(path), line
        places.append((int(found["line"]), int(found["col"])))
    return places


@FUZZ
@given(data=st.data())
def test_one_odd_sequence_is_reported_at_its_place(workdir: Path, data: st.DataObject) -> None:
    text = SOURCE.read_text(encoding="utf-8")
    at = data.draw(st.integers(1, len(text)))  # at 0 a byte order mark is legal: start after it
    odd = data.draw(ONE_ODD)
    path = workdir / "odd.yaml"
    path.write_bytes(text[:at].encode() + odd + text[at:].encode())
    places = assert_every_error_located(*validate(path), path)
    before = text[:at]
    assert places == [(before.count("\n") + 1, at - before.rfind("\n"))]


@FUZZ
@given(odd=st.lists(st.tuples(st.integers(0, 10**6), REFUSED | st.binary(max_size=4)), min_size=1, max_size=4))
def test_several_odd_sequences_are_located(workdir: Path, odd: list[tuple[int, bytes]]) -> None:
    raw = SOURCE.read_bytes()
    for at, chunk in odd:
        cut = at % (len(raw) + 1)
        raw = raw[:cut] + chunk + raw[cut:]
    path = workdir / "odd.yaml"
    path.write_bytes(raw)
    code, output = validate(path)
    if code == 0:  # harmless bytes (a space, a leading byte order mark) can still make a valid file
        assert output.startswith("OK: ")
    else:
        assert_every_error_located(code, output, path)


@settings(FUZZ, max_examples=60)
@given(raw=st.binary(max_size=120))
def test_random_bytes_are_located(workdir: Path, raw: bytes) -> None:
    path = workdir / "odd.yaml"
    path.write_bytes(raw)
    code, output = validate(path)
    if code != 0:
        assert_every_error_located(code, output, path)
