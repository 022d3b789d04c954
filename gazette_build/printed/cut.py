"""The PDFs a reader downloads, finished from WeasyPrint's issue PDF: each document's pages cut
out into a PDF of its own (its metadata, bookmarks and links to its own pages), then every PDF's
fonts cut down to the glyphs its own pages draw (`slim`), and the archival parts added when
site.yaml asks for PDF/A (`archival`).

Cut from the written PDF, not written again by WeasyPrint: laying out or re-subsetting through
WeasyPrint for every document costs about as much as the layout itself (measured 0.95 s against
1.05 s for the seed issue).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

from ..model import Document, Issue, SiteConfig
from . import archival, slim, tags


@dataclass(frozen=True, slots=True)
class Finished:
    """The issue PDF as published and each document's PDF, by stem."""

    issue_pdf: bytes
    document_pdfs: dict[str, bytes]


def finish(pdf: bytes, ranges: dict[str, tuple[int, int]], config: SiteConfig, issue: Issue,
           page_of: dict[str, int]) -> Finished:
    """Cut every document of `issue` out of its PDF and slim every font; `ranges` gives each
    document's first and last page (0-based), `page_of` the printed page of each anchor."""
    source = pikepdf.open(io.BytesIO(pdf))
    usage = slim.glyph_usage(source.pages)
    documents = {doc.stem: _cut_one(source, usage, ranges[doc.stem], config, issue, doc, page_of)
                 for doc in issue.documents if doc.stem in ranges}
    slim.compact_fonts(source, slim.union(usage))
    if config.pdfa:
        archival.attach_sources(source, issue, [(doc, _printed(ranges[doc.stem]))
                                                for doc in issue.documents if doc.stem in ranges])
    return Finished(_save(source), documents)


def slimmed(pdf: bytes) -> bytes:
    """A PDF with its fonts cut down to the glyphs it draws (the press copy)."""
    source = pikepdf.open(io.BytesIO(pdf))
    slim.compact_fonts(source, slim.union(slim.glyph_usage(source.pages)))
    return _save(source)


def _cut_one(source: pikepdf.Pdf, usage: list[slim.Usage], pages: tuple[int, int],
             config: SiteConfig, issue: Issue, doc: Document, page_of: dict[str, int]) -> bytes:
    first, last = pages
    cut = pikepdf.new()
    for index in range(first, last + 1):
        cut.pages.append(source.pages[index])
    # every page of the issue shares one resource dictionary: give each page only what it uses
    cut.remove_unreferenced_resources()
    _keep_destinations(source, cut, range(first, last + 1))
    tags.carry_structure(source, cut, range(first, last + 1))
    slim.compact_fonts(cut, slim.union(usage[first:last + 1]))
    info = source.docinfo
    cut.docinfo.update({
        "/Title": f"{doc.title} {doc.number}", "/Author": config.publisher,
        "/Subject": f"{config.title} {issue.label}",
        "/Producer": info.get("/Producer", "WeasyPrint"),
        "/CreationDate": info.get("/CreationDate", ""), "/ModDate": info.get("/ModDate", "")})
    cut.Root.Lang = pikepdf.String(config.language)
    with cut.open_outline() as outline:
        top = pikepdf.OutlineItem(doc.title, page_of.get(doc.anchor, first + 1) - 1 - first)
        for part in doc.parts:
            if part.anchor in page_of:
                title = f"{part.label}：{part.title}" if part.label else part.title
                top.children.append(pikepdf.OutlineItem(title, page_of[part.anchor] - 1 - first))
        outline.root.append(top)
    if config.pdfa:
        archival.make_archival(cut, source, issue, doc, _printed(pages))
    return _save(cut, min_version=source.pdf_version)


def _printed(pages: tuple[int, int]) -> tuple[int, int]:
    """0-based page indexes → the page numbers printed on them (the cover is page 1)."""
    return pages[0] + 1, pages[1] + 1


def _keep_destinations(source: pikepdf.Pdf, cut: pikepdf.Pdf, kept: range) -> None:
    """Named destinations on the kept pages, so that links inside the document still work;
    a link to a page of another document leads nowhere, as before."""
    names = source.Root.get("/Names", {}).get("/Dests", {}).get("/Names")
    if names is None:
        return
    pages = {source.pages[index].objgen: position for position, index in enumerate(kept)}
    entries = []
    for name, destination in zip(names[::2], names[1::2]):
        target = destination[0] if isinstance(destination, pikepdf.Array) else None
        if target is not None and target.objgen in pages:
            entries += [name, pikepdf.Array([cut.pages[pages[target.objgen]].obj,
                                             *destination[1:]])]
    if entries:
        cut.Root.Names = pikepdf.Dictionary(
            Dests=cut.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(entries))))


def _save(pdf: pikepdf.Pdf, min_version: str = "") -> bytes:
    """Serialised compactly and deterministically: the same input gives the same bytes (the
    file identifier is a hash of the content, not of the time). A cut document declares the
    PDF version of its issue."""
    output = io.BytesIO()
    pdf.save(output, deterministic_id=True, compress_streams=True, min_version=min_version,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return output.getvalue()
