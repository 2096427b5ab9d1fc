"""Secrets against the lockfile: which desired secrets match their stored salted scrypt hashes, the
one combined verifier that vouches for all of them at once, and the notes for secrets not checked.

Never returns or logs a secret: only addresses, digests and the names of unset variables.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from mgsync.fingerprint import combined_text, fingerprint, hash_secret, verify_secret
from mgsync.lockfile import Lockfile
from mgsync.shapes.env import UnsetSecret
from mgsync.state import Address, State, sort_key


@dataclass(frozen=True)
class SecretCheck:
    """Desired objects whose secrets match the lockfile's hashes, whether the lockfile's combined
    verifier vouched for all of them at once, and the objects not checked (a secret's variable is
    not set: only ``plan`` loads manifests so, see ``shapes.env``)."""

    matches: frozenset[Address]
    combined: str = ""  # when the verifier vouched: a digest of what it covered (never the secrets)
    unchecked: frozenset[Address] = frozenset()


def secret_matches(wanted: State, lock: Lockfile) -> SecretCheck:
    """Which desired secrets match the salted scrypt hashes in the lockfile (README, "Secrets never leave").

    Each hash costs one scrypt (about 30 ms, on purpose), so checking 60 credentials one by one would
    cost every plan about 2 s. The lockfile therefore also keeps ONE combined verifier: a salted
    scrypt hash, with the same parameters, of every (address, stored hash, secret) triple whose
    secret matched when it was made (``record_secrets_verifier``). A plan computes that one hash: if
    it verifies, every secret is the one its stored hash was made from, since the stored hashes are
    part of what it covers, so one that was rewritten since invalidates it. Only when it does not
    verify (a password changed, a credential came or went) does the plan fall back to the hashes one
    by one to find which. The verifier leaks nothing the per-object hashes do not: guessing through
    it means guessing every secret at once, at the same cost per guess.

    An object with a secret whose variable is not set (``UnsetSecret``, plan only) is neither a match
    nor a mismatch: it is ``unchecked``, left out of both checks, and the plan says so
    (``unchecked_notes``). A verifier that covers it cannot vouch then, so the rest are checked one by one.
    """
    secrets = _secret_values(wanted)
    unchecked = frozenset(a for a, values in secrets.items() if any(isinstance(v, UnsetSecret) for v in values))
    secrets = {a: values for a, values in secrets.items() if a not in unchecked}
    stored = lock.secret_hashes()
    triples = _triples({a: [_plain(v) for v in values] for a, values in secrets.items()}, stored)
    text = combined_text(triples)
    if triples and not unchecked and lock.secrets_verifier and verify_secret(text, lock.secrets_verifier):
        return SecretCheck(frozenset(Address.parse(t[0]) for t in triples), combined=fingerprint(text))
    matches = frozenset(
        a for a, values in secrets.items() if _all_verify([_plain(v) for v in values], stored.get(str(a)), lock)
    )
    return SecretCheck(matches, unchecked=unchecked)


def unchecked_notes(wanted: State) -> list[str]:
    """``credential:mg.example.com/alice: password not checked (MG_SMTP_ALICE is not set)``, per secret
    whose variable is not set (a plan made without the secrets: least privilege)."""
    return [
        f"{address}: {name} not checked ({value.variable} is not set)"
        for address, named in _named_secrets(wanted).items()
        for name, value in named
        if isinstance(value, UnsetSecret)
    ]


def _named_secrets(wanted: State) -> dict[Address, list[tuple[str, SecretStr | None]]]:
    """The secret fields each desired object sets, by name, in address order."""
    found: dict[Address, list[tuple[str, SecretStr | None]]] = {}
    for address, resource in sorted(wanted.objects.items(), key=lambda pair: sort_key(pair[0])):  # rows have no secrets
        body = resource.body
        names = sorted(body.SECRET & body.model_fields_set) if body.SECRET else []
        if names:
            found[address] = [(name, getattr(body, name)) for name in names]
    return found


def secret_texts(wanted: State) -> list[str]:
    """Every secret the desired objects set (SMTP passwords, DKIM private keys), for the client to
    keep out of its messages (``Client.hide``); never shown or stored."""
    return [
        value.get_secret_value()
        for values in _secret_values(wanted).values()
        for value in values
        if value is not None and not isinstance(value, UnsetSecret)
    ]


def _secret_values(wanted: State) -> dict[Address, list[SecretStr | None]]:
    """The secrets each desired object sets (None for a secret field set to nothing)."""
    return {address: [value for _, value in named] for address, named in _named_secrets(wanted).items()}


def _plain(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def _triples(secrets: dict[Address, list[str | None]], stored: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """What the combined verifier covers: every stored hash whose object sets all its secrets."""
    return [
        (str(a), stored[str(a)], [v for v in values if v is not None])
        for a, values in secrets.items()
        if str(a) in stored and None not in values
    ]


def _all_verify(values: list[str | None], stored: str | None, lock: Lockfile) -> bool:
    """Every secret matches ``stored``: known when this run made it (``Lockfile.vouches``), else one scrypt each."""
    return bool(values) and all(v is not None and (lock.vouches(v, stored) or verify_secret(v, stored)) for v in values)


def record_secrets_verifier(lock: Lockfile, wanted: State, check: SecretCheck | None) -> None:
    """Keep, make or drop the lockfile's combined verifier (see ``secret_matches``): made only when
    every stored hash it would cover was just found to match its secret, kept while it verifies."""
    secrets = {a: [_plain(v) for v in values] for a, values in _secret_values(wanted).items()}
    triples = _triples(secrets, lock.secret_hashes())
    if (
        not triples
        or check is None
        or check.unchecked
        or any(Address.parse(t[0]) not in check.matches for t in triples)
    ):
        lock.secrets_verifier = None
    elif not (lock.secrets_verifier and check.combined == fingerprint(combined_text(triples))):
        lock.secrets_verifier = hash_secret(combined_text(triples))
