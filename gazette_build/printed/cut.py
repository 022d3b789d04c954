"""Per-document PDFs: each document's pages copied out of the issue PDF, with its own metadata
and bookmarks, so that a document's PDF shows exactly the pages of the printed issue."""
from __future__ import annotations

import gc
import io
from contextlib import contextmanager

import pypdf
from pypdf.generic import NameObject, TextStringObject

from ..model import Document, Issue, SiteConfig


def cut_documents(pdf: bytes, ranges: dict[str, tuple[int, int]], config: SiteConfig, issue: Issue,
         page_of: dict[str, int]) -> dict[str, bytes]:
    """Each document's pages copied out of the issue PDF.

    Cut from the written PDF, not written again by WeasyPrint: re-subsetting the CJK fonts for
    every document costs about as much as the layout itself (measured: 0.95 s against 1.05 s),
    at the price of each document PDF carrying the issue's font subsets (~1 MB).
    """
    with _gc_paused():
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        return {doc.stem: _cut_one(reader, ranges[doc.stem], config, issue, doc, page_of)
                for doc in issue.documents if doc.stem in ranges}


def _cut_one(reader: pypdf.PdfReader, pages: tuple[int, int], config: SiteConfig, issue: Issue,
             doc: Document, page_of: dict[str, int]) -> bytes:
    first, last = pages
    info = reader.metadata or {}
    writer = pypdf.PdfWriter()
    for index in range(first, last + 1):
        writer.add_page(reader.pages[index])
    writer.add_metadata({
        "/Title": f"{doc.title} {doc.number}", "/Author": config.publisher,
        "/Subject": f"{config.title} {issue.label}",
        "/Producer": info.get("/Producer", "WeasyPrint"),
        "/CreationDate": info.get("/CreationDate", ""), "/ModDate": info.get("/ModDate", "")})
    writer._root_object[NameObject("/Lang")] = TextStringObject(config.language)
    top = writer.add_outline_item(title=doc.title,
                                  page_number=page_of.get(doc.anchor, first + 1) - 1 - first)
    for part in doc.parts:
        if part.anchor in page_of:
            title = f"{part.label}：{part.title}" if part.label else part.title
            writer.add_outline_item(title=title, page_number=page_of[part.anchor] - 1 - first,
                                    parent=top)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@contextmanager
def _gc_paused():
    """pypdf makes tens of thousands of short-lived, acyclic objects per issue; the collections
    they set off also walk the laid-out issue and doubled the cut (measured 0.10 s → 0.04 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
