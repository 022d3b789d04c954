"""The build's indexing: each part of the index whose pages changed is given to Pagefind as soon
as the pages are rendered, the others are taken back from the stored memo; `Indexing.finish`
gives every part's files, to be published with the site's other files.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import reused, swap, uptodate
from ..errors import Report
from ..memo import Cache, run_memoised
from ..model import Site
from .edits import EDITS_FOLDER, EDITS_FROM, MOST_EDITS, changed_pages, fragment_ids, listed
from .parts import (ARCHIVE, ARCHIVE_UNUSED, BUNDLE, PARTS, archive_parts, has_archive,
                    parts_file, reads_edits)

if TYPE_CHECKING:  # imported where used: a build without the index needs neither (~8 ms)
    from .indexer import Indexer, Request

# Pagefind's ready-made UIs (pagefind-ui.js, -component-ui, -modular-ui, -highlight) and its web
# worker: the search page has its own script and searches on its own thread (assets/search.js),
# so they are not published (~440 KB less)
UNUSED = ("-ui.", "-highlight.", "-worker.")
INDEX_TIMEOUT = 3600  # seconds: far beyond any archive's indexing (12 s at 1,500 documents)


def start_indexer(language: str, output: Path | None) -> Indexer:
    """Pagefind's process for a build of a site in `language`, started now: the build starts
    it as it begins, for Pagefind to load its dictionary while the build reads (`Indexer`).
    Its folder is beside the `output` folder when one is given (`.public.search-<pid>`: on its
    file system, the pages are linked there, not copied: 0.6 s of an edit's rebuild for the
    576 pages of a group of years at 1,500 documents; removed by the next build if this one is
    killed), else a temporary folder."""
    import tempfile

    from .indexer import Indexer

    folder = None
    if output is not None:
        try:
            folder = swap.beside(output, swap.SEARCH)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        except (OSError, ValueError):  # none beside it (a root), or not writable: a temporary one
            folder = None
    return Indexer(_binary(), language, folder or Path(tempfile.mkdtemp(prefix="gazette-search-")))


def start(site: Site, pages: dict[str, reused.Page], report: Report, indexer: Indexer,
          cache: Cache | None = None, published: Path | None = None) -> Indexing:
    """Start making the Pagefind bundles for the document pages among `pages`: the newest
    issue's in `pagefind/`, the others' in `archive_parts`. Each part that `cache` (the
    stored memo) does not hold is asked of `indexer` now, which indexes them one after the
    other while the build makes its other files (data, feeds), starting from the part's last
    bundle (the memo's, else the one in the output folder `published`: `reuse`); a group of
    years with few pages changed since it was indexed keeps its bundle, and those pages go
    into the edits part (`edits`); `Indexing.finish` gives the bundles' files and the list
    of the archive's parts."""
    documents = sorted({f"{doc.url}index.html" for issue in site.issues
                        for doc in issue.documents} & pages.keys())
    year_of = {f"{doc.url}index.html": issue.year for issue in site.issues
               for doc in issue.documents}
    indexing = Indexing(site, pages, report, indexer, cache, published)
    # one part only for a search page that merges no other (a site's own of before the parts)
    newest = {f"{doc.url}index.html" for doc in site.issues[0].documents} \
        if has_archive(site) else set(documents)
    indexing.add([p for p in documents if p in newest], BUNDLE)
    others = [p for p in documents if p not in newest]
    indexing.listed = parts_file(site, report)
    # only a search page that reads the list of parts (and the edits part in it) is given one
    may_defer = PARTS in indexing.listed and reads_edits(site)
    for bundle, years in archive_parts(site).items():
        # the newest year's part is indexed again whatever changed: it is small, and the
        # previous issue joins it each time an issue is published
        deferring = may_defer and bundle != f"{ARCHIVE}/{site.years[0]}-{site.years[0]}"
        indexing.add([p for p in others if year_of[p] in years], bundle, ARCHIVE_UNUSED,
                     deferring)
    # the pages edited in the groups that keep their bundles, which are still in one of them
    # (a page that went to a part indexed again is in that part)
    kept = [part for part in indexing.parts if part.fallback is not None]
    edited = sorted({path for part in kept for path in part.edits}
                    & {path for part in kept for path in part.documents})
    if edited:
        indexing.add(edited, f"{ARCHIVE}/{EDITS_FOLDER}", ARCHIVE_UNUSED)
    return indexing


@dataclass
class _Part:
    """One part of the index: its documents' pages, where its bundle goes (less the files
    named as `unused`), its memo key, and its indexer (None: the memo holds the part). A
    group of years that keeps its last bundle has `edits`: the paths of its pages (or of pages
    no longer in it) that its bundle holds otherwise than they are now, in the edits part."""

    documents: list[str]
    bundle: str
    unused: tuple[str, ...]
    key: tuple
    run: _Run | None
    edits: frozenset[str] = frozenset()
    # a kept group's record and key as indexed now, in case its bundle cannot be used after all
    fallback: tuple[tuple, tuple] | None = None


class Indexing:
    """The parts of one build's index, each under its key: the digest of the pages it indexes
    (the indexer's to make, which the build closes whatever happens)."""

    def __init__(self, site: Site, pages: dict[str, reused.Page], report: Report,
                 indexer: Indexer, cache: Cache | None, published: Path | None = None) -> None:
        self.site, self.pages, self.report, self.cache = site, pages, report, cache
        self.indexer, self.published = indexer, published
        self.parts: list[_Part] = []
        self.listed: dict[str, bytes] = {}  # parts.json, without the edits part

    def add(self, documents: list[str], bundle: str, unused: tuple[str, ...] = (),
            deferring: bool = False) -> None:
        """A part of `documents` (output paths) published under `bundle`; `deferring`: a group
        of years that may keep its last bundle and leave its changed pages to the edits part."""
        made_by = f"{_pagefind_version()}\0{self.site.config.language}\0{bundle}\0"
        digest = hashlib.sha256(made_by.encode())
        for path in documents:  # each page by its sha256: a page kept in the output is not read
            digest.update(f"{path}\0".encode())
            digest.update(reused.digest(self.pages[path]))
        key = ("search index", digest.hexdigest())
        # a part the memo holds is taken from it at the end (indexed then, in the rare case
        # that one of its files in the last output was changed since); the indexer takes the
        # others one at a time (it indexes on every core: two at once made a cold build's
        # index slower)
        record = ("search part", made_by)
        # the bundle the last build made for this part: made again, it starts from its files
        last = self.cache.peek(record) if self.cache is not None else None
        if deferring and len(documents) >= EDITS_FROM and last is not None:
            kept = self._kept(record, last, key, documents)
            if kept is not None:
                self.parts.append(_Part(documents, bundle, unused, last[0], None, kept,
                                        (record, key)))
                return
        earlier = self.cache.peek(last[0]) if last is not None else None
        held = self.cache is not None and self._held(record, key, documents)
        self.parts.append(_Part(documents, bundle, unused, key, None if held else self._run(
            documents, bundle, earlier[0] if earlier is not None else None)))

    def _kept(self, record: tuple, last: tuple, key: tuple, documents: list[str]
              ) -> frozenset[str] | None:
        """The pages that a group of years' last bundle holds otherwise than they are now,
        where there are at most `MOST_EDITS` and its files are as published (the bundle is
        then kept and they go into the edits part); None where the group is indexed again.
        What it indexed is recorded for the next build."""
        bundle_key, pages_then, edits = last
        if bundle_key not in self.cache or not reused.usable(self.cache.peek(bundle_key)):
            return None
        pages = {path: self.pages[path] for path in documents}
        if bundle_key == key:  # its pages as they were when it was indexed
            edits = frozenset()
        else:
            edits = frozenset(changed_pages(pages_then, pages, MOST_EDITS, edits))
        if len(edits) > MOST_EDITS:
            return None
        self.cache.put(record, (bundle_key, _recorded(pages), edits))
        return edits

    def _held(self, record: tuple, key: tuple, documents: list[str]) -> bool:
        """Whether the memo holds the part: under `key`, or as the part the last build made
        for the same bundle (`record`: its key, and each page's file) where the
        pages give Pagefind to read what they gave it: the same pages, each unchanged or
        changed only where Pagefind does not look (indexedtext: a 勘误's notice on the page
        of the document it corrects, years back). That part's files are then this one's, kept
        under `key`. What the part indexes is recorded for the next build."""
        last = self.cache.peek(record)
        if last is not None and last[0] == key and not last[2]:
            self.cache.get(record, lambda: last)  # kept as it is
            return key in self.cache
        pages = {path: self.pages[path] for path in documents}
        held = key in self.cache
        if not held and last is not None and not last[2] and last[0] in self.cache \
                and not changed_pages(last[1], pages, 0):
            self.cache.put(key, self.cache.get(last[0], dict))
            held = True
        self.cache.put(record, (key, _recorded(pages), frozenset()))
        return held

    def finish(self) -> dict[str, reused.Page]:
        """Every part's files by output path, once its indexer is done, and the list of the
        archive's parts; an indexer that cannot run, or fails, is an error naming the reason
        (the last good site stays)."""
        files: dict[str, reused.Page] = {}
        errors = len(self.report.errors)
        for part in self.parts:
            if len(self.report.errors) > errors:  # the indexer failed: said once, not per part
                break
            if part.fallback is not None and not reused.usable(self.cache.peek(part.key)):
                # its kept bundle was changed in the output since: the group is indexed again
                record, part.key = part.fallback
                part.edits = frozenset()
                self.cache.put(record, (part.key, _recorded(
                    {path: self.pages[path] for path in part.documents}), frozenset()))
            def index(own: Report, part=part) -> dict[str, bytes]:
                if part.run is None:  # the memo's part could not be used after all
                    part.run = self._run(part.documents, part.bundle)
                return {path: data for path, data in part.run.bundle(part.bundle, own).items()
                        if not path.rsplit("/", 1)[-1].startswith(part.unused)}
            # a part taken back is its files in the last output (`reused`), unless one was
            # changed; a copy: the parts are the memo's values, which this build must not change
            files.update(run_memoised(self.cache, part.key, index, self.report, reused.usable))
        if len(self.report.errors) > errors:
            return files
        return files | self._parts_file(files)

    def _parts_file(self, files: dict[str, reused.Page]) -> dict[str, bytes]:
        """`parts.json`, with the edits part and the groups' entries it supersedes: each
        changed page's fragment in its group's kept bundle (one that the edits part holds
        too, the same page read the same, is left: the search page shows a result once)."""
        if PARTS not in self.listed:
            return dict(self.listed)
        edits = f"{ARCHIVE}/{EDITS_FOLDER}/fragment/"
        current = {path[len(edits):].rsplit(".", 1)[0] for path in files
                   if path.startswith(edits)}
        superseded: set[str] = set()
        for part in self.parts:
            if not part.edits:
                continue
            ids = self.cache.get(("search fragments", part.key),
                                 lambda part=part: fragment_ids(files, part.bundle))
            superseded.update(ids[path] for path in part.edits if path in ids)
        if not superseded and not current:
            return dict(self.listed)
        names = json.loads(self.listed[PARTS])
        return {PARTS: json.dumps(names + [listed(superseded - current, bool(current))],
                                  ensure_ascii=False).encode("utf-8")}

    def _run(self, documents: list[str], bundle: str,
             last: dict[str, reused.Page] | None = None) -> _Run:
        return _Run({path: self.pages[path] for path in documents}, self.indexer,
                    (bundle, last, self.published))


def _recorded(pages: dict[str, reused.Page]) -> dict[str, reused.Page | None]:
    """The files as they are now (their paths in the output once the memo is saved: the
    objects of the pages' own results), none for a page not written."""
    return {path: None if isinstance(page, bytes) else page for path, page in pages.items()}


def _pagefind_version() -> str:
    """Part of the stored index's key: another version of Pagefind may index otherwise."""
    # "?" when it is missing: the indexer then reports that it cannot run
    return uptodate.installed_version("pagefind") or "?"


def _binary() -> Path | None:
    """Pagefind's binary, where `pagefind.service.get_executable` finds it (the variable
    PAGEFIND_BINARY_PATH, the extended wheel's, the plain wheel's, the PATH) — without importing
    that module, which imports asyncio: ~0.1 s of an edit's rebuild."""
    given = os.environ.get("PAGEFIND_BINARY_PATH")
    if given is not None:
        return Path(given)
    for wheel in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            return importlib.import_module(wheel).get_executable()
        except ImportError:
            continue
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


class _Run:
    """One part's pages linked into a folder of the indexer's (copied where they are on another
    file system), asked of it at once as a folder: it indexes them on every core (12 s at 1,500
    documents where its Python API, one page per request, took 160 s). `last`: the part's
    bundle path, its files as the last build made them (None: the memo has none) and the
    output folder where it was published, whose files Pagefind need not write again
    (`reuse`)."""

    def __init__(self, pages: dict[str, reused.Page], indexer: Indexer,
                 last: tuple[str, dict[str, reused.Page] | None, Path | None] | None = None
                 ) -> None:
        import tempfile

        self.indexer = indexer
        self.request: Request | None = None
        self.failure: str | None = None
        self.given: set[str] = set()  # the last bundle's files put where it writes
        folder = Path(tempfile.mkdtemp(prefix="part-", dir=indexer.folder))
        self.pages = folder / "pages"
        try:
            for path, page in pages.items():
                target = self.pages / path
                target.parent.mkdir(parents=True, exist_ok=True)
                # linked from wherever the page is (`os.sep`: any folder): the indexer only
                # reads these, and they are removed with its folder
                reused.place(page, str(target), os.sep)
        except OSError as exc:
            self.failure = f"could not be given the pages ({exc.strerror or exc})"
            return
        output = folder / "bundle"
        output.mkdir()
        if last is not None:
            from .reuse import seed

            self.given = seed(output, *last)
        self.request = indexer.index(self.pages, output)

    def bundle(self, bundle_path: str, report: Report) -> dict[str, bytes]:
        """The bundle's files under `bundle_path`, once the indexer has written them."""
        from .indexer import IndexerFailed

        try:
            if self.failure is not None:
                raise IndexerFailed(self.failure)
            output = self.indexer.bundle(self.request, INDEX_TIMEOUT)
            files = {path.relative_to(output).as_posix(): path for path in output.rglob("*")
                     if path.is_file() and not any(part in path.name for part in UNUSED)}
            if self.given:  # the last bundle's files that this one does not read are not its
                from .reuse import named

                try:
                    unread = self.given - named(output)
                except ValueError:  # another format of Pagefind's than this code reads
                    self.given = set()
                    self.request = self.indexer.index(self.pages, output.with_name("again"))
                    return self.bundle(bundle_path, report)
                files = {path: file for path, file in files.items() if path not in unread}
        except IndexerFailed as failure:
            report.error(report.root / "site.yaml", 1, "search",
                         f"the Pagefind indexer {failure}")
            return {}
        return {f"{bundle_path}/{path}": files[path].read_bytes() for path in sorted(files)}
