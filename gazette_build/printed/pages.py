"""Where things landed in a laid-out issue: the printed page of every document and part (for the
目录 and the web pages' citations) and the range of pages each document's article occupies."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by whoever lays out; a cache hit never does
    import weasyprint

from ..model import Issue


def page_map(document: weasyprint.Document, issue: Issue) -> dict[str, int]:
    """{anchor: printed page} for every document and part: the page its title stands on."""
    wanted = {anchor for doc in issue.documents
              for anchor in (doc.anchor, *(part.anchor for part in doc.parts))}
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            if anchor in wanted:
                page_of.setdefault(anchor, number)
    return page_of


def document_pages(document: weasyprint.Document, issue: Issue) -> dict[str, tuple[int, int]]:
    """{stem: (first, last)} 0-based page indexes holding part of each document's article.

    Documents run on without page breaks, so a page may hold the end of one and the start of
    the next; each gets the page. The article boxes (data-stem in the template) tell.
    """
    ranges: dict[str, tuple[int, int]] = {}
    for index, page in enumerate(document.pages):
        for stem in _stems_in(page._page_box):
            first, _ = ranges.get(stem, (index, index))
            ranges[stem] = (first, index)
    known = {doc.stem for doc in issue.documents}
    return {stem: pages for stem, pages in ranges.items() if stem in known}


def _stems_in(box) -> set[str]:
    element = getattr(box, "element", None)
    stem = element.get("data-stem") if element is not None else None
    if stem:
        # a fragment with no children is only a margin carried over a page break
        return {stem} if getattr(box, "children", None) else set()
    return set().union(*(_stems_in(child) for child in getattr(box, "children", ())))
