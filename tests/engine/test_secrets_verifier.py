"""The lockfile's combined secrets verifier: one scrypt per plan while no password changed, the
per-credential hashes as soon as one did, and never trusted once a stored hash was rewritten."""

from __future__ import annotations

import hashlib
import json

import pytest

from mgsync.apply import hashing
from mgsync.fingerprint import verify_secret
from mgsync.lockfile import Lockfile
from mgsync.state import Address
from tests.support.harness import Harness

LOGINS = ("alice", "bob", "carol", "dave")


def _manifest(h: Harness, passwords: dict[str, str]) -> str:
    h.env.update({f"PW_{login.upper()}": pw for login, pw in passwords.items()})
    lines = "".join(f"      {login}: {{password: '${{env:PW_{login.upper()}}}'}}\n" for login in passwords)
    return "domains:\n  mg.example.com:\n    credentials:\n" + lines


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


def test_an_unchanged_account_checks_all_passwords_with_one_scrypt(tmp_path, scrypt_calls) -> None:
    h = Harness(tmp_path)
    h.write(_manifest(h, {login: f"secret-{login}" for login in LOGINS}))
    h.apply()
    text = h.lock_path.read_text()
    verifier = json.loads(text)["secrets_verifier"]
    assert verifier.startswith("scrypt$") and "secret-" not in text
    scrypt_calls.clear()
    assert h.actions() == []
    assert len(scrypt_calls) == 1
    h.apply()
    assert h.lock_path.read_text() == text  # a no-op apply keeps the verifier, byte for byte


def test_an_apply_from_empty_hashes_each_password_once_and_checks_none_again(tmp_path, scrypt_calls) -> None:
    h = Harness(tmp_path)
    h.write(_manifest(h, {login: f"secret-{login}" for login in LOGINS}))
    h.apply()
    # one salted hash per new password and the combined verifier; the re-plan after the writes knows
    # the hashes it just made match (issue 21: 60 credentials spent 3.5 s of CPU checking them again)
    assert len(scrypt_calls) == len(LOGINS) + 1
    scrypt_calls.clear()
    assert h.actions() == []  # a later run, as a new process would: the verifier, one scrypt
    assert len(scrypt_calls) == 1


def test_a_changed_password_falls_back_to_the_per_credential_hashes(tmp_path, scrypt_calls) -> None:
    h = Harness(tmp_path)
    passwords = {login: f"secret-{login}" for login in LOGINS}
    h.write(_manifest(h, passwords))
    h.apply()
    h.write(_manifest(h, {**passwords, "bob": "another-secret"}))
    scrypt_calls.clear()
    assert h.actions() == [("credential:mg.example.com/bob", "update")]
    assert len(scrypt_calls) == 1 + len(LOGINS)
    before = json.loads(h.lock_path.read_text())["secrets_verifier"]
    h.apply()
    assert json.loads(h.lock_path.read_text())["secrets_verifier"] != before
    assert h.actions() == []


def test_a_verifier_older_than_a_stored_hash_is_not_trusted(tmp_path) -> None:
    """An apply interrupted after writing bob's new password leaves bob's new hash beside the old
    verifier: going back to bob's old password must still update bob."""
    h = Harness(tmp_path)
    passwords = {login: f"secret-{login}" for login in LOGINS}
    h.write(_manifest(h, passwords))
    h.apply()
    old = json.loads(h.lock_path.read_text())
    h.write(_manifest(h, {**passwords, "bob": "another-secret"}))
    h.apply()
    new = json.loads(h.lock_path.read_text())
    new["secrets_verifier"] = old["secrets_verifier"]
    h.lock_path.write_text(json.dumps(new))
    h.write(_manifest(h, passwords))
    assert h.actions() == [("credential:mg.example.com/bob", "update")]


def test_a_manifest_without_passwords_keeps_no_verifier(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write("domains:\n  mg.example.com:\n    credentials:\n      alice: {}\n")
    h.apply()
    assert "secrets_verifier" not in json.loads(h.lock_path.read_text())


def test_an_apply_starts_hashing_the_new_passwords_before_its_plan_and_uses_those_hashes(tmp_path) -> None:
    """``Hashing.start`` (before the plan, while it reads on the other core) hashes each declared
    password the lockfile holds no hash of; ``of`` then takes those for the creates that write the
    same password, and hashes anew whatever else the plan writes (a changed password)."""
    h = Harness(tmp_path)
    h.write(_manifest(h, {"alice": "secret-alice"}))
    h.apply()
    h.write(_manifest(h, {"alice": "changed-alice", "bob": "secret-bob"}))
    lock = Lockfile.read(h.lock_path)
    desired = h.desired()
    with hashing(lock) as hashed:
        hashed.start(desired.state.objects.values())
        assert [str(address) for address in hashed.early] == ["credential:mg.example.com/bob"]  # alice's is stored
        hashes = hashed.of(h.plan())
        bob, alice = Address("credential", "mg.example.com/bob"), Address("credential", "mg.example.com/alice")
        assert hashes.keys() == {alice, bob}
        assert hashes[bob] is hashed.early[bob][1]
        assert verify_secret("secret-bob", hashes[bob].result())
        assert verify_secret("changed-alice", hashes[alice].result())
        assert lock.vouches("secret-bob", hashes[bob].result())  # the re-plan after the writes needs no scrypt
