"""DKIM keys, the signing key and rotation (issue 12): a switch of the signing key converges across
applies and never leaves the domain without an active key whose record is published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mgsync import render
from mgsync.emulator import dkim_management
from mgsync.errors import ApiError, ManifestError, UnsafePlanError
from mgsync.kinds.dkim import KEYS
from tests.support.harness import Harness

PEM = (Path(__file__).parents[1] / "emulator" / "data" / "dkim-test-rsa1024.pem").read_text()
D = "mg.new.com"
START = f"domains:\n  {D}:\n    dkim_keys: {{smtp: {{bits: 1024}}}}\n    dkim: {{active: smtp}}\n"
ROTATE = f"domains:\n  {D}:\n    dkim_keys: {{smtp: {{bits: 1024}}, s2: {{bits: 2048}}}}\n    dkim: {{active: s2}}\n"


def _keys(h: Harness) -> dict[str, dict]:
    return {k["selector"]: k for k in h.emu.store.domains[D]["_dkim_keys"]}


def _signed_by_a_published_key(h: Harness) -> bool:
    return any(k["active"] and k["published"] for k in _keys(h).values())


def _verified(h: Harness) -> None:
    """What publishing the records and ``apply --verify-domain`` do (the test hook stands for DNS)."""
    h.emu.store.mark_dns_valid(D)
    h.client.put(f"/v4/domains/{D}/verify")


def test_a_rotation_converges_with_a_published_signing_key_at_every_step(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(START)
    h.apply()
    _verified(h)
    assert h.actions() == [] and _signed_by_a_published_key(h)

    h.write(ROTATE)
    plan = h.plan()
    assert h.actions(plan) == [(f"dkim_key:{D}/s2", "create")]  # the switch waits
    assert (
        f"dkim:{D}: switching the signing key from smtp to s2: step 1 of 3: create the key s2 (dkim_keys), then "
        f"publish its TXT record s2._domainkey.{D} (mgsync dns export), run mgsync apply --verify-domain {D}, "
        "and apply again to activate it (smtp signs until then)."
    ) in plan.notes
    h.apply()
    assert _keys(h)["s2"]["bits"] == 2048 and _signed_by_a_published_key(h) and _keys(h)["smtp"]["active"]

    plan = h.plan()  # created, not yet in DNS: nothing to do but wait
    assert h.actions(plan) == []
    assert any(
        n.startswith(
            f"dkim:{D}: switching the signing key from smtp to s2: waiting for DNS: publish "
            f"s2._domainkey.{D} (mgsync dns export)"
        )
        for n in plan.notes
    )
    h.apply()
    assert _keys(h)["smtp"]["active"] and not _keys(h)["s2"]["active"]

    _verified(h)
    plan = h.plan()
    assert h.actions(plan) == [(f"dkim:{D}", "update")]
    assert any(f"s2._domainkey.{D} is published: activate s2, then deactivate smtp" in n for n in plan.notes)
    h.emu.log.clear()
    h.apply()
    assert h.requests("PUT") == [f"PUT /v4/domains/{D}/keys/s2/activate", f"PUT /v4/domains/{D}/keys/smtp/deactivate"]
    assert _keys(h)["s2"]["active"] and not _keys(h)["smtp"]["active"] and _signed_by_a_published_key(h)
    plan = h.plan()
    assert h.actions(plan) == [] and not [n for n in plan.notes if "switching" in n]


def test_a_new_key_is_never_activated_before_mailgun_reports_it_valid(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(START)
    h.apply()
    _verified(h)
    h.write(ROTATE)
    for _ in range(2):
        h.apply()
    assert h.requests("PUT", f"/v4/domains/{D}/keys") == []


def test_a_key_size_cannot_change(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(ROTATE)
    h.apply()
    h.write(ROTATE.replace("s2: {bits: 2048}", "s2: {bits: 1024}"))
    with pytest.raises(UnsafePlanError, match=f"dkim_key:{D}/s2: a key's size cannot change \\(2048 → 1024\\)"):
        h.apply()


def test_a_supplied_private_key_is_sent_once_and_never_stored_or_shown(tmp_path) -> None:
    h = Harness(tmp_path, env={"MG_DKIM": PEM})
    h.write(f"domains:\n  {D}:\n    dkim_keys: {{imp: {{pem: '${{env:MG_DKIM}}'}}}}\n")
    plan = h.plan()
    shown = render.text(plan) + json.dumps(render.json_document(plan))
    assert "PRIVATE KEY" not in shown and PEM.splitlines()[1] not in shown
    h.apply()
    assert _keys(h)["imp"]["bits"] == 1024  # the emulator took the public half of the supplied key
    lock = h.lock_path.read_text()
    assert "PRIVATE KEY" not in lock and PEM.splitlines()[1] not in lock
    assert json.loads(lock)["resources"][f"dkim_key:{D}/imp"]["secret_hash"].startswith("scrypt$")
    assert h.actions() == []


def test_a_private_key_written_in_the_manifest_is_refused(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(f"domains:\n  {D}:\n    dkim_keys: {{imp: {{pem: '-----BEGIN RSA PRIVATE KEY-----'}}}}\n")
    with pytest.raises(ManifestError, match="only from the environment"):
        h.desired()


@pytest.mark.parametrize(
    ("key", "bits", "message"),
    [
        (  # the same key as PKCS#8 (openssl pkcs8 -topk8 -nocrypt): refused by Mailgun only at apply
            "dkim-test-rsa1024-pkcs8.pem",
            "",
            "pem: a PRIVATE KEY block, not an RSA PRIVATE KEY (PKCS#1); Mailgun takes PKCS#1: convert it with "
            "openssl rsa -in KEY -traditional",
        ),
        (  # created as 1024 bits, then every plan refused "a key's size cannot change (1024 → 2048)"
            "dkim-test-rsa1024.pem",
            "bits: 2048, ",
            "the private key (pem) is 1024 bits, not 2048: write bits: 1024, or leave bits out",
        ),
    ],
)
def test_a_private_key_mailgun_would_take_otherwise_is_refused_before_anything_is_sent(
    tmp_path, key: str, bits: str, message: str
) -> None:
    h = Harness(tmp_path, env={"MG_DKIM": (Path(__file__).parents[1] / "emulator" / "data" / key).read_text()})
    h.write(f"domains:\n  {D}:\n    dkim_keys: {{imp: {{{bits}pem: '${{env:MG_DKIM}}'}}}}\n")
    with pytest.raises(ManifestError) as err:
        h.desired()
    assert [p.message for p in err.value.problems] == [message]
    assert "MII" not in str(err.value)  # nothing of the key


def test_the_rotation_policy_is_set_once_and_remembered(tmp_path) -> None:
    h = Harness(tmp_path)
    h.write(
        f"domains:\n  {D}:\n    use_automatic_sender_security: true\n"
        "    dkim: {rotation: {enabled: true, interval: 30d}}\n"
    )
    h.apply()
    policy = dkim_management.rotation_of(h.emu.store.domains[D])
    assert (policy["enabled"], policy["interval_hours"]) == (True, 720)
    assert h.actions() == []
    h.write(f"domains:\n  {D}:\n    dkim: {{rotation: {{enabled: true, interval: 2d}}}}\n")
    with pytest.raises(ManifestError, match="2d is below Mailgun's minimum of 5 days"):
        h.desired()


def test_both_dkim_kinds_share_one_read_of_a_domains_keys(tmp_path) -> None:
    """dkim_keys and dkim both read GET /v4/domains/{d}/keys: a plan sends it once per domain
    (``Client.cache``), and the reads inside an apply are their own (they must see its writes)."""
    h = Harness(tmp_path)
    h.write(START)
    h.apply()
    h.emu.log.clear()
    assert h.actions() == []
    assert h.requests("GET", f"/v4/domains/{D}/keys") == [f"GET /v4/domains/{D}/keys"]
    h.write(ROTATE)
    h.emu.log.clear()
    h.apply()
    assert len(h.requests("GET", f"/v4/domains/{D}/keys")) == 2  # the plan's one read, and the re-read after it


def test_a_shared_read_that_fails_fails_every_caller(tmp_path) -> None:
    import threading

    h = Harness(tmp_path)
    results: list[object] = []
    with h.client.cache.sharing():

        def read() -> None:
            try:
                results.append(h.client.cache.read("/v4/domains/nowhere.example.com/keys", KEYS))
            except ApiError as err:
                results.append(err.status)

        threads = [threading.Thread(target=read) for _ in range(3)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    assert results == [404, 404, 404]
    assert h.requests("GET", "/v4/domains/nowhere.example.com/keys") == ["GET /v4/domains/nowhere.example.com/keys"]
