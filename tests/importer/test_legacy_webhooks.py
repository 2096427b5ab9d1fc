"""Domain webhooks in Mailgun's legacy shape, ``{"bounce": {"url": "…"}}``: one ``url`` instead of
``urls``, and the pre-2018 event names (bounce, deliver, drop, spam, unsubscribe, click, open). Mailgun's
own SDKs still read it: mailgun-go ``webhooks.go`` ``ListWebhooks`` takes ``UrlOrUrls`` (``if v.Url
!= ""``; ``mocks/mock_webhooks.go`` serves ``"legacy-webhook": {Url: …}``), mailgun-php
``src/Model/Webhook/IndexResponse.php`` reads ``$data['bounce']['url']``. They were dropped without a
word: not imported, not listed as not managed, never pruned."""

from __future__ import annotations

import json
from pathlib import Path

from mgsync import render
from mgsync.importer import run_import
from tests.support.harness import Harness

D = "mg.example.com"
LEGACY = {
    "delivered": {"urls": ["https://hooks.example.com/d"]},
    "opened": {"url": "http://example.com/legacy-open"},  # a current event, written the legacy way
    "bounce": {"url": "http://example.com/legacy-bounce"},  # a legacy event mgsync cannot write
}


def test_a_legacy_url_is_read_as_its_list_and_a_legacy_event_is_left_out_with_a_note(tmp_path: Path) -> None:
    h = Harness(tmp_path / "imported")
    h.emu.store.add_domain(D, state="active")
    h.emu.faults.replace_body(f"/v3/domains/{D}/webhooks", json.dumps({"webhooks": LEGACY}), exact=True)
    imported = run_import(h.client, h.root)
    assert imported.notes == [
        f"webhook:{D}/bounce was left out: mgsync cannot write it as a manifest (domains.{D}.webhooks.bounce: "
        'unknown event "bounce" (expected one of: accepted, clicked, complained, delivered, opened, permanent_fail, '
        "temporary_fail, unsubscribed)); it stays as it is in Mailgun, not managed."
    ]
    manifest = (h.root / f"{D}.yaml").read_text(encoding="utf-8")
    assert "      delivered: https://hooks.example.com/d\n      opened: http://example.com/legacy-open\n" in manifest
    plan = h.plan()
    assert h.actions(plan) == []
    assert f"Not managed (left alone):\n  1 webhook in {D}: bounce\n" in render.text(plan)
    h.write(f"domains:\n  {D}:\n    prune: [webhooks]\n", "prune.yaml")
    assert h.actions() == [(f"webhook:{D}/bounce", "delete")]
