"""Shared paths and environment for the manifest tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BAD = Path(__file__).resolve().parent / "bad"
SCHEMA = REPO / "schemas" / "mgsync.schema.json"

# The production example's SMTP passwords come from these variables.
PRODUCTION_ENV = {
    "MG_SMTP_APP": "app-password-1",
    "MG_SMTP_BILLING": "billing-password-2",
    "MG_SMTP_NEWSLETTER": "newsletter-password-3",
    "MG_SMTP_EU_APP": "eu-app-password-4",
}
