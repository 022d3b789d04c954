"""The static data layer for reusers: `issue.json` per issue, `<stem>.json` per document and a
site-wide `documents.json`, in the shape `docs/data.schema.json` describes.

Every front-matter field, where the document stands in print (first and last page), and the
absolute URLs of its page, its PDF, the issue PDF and its tables as CSV. Values are derived from
the build only, so two builds of the same archive give the same bytes.
"""
from __future__ import annotations

import json

from . import render, tables
from .model import Document, Issue, PrintedIssue, Site, SiteConfig

SCHEMA_VERSION = 1


def data_files(site: Site, printed: dict[str, PrintedIssue]) -> dict[str, bytes]:
    """{output path: bytes} of every JSON file and every table's CSV."""
    config = site.config
    files: dict[str, bytes] = {}
    everything = []
    for issue in site.issues:
        print_ = printed.get(issue.key)
        records = []
        for doc in issue.documents:
            doc_tables = tables.document_tables(doc)
            record = document_record(config, issue, doc, print_, len(doc_tables))
            files[f"{doc.url}{doc.stem}.json"] = _json(record)
            files.update(tables.csv_files(doc, doc_tables))
            records.append(record)
        files[f"{issue.url}issue.json"] = _json(issue_record(config, issue, print_, records))
        everything.extend(records)
    files["documents.json"] = _json({
        "schema_version": SCHEMA_VERSION, "gazette": config.title, "publisher": config.publisher,
        "url": config.base_url, "documents": everything})
    return files


def issue_record(config: SiteConfig, issue: Issue, print_: PrintedIssue | None,
                 documents: list[dict]) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "gazette": config.title,
        "year": issue.year, "number": issue.number, "total": issue.total,
        "date": issue.date.isoformat(), "label": issue.label,
        "url": config.base_url + issue.url,
        "json": f"{config.base_url}{issue.url}issue.json",
        "pdf": ({"url": f"{config.base_url}{issue.url}{render.pdf_name(config, issue)}",
                 "bytes": len(print_.pdf), "pages": print_.page_count} if print_ else None),
        "sections": [{"name": section.name, "documents": [doc.stem for doc in section.documents]}
                     for section in issue.sections],
        "documents": documents,
    }


def document_record(config: SiteConfig, issue: Issue, doc: Document,
                    print_: PrintedIssue | None, table_count: int) -> dict:
    """One document: its front-matter, its place in the issue and in print, its URLs."""
    base = config.base_url
    page_url = base + doc.url
    record = {
        "stem": doc.stem,
        "title": doc.title,
        "number": doc.number,
        "date": doc.date.isoformat(),
        "issuer": doc.issuer,
        "section": doc.section,
        "disclosure": doc.disclosure,
        "notes": [text for _, text in doc.notes],
        "keywords": list(doc.keywords),
        "index_number": (f"{config.organisation_code}/{doc.index_number}"
                         if doc.index_number and config.organisation_code else doc.index_number),
        "topic": doc.topic,
        "validity": doc.validity,
        "issue": {"year": issue.year, "number": issue.number, "total": issue.total,
                  "date": issue.date.isoformat(), "label": issue.label,
                  "url": base + issue.url},
        "url": page_url,
        "json": f"{page_url}{doc.stem}.json",
        "printed": None,
        "pdf": None,
        "issue_pdf": None,
        "tables": [f"{page_url}{tables.csv_name(doc, index)}"
                   for index in range(1, table_count + 1)],
    }
    if print_ is not None and doc.anchor in print_.page_of:
        first = print_.page_of[doc.anchor]
        last = max(first, print_.document_pages.get(doc.stem, (first, first))[1])
        record["printed"] = {"first_page": first, "last_page": last,
                             "pages": render.page_range(first, last)}
        record["issue_pdf"] = f"{base}{issue.url}{render.pdf_name(config, issue)}#page={first}"
        if doc.stem in print_.document_pdfs:
            record["pdf"] = {"url": f"{page_url}{doc.stem}.pdf",
                             "bytes": len(print_.document_pdfs[doc.stem]),
                             "pages": last - first + 1}
    return record


def _json(value) -> bytes:
    # compact: json's C encoder is used only without indent (measured 5× faster at 1,500)
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
