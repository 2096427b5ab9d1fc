"""What a reviewer reads, planned by the real engine against the emulator, in every format.

Golden files (regenerate after an intended change with MGSYNC_UPDATE_GOLDEN=1 and read the diff):
a template body edit as a unified diff, a removed webhook URL on its own ``-`` line, and a member
var key ``plan.tier`` changing from ``silver`` to ``gold`` with its key intact. Counted checks: 300
new routes all listed in text and in markdown under GitHub's limit, 1,500 all listed in text, and
2,000 new members summarised with their exact count, every one listed with ``--full``.
"""

from __future__ import annotations

import json

import pytest

from mgsync import render
from mgsync.plan import Plan
from tests.support.harness import Harness

from .test_golden import check

BODY = """<!doctype html>
<html>
  <body>
    <h1>Welcome, {{name}}!</h1>
    <p>Your account is ready.</p>
    <p>Thanks for signing up.</p>
    <p>Reply to this email if you need anything.</p>
    <p>See you soon.</p>
    <p>The Example team</p>
  </body>
</html>
"""

MANIFEST = """\
domains:
  mg.example.com:
    webhooks:
      delivered: [https://hooks.example.com/mailgun, https://backup.example.com/mailgun]
    templates:
      welcome:
        description: Welcome email
        headers: {{Subject: "Welcome!", Reply-To: help@example.com}}
        template: |
{body}
mailing_lists:
  crew@mg.example.com:
    name: Crew
    members:
      - {{address: ada@example.org, vars: {{plan.tier: {tier}, "odd]key": 1}}}}
"""


def manifest(body: str, *, urls: str, tier: str) -> str:
    text = MANIFEST.format(body="\n".join(f"          {line}" for line in body.splitlines()), tier=tier)
    return text.replace("[https://hooks.example.com/mailgun, https://backup.example.com/mailgun]", urls)


@pytest.fixture(scope="module")
def review(tmp_path_factory) -> Plan:
    h = Harness(tmp_path_factory.mktemp("review"))
    h.write(
        manifest(BODY, urls="[https://hooks.example.com/mailgun, https://backup.example.com/mailgun]", tier="silver")
    )
    h.apply()
    edited = BODY.replace("is ready.", "is ready to use.").replace(
        "  </body>", "    <p>P.S. We are hiring.</p>\n  </body>"
    )
    h.write(manifest(edited, urls="[https://hooks.example.com/mailgun]", tier="gold"))
    return h.plan()


def test_review_text(review) -> None:
    text = render.text(review)
    check("review.txt", text)
    assert "        -     <p>Your account is ready.</p>" in text
    assert "        +     <p>Your account is ready to use.</p>" in text
    assert '        - "https://backup.example.com/mailgun"' in text
    assert '      vars["plan.tier"]: "silver" -> "gold"' in text


def test_review_markdown(review) -> None:
    text = render.markdown(review)
    check("review.md", text)
    assert "-             <p>Your account is ready.</p>" in text.splitlines()
    assert '-         "https://backup.example.com/mailgun"' in text.splitlines()
    assert 'vars["plan.tier"]: "silver" -> "gold"' in text


def test_review_json(review) -> None:
    doc = render.json_document(review)
    check("review.json", json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    fields = {(c["address"], tuple(f["path"])): f for c in doc["changes"] for f in c["fields"]}
    assert fields[("member:crew@mg.example.com/ada@example.org", ("vars", "plan.tier"))]["after"] == "gold"
    assert fields[("webhook:mg.example.com/delivered", ("urls",))]["after"] == ["https://hooks.example.com/mailgun"]
    template = fields[("template:mg.example.com/welcome", ("template",))]
    assert "is ready to use." in template["after"] and "is ready." in template["before"]  # full values


def routes_plan(tmp_path, count: int) -> Plan:
    h = Harness(tmp_path)
    lines = ["routes:"]
    for i in range(count):
        lines += [
            f"  route-{i:04}:",
            f"    priority: {i}",
            f'    expression: match_recipient("r{i}@mg.example.com")',
            f'    actions: [forward("https://app.example.com/inbound/{i}"), stop()]',
        ]
    h.write("\n".join(lines) + "\n")
    return h.plan()


def test_300_new_routes_are_all_listed_in_text_and_markdown(tmp_path) -> None:
    plan = routes_plan(tmp_path, 300)
    wanted = [f"route:route-{i:04}" for i in range(300)]
    text, comment = render.text(plan), render.markdown(plan)
    assert [line[4:] for line in text.splitlines() if line.startswith("  + route:")] == wanted
    assert [line[4:] for line in comment.splitlines() if line.startswith("+   route:")] == wanted
    assert len(comment) < 65_536 and "left out" not in comment


def test_1500_new_routes_are_all_listed_in_text(tmp_path) -> None:
    text = render.text(routes_plan(tmp_path, 1500))
    assert [line[4:] for line in text.splitlines() if line.startswith("  + route:")] == [
        f"route:route-{i:04}" for i in range(1500)
    ]
    assert text.count('      expression: "match_recipient(') == 1500


@pytest.fixture(scope="module")
def members(tmp_path_factory) -> Plan:
    h = Harness(tmp_path_factory.mktemp("members"))
    rows = "\n".join(f"m{i:04}@example.org" for i in range(2000))
    (h.root / "crew.csv").write_text(f"address\n{rows}\n", encoding="utf-8")
    h.write("mailing_lists:\n  crew@mg.example.com:\n    name: Crew\n    members: {file: crew.csv}\n")
    return h.plan()


def test_2000_new_members_are_summarised_with_the_exact_count(members) -> None:
    text = render.text(members)
    check("members.txt", text)
    assert "  + 2,000 members in crew@mg.example.com (first 5 shown; plan --full lists every one)" in text
    comment = render.markdown(members)
    check("members.md", comment)
    assert "+   2,000 members in crew@mg.example.com (first 5 shown; plan --full lists every one)" in comment


def test_2000_new_members_are_all_listed_with_full(members) -> None:
    wanted = [f"member:crew@mg.example.com/m{i:04}@example.org" for i in range(2000)]
    text = render.text(members, full=True)
    assert "  + 2,000 members in crew@mg.example.com (all listed)" in text
    assert [line[8:] for line in text.splitlines() if line.startswith("      + member:")] == wanted
    # Too big for a pull-request comment even so: bulk detail is what goes, down to the exact count.
    comment = render.markdown(members, full=True)
    assert len(comment) < 65_536 and "member:crew@mg.example.com/" not in comment
    assert "+   2,000 members in crew@mg.example.com (plan --full lists every one)" in comment.splitlines()
