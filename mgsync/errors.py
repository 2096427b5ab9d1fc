"""The one small exception tree of mgsync.

    MgsyncError                  base: its str() is one sentence fit for the user
    ├── ConfigError              connection settings (env vars, flags) are missing or wrong
    ├── ManifestError            manifests failed to load or validate; carries every Problem
    ├── ApiError                 Mailgun answered with an error status (method, path, status, message)
    │   └── TransportError       no usable answer at all (connection refused, timeout, retries spent)
    ├── LockfileError            the lockfile is unreadable, or another apply holds its lock
    │   ├── LockHeldError        (exit 4)
    │   └── AccountMismatchError the lockfile belongs to another account or subaccount (exit 6)
    ├── StalePlanError           a saved plan no longer matches live state
    └── UnsafePlanError          a plan crosses a safety threshold or deletes a domain without intent

Third-party errors (httpx, ruamel.yaml, pydantic) are translated into these at the boundary where
they happen; nothing above that boundary sees them. No message ever contains an API key or password.
"""

from __future__ import annotations

from dataclasses import dataclass


class MgsyncError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class ConfigError(MgsyncError):
    pass


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem, rendered as ``file:line:col: where: message``."""

    file: str
    line: int
    col: int
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{location}: {self.where}: {self.message}" if self.where else f"{location}: {self.message}"


class ManifestError(MgsyncError):
    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = sorted(problems)
        self.warnings = sorted(warnings or [])  # found alongside (unset ${env:} when allowed)
        super().__init__("\n".join(str(p) for p in self.problems))


class ApiError(MgsyncError):
    def __init__(self, method: str, path: str, status: int, message: str):
        self.method, self.path, self.status, self.message = method, path, status, message
        super().__init__(f"Mailgun API: {method} {path} returned {status}: {message}")


class TransportError(ApiError):
    def __init__(self, method: str, path: str, reason: str):
        super().__init__(method, path, 0, reason)
        self.args = (f"Mailgun API: {method} {path} failed: {reason}",)

    def __str__(self) -> str:
        return self.args[0]


class LockfileError(MgsyncError):
    pass


class LockHeldError(LockfileError):
    exit_code = 4


class AccountMismatchError(LockfileError):
    exit_code = 6


class StalePlanError(MgsyncError):
    exit_code = 3


class UnsafePlanError(MgsyncError):
    exit_code = 5
