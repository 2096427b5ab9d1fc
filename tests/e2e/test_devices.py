"""A device where mgsync reads or writes a file, through the real ``mgsync`` CLI: ``/dev/zero`` named as
a CSV file, a template, its test data, the lockfile or the emulator's state would be read until memory
ran out (the kernel then kills the process, taking the machine's memory with it); each is now one
sentence naming the file, before anything is sent. A pipe is still read (``--vars <(...)``). Each run
is held to 1 GiB of address space, so that a regression fails here instead of exhausting the machine.
And a lockfile that is not what mgsync writes (not UTF-8, an entry edited out of shape): one sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import error_line, mgsync_command, run
from tests.support.zygote import Limits

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="/dev/zero, /dev/full and an address space limit: Linux"
)

ZERO = "/dev/zero"
ROUTE = "version: 1\nroutes:\n  r1: {expression: catch_all(), actions: [stop()]}\n"
GUARD = 1 << 30


GUARDED = Limits({"RLIMIT_AS": GUARD})


def mgsync(cwd: Path, *args: str, **popen: object) -> subprocess.CompletedProcess[str]:
    return run(*args, cwd=cwd, limits=GUARDED, **popen)  # type: ignore[arg-type]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mgsync.yaml").write_text(ROUTE, encoding="utf-8")
    (tmp_path / "welcome.html").write_text("<p>Hello {{name}}</p>\n", encoding="utf-8")
    return tmp_path


def test_a_csv_file_that_is_a_device_is_named_at_its_entry(tmp_path: Path) -> None:
    (tmp_path / "mgsync.yaml").write_text(
        f"version: 1\nmailing_lists:\n  news@example.com:\n    members: {{file: {ZERO}}}\n", encoding="utf-8"
    )
    assert error_line(mgsync(tmp_path, "plan", "--emulator", "--emulator-state", "emu.json")) == (
        f'Error: mgsync.yaml:4:21: mailing_lists.news@example.com.members.file: cannot read "{ZERO}": '
        "it is a device, not a file"
    )
    assert not (tmp_path / "emu.json").exists()  # nothing was sent to the emulator


def test_a_template_file_that_is_a_device_is_named_at_its_entry(tmp_path: Path) -> None:
    (tmp_path / "mgsync.yaml").write_text(
        "version: 1\ndomains:\n  mg.example.com:\n    templates:\n"
        f"      welcome: {{description: Welcome, file: {ZERO}}}\n",
        encoding="utf-8",
    )
    result = mgsync(tmp_path, "validate")
    assert result.returncode == 1 and "bug in mgsync" not in result.stderr
    assert f'cannot read "{ZERO}": it is a device, not a file' in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("plan", "--emulator", "--emulator-state", "emu.json", "--lockfile", ZERO),
            f"{ZERO}: cannot read the lockfile (it is a device, not a file)",
        ),
        (("plan", "--emulator", "--emulator-state", ZERO), f"{ZERO} is not a usable emulator state file (cannot"),
        (("template", "render", ZERO), f"cannot read the template {ZERO}: it is a device, not a file"),
        (("template", "render", "welcome.html", "--vars", ZERO), f"{ZERO}: cannot read the test data: it is a device"),
    ],
    ids=["lockfile", "emulator-state", "template", "vars"],
)
def test_a_device_given_as_a_file_is_one_sentence(project: Path, args: tuple[str, ...], expected: str) -> None:
    assert error_line(mgsync(project, *args)).startswith(f"Error: {expected}")


def test_a_lockfile_that_is_not_text_is_one_sentence(project: Path) -> None:
    (project / "mgsync.lock").write_bytes(b"\xff\xfe{}")
    assert error_line(mgsync(project, "plan", "--emulator", "--emulator-state", "emu.json")) == (
        "Error: mgsync.lock: cannot read the lockfile (not UTF-8 text); restore it from git"
    )


def test_a_lockfile_saved_with_a_byte_order_mark_is_read(project: Path) -> None:
    """As Windows editors save it: it was "Unexpected UTF-8 BOM"; the next write drops the mark."""
    connect = ("--emulator", "--emulator-state", "emu.json")
    assert mgsync(project, "apply", "--yes", *connect).returncode == 0
    lock = project / "mgsync.lock"
    lock.write_bytes(b"\xef\xbb\xbf" + lock.read_bytes())
    planned = mgsync(project, "plan", "--detailed-exitcode", *connect)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert mgsync(project, "apply", "--yes", *connect).returncode == 0


def test_test_data_from_a_pipe_is_read(project: Path) -> None:
    result = mgsync(project, "template", "render", "welcome.html", "--vars", "/dev/stdin", input="name: Ada\n")
    assert (result.returncode, result.stdout) == (0, "<p>Hello Ada</p>\n"), result.stderr


def test_a_rendered_template_on_a_full_disk_is_one_sentence(project: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*mgsync_command(), "template", "render", "welcome.html"],
            cwd=project,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=60,
        )
    assert (result.returncode, result.stderr) == (1, "Error: cannot write the output: No space left on device.\n")


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda d: d["resources"].update({"noaddress": {"body": {}}}), "entry 'noaddress' is not named KIND:KEY"),
        (lambda d: d["resources"].update({"route:r1": "x"}), "entry 'route:r1' is not an object"),
        (lambda d: d["resources"]["route:r1"].update(meta="x"), "entry 'route:r1' has a meta that is not an object"),
        (
            lambda d: d["resources"]["route:r1"].update(secret_hash=7),
            "entry 'route:r1' has a secret_hash that is not a string",
        ),
        (lambda d: d.update(resources=[]), "resources is not an object"),
        (lambda d: d.update(collections={"member:x": 3}), "collection 'member:x' is not a count and a digest"),
    ],
    ids=["no kind", "not an object", "meta", "secret hash", "resources", "collection"],
)
def test_a_lockfile_entry_edited_out_of_shape_is_one_sentence(project: Path, edit, why: str) -> None:
    """A hand edit or a bad merge: each ended in "internal error" (ValueError, AttributeError)."""
    import json

    connect = ("--emulator", "--emulator-state", "emu.json")
    assert mgsync(project, "apply", "--yes", *connect).returncode == 0
    lock = project / "mgsync.lock"
    data = json.loads(lock.read_text(encoding="utf-8"))
    data["resources"]["route:r1"] = {**data["resources"]["route:r1"]}
    edit(data)
    lock.write_text(json.dumps(data, indent=2), encoding="utf-8")
    assert error_line(mgsync(project, "plan", *connect)) == f"Error: mgsync.lock: {why}; restore it from git"
