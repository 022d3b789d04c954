"""The site's full-text search index: Pagefind over the built document pages, no server needed.

Pagefind's extended binary (PyPI `pagefind[extended]`) segments Chinese at indexing time, so a
reader's query for 河长 or 充电 matches words inside running text. Only document pages are
indexed, and only what their template marks (`data-pagefind-body` on the article; the 文件信息
table is `data-pagefind-ignore` but gives the filters year/section/issuer and the metadata 文号
and issue shown in the results). The index goes under `pagefind/` beside the pages; the search
page (`search/index.html`) and its script `assets/search.js` read it in the browser.

The indexer is the pagefind wheel's own binary, started as the build begins (`start_indexer`:
it loads its Chinese dictionary meanwhile) and given the document pages, linked into a folder of
its own beside the output, as soon as they are rendered; it indexes on every core while the
build makes its data files and feeds, and reads nothing from the network. Its bundle is read
back as bytes, so the index joins the other output files and is swapped in with them.
The index is made in parts, because Pagefind cannot add to an index: the newest issue's
documents (`pagefind/`, where editors work), the newest year's other issues'
(`pagefind/archive/2024-2024/`) and the earlier years' in a few parts of whole years, each of
at most ~4,000 documents (`pagefind/archive/2008-2015/`: `archive_groups`), merged into the first by the search page
with Pagefind's `mergeIndex`, which searches them with the first part's WebAssembly (a reader
downloads each part's entry file, its metadata and the word chunks the query needs from it).
A build with the stored memo keeps each part under the digest of the pages it indexed, so an
edit in the newest issue indexes its ~6 pages again (0.28 s at 1,500 documents where the
newest year's 60 took 0.46 s: most of an edit's rebuild, for 7-15 % more bytes on a reader's
first query), one earlier in the year that year's part, and an edit in an earlier year (a
status, a 勘误's link back) only its group of years, not the whole archive (at 1,500 documents
576 pages instead of 1,440: the rebuild 0.33× of a cold build instead of 0.70×, `make bench`).
More groups would make it shorter and every reader's first query longer (`ARCHIVE_PARTS`).
A part made again starts from its last bundle, whose files Pagefind names after their contents
and does not write again (indexreuse): after a title edited in a group of years, it compresses
one page's fragment and a few word chunks, not 576 fragments (2.4 s instead of 3.1 s).
A page changed only where Pagefind does not read (indexedtext) leaves its part as it was: a
勘误 published in the newest issue puts a notice on the page of the document it corrects, years
back, which the index leaves out (`data-pagefind-ignore`: it is the site's note, not the text).
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

from . import reused, swap, uptodate
from .content import DOC_NUMBER
from .errors import Report
from .memo import Cache, run_memoised
from .model import Site

if TYPE_CHECKING:  # imported where used: a build without the index needs neither (~8 ms)
    from .indexer import Indexer, Request

BUNDLE = "pagefind"  # the output folder of the index, beside the pages
ARCHIVE = f"{BUNDLE}/archive"  # the other parts (all but the newest issue's), merged in the browser
# about this many parts for the earlier years (at most one more, where the groups' alignment
# splits the years unevenly): each part is a few more requests and a word chunk more for a
# reader's first query (at 1,500 documents, against the archive in one part: +3-31 % bytes with
# three parts, +10-55 % with six; an edit in an earlier year 7.1 s and ~4 s instead of 14.4 s)
ARCHIVE_PARTS = 3
# and at most this many documents in one of them, unless a year holds more: Pagefind holds
# ~0.6 MB a page while it indexes a part, and an edit there indexes the whole part again. At
# 15,000 documents over 209 years, a cold build's peak went 5.4 GB (three groups of 128 years,
# 9,216 pages) → 1.4 GB (eight of 32, 2,304 pages; 0.74 GB with 2,000 documents, fourteen of 16
# years, but a reader's first query of 河长 took 98 requests and 3.3 s at 100 ms a request
# where it took 44 and 2.1 s; with eight, 68 and 2.3 s: `tools/search_figures.py`)
ARCHIVE_PART_DOCUMENTS = 4000
# what the archive part needs beside its index, fragments and filters: the merged index is
# searched with the first part's script and WebAssembly
ARCHIVE_UNUSED = ("pagefind.js", "wasm.")
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
          cache: Cache | None = None) -> Indexing:
    """Start making the Pagefind bundles for the document pages among `pages`: the newest
    issue's in `pagefind/`, the others' in `archive_parts`. Each part that `cache` (the
    stored memo) does not hold is asked of `indexer` now, which indexes them one after the
    other while the build makes its other files (data, feeds); `Indexing.finish` gives the
    bundles' files."""
    documents = sorted({f"{doc.url}index.html" for issue in site.issues
                        for doc in issue.documents} & pages.keys())
    year_of = {f"{doc.url}index.html": issue.year for issue in site.issues
               for doc in issue.documents}
    indexing = Indexing(site, pages, report, indexer, cache)
    # one part only for a search page that merges no other (a site's own of before the parts)
    newest = {f"{doc.url}index.html" for doc in site.issues[0].documents} \
        if has_archive(site) else set(documents)
    indexing.add([p for p in documents if p in newest], BUNDLE)
    others = [p for p in documents if p not in newest]
    for bundle, years in archive_parts(site).items():
        indexing.add([p for p in others if year_of[p] in years], bundle, ARCHIVE_UNUSED)
    return indexing


def archive_groups(years: list[int], documents: dict[int, int] | None = None
                   ) -> list[tuple[int, int]]:
    """The earlier years' parts as (first, last) year, newest first: spans of a power-of-two
    number of years, aligned on multiples of it, as few as give about `ARCHIVE_PARTS`, and
    shorter where a group would hold more than `ARCHIVE_PART_DOCUMENTS` of the `documents`
    (year → how many; a year is never split). A group stays the same group from year to year
    (a new year leaves the older groups' indexes as they were), until the archive's span of
    years doubles and the span with it, or its years come to hold that many more documents."""
    if not years:
        return []
    span = 1
    while (max(years) - min(years) + 1) / span > ARCHIVE_PARTS:
        span *= 2
    while span > 1 and documents and max(_grouped(years, documents, span).values()) > \
            ARCHIVE_PART_DOCUMENTS:
        span //= 2
    starts = sorted({year - year % span for year in years}, reverse=True)
    return [(start, start + span - 1) for start in starts]


def _grouped(years: list[int], documents: dict[int, int], span: int) -> dict[int, int]:
    """How many documents each group of `span` years holds, by its first year."""
    groups: dict[int, int] = {}
    for year in years:
        groups[year - year % span] = groups.get(year - year % span, 0) + documents.get(year, 0)
    return groups


def archive_parts(site: Site) -> dict[str, frozenset[int]]:
    """Where the parts of the index beside the newest issue's go (the search page merges
    them), each with the years of its documents (the newest issue's left out), newest first:
    the newest year's other issues (`pagefind/archive/2024-2024/`), then the earlier years'
    groups (a group may span the newest year: its documents are not in it); everything but the
    newest issue in `pagefind/archive/` for a site whose own search script is of before the
    parts (`reads_parts`)."""
    if not has_archive(site):
        return {}
    newest, earlier = site.years[0], site.years[1:]
    if not reads_parts(site):
        return {ARCHIVE: frozenset(site.years)}
    parts = {f"{ARCHIVE}/{newest}-{newest}": frozenset([newest])} \
        if sum(issue.year == newest for issue in site.issues) > 1 else {}
    documents: dict[int, int] = {}
    for issue in site.issues:
        documents[issue.year] = documents.get(issue.year, 0) + len(issue.documents)
    for first, last in archive_groups(earlier, documents):
        parts[f"{ARCHIVE}/{first}-{last}"] = frozenset(y for y in earlier if first <= y <= last)
    return parts


def has_archive(site: Site) -> bool:
    """Whether the index has archive parts (documents of more than one issue, and a search
    page that merges them): the search page then reads their list, `PARTS` in
    `pagefind/archive/` (a site's own layouts name only that folder, as they did when the
    archive was one part)."""
    return len(site.issues) > 1 and merges_archive(site) is None


PARTS = f"{ARCHIVE}/parts.json"


def _own(path) -> bytes | None:
    """A site's own copy of a shipped file, or None where it has none (the shipped one)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def merges_archive(site: Site) -> Path | None:
    """None where the site's search page merges the archive's parts into the first (the
    shipped one does); else its own file that does not, of before there was an archive: its
    search page searches `pagefind/` alone, where every document then goes."""
    script = _own(site.config.assets_dir / "search.js")
    if script is not None and b"mergeIndex" not in script:
        return site.config.assets_dir / "search.js"
    layout = _own(site.config.layouts_dir / "search.html")
    if layout is not None and b"data-archive-index" not in layout:
        return site.config.layouts_dir / "search.html"
    return None


def reads_parts(site: Site) -> bool:
    """Whether the site's search script reads the list of the archive's parts: the shipped one
    does; a site's own copy of before the parts merges `pagefind/archive/` as one index."""
    script = _own(site.config.assets_dir / "search.js")
    return script is None or PARTS.rsplit("/", 1)[1].encode() in script


def parts_file(site: Site, report: Report) -> dict[str, bytes]:
    """The list of the archive's parts, each a folder under `pagefind/archive/`, newest first;
    for a site whose search page is of before the parts, a warning that the index stays in
    fewer parts (an edit outside the newest issue indexes all of them again)."""
    unmerged = merges_archive(site) if len(site.issues) > 1 else None
    if unmerged is not None:
        report.warn(unmerged, 1, "search", "this search page searches one index, so every "
                    "document is indexed in pagefind/ (an edit indexes all of them again); the "
                    f"shipped {unmerged.parent.name}/{unmerged.name} merges the index's parts "
                    "(an edit in the newest issue then indexes only that issue again): copy it "
                    "from this version of gazette")
        return {}
    if not has_archive(site):
        return {}
    parts = archive_parts(site)
    if list(parts) == [ARCHIVE]:  # the site's search script reads one part
        report.warn(site.config.assets_dir / "search.js", 1, "search", "this search script "
                    "reads the index beside the newest issue's as one part, so it is made in "
                    "one part; the shipped assets/search.js reads it in parts (an edit outside "
                    "the newest issue then indexes only its year or group of years again): copy "
                    "it from this version of gazette")
        return {}
    names = [bundle.rsplit("/", 1)[1] + "/" for bundle in parts]
    return {PARTS: json.dumps(names).encode("utf-8")}


def warn_indexed_notices(site: Site, report: Report) -> None:
    """A warning at the site's own `layouts/_validity.html` where it does not keep its notices
    out of the index (a copy of before they were `data-pagefind-ignore`): its 废止, 修改 and
    勘误 notices are then indexed as the words of the documents they are on, and the notice a
    勘误 or a repeal puts on an old page indexes that page's group of years again."""
    import re

    layout = site.config.layouts_dir / "_validity.html"
    own = _own(layout)
    if own is None:
        return
    marked = re.sub(rb"\{#.*?#\}", b"", own, flags=re.S)  # what a Jinja comment says is not markup
    if b"data-pagefind-ignore" not in marked:
        report.warn(layout, 1, "search", "its notices (废止, 修改, 勘误) are indexed as the "
                    "words of the documents they are on, so a 勘误 or a repeal published today "
                    "indexes the old document's years again; the shipped layouts/_validity.html "
                    "marks them data-pagefind-ignore: copy it from this version of gazette")


@dataclass
class _Part:
    """One part of the index: its documents' pages, where its bundle goes (less the files
    named as `unused`), its memo key, and its indexer (None: the memo holds the part)."""

    documents: list[str]
    bundle: str
    unused: tuple[str, ...]
    key: tuple
    run: _Run | None


class Indexing:
    """The parts of one build's index, each under its key: the digest of the pages it indexes
    (the indexer's to make, which the build closes whatever happens)."""

    def __init__(self, site: Site, pages: dict[str, reused.Page], report: Report,
                 indexer: Indexer, cache: Cache | None) -> None:
        self.site, self.pages, self.report, self.cache = site, pages, report, cache
        self.indexer = indexer
        self.parts: list[_Part] = []

    def add(self, documents: list[str], bundle: str, unused: tuple[str, ...] = ()) -> None:
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
        earlier = self.cache.peek(last[0]) if last is not None else None
        held = self.cache is not None and self._held(record, key, documents)
        self.parts.append(_Part(documents, bundle, unused, key, None if held else self._run(
            documents, bundle, earlier[0] if earlier is not None else None)))

    def _held(self, record: tuple, key: tuple, documents: list[str]) -> bool:
        """Whether the memo holds the part: under `key`, or as the part the last build made
        for the same bundle (`record`: its key, and each page's file) where the
        pages give Pagefind to read what they gave it: the same pages, each unchanged or
        changed only where Pagefind does not look (indexedtext: a 勘误's notice on the page
        of the document it corrects, years back). That part's files are then this one's, kept
        under `key`. What the part indexes is recorded for the next build."""
        last = self.cache.peek(record)
        if last is not None and last[0] == key:
            self.cache.get(record, lambda: last)  # kept as it is
            return key in self.cache
        pages = {path: self.pages[path] for path in documents}
        held = key in self.cache
        if not held and last is not None and last[0] in self.cache \
                and _reads_the_same(last[1], pages):
            self.cache.put(key, self.cache.get(last[0], dict))
            held = True
        # the files as they are now (their paths in the output once the memo is saved: the
        # objects of the pages' own results), none for a page not written
        self.cache.put(record, (key, {path: None if isinstance(page, bytes) else page
                                      for path, page in pages.items()}))
        return held

    def finish(self) -> dict[str, reused.Page]:
        """Every part's files by output path, once its indexer is done; an indexer that
        cannot run, or fails, is an error naming the reason (the last good site stays)."""
        files: dict[str, reused.Page] = {}
        errors = len(self.report.errors)
        for part in self.parts:
            if len(self.report.errors) > errors:  # the indexer failed: said once, not per part
                break
            def index(own: Report, part=part) -> dict[str, bytes]:
                if part.run is None:  # the memo's part could not be used after all
                    part.run = self._run(part.documents, part.bundle)
                return {path: data for path, data in part.run.bundle(part.bundle, own).items()
                        if not path.rsplit("/", 1)[-1].startswith(part.unused)}
            # a part taken back is its files in the last output (`reused`), unless one was
            # changed; a copy: the parts are the memo's values, which this build must not change
            files.update(run_memoised(self.cache, part.key, index, self.report, reused.usable))
        return files

    def _run(self, documents: list[str], bundle: str,
             last: dict[str, reused.Page] | None = None) -> _Run:
        return _Run({path: self.pages[path] for path in documents}, self.indexer,
                    (bundle, last) if last else None)


def _reads_the_same(last: dict[str, reused.Page | None], pages: dict[str, reused.Page]) -> bool:
    """Whether `pages` are those of `last` (path → the file each was), each one unchanged or
    changed only where Pagefind does not read (both files read and compared)."""
    from .indexedtext import indexed_digest

    if last.keys() != pages.keys():
        return False
    for path, page in pages.items():
        before = last[path]
        if before is None:
            return False
        if reused.digest(page) == before.sha256:
            continue
        if not isinstance(before, reused.InOutput) or not before.intact():
            return False
        try:
            if indexed_digest(before.read()) != indexed_digest(reused.content(page)):
                return False
        except OSError:  # changed since it was recorded
            return False
    return True


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
    bundle path and its files as the last build made them, which Pagefind need not write again
    (indexreuse)."""

    def __init__(self, pages: dict[str, reused.Page], indexer: Indexer,
                 last: tuple[str, dict[str, reused.Page]] | None = None) -> None:
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
            from .indexreuse import seed

            self.given = seed(last[1], last[0], output)
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
                from .indexreuse import named

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


NUMBERS = "search/numbers"  # 文号 → document, one small file per 文号 year


def number_files(site: Site) -> dict[str, bytes]:
    """The documents by 文号, one JSON file per year of the 文号 (search/numbers/2012.json):
    a 文号 typed on the search page is looked up there, exactly and for a few KB, instead of
    through the full-text index (whose words for 市政办发〔2012〕45号 are spread over most of it)."""
    years: dict[str, dict[str, dict]] = {}
    for issue in site.issues:
        for doc in issue.documents:
            match = DOC_NUMBER.match(doc.number)
            if match:
                years.setdefault(match["year"], {})[doc.number] = {
                    "url": doc.url, "title": doc.title,
                    "issue": f"{site.config.title}{issue.label}（总第{issue.total}期）",
                    "year": str(issue.year), "section": doc.section, "issuer": doc.issuer}
    return {f"{NUMBERS}/{year}.json": json.dumps(entries, ensure_ascii=False, sort_keys=True,
                                                  separators=(",", ":")).encode("utf-8")
            for year, entries in sorted(years.items())}
