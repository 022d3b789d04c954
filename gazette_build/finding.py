"""Finding a document by its number, its issuer or its year: the lists the index pages show.

Each list holds small `Entry` records (no bodies), so a page's memo key changes only when a
title, number, issuer or place of a document does.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .model import Document, Issue, Site, reduce_by_fields, slot_hash

# 发文字号: 机关代字〔年份〕序号号 (as content.DOC_NUMBER, which every 文号 has passed)
DOC_NUMBER = re.compile(r"^(?P<code>[\u4e00-\u9fff]+)〔(?P<year>\d{4})〕(?P<serial>\d{1,6})号$")

#: the index pages beside the year pages: (output path, template, title)
INDEX_PAGES = (
    ("numbers/index.html", "numbers.html", "按文号查找"),
    ("issuers/index.html", "issuers.html", "按发文机关查找"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """A document as an index line shows it."""

    __reduce__ = reduce_by_fields

    title: str
    number: str
    issuer: str
    date: dt.date
    url: str
    issue_label: str
    issue_url: str
    sort_key: tuple  # (文号 year, serial) for the 文号 index
    year: int  # the 文号's year (the 成文日期's for a document without one): `index_year`
    # the pages' memo keys hold thousands of entries, hashed again and again while a build
    # looks them up and saves them: 450,000 hashes of records saving the memo of 15,000
    # documents, profiled, most of them entries'
    _hash: int | None = field(default=None, init=False, repr=False, compare=False)

    __hash__ = slot_hash

    @classmethod
    def of(cls, doc: Document, issue: Issue) -> "Entry":
        match = DOC_NUMBER.match(doc.number)
        key = (int(match["year"]), int(match["serial"])) if match else (0, 0)
        return cls(doc.title, doc.number, doc.issuer, doc.date, doc.url, issue.label, issue.url,
                   key, key[0] or doc.date.year)


@dataclass(frozen=True, slots=True)
class Group:
    """A heading of an index page and its documents; `anchor` is the heading's id."""

    __reduce__ = reduce_by_fields

    name: str
    anchor: str
    entries: tuple[Entry, ...]


def entries(site: Site) -> tuple[Entry, ...]:
    """Every document of the archive, newest issue first, in 目录 order within an issue."""
    return tuple(Entry.of(doc, issue) for issue in site.issues for doc in issue.documents)


def by_number(all_entries: tuple[Entry, ...]) -> tuple[Group, ...]:
    """Grouped by 机关代字 (市政发, 市政办发…), the largest group first; newest 文号 first."""
    groups: dict[str, list[Entry]] = {}
    for entry in all_entries:
        match = DOC_NUMBER.match(entry.number)
        groups.setdefault(match["code"] if match else entry.number, []).append(entry)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(Group(code, f"code-{index}",
                       tuple(sorted(items, key=lambda e: e.sort_key, reverse=True)))
                 for index, (code, items) in enumerate(ordered, 1))


def by_issuer(all_entries: tuple[Entry, ...]) -> tuple[Group, ...]:
    """Grouped by 发文机关, the issuer with the most documents first; newest first within."""
    groups: dict[str, list[Entry]] = {}
    for entry in all_entries:
        groups.setdefault(entry.issuer, []).append(entry)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(Group(issuer, f"issuer-{index}",
                       tuple(sorted(items, key=lambda e: (e.date, e.sort_key), reverse=True)))
                 for index, (issuer, items) in enumerate(ordered, 1))


def index_year(name: str):
    """entry → the year an index page files it under: the 文号's in the 文号 index, the
    成文日期's in the issuer index (the same entries in both: a copy of each with the other
    year was 1,500 more records in every build's lookups and in the stored memo)."""
    return _date_year if name == "issuers.html" else _number_year


def _date_year(entry: Entry) -> int:
    return entry.date.year


def _number_year(entry: Entry) -> int:
    return entry.year


def by_year(all_entries: tuple[Entry, ...]) -> dict[int, tuple[Entry, ...]]:
    """Each year's documents (those of its issues), by 成文日期, newest first: grouped in one
    pass, not one pass over the archive per year (209 × 15,000 tests at 15,000 documents)."""
    years: dict[int, list[Entry]] = {}
    for entry in all_entries:
        years.setdefault(int(entry.issue_url.split("/", 1)[0]), []).append(entry)
    return {year: tuple(sorted(entries, key=lambda e: (e.date, e.sort_key), reverse=True))
            for year, entries in years.items()}


def neighbours(years: tuple[int, ...], year: int) -> tuple[int | None, int | None]:
    """(the earlier year, the later year) that have issues, for a year page's links."""
    ordered = sorted(years)
    index = ordered.index(year)
    earlier = ordered[index - 1] if index > 0 else None
    later = ordered[index + 1] if index + 1 < len(ordered) else None
    return earlier, later
