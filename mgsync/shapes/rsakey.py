"""A PKCS#1 RSA private key read from its PEM text (RFC 8017 A.1.2: ``RSAPrivateKey ::= SEQUENCE {
version, modulus, publicExponent, ... }``), for a DKIM key imported with ``pem``: Mailgun takes
PKCS#1 only ("key must be PKCS1 format", mailgun-python's integration test) and sizes the key by it,
whatever ``bits`` says. The emulator makes the public half of it; the manifest checks the size before
anything is sent. Only the modulus and the exponent are read; nothing of the key is kept or shown."""

from __future__ import annotations

import base64
import binascii
import re

PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.DOTALL)
PKCS1 = "RSA PRIVATE KEY"


class NotPem(ValueError):
    """No PEM block, or one whose base64 does not decode."""


class NotPkcs1(ValueError):
    """A PEM block that is no PKCS#1 RSA private key (PKCS#8's ``PRIVATE KEY``, a certificate)."""


def numbers(text: str) -> tuple[int, int]:
    """(modulus, public exponent) of the PKCS#1 RSA private key in ``text``."""
    match = PEM.search(text)
    if match is None:
        raise NotPem("no PEM block (-----BEGIN RSA PRIVATE KEY-----)")
    try:
        der = base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise NotPem("the PEM block is not base64") from None
    if match.group(1) != PKCS1:
        raise NotPkcs1(f"a {match.group(1)} block, not an {PKCS1} (PKCS#1)")
    try:
        return _rsa_numbers(der)
    except (IndexError, ValueError):
        raise NotPkcs1(f"the {PKCS1} block holds no RSA key") from None


def _rsa_numbers(der: bytes) -> tuple[int, int]:
    body, _ = _tlv(der, 0, 0x30)
    pos = _tlv(der, body, 0x02)[1]  # version
    n_start, pos = _tlv(der, pos, 0x02)
    e_start, end = _tlv(der, pos, 0x02)
    modulus, exponent = int.from_bytes(der[n_start:pos], "big"), int.from_bytes(der[e_start:end], "big")
    if modulus < 2**511 or exponent < 3:
        raise ValueError("not an RSA key")
    return modulus, exponent


def _tlv(der: bytes, pos: int, tag: int) -> tuple[int, int]:
    """(content start, content end) of the DER element of ``tag`` at ``pos``."""
    if der[pos] != tag:
        raise ValueError("unexpected DER tag")
    size, pos = der[pos + 1], pos + 2
    if size & 0x80:
        count = size & 0x7F
        size, pos = int.from_bytes(der[pos : pos + count], "big"), pos + count
    if pos + size > len(der):
        raise ValueError("truncated DER")
    return pos, pos + size
