"""``mgsync version``: what a bug report needs about this installation, and never a secret.

Reads only the installed distributions' metadata and the interpreter; no environment variable, no
path under the user's home, nothing about the connection.
"""

from __future__ import annotations

import platform
import re
import sys
from importlib import metadata
from typing import Any

from mgsync import __version__
from mgsync.manifest import yamlevents


def dependency_versions() -> dict[str, str]:
    """Each runtime dependency of mgsync (not the test extras) and its installed version."""
    try:
        requirements = metadata.requires("mgsync") or []
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        requirements = []
    names = sorted({re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0] for r in requirements if "extra ==" not in r})
    return {name: _installed(name) for name in names}


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> dict[str, Any]:
    return {
        "mgsync": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "executable_bits": "64" if sys.maxsize > 2**32 else "32",
        "dependencies": dependency_versions(),
        "libyaml": yamlevents.libyaml_version(),  # None: manifests are scanned by ruamel.yaml in Python
    }


def text(info: dict[str, Any]) -> list[str]:
    lines = [
        f"mgsync {info['mgsync']}",
        f"python {info['python']} ({info['implementation']}, {info['executable_bits']}-bit)",
        f"platform {info['platform']}",
    ]
    scanner = f"libyaml {info['libyaml']}" if info["libyaml"] else "libyaml not available (manifests scanned in Python)"
    return [*lines, *(f"{name} {version}" for name, version in info["dependencies"].items()), scanner]
