"""The team loop on GitHub, run by the action as ``python -m mgsync.gitops STEP`` (README, "Using mgsync in CI").

This package owns everything that talks to GitHub's REST API on behalf of the workflow: the sticky
plan comment, its labels and the job summary (``publish``), finding the reviewed plans of the pull
requests merged since the last apply (``reviewed``), recording the applied commit on the state branch
(``record``) and telling each covered pull request the result (``report``). It knows nothing about
kinds or plans beyond a saved plan's ``digest`` and ``plan.summary``; it runs the ``mgsync`` CLI for
the state branch, as a team would.
"""
