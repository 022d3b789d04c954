"""Document pages rendered as their documents are converted, by whichever process converts them.

A cold build spends most of its time on the documents: converting each one's Markdown, then
rendering its page. Conversion is shared among processes (fanout.py); rendering comes later, in
this process alone, once the whole site is converted and linked and its issues printed. Yet a
document's page needs little of the whole site: its issue's header, its neighbours' titles, the
documents it links to (all known before conversion, from the front-matter) and, when the issue
is printed, the pages it stands on (known only after printing). So in a build that prints
nothing, each document's page is rendered and written into the staging folder right after the
document is converted, in the same process, and the page stage takes it from there.

The page stage takes an early page only if everything it was rendered from equals what the page
would be rendered from now (configuration, years, issue header, neighbours, links); any other
page (a print citation on it, a layout error the page stage must report) is rendered there, as
before, and written over the early one. Rendering in a process forked later would copy the
converted site into it (see fanout.py); here nothing more is held or sent than a page's place.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import jinja2

from . import render, reused
from .errors import Report
from .model import Document, Site
from .record import links


class EarlyPages:
    """Plans document pages from the assembled site (`plan`), renders one per converted
    document (`render`, in any process of the conversion), hands them to the page stage
    (`take`)."""

    def __init__(self, env: jinja2.Environment, put: Callable[[str, bytes], reused.Page]):
        self.env, self.put = env, put
        self.inputs: dict[str, tuple] = {}  # document URL → what its page is rendered from
        self.ready: dict[str, reused.Page] = {}  # document URL → its page, written
        self.config = self.years = self.menu = None

    def plan(self, site: Site, urls: set[str]) -> None:
        """Before conversion: what the pages of the documents at `urls` (those to convert) show
        of the rest of the site (the links as `record.links` will find them; its problems are
        reported when it runs)."""
        if not urls:
            return
        linked = links.link_documents(site, Report(site.config.root))
        self.config, self.years = site.config, site.years
        self.menu = render.year_menu(self.env, site.config, self.years)
        for issue in linked.issues:
            if not any(doc.url in urls for doc in issue.documents):
                continue
            header = render.IssueHeader.of(issue)
            for doc, previous, next_ in render.with_neighbours(issue.documents):
                if doc.url in urls:
                    self.inputs[doc.url] = (self.config, self.years, header, previous, next_,
                                            doc.links)

    def render(self, doc: Document) -> reused.Page | None:
        """The page of `doc`, just converted, written; None where the page stage must render it
        (a layout error is reported there, with its file and line)."""
        inputs = self.inputs.get(doc.url)
        if inputs is None:
            return None
        config, years, header, previous, next_, doc_links = inputs
        doc = replace(doc, links=doc_links)
        try:
            html = render.render_with(
                self.env.get_template("document.html"), config, years, self.menu,
                render.document_context(doc, header, previous, next_, None),
                render.document_derived(config, doc, header, None))
        except (jinja2.TemplateError, UnicodeDecodeError, RecursionError):
            return None
        return self.put(f"{doc.url}index.html", html.encode("utf-8"))

    def keep(self, doc: Document, page: reused.Page | None) -> None:
        """In this process: the page `render` gave for `doc`, wherever it ran."""
        if page is not None:
            self.ready[doc.url] = page

    def take(self, doc: Document, inputs: tuple) -> reused.Page | None:
        """The early page of `doc` if it was rendered from `inputs` (configuration, years,
        header, neighbours) and the links `doc` has now; None otherwise."""
        page, rendered_from = self.ready.pop(doc.url, None), self.inputs.pop(doc.url, None)
        if page is None or rendered_from != (*inputs, doc.links):
            return None
        return page

