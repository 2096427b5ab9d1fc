"""Shared paths and environment for the manifest tests."""

from __future__ import annotations

from pathlib import Path

from mgsync.kinds import Prunable, children

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BAD = Path(__file__).resolve().parents[1] / "manifest" / "bad"
SCHEMA = REPO / "schemas" / "mgsync.schema.json"

# The production example's SMTP passwords come from these variables.
PRODUCTION_ENV = {
    "MG_SMTP_APP": "app-password-1",
    "MG_SMTP_BILLING": "billing-password-2",
    "MG_SMTP_NEWSLETTER": "newsletter-password-3",
    "MG_SMTP_EU_APP": "eu-app-password-4",
}

# The top-level sections, in registry order: messages that list them grow with every account-level
# kind, so tests build them from the registry instead of spelling today's list.
SECTIONS = tuple(kind.section for kind in children(None))
PRUNABLE = tuple(kind.section for kind in children(None) if isinstance(kind, Prunable))
