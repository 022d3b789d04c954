"""The static data layer for reusers: `issue.json` per issue, `<stem>.json` per document and a
site-wide `documents.json`, in the shape `docs/data.schema.json` describes.

Every front-matter field, where the document stands in print (first and last page), and the
absolute URLs of its page, its PDF, the issue PDF and its tables as CSV. Values are derived from
the build only, so two builds of the same archive give the same bytes.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable

from . import render, reused, tables, texts
from .record import links
from .memo import Cache
from .model import Document, Issue, PrintedIssue, Site, SiteConfig

if TYPE_CHECKING:
    from .earlyfiles import EarlyFiles

SCHEMA_VERSION = 1


def data_files(site: Site, printed: dict[str, PrintedIssue], cache: Cache | None = None,
               put: Callable[[str, bytes], reused.Page] | None = None,
               early: EarlyFiles | None = None) -> dict[str, reused.Page]:
    """{output path: bytes} of every JSON file and every table's CSV; with `put` (the build's
    staging folder), each file is written as soon as it is made and not held.

    Each document's JSON is made once and spliced into its issue's and the site's files; with
    the preview's `cache`, an unchanged document's JSON and CSV are not made again; `early`:
    those made while the documents were converted (earlyfiles.py), taken where they were made
    from what they would be made from now."""
    config = site.config
    files: dict[str, reused.Page] = {}

    def keep(path: str, data: reused.Page) -> None:
        if put is None:
            files[path] = data
        elif cache is not None and isinstance(data, bytes):  # an issue's or the site's JSON
            files[path] = reused.as_published(path, data, cache, put)
        else:
            files[path] = put(path, data)

    everything: list[str] = []
    for issue in site.issues:
        print_ = printed.get(issue.key)
        header = render.IssueHeader.of(issue)
        records = []
        for doc in issue.documents:
            key = ("data", config, issue.year, issue.number, issue.total, issue.date, doc,
                   _print_facts(doc, print_))
            def make(doc=doc, issue=issue, print_=print_):
                made = early.take_data(doc, config, header) \
                    if early is not None and print_ is None else None
                if made is not None:  # written already: read back to be spliced below
                    record, csvs = made
                    return reused.content(record).decode("utf-8")[:-1], \
                        {record_path(doc): record, **csvs}
                text, csvs = document_files(config, issue, doc, print_)
                # written at once when staged: the memo then holds where they are, not bytes,
                # and a later build links them (its own JSON too: writing 1,500 of them again
                # was 4 % of an edit's rebuild, profiled)
                return text, {path: put(path, data) if put is not None else data
                              for path, data in {record_path(doc): record_file(text),
                                                 **csvs}.items()}
            text, made_files = cache.get(key, make, reused.usable) if cache is not None \
                else make()
            for path, file in made_files.items():
                if isinstance(file, reused.Staged):  # made (and written) just now
                    files[path] = file
                else:
                    keep(path, file)
            records.append(text)
        keep(f"{issue.url}issue.json", _with_documents(issue_record(config, issue, print_), records))
        everything.extend(records)
    keep("documents.json", _with_documents({
        "schema_version": SCHEMA_VERSION, "gazette": config.title, "publisher": config.publisher,
        "url": config.base_url}, everything))
    return files


def record_path(doc: Document) -> str:
    return f"{doc.url}{doc.stem}.json"


def record_file(text: str) -> bytes:
    """A document's JSON file: its record's text, a line of its own."""
    return (text + "\n").encode("utf-8")


def document_files(config: SiteConfig, issue: Issue | render.IssueHeader, doc: Document,
                   print_: PrintedIssue | None) -> tuple[str, dict[str, bytes]]:
    """One document's JSON record (its text) and its tables' CSV files by output path; of its
    issue, only what `render.IssueHeader` holds is read."""
    doc = texts.held(doc)  # its tables are read from its HTML
    doc_tables = tables.document_tables(doc)
    record = document_record(config, issue, doc, print_, len(doc_tables))
    return _json(record), tables.csv_files(doc, doc_tables)


def _print_facts(doc: Document, print_: PrintedIssue | None) -> tuple:
    """What a document's record takes from the print edition (a cache key's part)."""
    if print_ is None:
        return ()
    pdf = print_.document_pdfs.get(doc.stem)
    return (print_.page_of.get(doc.anchor), print_.document_pages.get(doc.stem),
            len(pdf) if pdf is not None else None)


def _with_documents(record: dict, documents: list[str]) -> bytes:
    """`record` with a "documents" list of the JSON texts given, spliced in as they are."""
    head = _json(record)[:-1]
    return f'{head},"documents":[{",".join(documents)}]}}\n'.encode("utf-8")


def issue_record(config: SiteConfig, issue: Issue, print_: PrintedIssue | None) -> dict:
    """The issue's own fields; data_files adds its documents' records as "documents"."""
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
    }


def document_record(config: SiteConfig, issue: Issue | render.IssueHeader, doc: Document,
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
        "relations": links.relations_record(base, doc),  # 勘误, 废止, 修改 both ways
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


def _json(value) -> str:
    # compact: json's C encoder is used only without indent (measured 5× faster at 1,500)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
