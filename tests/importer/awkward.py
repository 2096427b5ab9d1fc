"""An awkward account seeded straight into the emulator's store: what live accounts really hold."""

from __future__ import annotations

from mgsync.emulator import Emulator, x509

DOMAINS = {"mg.example.com": "active", "news.example.com": "unverified", "old.example.org": "disabled"}


def seed(emu: Emulator) -> None:
    store = emu.store
    for name, state in DOMAINS.items():
        store.add_domain(name, state=state)
    _domain_settings(store)
    _routes(store)
    _templates(store)
    _lists(store)
    _suppressions(store)


def _domain_settings(store) -> None:
    mg = store.domains["mg.example.com"]
    mg.update(spam_action="tag", web_scheme="https", web_prefix="track", require_tls=True)
    x509.add_certificate(store, "track.mg.example.com")  # an active https domain has its certificate
    store.set_tracking(
        "mg.example.com",
        open=True,
        click="htmlonly",
        unsubscribe=True,
        place_at_the_top=True,
        html_footer='<p>Se désabonner — <a href="%unsubscribe_url%">ici</a> ✉</p>',
        text_footer="\n\nAbmelden: %unsubscribe_url% 😢\n",
    )
    store.set_tracking("news.example.com", click=True)
    store.add_webhook("mg.example.com", "delivered", ["https://hooks.example.com/mg"])
    store.add_webhook("mg.example.com", "permanent_fail", ["https://b.example.com/x", "https://a.example.com/y"])
    store.add_webhook("old.example.org", "opened", ["https://hooks.example.com/ünïcode?q=1&r=2"])
    store.add_credential("mg.example.com", "alice", "secret-alice")
    store.add_credential("mg.example.com", "billing.team", "secret-billing")
    store.add_credential("old.example.org", "legacy", "secret-legacy")


def _routes(store) -> None:
    store.add_route(
        'match_recipient("support@mg.example.com")',
        ['forward("https://app.example.com/in")', "stop()"],
        priority=10,
        description="support",
    )
    store.add_route(
        'match_recipient("help@mg.example.com")', ['forward("help@example.com")'], priority=10, description="support"
    )  # a duplicate description
    store.add_route("catch_all()", ["store()", "stop()"], priority=100, description="")
    store.add_route(
        'match_header("subject", "(?i).*facture.*")', ['forward("compta@example.com")'], priority=5, description=""
    )
    store.add_route(
        'match_recipient("(?P<u>[a-z]+)@mg.example.com")',
        ['forward("\\g<u>@example.com")'],
        priority=20,
        description="Équipe / ventes ☃",
    )
    store.add_route('match_recipient("x@mg.example.com")', ["stop()"], priority=0, description="  padded  ")


def _templates(store) -> None:
    versions = [
        {"tag": f"v{i}", "template": f"<p>Bonjour {{{{name}}}} — v{i}</p>\n", "active": i == 7} for i in range(1, 13)
    ]
    store.add_template("mg.example.com", "welcome", "Bienvenue ✨", versions)
    store.add_template(
        "mg.example.com",
        "receipt",
        "",
        [
            {
                "tag": "go1",
                "template": "Receipt {{.Number}}\r\nTotal: {{.Total}}",
                "engine": "go",
                "headers": {"Subject": "Reçu {{.Number}}", "Reply-To": "billing@example.com"},
                "active": True,
            }
        ],
    )
    store.add_template("mg.example.com", "draft", "never written", [])
    store.add_template(
        "news.example.com",
        "weird.name_1",
        "dots and underscores",
        [{"tag": "t", "template": "  leading spaces and trailing newline\n\n"}],
    )


def _lists(store) -> None:
    store.add_list(
        "news@news.example.com",
        name="Les Nouvelles — ☕",
        description="Hebdo",
        access_level="members",
        reply_preference="sender",
    )
    store.add_list("empty@mg.example.com")
    small = [
        {"address": "zoe@example.com", "name": "Zoë O'Brien", "vars": {"plan": "pro", "tags": ["a", "b"], "n": 3}},
        {"address": "gone@example.com", "subscribed": False},
        {"address": "plain@example.com"},
        {"address": "spaces@example.com", "name": " padded name "},
    ]
    store.add_members("news@news.example.com", small)
    store.add_list("big@mg.example.com", name="Big")
    store.add_members(
        "big@mg.example.com",
        (
            {
                "address": f"user{i:03d}@example.org",
                "name": f"Ürsula {i}" if i % 3 else "",
                "subscribed": i % 7 != 0,
                "vars": {"i": i, "ville": "Zürich"} if i % 2 else None,
            }
            for i in range(45)
        ),
    )


def _suppressions(store) -> None:
    store.add_bounces(
        "mg.example.com",
        [
            {
                "address": f"b{i}@example.net",
                "code": "550" if i % 2 else "552",
                "error": "mailbox unavailable" if i % 3 else "",
            }
            for i in range(25)
        ],
    )
    store.add_bounces("news.example.com", [{"address": "one@example.net", "code": "551", "error": "user not local"}])
    store.add_unsubscribes(
        "mg.example.com",
        [
            {"address": "multi@example.com", "tags": ["newsletter", "promo", "été"]},
            {"address": "all@example.com"},
            {"address": "tagged@example.com", "tag": "digest"},
        ],
    )
    store.add_unsubscribes(
        "news.example.com", [{"address": f"u{i}@example.com", "tags": ["a", "b"] if i % 2 else None} for i in range(30)]
    )
    store.add_complaints("mg.example.com", [{"address": "angry@example.org"}])
    store.add_allowlist(
        "mg.example.com",
        [{"value": "partner.example.org", "reason": "contrat — ne jamais bloquer"}, {"value": "ceo@example.com"}],
    )
