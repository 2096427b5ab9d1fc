"""``python -m mgsync`` runs the CLI."""

from mgsync.cli import run

run()
