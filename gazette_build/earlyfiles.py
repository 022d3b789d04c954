"""A document's own output files — its page, its JSON record and its tables' CSV — made as soon
as the document is converted, by whichever process converts it.

A cold build spends most of its time on the documents: converting each one's Markdown, then
rendering its page and its data files. Conversion is shared among processes (fanout.py); the
page and data stages come later, in this process alone, once the whole site is converted and
linked and its issues printed. Yet a document's page and record need little of the whole site:
its issue's header, its neighbours' titles, the documents it links to (all known before
conversion, from the front-matter) and, when the issue is printed, the pages it stands on (known
only after printing). So in a build that prints nothing, each document's files are made and
written into the staging folder right after the document is converted, in the same process, and
the page and data stages take them from there.

An issue's page needs its documents converted (its page's key holds them), nothing else of
the site: it is rendered by this process as soon as the last of them is converted here or comes
back from a worker. The page stage ran in this process alone after conversion (0.9 s of issue
pages at 15,000 documents, the other core idle); rendered while the documents are converted,
they take this process's time while the worker converts more of the documents.

A stage takes an early file only if everything it was made from equals what it would be made
from now (configuration, years, issue header, neighbours, links; for an issue's page the whole
issue); any other (a print citation on it, a layout error the page stage must report) is made
there, as before, and written over the early one. Rendering in a process forked later would copy the converted site into it (see
fanout.py); here nothing more is held or sent than where the files were written.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import jinja2

from . import data, render, reused
from .errors import Report
from .model import Document, Issue, Links, Site, SiteConfig
from .record import links


@dataclass(frozen=True)
class Made:
    """What `EarlyFiles.make` gives back for one document (small: it travels between processes):
    its page, written, or None where the page stage must render it; its JSON record and its
    tables' CSV files, written (the data stage reads the record back to splice it into its
    issue's and the site's files: held from here, 15,000 of them raised the build's peak)."""

    page: reused.Page | None
    record: reused.Page
    csvs: dict[str, reused.Page]


class EarlyFiles:
    """Plans documents' files from the assembled site (`plan`), makes them for each converted
    document (`make`, in any process of the conversion), renders each issue's page once its
    documents are all converted (`kept`, in this process), hands them to the page stage
    (`take_page`, `take_issue_page`) and the data stage (`take_data`)."""

    def __init__(self, env: jinja2.Environment, put: Callable[[str, bytes], reused.Page]):
        self.env, self.put = env, put
        self.inputs: dict[str, tuple] = {}  # document URL → what its files are made from
        self.ready: dict[str, tuple[tuple, Made]] = {}  # document URL → its inputs and files
        self.menu = None  # the main menu by page depth (render.year_menu), once planned
        # issue URL → the issue as linked, and its documents still to convert (by URL)
        self.waiting: dict[str, tuple[Issue, set[str]]] = {}
        self.issue_of: dict[str, str] = {}  # document URL → its issue's, while that waits
        self.converted: dict[str, Document] = {}  # document URL → converted, its issue waiting
        self.issue_pages: dict[str, tuple[tuple, reused.Page]] = {}  # issue URL → made from, page
        self.site: tuple = ()  # the configuration and the years, once planned

    def plan(self, site: Site, urls: set[str]) -> None:
        """Before conversion: what the files of the documents at `urls` (those to convert)
        show of the rest of the site (the links as `record.links` will find them; its problems
        are reported when it runs)."""
        if not urls:
            return
        linked = links.link_documents(site, Report(site.config.root))
        config, years = site.config, site.years
        self.menu, self.site = render.year_menu(self.env, config, years), (config, years)
        for issue in linked.issues:
            if not any(doc.url in urls for doc in issue.documents):
                continue
            header = render.IssueHeader.of(issue)
            for doc, previous, next_ in render.with_neighbours(issue.documents):
                if doc.url in urls:
                    self.inputs[doc.url] = (config, years, header, previous, next_, doc.links)
            documents = {doc.url for doc in issue.documents}
            if documents <= urls:  # converted whole by this build
                self.waiting[issue.url] = issue, documents
                self.issue_of.update(dict.fromkeys(documents, issue.url))

    def make(self, doc: Document) -> Made | None:
        """The files of `doc`, just converted, written; None if it was not planned."""
        inputs = self.inputs.get(doc.url)
        if inputs is None:
            return None
        config, years, header, previous, next_, doc_links = inputs
        doc = replace(doc, links=doc_links)
        record, csvs = data.document_files(config, header, doc, None)
        return Made(self._page(doc, inputs),
                    self.put(data.record_path(doc), data.record_file(record)),
                    {path: self.put(path, csv) for path, csv in csvs.items()})

    def _page(self, doc: Document, inputs: tuple) -> reused.Page | None:
        """The page of `doc`, written; None where the page stage must render it (a layout
        error is reported there, with its file and line)."""
        config, years, header, previous, next_, _ = inputs
        try:
            html = render.render_with(
                self.env.get_template("document.html"), config, years, self.menu,
                render.document_context(doc, header, previous, next_, None),
                render.document_derived(config, doc, header, None))
        except render.LAYOUT_FAILURES:
            return None
        return self.put(f"{doc.url}index.html", html.encode("utf-8"))

    def keep(self, doc: Document, made: Made | None) -> None:
        """In this process: what `make` gave for `doc`, wherever it ran."""
        if made is not None:
            self.ready[doc.url] = self.inputs.pop(doc.url), made

    def kept(self, doc: Document) -> None:
        """In this process: `doc` converted, as the build keeps it; the last of its issue's
        documents has the issue's page rendered (from the issue as linked before conversion)."""
        issue_url = self.issue_of.get(doc.url)
        if issue_url is None:
            return
        issue, documents = self.waiting[issue_url]
        self.converted[doc.url] = doc
        documents.discard(doc.url)
        if documents:
            return
        del self.waiting[issue_url]
        converted = {}
        for planned in issue.documents:
            del self.issue_of[planned.url]
            converted[planned.url] = self.converted.pop(planned.url)
        issue = replace(issue, sections=tuple(replace(section, documents=tuple(
            _linked(converted[planned.url], planned.links) for planned in section.documents))
            for section in issue.sections))
        config, years = self.site
        _, context, derived = render.issue_page(config, issue, None)
        try:
            html = render.render_with(self.env.get_template("issue.html"), config, years,
                                      self.menu, context, derived())
        except render.LAYOUT_FAILURES:
            return  # rendered by the page stage, which reports it with its line
        self.issue_pages[issue.url] = (config, years, issue), \
            self.put(f"{issue.url}index.html", html.encode("utf-8"))

    def take_issue_page(self, issue: Issue, config: SiteConfig, years: tuple[int, ...]
                        ) -> reused.Page | None:
        """The early page of `issue` if it was rendered from this issue, configuration and
        years; None otherwise. Taken once."""
        made_from, page = self.issue_pages.pop(issue.url, ((), None))
        return page if made_from == (config, years, issue) else None

    def take_page(self, doc: Document, inputs: tuple) -> reused.Page | None:
        """The early page of `doc` if it was rendered from `inputs` (configuration, years,
        header, neighbours) and the links `doc` has now; None otherwise. Taken once."""
        made_from, made = self.ready.get(doc.url, ((), None))
        if made is None or made.page is None or made_from != (*inputs, doc.links):
            return None
        page, self.ready[doc.url] = made.page, (made_from, replace(made, page=None))
        return page

    def take_data(self, doc: Document, config: SiteConfig, header: render.IssueHeader
                  ) -> tuple[reused.Page, dict[str, reused.Page]] | None:
        """The early JSON record and CSVs of `doc` (as `data.document_files` makes them),
        written, if they were made from `config`, `header` and the links `doc` has now; None
        otherwise. Taken once."""
        made_from, made = self.ready.pop(doc.url, ((), None))
        if made is None or (made_from[0], made_from[2], made_from[5]) != (config, header,
                                                                          doc.links):
            return None
        return made.record, made.csvs


def _linked(doc: Document, links: Links) -> Document:
    """`doc` with the links the whole archive gives it, as `record.links` will set them."""
    return doc if doc.links == links else replace(doc, links=links)
