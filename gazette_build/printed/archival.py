"""PDF/A-3b for the PDFs cut out of an archival issue, and the sources they preserve.

WeasyPrint makes the issue PDF PDF/A-3b (`print: {pdfa: true}`); a document cut out of it is a
new file and must say so itself: its own XMP packet identifying PDF/A-3 level B with the same
title, author and dates as its document information, and the issue's output intent (sRGB).
PDF/A-3 lets a PDF carry the files it was made from as associated files (/AF): every document
PDF carries its Markdown source and its metadata as JSON, and the issue PDF those of all its
documents, so that the archive keeps the text in the form it was edited.
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

import pikepdf

from ..model import Document, Issue


def make_archival(cut: pikepdf.Pdf, source: pikepdf.Pdf, issue: Issue, doc: Document,
                  pages: tuple[int, int]) -> None:
    """Make the cut-out document `cut` a PDF/A-3b file carrying its sources."""
    if "/OutputIntents" in source.Root:
        # the intents are direct objects in WeasyPrint's PDF; only indirect ones can be copied
        cut.Root.OutputIntents = pikepdf.Array(
            cut.copy_foreign(source.make_indirect(intent))
            for intent in source.Root.OutputIntents)
    info = cut.docinfo
    cut.Root.Metadata = cut.make_stream(_xmp(
        title=str(info.get("/Title", "")), author=str(info.get("/Author", "")),
        subject=str(info.get("/Subject", "")), producer=str(info.get("/Producer", "")),
        created=str(info.get("/CreationDate", "")), modified=str(info.get("/ModDate", ""))))
    cut.Root.Metadata.Type = pikepdf.Name.Metadata
    cut.Root.Metadata.Subtype = pikepdf.Name.XML
    _attach(cut, issue, [(doc, pages)])


def attach_sources(pdf: pikepdf.Pdf, issue: Issue,
                   documents: list[tuple[Document, tuple[int, int]]]) -> None:
    """The issue PDF carries the sources of all its documents."""
    _attach(pdf, issue, documents)


def document_record(doc: Document, issue: Issue, pages: tuple[int, int]) -> dict:
    """What the archive needs to know of a document beside its text; `pages` are the printed
    first and last page."""
    first, last = pages
    return {"title": doc.title, "number": doc.number, "date": doc.date.isoformat(),
            "issuer": doc.issuer, "section": doc.section, "disclosure": doc.disclosure,
            "issue": {"year": issue.year, "number": issue.number, "total": issue.total,
                      "date": issue.date.isoformat()},
            "first_page": first, "last_page": last, "source": doc.path.name}


def _attach(pdf: pikepdf.Pdf, issue: Issue, documents) -> None:
    date = f"D:{issue.date:%Y%m%d}"
    for doc, pages in documents:
        record = json.dumps(document_record(doc, issue, pages), ensure_ascii=False, indent=1)
        for name, data, mime, relationship, description in (
                (doc.path.name, doc.path.read_bytes(), "text/markdown", pikepdf.Name.Source,
                 f"{doc.number} 的 Markdown 原文"),
                (f"{doc.stem}.json", record.encode(), "application/json", pikepdf.Name.Data,
                 f"{doc.number} 的元数据")):
            spec = pikepdf.AttachedFileSpec(pdf, data, description=description, filename=name,
                                            mime_type=mime, creation_date=date, mod_date=date,
                                            relationship=relationship)
            pdf.attachments[name] = spec  # with a relationship, pikepdf lists it in /AF too


def _xmp_date(pdf_date: str) -> str:
    """D:20240305 → 2024-03-05 (the XMP form of the same date, as PDF/A requires)."""
    digits = pdf_date.removeprefix("D:")
    parts = [digits[0:4], digits[4:6], digits[6:8]]
    return "-".join(part for part in parts if part)


def _xmp(*, title: str, author: str, subject: str, producer: str, created: str,
         modified: str) -> bytes:
    """An XMP packet identifying PDF/A-3b, equal to the document information dictionary."""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li></rdf:Alt></dc:description>
   <pdf:Producer>{escape(producer)}</pdf:Producer>
   <xmp:CreateDate>{_xmp_date(created)}</xmp:CreateDate>
   <xmp:ModifyDate>{_xmp_date(modified)}</xmp:ModifyDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>""".encode()
