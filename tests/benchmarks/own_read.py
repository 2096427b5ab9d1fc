"""mgsync's own read of an account, the second baseline beside the official SDK's (``sdk_read``).

Issue 21 asks that a no-op plan cost no more CPU than the official SDK merely reading the account.
A plan reads the account and also loads and checks the manifests (every one of L's 200,000 CSV rows)
and compares; this script measures the first part alone, so that the benchmark can show where the
plan's CPU goes: mgsync's engine reading everything as ``mgsync import`` does (``importer.read_account``:
every listing, every answer's shape checked, every item made an entry), no manifest loaded, no file
made, nothing compared. Its scopes differ a little from the plan's: it also reads each domain's DKIM
keys and the account-level webhooks, templates and forwards, and not the plan's per-domain status
reads (an unverified domain's details, the HTTPS certificate's status).

Run as a script in its own process, with the ``mgsync`` command's runtime tuning, so that its CPU
and peak RSS are its own (the benchmark measures it with ``os.wait4``); prints one JSON line: the
requests sent, and the objects and bulk entries read.

    MAILGUN_BASE_URL=http://127.0.0.1:PORT MAILGUN_API_KEY=... python tests/benchmarks/own_read.py CONCURRENCY
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    from mgsync import tuning

    tuning.switch_on()  # as the command runs (cli.run); before any thread starts
    from mgsync.connect import Connection, connect
    from mgsync.importer import read_account

    conn = Connection(base_url=os.environ["MAILGUN_BASE_URL"], concurrency=int(sys.argv[1]))
    with connect(conn, os.environ) as client, tuning.responsive():
        state = read_account(client, {})
        sent = client.stats.requests
    entries = sum(map(len, state.tables.values()))
    print(json.dumps({"requests": sent, "items": {"objects": len(state.objects), "entries": entries}}))


if __name__ == "__main__":
    main()
