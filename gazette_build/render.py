"""Render the web edition in memory: one HTML string per output path, nothing written here.

Jinja runs with autoescaping on and StrictUndefined, so content is always data and a template
that names a missing variable fails with its template name and line instead of printing nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jinja2

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


def render_pages(site: Site, env: jinja2.Environment,
                 printed: dict[str, PrintedIssue]) -> dict[str, str]:
    """Map each output path (relative, POSIX) to its HTML."""
    pages: dict[str, str] = {}
    common = {"site": site, "config": site.config}
    pages["index.html"] = env.get_template("index.html").render(
        **common, root="", page_title=site.config.title)
    for year in site.years:
        issues = [issue for issue in site.issues if issue.year == year]
        pages[f"{year}/index.html"] = env.get_template("year.html").render(
            **common, root="../", year=year, issues=issues, page_title=f"{year}年")
    for issue in site.issues:
        print_ = printed.get(issue.key)
        pages[f"{issue.url}index.html"] = env.get_template("issue.html").render(
            **common, root="../../", issue=issue, page_title=issue.label,
            pdf=pdf_name(site.config, issue) if print_ else None,
            page_of=print_.page_of if print_ else {})
        documents = issue.documents
        for index, doc in enumerate(documents):
            pages[f"{doc.url}index.html"] = env.get_template("document.html").render(
                **common, root="../../../", issue=issue, doc=doc, page_title=doc.title,
                previous=documents[index - 1] if index > 0 else None,
                next=documents[index + 1] if index + 1 < len(documents) else None,
                print_info=_print_info(site.config, issue, doc, print_))
    return pages


def _print_info(config: SiteConfig, issue: Issue, doc: Document,
                print_: PrintedIssue | None) -> PrintInfo | None:
    if print_ is None or doc.anchor not in print_.page_of:
        return None
    page = print_.page_of[doc.anchor]
    citation = (f"《{config.title}》{issue.label}（总第{issue.total}期）第{page}页，{doc.number}")
    document_pdf = f"{doc.stem}.pdf" if doc.stem in print_.document_pdfs else None
    return PrintInfo(page, f"../{pdf_name(config, issue)}#page={page}", document_pdf, citation)
