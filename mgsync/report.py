"""Validation problems as text, JSON or GitHub workflow commands; ``validate`` prints what these return.

Knows nothing of manifests beyond ``Problem``: a problem is an error, or a warning (an unset
``${env:NAME}`` that only ``plan`` and ``apply`` need). GitHub annotations follow the workflow-command
syntax (``::error file=F,line=L,col=C::message``), with ``%``, ``\\r``, ``\\n`` escaped in the message and
also ``:`` and ``,`` in properties, and file paths relative to ``GITHUB_WORKSPACE`` when under it, as
GitHub needs them to place the annotation on the pull request's diff.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mgsync.errors import Problem, capped

TITLE = "mgsync validate"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def text(errors: Sequence[Problem], warnings: Sequence[Problem]) -> list[str]:
    """Warnings first (``Warning: file:line:col: …``), then errors, then the error count if any; at most
    ``errors.PER_FILE`` of each per file (a CSV of 50,000 repeated rows is one screen, not 50,000 lines)."""
    lines = [f"Warning: {w}" for w in capped(warnings, "warning")] + [str(e) for e in capped(errors, "error")]
    if errors:
        lines.append(f"{plural(len(errors), 'error')} found.")
    return lines


def json_document(errors: Sequence[Problem], warnings: Sequence[Problem], summary: str | None) -> dict[str, Any]:
    problems = [_entry("warning", w) for w in warnings] + [_entry("error", e) for e in errors]
    return {
        "valid": not errors,
        "errors": len(errors),
        "warnings": len(warnings),
        "problems": problems,
        "summary": summary,
    }


def _entry(severity: str, problem: Problem) -> dict[str, Any]:
    return {
        "severity": severity,
        "file": problem.file,
        "line": problem.line,
        "col": problem.col,
        "where": problem.where,
        "message": problem.message,
    }


def github(errors: Sequence[Problem], warnings: Sequence[Problem], env: Mapping[str, str] = os.environ) -> list[str]:
    workspace = env.get("GITHUB_WORKSPACE")
    return [_command("warning", w, workspace) for w in capped(warnings, "warning")] + [
        _command("error", e, workspace) for e in capped(errors, "error")
    ]


def _command(level: str, problem: Problem | str, workspace: str | None) -> str:
    if isinstance(problem, str):  # the count of a file's problems not shown
        return f"::{level} title={TITLE}::{_escape(problem)}"
    props = {"file": _relative(problem.file, workspace), "title": TITLE}
    if problem.line:
        props |= {"line": str(problem.line), "col": str(problem.col)}
    order = ("file", "line", "col", "title")
    rendered = ",".join(f"{key}={_escape(props[key], prop=True)}" for key in order if key in props)
    message = f"{problem.where}: {problem.message}" if problem.where else problem.message
    return f"::{level} {rendered}::{_escape(message)}"


def _relative(file: str, workspace: str | None) -> str:
    if not workspace:
        return file
    try:
        return Path(file).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return file


def _escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value
