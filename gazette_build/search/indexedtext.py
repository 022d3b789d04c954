"""What Pagefind reads from a page, as a digest: two pages with the same digest give the same
index, so a page changed only where Pagefind does not look leaves its part of the index as it
was (`indexing`). A 勘误 published today changes the page of the document it corrects, years
back (its notice); the document's own text, which is what the index holds, stays the same.

Pagefind indexes what is inside the elements marked `data-pagefind-body` less what is marked
`data-pagefind-ignore`, and reads filters, metadata and sort keys (`data-pagefind-filter`,
`-meta`, `-sort`, …) wherever they are. The digest is taken over a page's markup in that
sense, erring towards more: every tag, attribute and text inside a body and outside what is
ignored; every element carrying a `data-pagefind-` attribute with all it holds, wherever it
is; the `html` element (its language) and the `title`. A page whose markup cannot be followed
with certainty (an end tag that closes another element than the last one opened, an element
left open) or that marks no body is taken whole: it then differs wherever it changed.
"""
from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

# elements that have no end tag
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
WHITE_SPACE = re.compile(r"\s+")
BODY, IGNORE, PREFIX = "data-pagefind-body", "data-pagefind-ignore", "data-pagefind-"


def indexed_digest(page: bytes) -> bytes:
    """The sha256 of what Pagefind may read from `page` (UTF-8 HTML)."""
    reader = _Reader()
    reader.feed(page.decode("utf-8", "replace"))
    reader.close()
    whole = reader.broken or reader.open or not reader.has_body
    return hashlib.sha256(repr(_canonical(reader.everything if whole else reader.read))
                          .encode()).digest()


def _canonical(tokens: list) -> list:
    """The tokens with the text between two tags as one, its white space as Pagefind reads it:
    a space wherever there is any (a notice left out leaves its line break beside another)."""
    merged: list = []
    for token in tokens:
        if isinstance(token, str) and merged and isinstance(merged[-1], str):
            merged[-1] += token
        else:
            merged.append(token)
    return [WHITE_SPACE.sub(" ", token) if isinstance(token, str) else token
            for token in merged]


class _Reader(HTMLParser):
    """The page's tokens twice: all of them (`everything`) and those Pagefind may read (`read`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.everything: list = []
        self.read: list = []
        self.open: list[tuple[str, tuple[int, int, int]]] = []  # tag, what it adds to the depths
        self.body = self.ignored = self.kept = 0  # how many open elements mark each
        self.has_body = self.broken = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        names = {name for name, _ in attrs}
        marks = [(name, value or "") for name, value in attrs
                 if name.startswith(PREFIX) and name not in (BODY, IGNORE)]
        # a filter, metadata or sort key given as "key:value" is read from the attribute, one
        # given as "key" from what the element holds (kept, even where it is ignored)
        adds = (BODY in names, IGNORE in names,
                tag == "title" or any(":" not in value for _, value in marks))
        self.has_body = self.has_body or adds[0]
        self.body, self.ignored, self.kept = (self.body + adds[0], self.ignored + adds[1],
                                              self.kept + adds[2])
        self._token(("<", tag, tuple(attrs)))
        if (tag == "html" or marks) and self.read[-1:] != self.everything[-1:]:
            self.read.append(self.everything[-1])  # its language, its attributes: not all it holds
        if tag in VOID:
            self._close(adds)
        else:
            self.open.append((tag, adds))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1][0] != tag:
            self.broken = True  # the page is then taken whole: where the regions end is unsure
            return
        _, adds = self.open.pop()
        self._token((">", tag))
        self._close(adds)

    def handle_data(self, data: str) -> None:
        self._token(data)

    def _close(self, adds: tuple[int, int, int]) -> None:
        self.body, self.ignored, self.kept = (self.body - adds[0], self.ignored - adds[1],
                                              self.kept - adds[2])

    def _token(self, token) -> None:
        self.everything.append(token)
        if self.kept or (self.body and not self.ignored):
            self.read.append(token)
