"""``python -m mgsync`` runs the command as the ``mgsync`` console script does: ``cli.run``, tuned
(tuning.py) unless ``MGSYNC_NO_TUNING`` is set."""

from mgsync.cli import run

run()
