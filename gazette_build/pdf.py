"""The printed issue: print HTML → one WeasyPrint layout → the issue PDF, the printed page of
every document and part, and each document's pages cut from that same layout.

Page numbers are physical: the cover is page 1 and the 目录 page 2, as in the printed gazette,
so the number in a `page_of` map is the number printed on that page (`— 7 —`).
"""
from __future__ import annotations

import gc
import io
import logging
import mimetypes
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import pypdf
import weasyprint
from pypdf.generic import NameObject, TextStringObject
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import printcache, printfonts, render
from .errors import Report
from .model import Document, Issue, PrintedIssue, Site, SiteConfig

TEMPLATE = "print/issue.html"
STYLESHEET = "print.css"  # in assets/
PDFA_VARIANT = "pdf/a-3b"
CSS_POSITION = re.compile(r" at (\d+):(\d+)")

# a change to how pages are mapped or cut must not be answered from the cache
_CODE_DIGEST = printcache.digest_bytes(Path(__file__).read_bytes())

#: WeasyPrint layouts done by this process; a cache hit leaves it unchanged (tests read it)
layout_count = 0


def render_issue(site: Site, issue: Issue, env: jinja2.Environment, report: Report, *,
                 only_cached: bool = False) -> PrintedIssue | None:
    """Lay out one issue (or take it from the cache) and report what went wrong on the way;
    with `only_cached`, return None instead of laying out an issue the cache does not hold."""
    global layout_count
    config = site.config
    root = config.root.resolve()
    faces = printfonts.resolve_faces(config, report)
    printfonts.check_coverage(config, issue, faces, report)
    html = render_html(site, issue, env, press=False)
    press_html = render_html(site, issue, env, press=True) if config.press else None
    key = printcache.digest([printcache.FORMAT, weasyprint.__version__, _CODE_DIGEST, html,
                             press_html, config.pdfa, printfonts.faces_signature(faces)])
    entry = printcache.load(root, issue.key, key)
    if entry is None:
        if only_cached:
            return None
        entry = _lay_out(config, issue, html, press_html)
        layout_count += 1
        printcache.store(root, issue.key, key, entry)
    for path, line, field_name, message in entry.diagnostics:
        report.warn(root / path, line, field_name, message)
    for doc in issue.documents:
        for anchor in (doc.anchor, *(part.anchor for part in doc.parts)):
            if anchor not in entry.page_of:
                report.error(doc.path, 1, "print", f"《{doc.title}》: '{anchor}' is on no page "
                             f"of the printed issue (hidden by {TEMPLATE} or print.css?)")
    return PrintedIssue(pdf=entry.pdf, page_count=entry.page_count, page_of=dict(entry.page_of),
                        document_pdfs=dict(entry.document_pdfs), press_pdf=entry.press_pdf)


def render_html(site: Site, issue: Issue, env: jinja2.Environment, *, press: bool) -> str:
    """The print HTML of an issue; `press` adds bleed and crop marks (see the template)."""
    config = site.config
    return env.get_template(TEMPLATE).render(
        site=site, config=config, issue=issue, press=press,
        fonts=printfonts.css_stacks(config.fonts),
        stylesheet=(config.assets_dir / STYLESHEET).resolve().as_uri(),
        cn_date=render.cn_date)


class SiteFetcher(URLFetcher):
    """Serves `file:` URLs inside the site folder and refuses everything else."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()
        # path relative to the site folder → sha256, or None for a file that does not exist
        # (the cache then lays the issue out again once it appears)
        self.fetched: dict[str, str | None] = {}
        self.refused: list[str] = []
        self.missing: list[str] = []

    def fetch(self, url, headers=None):
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"refused {url}: the printed edition reads only the site folder")
        if not path.is_file():
            self.missing.append(url)
            self.fetched[path.relative_to(self.root).as_posix()] = None
            raise ValueError(f"{url} does not exist")
        data = path.read_bytes()
        self.fetched[path.relative_to(self.root).as_posix()] = printcache.digest_bytes(data)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    def _local_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()  # resolves ../ and symlinks
        return path if path.is_relative_to(self.root) else None


def _lay_out(config: SiteConfig, issue: Issue, html: str,
             press_html: str | None) -> printcache.Entry:
    root = config.root.resolve()
    # documents' image paths are written for their web pages at <year>/<NN>/<stem>/, where the
    # content tree is mirrored at the site root: resolve them from the same depth in content/
    page_dir = config.content_dir.resolve() / str(issue.year) / f"{issue.number:02d}" / "page"
    fetcher = SiteFetcher(root)
    options = {"pdf_variant": PDFA_VARIANT} if config.pdfa else {}
    laid_out = []  # the finisher hands over the Document the PDF was drawn from
    with _weasyprint_warnings() as messages:
        # one layout gives the PDF and the anchors' pages. HTML.write_pdf() with a finisher
        # that keeps the Document, not render() then Document.write_pdf(): the latter measured
        # ~0.1 s slower on the seed issue with WeasyPrint 70 (cause not found)
        pdf = weasyprint.HTML(string=html, base_url=page_dir.as_uri() + "/",
                              url_fetcher=fetcher).write_pdf(
            finisher=lambda document, _: laid_out.append(document), **options)
        document = laid_out[0]
        press_pdf = None
        if press_html is not None:
            # bleed widens the page box, so the press copy is a layout of its own
            press_pdf = weasyprint.HTML(string=press_html, base_url=page_dir.as_uri() + "/",
                                        url_fetcher=fetcher).write_pdf(**options)
    template = Path(config.layouts_dir.resolve(), TEMPLATE).relative_to(root).as_posix()
    diagnostics = [[template, 1, "print", f"refused to read {url}: only files inside the site "
                    "folder are read"] for url in dict.fromkeys(fetcher.refused)]
    diagnostics += [[template, 1, "print", f"{url} does not exist"]
                    for url in dict.fromkeys(fetcher.missing)]
    stylesheet = Path(config.assets_dir.resolve(), STYLESHEET).relative_to(root).as_posix()
    for message in messages:
        if any(url in message for url in fetcher.refused + fetcher.missing):
            continue
        # CSS messages carry "at LINE:COLUMN" of the linked stylesheet, where the editor
        # has to look; the template's own <style> holds only the generated font stacks
        css = CSS_POSITION.search(message)
        diagnostics.append([stylesheet, int(css[1]), "css", message] if css
                           else [template, 1, "print", f"WeasyPrint: {message}"])
    page_of = _page_map(document, issue)
    documents = _cut(pdf, _document_pages(document, issue), config, issue, page_of)
    return printcache.Entry(pdf=pdf, press_pdf=press_pdf, page_count=len(document.pages),
                            page_of=page_of, document_pdfs=documents,
                            dependencies=dict(sorted(fetcher.fetched.items())),
                            diagnostics=diagnostics)


def _page_map(document: weasyprint.Document, issue: Issue) -> dict[str, int]:
    """{anchor: printed page} for every document and part: the page its title stands on."""
    wanted = {anchor for doc in issue.documents
              for anchor in (doc.anchor, *(part.anchor for part in doc.parts))}
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            if anchor in wanted:
                page_of.setdefault(anchor, number)
    return page_of


def _document_pages(document: weasyprint.Document, issue: Issue) -> dict[str, tuple[int, int]]:
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


def _cut(pdf: bytes, ranges: dict[str, tuple[int, int]], config: SiteConfig, issue: Issue,
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


@contextmanager
def _weasyprint_warnings():
    """Collect WeasyPrint's warnings as diagnostics instead of letting them reach the console."""
    messages: list[str] = []
    logger = logging.getLogger("weasyprint")

    class Collect(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler, propagate = Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
