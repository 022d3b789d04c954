"""The pages edited since their group of years was indexed, in a small part of their own.

Pagefind cannot add to an index or take a page out of one, so a title edited in a document of
2012 made that document's whole group of years indexed again: 576 pages at 1,500 documents,
1.5 s of a 2.3 s rebuild. Search engines that keep their index in segments answer an update
otherwise (Lucene's segments and deletions): the new version goes into a small new segment and
the old one is marked deleted, and the segments are merged later, when the small ones grow.

So does this index. A group of years of at least `EDITS_FROM` pages keeps its bundle as it was
indexed while at most `MOST_EDITS` of its pages changed since (where Pagefind reads:
`indexedtext`); those pages, as they are now, are the part `pagefind/archive/edits/`, and their
entries in the group's bundle are listed as superseded: the search page leaves out a result
whose id (the name of its fragment, the digest of what it holds) is one of them. One more
changed page, and the group is indexed again from its last bundle (`reuse`) with its pages as
they are, and its pages leave the edits part. A reader finds what a cold build's index finds:
the new words of an edited page, not its old ones, each document once. Two things can differ:
the order of results (Pagefind scores each part's pages against that part's own statistics),
and a word that only an edited page's old text held, which finds nothing more in that group
where a cold build's index, which has no such word, lists the pages that only resemble it.

The part and the list go in `pagefind/archive/parts.json`, after the groups' folders, as one
object: `{"edits": "edits/", "superseded": ["zh-cn_3fa90c1", …]}`, for a site whose search
script reads it (the shipped `assets/search.js`; a site's own copy of before, or one that
reads no list of parts, is given no edits part, and its groups are indexed again as before).
"""
from __future__ import annotations

import gzip
import json
import re
import zlib

from .. import reused
from .reuse import META_MARK

EDITS_FOLDER = "edits"
# groups of fewer pages are indexed again at once (60 pages: 0.46 s, most of it the dictionary
# Pagefind loads whatever it indexes)
EDITS_FROM = 128
# a group's pages changed since it was indexed, at most, before it is indexed again: the edits
# part is indexed again whenever one of its pages changes, and a reader's first query reads one
# more entry, metadata and word chunk (an edit in a group stays one part's work however many)
MOST_EDITS = 32
# a fragment's URL, where it begins: `{"url":"/2012/03/shizhengfa-2012-13/",…`
URL_FIRST = re.compile(rb'\{"url":("(?:[^"\\]|\\.)*")')
HEAD = 2048  # bytes of a fragment read for its URL
# what a site's own search script names when it reads the edits part
READS_EDITS = b"superseded"


def changed_pages(last: dict[str, reused.Page | None], pages: dict[str, reused.Page],
                  most: int, known: frozenset[str] = frozenset()) -> set[str]:
    """The paths among `pages` and `last` (path → the file each was at the last build) whose
    page Pagefind reads otherwise now: changed where it reads (both files read and compared),
    added or removed; a file of the last output changed since counts as changed; with those
    `known` to have changed before. Once there are more than `most`, no more pages are read
    (a layout changed: every page differs)."""
    from .indexedtext import indexed_digest

    changed = set(known) | (last.keys() ^ pages.keys())
    for path in sorted(last.keys() & pages.keys() - changed):
        if len(changed) > most:
            break
        before, page = last[path], pages[path]
        if before is not None and reused.digest(page) == before.sha256:
            continue
        if before is None or not isinstance(before, reused.InOutput) or not before.intact():
            changed.add(path)
            continue
        try:
            if indexed_digest(before.read()) != indexed_digest(reused.content(page)):
                changed.add(path)
        except OSError:  # changed since it was recorded
            changed.add(path)
    return changed


def fragment_ids(files: dict[str, reused.Page], bundle: str) -> dict[str, str]:
    """Each page's result id in the bundle whose files (by output path) are `files`, by the
    page's output path: the name of its fragment, which holds its URL."""
    ids = {}
    prefix = f"{bundle}/fragment/"
    for path, page in files.items():
        if not path.startswith(prefix) or not path.endswith(".pf_fragment"):
            continue
        url = _url(reused.content(page))
        ids[f"{url.strip('/')}/index.html".lstrip("/")] = path[len(prefix):-len(".pf_fragment")]
    return ids


def _url(fragment: bytes) -> str:
    """The URL in a fragment (gzip of Pagefind's mark and JSON): read from its first bytes,
    where Pagefind writes it (a tenth of the time of the whole page's text: 72 ms for 576)."""
    head = zlib.decompressobj(wbits=31).decompress(fragment, HEAD)[len(META_MARK):]
    found = URL_FIRST.match(head)
    if found:
        return json.loads(found.group(1))
    return json.loads(gzip.decompress(fragment)[len(META_MARK):])["url"]


def listed(superseded: set[str], has_part: bool) -> dict:
    """The edits part's entry in `parts.json` (`has_part`: some changed pages are still in
    the site; a page only taken away is only superseded)."""
    return ({"edits": f"{EDITS_FOLDER}/"} if has_part else {}) | \
        {"superseded": sorted(superseded)}
