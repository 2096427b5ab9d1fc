"""A bulk kind is declared once, as columns (``kinds/columns.py``): one more column in a test-only
copy of the bounce kind appears in its entry document, its JSON schema, its CSV (read, fast and
slow, and written) and what import makes of what Mailgun answers, with no other line changed."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from mgsync.answers import STR
from mgsync.client import Client
from mgsync.emulator import Emulator
from mgsync.kinds.columns import Table, column
from mgsync.kinds.suppression import BOUNCE, Bounce, BounceKind
from mgsync.manifest import csvdata
from mgsync.settings import Settings
from mgsync.shapes.output import Output

KEY = "columns-test-key"
STAMP = "Mon, 01 Jan 2024 00:00:00 UTC"  # Mailgun's suppression date form (the emulator's too)


class StampedBounce(Bounce):
    """Bounce's columns plus one: the date Mailgun answers with every bounce."""

    created_at: str = column(str, "", api=STR)


class StampedBounceKind(BounceKind):
    model = StampedBounce
    csv_ignored = ()  # the column is now a field, no longer one ignored


STAMPED = StampedBounceKind()


def test_the_column_is_in_the_entry_document_and_its_entry() -> None:
    doc = STAMPED.entry_doc.model_validate({"address": "ann@x.org", "created_at": STAMP})
    assert list(STAMPED.entry_doc.model_fields) == ["address", "code", "error", "created_at"]
    name, entry = STAMPED.entry(csvdata.fields_of(doc))
    assert name == "ann@x.org" and entry[:-1] == ("550", "", STAMP)
    assert entry[-1].names == {"created_at"}  # only what was written is managed
    assert "created_at" not in BOUNCE.entry_doc.model_fields  # the real kind is untouched


def test_the_column_is_in_the_json_schema() -> None:
    schema = TypeAdapter(STAMPED.document).json_schema()
    assert schema["$defs"]["StampedBounceDoc"]["properties"]["created_at"] == {"type": "string"}
    assert "created_at" not in TypeAdapter(BOUNCE.document).json_schema()["$defs"]["BounceDoc"]["properties"]


def test_the_column_is_read_from_csv_fast_and_slow_and_written() -> None:
    assert STAMPED.csv_columns == ("address", ("code", "error", "created_at"))
    assert STAMPED.csv_header == ("address", "code", "error", "created_at")
    text = f'address,code,created_at\nann@x.org,421,"{STAMP}"\nbob@x.org,550,"{STAMP}"\n'
    fast = csvdata.columnar(text, STAMPED)
    assert fast is not None
    names, entries = fast
    assert names == ["ann@x.org", "bob@x.org"] and [e[:-1] for e in entries] == [("421", "", STAMP), ("550", "", STAMP)]
    rows, problems = csvdata.load(text, "x.csv", STAMPED.csv_columns, STAMPED.entry_doc, STAMPED.plain)
    assert problems == [] and [STAMPED.entry(data) for _, data in rows] == list(zip(names, entries))
    assert STAMPED.csv_row(("ann@x.org", entries[0])) == ("ann@x.org", "421", "", STAMP)
    assert Table(StampedBounce, dict(zip(names, entries))).column("created_at") == [STAMP, STAMP]


def _client(emu: Emulator) -> Client:
    return Client(
        Settings("http://127.0.0.1", "basic", KEY, allow_http=True), transport=emu.transport(), sleep=lambda s: None
    )


def test_import_reads_the_column_from_mailgun_and_writes_it_inline_and_in_csv() -> None:
    emu = Emulator(api_key=KEY)
    emu.store.add_domain("mg.example.com", state="active")
    client = _client(emu)
    bounces = [{"address": f"u{i:02}@x.org", "code": "550", "error": "", "created_at": STAMP} for i in range(21)]
    client.post("/v3/mg.example.com/bounces", json=bounces)

    entries = STAMPED.read_entries(client, "mg.example.com")
    assert entries["u00@x.org"][:-1] == ("550", "", STAMP)
    out = Output()
    assert STAMPED.export_table(out, "mg.example.com", entries) == {"file": "suppressions/mg.example.com/bounces.csv"}
    assert out.files["suppressions/mg.example.com/bounces.csv"].decode().splitlines()[:2] == [
        "address,code,error,created_at",
        f'u00@x.org,550,,"{STAMP}"',
    ]
    inline: Any = STAMPED.export_table(Output(), "mg.example.com", {"u00@x.org": entries["u00@x.org"]})
    assert [dict(one) for one in inline] == [{"address": "u00@x.org", "code": "550", "created_at": STAMP}]
    # The real kind reads the same answer without the column (and its CSV still ignores it).
    assert BOUNCE.read_entries(client, "mg.example.com")["u00@x.org"][:-1] == ("550", "")
