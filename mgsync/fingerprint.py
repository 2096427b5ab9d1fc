"""Digests of data and salted hashes of secrets; nothing here can be reversed into a secret.

``fingerprint`` is a sha256 over canonical JSON (sorted keys, no whitespace), so equal data gives an
equal fingerprint on every machine. ``hash_secret`` is scrypt with a random salt (README, "Secrets never leave"): slow
enough that a lockfile in git does not leak weak SMTP passwords to a dictionary attack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring  # the escaper json.dumps uses (C)
from typing import Any

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
# Each scrypt takes 16 MiB (128 * r * n bytes) outside Python's heap for about 30 ms. Apply creates
# credentials on 8 threads: two at a time keep two cores busy without 128 MiB at once.
_AT_ONCE = threading.BoundedSemaphore(2)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def fingerprint(data: Any) -> str:
    return digest(canonical_json(data))


def digest(text: str) -> str:
    """The fingerprint of data whose canonical JSON is ``text``."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def canonical_cells(values: Sequence[Any]) -> Iterator[str]:
    """``canonical_json`` of each value, as it is also written inside a larger document, in C loops
    where the values allow: strings escaped at once; booleans and tuples of strings (equal values,
    equal text) encoded once per distinct value; empty dicts as ``{}``; anything else one by one."""
    types = set(map(type, values))
    if types == {str}:
        return map(encode_basestring, values)
    if types == {dict}:
        return ("{}" if not value else canonical_json(value) for value in values)
    if types == {bool} or (types == {tuple} and all(type(item) is str for value in values for item in value)):
        encoded = {value: canonical_json(value) for value in set(values)}
        return map(encoded.__getitem__, values)
    return map(canonical_json, values)


def fingerprint_texts(texts: list[str]) -> str:
    """``fingerprint`` of a list whose items' canonical JSON texts are ``texts``, in that order, without
    holding the list's whole text: ``canonical_json`` of a list is ``[`` + the items' texts joined by
    ``,`` + ``]``, so it is hashed a slice of ``_SLICE`` texts at a time (a plan of 200,000 creates)."""
    digest = hashlib.sha256(b"[")
    for start in range(0, len(texts), _SLICE):
        digest.update((b"," if start else b"") + ",".join(texts[start : start + _SLICE]).encode())
    digest.update(b"]")
    return "sha256:" + digest.hexdigest()


_SLICE = 4096  # texts hashed at once: one join and one update each, a few hundred KB of text


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    with _AT_ONCE:
        digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str | None) -> bool:
    if not stored or stored.count("$") != 2:
        return False
    scheme, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    try:
        raw = base64.urlsafe_b64decode(salt + "=" * (-len(salt) % 4))
    except ValueError:  # a hash edited by hand (binascii.Error): it matches no secret, so it is made again
        return False
    expected = hash_secret(secret, raw)
    return hmac.compare_digest(expected.rsplit("$", 1)[1], digest)


def combined_text(pairs: list[tuple[str, str, list[str]]]) -> str:
    """The one text a combined verifier hashes: (address, stored per-object hash, secrets), sorted."""
    return canonical_json(sorted(pairs))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
