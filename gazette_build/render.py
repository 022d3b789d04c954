"""Render the web edition in memory: one HTML string per output path, nothing written here.

Jinja runs with autoescaping on and StrictUndefined, so content is always data and a template
that names a missing variable fails with its template name and line instead of printing nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import finding, memostore, reused, structured, tables, texts
from .memo import Cache
from .model import (Document, Issue, PageSignature, PrintedIssue, Site, SiteConfig,
                    reduce_by_fields, slot_hash)
from .sandbox import LayoutSandbox
from .search import parts as search_parts

if TYPE_CHECKING:
    from .earlyfiles import EarlyFiles

# what a layout's own expressions raise as they are rendered ({{ 1/0 }}, {{ 1 + "a" }},
# {{ items[9] }}), beside Jinja's own errors: named at the layout's line, as those are
EXPRESSION_ERRORS = (ArithmeticError, TypeError, ValueError, LookupError, AttributeError)
LAYOUT_FAILURES = (jinja2.TemplateError, UnicodeDecodeError, RecursionError, *EXPRESSION_ERRORS)


class SiteLoader(jinja2.FileSystemLoader):
    """Loads layouts, refusing a layout that is a link to a file outside the site folder."""

    def __init__(self, searchpath: str, root: Path):
        super().__init__(searchpath)
        self.root = root.resolve()

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise jinja2.TemplateSyntaxError(
                f"is a link to {Path(filename).resolve()}, outside the site folder; copy the "
                "layout into layouts/ instead", 1, template, filename)
        return source, filename, uptodate


def make_env(config: SiteConfig) -> jinja2.Environment:
    """The Jinja environment over `layouts/`, shared by the web pages and the print HTML.
    Sandboxed: a layout reaches the values it is given, not Python's objects behind them
    (`cycler.__init__.__globals__.os` ran commands and read files outside the site folder)."""
    env = LayoutSandbox(
        loader=SiteLoader(str(config.layouts_dir), root=config.root),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_compiled_layouts(config),
        # every page includes and extends others: with auto_reload, each of those lookups
        # stat()ed the layout file again (8,300 times at 1,500 documents). An environment lives
        # for one build, or (the preview's) for one version of the layouts' contents
        auto_reload=False,
    )
    env.filters["cn_date"] = cn_date
    env.filters["file_size"] = file_size
    env.filters["domain"] = lambda url: urlsplit(url).hostname or ""
    env.filters["json_script"] = json_script
    return env


class CompiledLayouts(jinja2.FileSystemBytecodeCache):
    """Compiled layouts kept in `.gazette-cache/jinja/<code version>/`: compiling them is about
    0.1 s, most of a build that finds everything else cached. Jinja reuses a compiled layout only
    while its source's sha1 is unchanged, but reads its code as it finds it: each file here
    starts with the SHA-256 of the rest, and one that does not match it (a byte changed in a
    string of the layout would be published on every page) is compiled again and rewritten."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            with open(self._get_cache_filename(bucket), "rb") as stream:
                stored = stream.read()
        except OSError:  # none yet (or unreadable): compiled
            return
        if hashlib.sha256(stored[32:]).digest() != stored[:32]:
            return
        try:
            bucket.bytecode_from_string(stored[32:])
        except Exception:  # noqa: BLE001 — another Python's code: compile the layout again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        name = self._get_cache_filename(bucket)
        temporary = f"{name}.{os.getpid()}.tmp"
        try:
            with open(temporary, "wb") as stream:
                stream.write(hashlib.sha256(code).digest() + code)
            os.replace(temporary, name)
        except OSError:  # a full disk: compiled again next time
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _compiled_layouts(config: SiteConfig) -> CompiledLayouts | None:
    # the folder names this code's version: the environment's options are not in Jinja's key
    folder = config.root / memostore.FOLDER.parent / "jinja" / memostore.code_version()[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only site: compile every time
        return None
    return CompiledLayouts(str(folder))


def cn_date(value: dt.date) -> str:
    """2024-01-25 → 2024年1月25日 (GB/T 9704 §7.3.5.4: no zero padding)."""
    return f"{value.year}年{value.month}月{value.day}日"


def json_script(value) -> Markup:
    """JSON for a <script type="application/ld+json">: Chinese kept readable, and the three
    characters that could end the script element or start markup escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def file_size(size: int) -> str:
    """Bytes as a reader sizes a download: 820 KB, 1.2 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def page_range(first: int, last: int) -> str:
    """第6页, or 第6—13页 for a document that runs over several printed pages."""
    return f"第{first}页" if first == last else f"第{first}—{last}页"


def pdf_name(config: SiteConfig, issue: Issue) -> str:
    return f"{config.slug}-{issue.year}-{issue.number:02d}.pdf"


@dataclass(frozen=True, slots=True)
class PrintInfo:
    """Where a document stands in print, for the web page (absent when no PDF was built)."""

    __reduce__ = reduce_by_fields

    page: int
    last_page: int  # the last printed page the document runs onto
    issue_pdf: str  # URL relative to the page
    document_pdf: str | None
    document_pdf_size: int  # bytes, for the link's label
    citation: str

    @property
    def pages(self) -> str:
        return page_range(self.page, self.last_page)

    @property
    def page_count(self) -> int:
        return self.last_page - self.page + 1


def templates_signature(config: SiteConfig) -> tuple:
    """Names and contents of the layouts: a page memo key changes with them (contents, not
    modification times, so a layout restored with its old time still counts as changed)."""
    return tuple((p.relative_to(config.layouts_dir).as_posix(), p.read_bytes())
                 for p in sorted(config.layouts_dir.rglob("*")) if p.is_file())


def render_pages(site: Site, env: jinja2.Environment, printed: dict[str, PrintedIssue],
                 memo: Cache | None = None,
                 put: Callable[[str, bytes], reused.Page] | None = None,
                 early: EarlyFiles | None = None) -> dict[str, reused.Page]:
    """Map each output path (relative, POSIX) to its HTML, encoded as UTF-8 — or, with `put`
    (the build's staging folder), to where `put` wrote it as soon as it was rendered; from the
    stored memo, to the file of the last output that holds it (`reused.InOutput`).

    Each page's template sees only what its memo key holds (plus the configuration and the
    list of years for the navigation), so a page taken from `memo` is exactly what rendering
    it again would give. `early`: the document and issue pages rendered while the documents
    were converted (earlyfiles.py), taken where what they show is what they would show now."""
    config = site.config
    years = site.years  # computed from every issue: once, not once a page
    signature = PageSignature(templates_signature(config), config, years) \
        if memo is not None else None
    if memo is not None:  # the same object as last build's when equal: keys compare by identity
        signature = memo.get(signature, lambda: signature)

    templates = {name: env.get_template(name)
                 for name in ("index.html", "year.html", "issue.html", "document.html",
                              "numbers.html", "issuers.html", "404.html", "search.html")}

    menu = year_menu(env, config, years)

    pages: dict[str, reused.Page] = {}

    def page(path: str, name: str, key: tuple, derived=lambda: {}, ready=None,
             **context) -> None:
        """`derived` gives the context computed from the key's values: only on a memo miss;
        `ready`, the page already rendered (and written) from the same values, if it was."""
        def render_page() -> reused.Page:
            if ready is not None:
                return ready
            html = render_with(templates[name], config, years, menu, context, derived())
            return put(path, html.encode("utf-8")) if put else html.encode("utf-8")
        # a page kept by the stored memo is its file in the last output (`reused`): rendered
        # again if that file was changed or removed since
        pages[path] = memo.get((name, signature, key), render_page, reused.usable) \
            if memo is not None else render_page()

    # the home page shows the latest issue's contents and the years, not every issue: it
    # stays small however long the archive
    latest = site.issues[0] if site.issues else None
    latest_print = printed.get(latest.key) if latest else None
    latest_page_of = latest_print.cited if latest_print else {}
    headers = tuple(IssueHeader.of(issue) for issue in site.issues)
    year_counts = tuple((year, sum(1 for h in headers if h.year == year)) for year in years)
    page("index.html", "index.html", (latest, year_counts, tuple(latest_page_of.items())),
         root="", latest=latest, year_counts=year_counts, page_title=config.title,
         page_of=latest_page_of, canonical="")
    all_entries = finding.entries(site)
    issuers = tuple(dict.fromkeys(name for section in config.sections for name in section.issuers))
    # the index's earlier years, merged by the page's script
    archive = search_parts.has_archive(site)
    page("search/index.html", "search.html", (issuers, archive), root="../", issuers=issuers,
         archive=archive, page_title="搜索", canonical="search/")
    entries_of_year = finding.by_year(all_entries)
    for year in years:
        # the year page lists issues and the documents' titles, not their bodies
        issues = tuple(header for header in headers if header.year == year)
        documents = entries_of_year.get(year, ())
        earlier, later = finding.neighbours(years, year)
        page(f"{year}/index.html", "year.html", (issues, documents, earlier, later),
             root="../", year=year, issues=issues, documents=documents, earlier=earlier,
             later=later, page_title=f"{year}年", canonical=f"{year}/")
    groups = {"numbers.html": finding.by_number(all_entries),
              "issuers.html": finding.by_issuer(all_entries)}
    entries_template = env.get_template("_index_entries.html")

    def by_year(name: str, group_list: tuple) -> tuple:
        """Each group's entries as one rendered list per year, each list memoised apart."""
        def rendered(entries: tuple) -> Markup:
            def render_list() -> Markup:
                return Markup(entries_template.render(entries=entries, root="../",
                                                      by_number=name == "numbers.html"))
            return memo.get(("index-list", signature, name, entries), render_list) \
                if memo is not None else render_list()
        year_of = finding.index_year(name)
        return tuple((group, tuple((year, rendered(tuple(entries))) for year, entries
                                   in itertools.groupby(group.entries, year_of)))
                     for group in group_list)

    for path, name, title in finding.INDEX_PAGES:
        # the lists are looked up on every build, so that the memo keeps the unchanged ones
        lists = by_year(name, groups[name])
        page(path, name, (groups[name],), root="../", page_title=title,
             canonical=path.removesuffix("index.html"), groups=lists)
    # served for any missing URL, at any depth: links are absolute from base_url's path
    newest = headers[0] if headers else None
    page("404.html", "404.html", (newest,), root=urlsplit(config.base_url).path,
         page_title="页面未找到", latest=newest)
    for issue, header in zip(site.issues, headers):
        print_ = printed.get(issue.key)
        key, context, derived = issue_page(config, issue, print_)
        ready = early.take_issue_page(issue, config, years) \
            if early is not None and print_ is None else None
        page(f"{issue.url}index.html", "issue.html", key, derived=derived, ready=ready,
             **context)
        documents = issue.documents
        for doc, previous, next_ in with_neighbours(documents):
            print_info = _print_info(config, issue, doc, print_)
            ready = early.take_page(doc, (config, years, header, previous, next_)) \
                if early is not None and print_info is None else None
            page(f"{doc.url}index.html", "document.html",
                 (doc, header, previous, next_, print_info), ready=ready,
                 **document_context(doc, header, previous, next_, print_info),
                 derived=lambda doc=doc, header=header, print_info=print_info: document_derived(
                     config, doc, header, print_info))
    return pages


def issue_page(config: SiteConfig, issue: Issue, print_: PrintedIssue | None
               ) -> tuple[tuple, dict, Callable[[], dict]]:
    """An issue page's memo key, the context its template is given from it, and what is
    derived from it when the page is rendered (its structured data)."""
    page_of = print_.cited if print_ else {}
    pdf = pdf_name(config, issue) if print_ else None
    pdf_facts = (len(print_.pdf), print_.page_count) if print_ else None
    context = {"root": "../../", "issue": issue, "page_title": issue.label, "pdf": pdf,
               "pdf_facts": pdf_facts, "page_of": page_of, "canonical": issue.url}
    return (issue, tuple(page_of.items()), pdf, pdf_facts), context, lambda: {
        "jsonld": structured.publication_issue(config, issue, pdf, pdf_facts, page_of)}


def with_neighbours(documents: tuple[Document, ...]):
    """Each document with the previous and next one of its issue, as its page links them (one
    `Neighbour` per document, in both pages' keys: the stored memo holds it once)."""
    links = (None, *(Neighbour.of(doc) for doc in documents), None)
    for index, doc in enumerate(documents):
        yield doc, links[index], links[index + 2]


def document_context(doc: Document, header: IssueHeader, previous: Neighbour | None,
                     next_: Neighbour | None, print_info: PrintInfo | None) -> dict:
    """What a document page's template is given from its key (the rest: `document_derived`)."""
    return {"root": "../../../", "issue": header, "page_title": doc.title, "previous": previous,
            "next": next_, "print_info": print_info, "canonical": doc.url}


def render_with(template: jinja2.Template, config: SiteConfig, years: tuple[int, ...], menu,
                context: dict, derived: dict) -> str:
    """A page's HTML: every page's template sees the configuration, the years and the menu."""
    return template.render(config=config, years=years, menu=menu(context["root"]), **context,
                           **derived)


def year_menu(env: jinja2.Environment, config: SiteConfig, years: tuple[int, ...]):
    """root → the main menu's years (`_nav.html`), rendered once per page depth: the menu lists
    every year, so rendering it on each page grew with pages × years (at 15,000 documents over
    209 years it was 25 of the 40 s of rendering)."""
    template, rendered = env.get_template("_nav.html"), {}

    def menu(root: str) -> Markup:
        if root not in rendered:
            rendered[root] = Markup(template.render(config=config, years=years, root=root))
        return rendered[root]
    return menu


def document_derived(config: SiteConfig, doc: Document, header, print_info) -> dict:
    """What a document page shows beyond its key's values: its tables' download links and the
    head's structured data, derived only when the page is rendered (its texts read back
    then, if the build keeps them in a file)."""
    doc = texts.held(doc)
    summary = structured.description(doc)
    return {"doc": tables.with_download_links(doc), "description": summary,
            "keywords": structured.keywords(doc),
            "jsonld": structured.legislation(config, header, doc, print_info, summary)}


@dataclass(frozen=True, slots=True)
class IssueHeader:
    """What a document or year page shows of an issue (not its documents)."""

    __reduce__ = reduce_by_fields

    year: int
    number: int
    total: int
    date: dt.date
    url: str
    label: str
    document_count: int
    _hash: int | None = field(default=None, init=False, repr=False, compare=False)

    __hash__ = slot_hash  # in every document page's memo key (finding.Entry says why)

    @classmethod
    def of(cls, issue: Issue) -> "IssueHeader":
        return cls(issue.year, issue.number, issue.total, issue.date, issue.url, issue.label,
                   len(issue.documents))


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The previous or next document, as its link shows it."""

    __reduce__ = reduce_by_fields

    title: str
    url: str

    @classmethod
    def of(cls, doc: Document) -> "Neighbour":
        return cls(doc.title, doc.url)


def _print_info(config: SiteConfig, issue: Issue, doc: Document,
                print_: PrintedIssue | None) -> PrintInfo | None:
    if print_ is None or doc.anchor not in print_.page_of:
        return None
    own = print_.page_of[doc.anchor]  # in this build's PDF, which the link opens
    page = print_.cited[doc.anchor]  # as printed on paper (issue.yaml printed_pages)
    last = page + max(own, print_.document_pages.get(doc.stem, (own, own))[1]) - own
    citation = (f"《{config.title}》{issue.label}（总第{issue.total}期）{page_range(page, last)}，"
                f"{doc.number}")
    pdf = print_.document_pdfs.get(doc.stem)
    return PrintInfo(page, last, f"../{pdf_name(config, issue)}#page={own}",
                     f"{doc.stem}.pdf" if pdf is not None else None,
                     len(pdf) if pdf is not None else 0, citation)
