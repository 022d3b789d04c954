"""The printed issue: print HTML → one WeasyPrint layout → the issue PDF, the printed page of
every document and part, and each document's pages cut from that same layout.

Page numbers are physical: the cover is page 1 and the 目录 page 2, as in the printed gazette,
so the number in a `page_of` map is the number printed on that page (`— 7 —`).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import jinja2

from .. import render
from ..errors import Report
from ..model import Issue, PrintedIssue, Site, SiteConfig
from ..uptodate import installed_version
from . import cache as printcache, clreq, continued, fonts as printfonts, limits, sameimages, titles
from .addresses import site_uri
from .pages import document_pages, page_map

TEMPLATE = "print/issue.html"
STYLESHEET = "print.css"  # in assets/
PDFA_VARIANT = "pdf/a-3b"
CSS_POSITION = re.compile(r" at (\d+):(\d+)")

# a change to how issues are laid out, mapped or cut must not be answered from the cache
_CODE_DIGEST = printcache.digest([printcache.digest_bytes(path.read_bytes())
                                  for path in sorted(Path(__file__).parent.glob("*.py"))])

# the cache key names WeasyPrint's version without importing it: importing WeasyPrint and pypdf
# takes about a second, which a build whose PDFs all come from the cache need not pay
WEASYPRINT_VERSION = installed_version("weasyprint") or "?"

#: WeasyPrint layouts done by this process; a cache hit leaves it unchanged (tests read it)
layout_count = 0


def render_issue(site: Site, issue: Issue, env: jinja2.Environment, report: Report, *,
                 only_cached: bool = False, fresh: bool = False) -> PrintedIssue | None:
    """Lay out one issue (or take it from the cache) and report what went wrong on the way;
    with `only_cached`, return None instead of laying out an issue the cache does not hold;
    with `fresh`, lay it out even if the cache holds it (`gazette verify --issue`)."""
    global layout_count
    config = site.config
    root = config.root.resolve()
    too_large = limits.issue_problems(issue)
    if too_large:  # named, and this issue has no PDF this time; the web edition is built
        if not only_cached:
            for doc, line, message in too_large:
                report.warn(doc.path, line, "print", f"{message}: {issue.label} gets no PDF "
                            "(the web edition is built); split it or shorten it")
        return None
    faces = printfonts.resolve_faces(config, report)
    html = render_html(site, issue, env, press=False)
    press_html = render_html(site, issue, env, press=True) if config.press else None
    key = printcache.digest([printcache.FORMAT, WEASYPRINT_VERSION, _CODE_DIGEST, html,
                             press_html, config.pdfa, config.tagged, config.saddle_stitch,
                             printfonts.faces_signature(faces),
                             _attached_sources(issue) if config.pdfa else None])
    entry = None if fresh else printcache.load(
        root, issue.key, key, lambda folder, message: report.warn(folder, 1, "cache", message))
    if entry is None:
        if only_cached:
            return None
        entry = _lay_out(config, issue, html, press_html)
        # the fonts' coverage of the text is a function of the key too (the HTML holds every
        # text, the faces' signature the fonts): kept in the entry, a hit need not load HarfBuzz
        coverage = Report(root)
        printfonts.check_coverage(config, issue, faces, coverage)
        entry = replace(entry, diagnostics=[[d.path, d.line, d.field, d.message]
                                            for d in coverage.diagnostics] + entry.diagnostics)
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
                        document_pages=dict(entry.document_pages),
                        document_pdfs=dict(entry.document_pdfs), press_pdf=entry.press_pdf,
                        recorded=_recorded_pages(issue, entry.page_of, report))


def _attached_sources(issue: Issue) -> list[tuple[str, str]]:
    """What a PDF/A layout carries beside what it lays out: each document's Markdown file
    (`archival`), by name and digest. A front-matter edit the print HTML does not show (a
    status, a repeal: the edits a published issue allows) left the old file attached."""
    return [(doc.path.name, printcache.digest_bytes(doc.path.read_bytes()))
            for doc in issue.documents]


def _recorded_pages(issue: Issue, page_of: dict[str, int], report: Report) -> dict[str, int]:
    """The start pages issue.yaml records for an issue printed elsewhere, by anchor; a warning
    where this layout puts a document on another page."""
    anchors = {doc.stem: doc.anchor for doc in issue.documents}
    recorded = {}
    for stem, page, line in issue.printed_pages:
        recorded[anchors[stem]] = page
        own = page_of.get(anchors[stem])
        if own is not None and own != page:
            report.warn(issue.path, line, "printed_pages", f"{stem} starts on page {page} as "
                        f"printed, on page {own} in this layout; the web edition cites page {page}")
    return recorded


def render_html(site: Site, issue: Issue, env: jinja2.Environment, *, press: bool) -> str:
    """The print HTML of an issue, its text marked for Chinese line breaking (clreq.py), the
    same picture under two names given one address (sameimages.py); `press` adds bleed and crop
    marks (see the template)."""
    config = site.config
    html = continued.label_continuations(clreq.mark_up(env.get_template(TEMPLATE).render(
        site=site, config=config, issue=issue, press=press,
        fonts=printfonts.css_stacks(config.fonts),
        stylesheet=site_uri(config.root.resolve(), (config.assets_dir / STYLESHEET).resolve()),
        cn_date=render.cn_date, title_html=_title_html(config))))
    printfonts.keep_advances()  # the titles' new characters, for the next build
    return sameimages.shared(html, _page_dir(config, issue), config.content_dir)


def _page_dir(config: SiteConfig, issue: Issue) -> Path:
    """The folder the print HTML's addresses are relative to. Documents' image paths are
    written for their web pages at <year>/<NN>/<stem>/, where the content tree is mirrored at
    the site root: they are resolved from the same depth in content/."""
    return config.content_dir.resolve() / str(issue.year) / f"{issue.number:02d}" / "page"


def _title_html(config: SiteConfig):
    """title_html(title, issuer, lines, kind=…) for the template: balanced lines (titles.py)."""
    width = printfonts.title_width(config)
    return lambda title, issuer="", lines=(), kind="document": titles.title_html(
        title, issuer, tuple(lines), kind=kind, width=width)


def _lay_out(config: SiteConfig, issue: Issue, html: str,
             press_html: str | None) -> printcache.Entry:
    import weasyprint

    from . import cut, justify, overflow
    from .fetcher import SiteFetcher

    root = config.root.resolve()
    page_dir = _page_dir(config, issue)
    fetcher = SiteFetcher(root)
    options = {"pdf_variant": PDFA_VARIANT} if config.pdfa else {}
    if config.tagged:  # PDF/A-3b does not ask for tags; WeasyPrint adds them on request
        options["pdf_tags"] = True
    with _weasyprint_warnings() as messages, _extended(justify):
        document = _render(config, html, page_dir, fetcher)
        wide = overflow.wide_tables(document)
        for step in overflow.STEPS:  # tables too wide set tighter, the issue laid out again
            if not wide:
                break
            html = overflow.marked(html, wide, step)
            press_html = press_html and overflow.marked(press_html, wide, step)
            document = _render(config, html, page_dir, fetcher)
            wide = overflow.wide_tables(document)
        pdf = document.write_pdf(**options)
        press_pdf = None
        if press_html is not None:
            # bleed widens the page box, so the press copy is a layout of its own
            press_pdf = _render(config, press_html, page_dir, fetcher).write_pdf(**options)
    template = Path(config.layouts_dir.resolve(), TEMPLATE).relative_to(root).as_posix()
    diagnostics = [] if justify.supported() else [[
        template, 1, "print", f"WeasyPrint {weasyprint.__version__} is not one the Chinese "
        "justification was written for (gazette_build/printed/justify.py): lines are ragged"]]
    diagnostics += [[template, 1, "print", f"refused to read {url}: only files inside the site "
                    "folder are read"] for url in dict.fromkeys(fetcher.refused)]
    diagnostics += [[template, 1, "print", f"{fetcher.shown(url)} does not exist"]
                    for url in dict.fromkeys(fetcher.missing)]
    stylesheet = Path(config.assets_dir.resolve(), STYLESHEET).relative_to(root).as_posix()
    for message in dict.fromkeys(messages):  # a second layout repeats the first's
        if any(url in message for url in fetcher.refused + fetcher.missing +
               fetcher.unpublished):
            continue
        # CSS messages carry "at LINE:COLUMN" of the linked stylesheet, where the editor
        # has to look; the template's own <style> holds only the generated font stacks
        css = CSS_POSITION.search(message)
        diagnostics.append([stylesheet, int(css[1]), "css", message] if css
                           else [template, 1, "print", f"WeasyPrint: {message}"])
    diagnostics += overflow.diagnostics(wide, issue, root)
    page_of = page_map(document, issue)
    ranges = document_pages(document, issue)
    finished = cut.finish(pdf, ranges, config, issue, page_of)
    if press_pdf is not None:
        press_pdf = cut.slimmed(press_pdf)
    return printcache.Entry(pdf=finished.issue_pdf, press_pdf=press_pdf,
                            page_count=len(document.pages),
                            page_of=page_of, document_pdfs=finished.document_pdfs,
                            # 0-based indexes → printed page numbers (the cover is page 1)
                            document_pages={stem: (first + 1, last + 1)
                                            for stem, (first, last) in ranges.items()},
                            dependencies=dict(sorted(fetcher.fetched.items())),
                            diagnostics=diagnostics)


def _render(config: SiteConfig, html: str, page_dir: Path, fetcher):
    """One layout (a weasyprint.Document), finished before drawing: 续表 only on continuations,
    the page count padded for saddle stitching when site.yaml asks for it (the default)."""
    import weasyprint

    from . import saddle

    document = weasyprint.HTML(string=html, url_fetcher=fetcher,
                               base_url=site_uri(config.root.resolve(), page_dir) + "/").render()
    continued.unlabel_first_fragments(document)
    if config.saddle_stitch:
        saddle.pad_to_sheets(document)
    return document


@contextmanager
def _extended(justify):
    """WeasyPrint as extended for Chinese where its version is one the extensions were written
    for: lines justified between their characters (`justify`), tables' min-content widths
    measured in linear time (`mincontent`)."""
    if not justify.supported():
        yield
        return
    from . import linebreak, mincontent

    with justify.inter_character(), mincontent.linear(), linebreak.linear():
        yield


@contextmanager
def _weasyprint_warnings():
    """Collect WeasyPrint's warnings as diagnostics instead of letting them reach the console."""
    import logging  # here: a build whose issues all come from the cache never logs

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
