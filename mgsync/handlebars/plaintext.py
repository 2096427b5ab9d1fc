"""A plain-text view of rendered HTML, for ``template render --text`` and the plan's rendered diffs:
what a reader sees, one block per line, a link as ``text <url>``, an image as ``[alt]``; the head,
styles and scripts left out, entities decoded, whitespace collapsed as a browser does.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "table",
        "tr",
        "section",
        "header",
        "footer",
        "blockquote",
        "pre",
        "center",
        "article",
        "body",
        "html",
    }
)
HIDDEN = frozenset({"head", "style", "script", "title"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")
        elif tag == "td" or tag == "th":
            self.parts.append(" ")
        elif tag == "img" and found.get("alt"):
            self.parts.append(f" [{found['alt']}] ")
        if tag == "a":
            self.links.append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.links:
            href = self.links.pop().strip()
            if href and not href.startswith("#"):
                self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def text_of(html: str) -> str:
    """The plain-text view of ``html``: lines stripped, at most one blank line in a row."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""
