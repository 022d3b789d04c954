"""Which documents go into which part of the search index, and what the site's own search page
reads: the newest issue's in `pagefind/`, the others in groups of years under
`pagefind/archive/` (listed in its `parts.json`, which the shipped search script merges), or in
fewer parts for a site whose own search page is of before the parts, with a warning saying why
to copy the shipped one.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import Report
from ..model import Site
from .edits import READS_EDITS

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


def reads_edits(site: Site) -> bool:
    """Whether the site's search script leaves out the results that the edits part supersedes
    (`edits`): the shipped one does; a site's own copy of before would show an edited page's
    old words, so its groups of years are indexed again instead."""
    script = _own(site.config.assets_dir / "search.js")
    return script is None or READS_EDITS in script


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
