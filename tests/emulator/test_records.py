"""The emulator reads an address as ``email.utils.parseaddr`` does; a plain one without the parser.

A member upload holds 1,000 addresses, and ``parseaddr`` takes ~17 us each: ``records.split_address``
gives a plain address (``PLAIN_ADDRESS``) back whole, as ``parseaddr`` would, and any other text to it.
"""

from __future__ import annotations

from email.utils import parseaddr

from hypothesis import given, settings
from hypothesis import strategies as st

from mgsync.emulator import records

# the characters a plain address has, and those that make ``parseaddr`` read a name, a route, a
# comment, a quoted part or a list of addresses
ADDRESS_LIKE = st.text(st.sampled_from("ab9Z.!#$%&'*+/=?^_`{|}~-@@ <>\"(),;:[]\\\tü"), min_size=1, max_size=12)


@settings(max_examples=1500)
@given(ADDRESS_LIKE)
def test_an_address_is_split_as_parseaddr_splits_it(raw: str) -> None:
    assert records.split_address(raw) == parseaddr(raw)


def test_plain_addresses_skip_the_parser_and_others_do_not() -> None:
    for raw in ("m00001.00@people.example.org", "o'neil+tag@example.com", ".a@b", "a@b-", "x@[1.2.3.4]"):
        assert records.split_address(raw) == parseaddr(raw)
    assert records.PLAIN_ADDRESS.fullmatch("m00001.00@people.example.org")
    for raw in ("Ann <a@example.com>", "a@b@c", "a@b,c@d", 'a"b@c', "ü@example.com", "a@"):
        assert not records.PLAIN_ADDRESS.fullmatch(raw)
        assert records.split_address(raw) == parseaddr(raw)
