"""``mgsync emulator serve``: the bundled Mailgun emulator over HTTP, with the faults it can inject
(the emulator itself is ``mgsync/emulator/``). Registered by ``cli.py``; prints through click only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mgsync.cliparts import color_option, handles_errors
from mgsync.connect import DEFAULT_EMULATOR_STATE as DEFAULT_STATE

if TYPE_CHECKING:
    from mgsync.emulator.faults import Faults


@click.group()
def emulator() -> None:
    """The bundled Mailgun emulator."""


@emulator.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--state",
    "state_file",
    type=click.Path(path_type=Path),
    help=f"Persist the account in this JSON file. Default: {DEFAULT_STATE} if it exists (the account "
    "`--emulator` commands use), else in memory.",
)
@click.option("--memory", is_flag=True, help="Keep the account in memory only, even if the default state file exists.")
@click.option("--api-key", default="test", show_default=True, help="The API key the emulator accepts.")
@click.option(
    "--region",
    type=click.Choice(["us", "eu"]),
    default="us",
    show_default=True,
    help="Region used in DNS records (mxa.mailgun.org vs mxa.eu.mailgun.org).",
)
@click.option("--gateway-key", help="Also accept 'Authorization: Bearer KEY' under /mailgun (Maton gateway form).")
@click.option(
    "--gateway-connection",
    "gateway_connections",
    multiple=True,
    help="A Maton connection id (repeat; with several, Maton-Connection is required).",
)
@click.option("--latency", type=float, default=0.0, show_default=True, help="Fault: seconds of delay per request.")
@click.option("--rate-limit-every", type=int, default=0, help="Fault: answer every Nth request with 429.")
@click.option(
    "--rate-limit-share", type=float, default=0.0, help="Fault: answer this fraction (0..1) of requests with 429."
)
@click.option(
    "--reset-after",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds until X-Request-Reset on an injected 429.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --rate-limit-share.")
@click.option(
    "--replace-body",
    "replace_bodies",
    nargs=2,
    multiple=True,
    metavar="PATH BODY",
    help="Fault: answer GETs of paths starting with PATH with 200 and BODY instead (repeatable).",
)
@click.option(
    "--enforce-quota",
    is_flag=True,
    help="Fault: answer 429 once --quota-limit requests were made in one --quota-window.",
)
@click.option("--quota-limit", type=int, default=2500, show_default=True, help="Requests per rate-limit window.")
@click.option("--quota-window", type=float, default=1.0, show_default=True, help="Seconds per rate-limit window.")
@click.option(
    "--fail-before-commit",
    "before_commit",
    multiple=True,
    metavar="[METHOD:]PATH",
    help="Fault: answer the next matching request with --fault-status without applying it (repeatable).",
)
@click.option(
    "--fail-after-commit",
    "after_commit",
    multiple=True,
    metavar="[METHOD:]PATH",
    help="Fault: apply the next matching request, then answer --fault-status (repeatable).",
)
@click.option(
    "--drop-connection",
    "drops",
    multiple=True,
    metavar="[METHOD:]PATH",
    help="Fault: close the connection on the next matching request, without an answer (repeatable).",
)
@click.option(
    "--drop-after-commit",
    "drops_after",
    multiple=True,
    metavar="[METHOD:]PATH",
    help="Fault: apply the next matching request, then close the connection without an answer.",
)
@click.option(
    "--fault-status",
    type=click.IntRange(500, 599),
    default=503,
    show_default=True,
    help="The 5xx status of --fail-before-commit / --fail-after-commit.",
)
@color_option
@handles_errors
def emulator_serve(
    host: str,
    port: int,
    state_file: Path | None,
    memory: bool,
    api_key: str,
    region: str,
    gateway_key: str | None,
    gateway_connections: tuple[str, ...],
    fault_status: int,
    **faults: Any,
) -> None:
    """Run the bundled Mailgun emulator over HTTP (Ctrl-C stops it).

    Faults are injected for testing clients: latency, 429s (every Nth, a share, or a quota per window),
    5xx before or after a write is committed, dropped connections (before or after commit), and
    odd answers (--replace-body: a GET answered 200 with any body, e.g. HTML or truncated JSON).
    A PATH matches as a prefix of the request path, e.g. POST:/v3/routes or /v3/lists.
    """
    from mgsync.emulator import Emulator
    from mgsync.emulator.server import serve_forever

    if state_file is None and not memory and DEFAULT_STATE.exists():
        state_file = DEFAULT_STATE  # the quick start's account: what `--emulator` commands planned and applied
    emu = Emulator(
        api_key=api_key,
        state_file=state_file,
        gateway_key=gateway_key,
        gateway_connections=gateway_connections,
        region=region,
        sandbox=True,
    )
    _inject_faults(emu.faults, fault_status, **faults)
    where = f"The account is kept in {state_file}." if state_file is not None else "The account is kept in memory."

    def announce(url: str) -> None:  # the first line is the URL alone: scripts read it
        click.echo(f"Mailgun emulator on {url}", err=True)
        click.echo(where, err=True)

    serve_forever(emu, host=host, port=port, announce=announce)


def _inject_faults(
    faults: Faults,
    status: int,
    *,
    latency: float,
    rate_limit_every: int,
    rate_limit_share: float,
    reset_after: float,
    seed: int,
    enforce_quota: bool,
    quota_limit: int,
    quota_window: float,
    before_commit: tuple[str, ...],
    after_commit: tuple[str, ...],
    drops: tuple[str, ...],
    drops_after: tuple[str, ...],
    replace_bodies: tuple[tuple[str, str], ...],
) -> None:
    faults.latency, faults.rate_limit_every, faults.rate_limit_share = latency, rate_limit_every, rate_limit_share
    faults.reset_after, faults.seed = reset_after, seed
    faults.enforce_quota, faults.quota_limit, faults.quota_window = enforce_quota, quota_limit, quota_window
    for spec in before_commit:
        faults.fail_before_commit(*_fault_target(spec), status=status)
    for spec in after_commit:
        faults.fail_after_commit(*_fault_target(spec), status=status)
    for spec in drops:
        faults.drop_connection(*_fault_target(spec))
    for spec in drops_after:
        faults.drop_connection(*_fault_target(spec), after_commit=True)
    for prefix, body in replace_bodies:
        faults.replace_body(prefix, body)


def _fault_target(spec: str) -> tuple[str | None, str]:
    """``POST:/v3/routes`` -> ``("POST", "/v3/routes")``; ``/v3/lists`` -> ``(None, "/v3/lists")``."""
    method, sep, path = spec.partition(":")
    if sep and method.isalpha() and path.startswith("/"):
        return method.upper(), path
    if not spec.startswith("/"):
        raise click.BadParameter(f"{spec!r} is not [METHOD:]PATH, e.g. POST:/v3/routes")
    return None, spec
