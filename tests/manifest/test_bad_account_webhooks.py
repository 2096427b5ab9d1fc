"""Bad ``account_webhooks:`` sections fail ``mgsync validate`` with exactly these located messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mgsync.cli import main
from tests.support.cli import native

CASES = {
    "unknown_event.yaml": (
        "account_webhooks:\n"
        "  https://hooks.example.com/a: {events: [delivered, opend]}\n"
        "  https://hooks.example.com/b:\n"
        "    events: [bounce]\n"
        "    descripton: typo\n"
        "  https://hooks.example.com/c: {events: [clicked, clicked]}\n",
        [
            'unknown_event.yaml:2:53: account_webhooks.https://hooks.example.com/a.events[1]: unknown event "opend" (did you mean "opened"?)',
            'unknown_event.yaml:4:14: account_webhooks.https://hooks.example.com/b.events[0]: unknown event "bounce" (expected one of: accepted, clicked, complained, delivered, opened, permanent_fail, temporary_fail, unsubscribed)',
            'unknown_event.yaml:5:5: account_webhooks.https://hooks.example.com/b.descripton: unknown key "descripton" (did you mean "description"?)',
            'unknown_event.yaml:6:33: account_webhooks.https://hooks.example.com/c.events: lists "clicked" twice',
        ],
    ),
    "too_many_urls.yaml": (
        "account_webhooks:\n"
        "  https://a.example.com/1: {events: [opened, clicked]}\n"
        "  https://a.example.com/2: {events: [opened, clicked]}\n"
        "  https://a.example.com/3: {events: [clicked, opened]}\n"
        "  https://a.example.com/4: {events: [delivered, opened]}\n"
        "  https://a.example.com/5: {events: [clicked]}\n",
        [
            'too_many_urls.yaml:5:49: account_webhooks.https://a.example.com/4.events[1]: "opened" already has 3 URLs in this file (https://a.example.com/1, https://a.example.com/2, https://a.example.com/3); Mailgun allows at most 3 URLs per event type',
            'too_many_urls.yaml:6:38: account_webhooks.https://a.example.com/5.events[0]: "clicked" already has 3 URLs in this file (https://a.example.com/1, https://a.example.com/2, https://a.example.com/3); Mailgun allows at most 3 URLs per event type',
        ],
    ),
    "bad_urls.yaml": (
        "account_webhooks:\n"
        "  ftp://hooks.example.com/a: {events: [opened]}\n"
        "  hooks.example.com/b: {events: [opened]}\n"
        "  'https://hooks.example.com/c d': {events: [opened]}\n"
        "  https://hooks.example.com/e: {events: []}\n"
        "  https://hooks.example.com/f: {description: no events}\n",
        [
            'bad_urls.yaml:2:3: account_webhooks.ftp://hooks.example.com/a: "ftp://hooks.example.com/a" is not a valid URL (expected http:// or https:// and a host)',
            'bad_urls.yaml:3:3: account_webhooks.hooks.example.com/b: "hooks.example.com/b" is not a valid URL (expected http:// or https:// and a host)',
            'bad_urls.yaml:4:3: account_webhooks.https://hooks.example.com/c d: "https://hooks.example.com/c d" is not a valid URL (expected http:// or https:// and a host)',
            "bad_urls.yaml:5:33: account_webhooks.https://hooks.example.com/e.events: must not be empty",
            'bad_urls.yaml:6:3: account_webhooks.https://hooks.example.com/f: missing required key "events"',
        ],
    ),
    "defined_twice": (
        {
            "a.yaml": "account_webhooks:\n  https://hooks.example.com/a: {events: [opened]}\n",
            "b.yaml": "account_webhooks:\n  https://hooks.example.com/a: {events: [clicked]}\n",
        },
        [
            f"{native('defined_twice/b.yaml')}:2:3: account_webhook:https://hooks.example.com/a: defined twice"
            f" (also at {native('defined_twice/a.yaml')}:2:3)",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_account_webhooks_fail_with_exact_messages(case: str, tmp_path: Path, monkeypatch) -> None:
    content, expected = CASES[case]
    files = content if isinstance(content, dict) else {"": content}
    for name, text in files.items():
        path = tmp_path / case / name if name else tmp_path / case
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", case])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*expected, f"{len(expected)} error{'s' if len(expected) > 1 else ''} found."]
