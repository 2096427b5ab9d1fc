"""What every command shares (``cliparts``), as pure functions: a hint's words quoted for the shell
they are typed in."""

from __future__ import annotations

import shlex

import pytest

from mgsync.cliparts import shell_word


@pytest.mark.parametrize(
    ("word", "posix", "windows"),
    [
        ("plan.json", "plan.json", "plan.json"),
        ("https://mg.example.com", "https://mg.example.com", "https://mg.example.com"),
        (
            r"C:\Users\RUNNER~1\AppData\Local\Temp\plan.json",
            r"'C:\Users\RUNNER~1\AppData\Local\Temp\plan.json'",
            r"C:\Users\RUNNER~1\AppData\Local\Temp\plan.json",
        ),
        (r"C:\My Plans\plan.json", r"'C:\My Plans\plan.json'", r'"C:\My Plans\plan.json"'),
        ("C:\\My Plans\\", "'C:\\My Plans\\'", '"C:\\My Plans\\\\"'),  # a final backslash doubled before "
        ("plans/it's here.json", "'plans/it'\"'\"'s here.json'", '"plans/it\'s here.json"'),
        ("R&D.json", "'R&D.json'", '"R&D.json"'),  # cmd.exe would start another command at &
        ("", "''", '""'),
    ],
)
def test_a_hint_word_is_quoted_for_the_shell_of_its_system(word: str, posix: str, windows: str) -> None:
    assert shell_word(word, "linux") == shell_word(word, "darwin") == posix
    assert shell_word(word, "win32") == windows
    assert shlex.split(posix) == [word]  # typed back, each is the word again
