"""Render the web edition in memory: one HTML string per output path, nothing written here.

Jinja runs with autoescaping on and StrictUndefined, so content is always data and a template
that names a missing variable fails with its template name and line instead of printing nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jinja2

from .memo import Cache
from .model import Document, Issue, PrintedIssue, Site, SiteConfig


def make_env(config: SiteConfig) -> jinja2.Environment:
    """The Jinja environment over `layouts/`, shared by the web pages and the print HTML."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(config.layouts_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = cn_date
    return env


def cn_date(value: dt.date) -> str:
    """2024-01-25 → 2024年1月25日 (GB/T 9704 §7.3.5.4: no zero padding)."""
    return f"{value.year}年{value.month}月{value.day}日"


def pdf_name(config: SiteConfig, issue: Issue) -> str:
    return f"{config.slug}-{issue.year}-{issue.number:02d}.pdf"


@dataclass(frozen=True, slots=True)
class PrintInfo:
    """Where a document stands in print, for the web page (absent when no PDF was built)."""

    page: int
    issue_pdf: str  # URL relative to the page
    document_pdf: str | None
    citation: str


def templates_signature(config: SiteConfig) -> tuple:
    """Names and contents of the layouts: a page memo key changes with them (contents, not
    modification times, so a layout restored with its old time still counts as changed)."""
    return tuple((p.relative_to(config.layouts_dir).as_posix(), p.read_bytes())
                 for p in sorted(config.layouts_dir.rglob("*")) if p.is_file())


def render_pages(site: Site, env: jinja2.Environment, printed: dict[str, PrintedIssue],
                 memo: Cache | None = None) -> dict[str, bytes]:
    """Map each output path (relative, POSIX) to its HTML, encoded as UTF-8.

    Each page's template sees only what its memo key holds (plus the configuration and the
    list of years for the navigation), so a page taken from `memo` is exactly what rendering
    it again would give."""
    config = site.config
    signature = (templates_signature(config), config, site.years) if memo is not None else ()
    if memo is not None:  # the same object as last build's when equal: keys compare by identity
        signature = memo.get(signature, lambda: signature)

    templates = {name: env.get_template(name)
                 for name in ("index.html", "year.html", "issue.html", "document.html")}

    def page(name: str, key: tuple, **context) -> bytes:
        def render_page() -> bytes:
            html = templates[name].render(config=config, years=site.years, **context)
            return html.encode("utf-8")
        return memo.get((name, signature, key), render_page) if memo is not None \
            else render_page()

    # the home page shows the latest issue's contents and every issue's header
    latest = site.issues[0] if site.issues else None
    latest_print = printed.get(latest.key) if latest else None
    latest_page_of = latest_print.cited if latest_print else {}
    headers = tuple(IssueHeader.of(issue) for issue in site.issues)
    pages = {"index.html": page("index.html", (latest, headers, tuple(latest_page_of.items())),
                                root="", latest=latest, issues=headers, page_title=config.title,
                                page_of=latest_page_of)}
    for year in site.years:
        # the year page lists issues, not their documents: an edited title leaves it alone
        issues = tuple(header for header in headers if header.year == year)
        pages[f"{year}/index.html"] = page("year.html", (issues,), root="../", year=year,
                                           issues=issues, page_title=f"{year}年")
    for issue, header in zip(site.issues, headers):
        print_ = printed.get(issue.key)
        page_of = print_.cited if print_ else {}
        pdf = pdf_name(config, issue) if print_ else None
        pages[f"{issue.url}index.html"] = page(
            "issue.html", (issue, tuple(page_of.items()), pdf), root="../../", issue=issue,
            page_title=issue.label, pdf=pdf, page_of=page_of, canonical=issue.url)
        documents = issue.documents
        for index, doc in enumerate(documents):
            previous = Neighbour.of(documents[index - 1]) if index > 0 else None
            next_ = Neighbour.of(documents[index + 1]) if index + 1 < len(documents) else None
            print_info = _print_info(config, issue, doc, print_)
            pages[f"{doc.url}index.html"] = page(
                "document.html", (doc, header, previous, next_, print_info), root="../../../",
                issue=header, doc=doc, page_title=doc.title, previous=previous, next=next_,
                print_info=print_info, canonical=doc.url)
    return pages


@dataclass(frozen=True, slots=True)
class IssueHeader:
    """What a document or year page shows of an issue (not its documents)."""

    year: int
    number: int
    total: int
    date: dt.date
    url: str
    label: str
    document_count: int

    @classmethod
    def of(cls, issue: Issue) -> "IssueHeader":
        return cls(issue.year, issue.number, issue.total, issue.date, issue.url, issue.label,
                   len(issue.documents))


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The previous or next document, as its link shows it."""

    title: str
    url: str

    @classmethod
    def of(cls, doc: Document) -> "Neighbour":
        return cls(doc.title, doc.url)


def _print_info(config: SiteConfig, issue: Issue, doc: Document,
                print_: PrintedIssue | None) -> PrintInfo | None:
    if print_ is None or doc.anchor not in print_.page_of:
        return None
    page = print_.cited[doc.anchor]  # as printed on paper; the link opens this build's PDF
    citation = (f"《{config.title}》{issue.label}（总第{issue.total}期）第{page}页，{doc.number}")
    document_pdf = f"{doc.stem}.pdf" if doc.stem in print_.document_pdfs else None
    return PrintInfo(page, f"../{pdf_name(config, issue)}#page={print_.page_of[doc.anchor]}",
                     document_pdf, citation)
