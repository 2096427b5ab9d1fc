"""Plan → text, JSON and markdown: what a reviewer reads and what other tools parse.

Rendering reads only a change's address, action, ``before``, ``after`` and ``fields`` (secrets are
masked by the plan before they get here) and never ``desired``/``observed``, except ``rendered``, which
reads ``desired.source`` to find a changed template's test data (issue 22). It names no kind (a
kind's noun comes from ``Kind.noun``) and sends nothing; the CLI prints what these functions return.

- ``text``: Terraform-like, deterministic byte for byte, colour only when asked.
- ``json_document``: every change in full, for machines (``format_version`` 1).
- ``markdown``: a pull-request comment that starts with ``MARKER`` and fits in ``limit`` characters;
  its first screen (screen.py) names the ``Heading`` and every changed object's address.
"""

from __future__ import annotations

from mgsync.render.comment import MARKER, markdown
from mgsync.render.screen import Heading
from mgsync.render.summary import apply_summary, json_document, summary_line
from mgsync.render.terminal import text

__all__ = ["MARKER", "Heading", "apply_summary", "json_document", "markdown", "summary_line", "text"]
