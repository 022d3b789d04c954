"""Files for subscribers and crawlers: the Atom feed of issues and documents (`feed.xml`),
`sitemap.xml` and `robots.txt` pointing at it.

Dates come from the issues (编印 date), never from the clock, so an unchanged archive gives the
same bytes. URLs are absolute, from site.yaml's `base_url`.
"""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from . import reused
from .memo import Cache
from .model import Issue, Site

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_ISSUES = 20  # the newest issues, with their documents, are in the feed
CHINA = dt.timezone(dt.timedelta(hours=8))


def crawler_files(site: Site, extra_pages: list[str],
                  cache: Cache | None = None) -> dict[str, bytes]:
    """{output path: bytes} of feed.xml, sitemap.xml and robots.txt; `extra_pages` are the
    output paths of the index pages (by 文号, by issuer…) to list in the sitemap. With the
    preview's `cache`, each is made again only when what it shows changed."""
    def memoised(key: tuple, make):
        return cache.get(key, make, reused.usable) if cache is not None else make()

    config = site.config
    places = tuple((issue.url, issue.date, tuple(doc.url for doc in issue.documents))
                   for issue in site.issues)
    return {"feed.xml": memoised(("feed", config, _shown(site.issues[:FEED_ISSUES])),
                                 lambda: atom_feed(site)),
            "sitemap.xml": memoised(("sitemap", config, tuple(extra_pages), places),
                                    lambda: sitemap(site, extra_pages)),
            "robots.txt": robots(site)}


def _shown(issues: tuple[Issue, ...]) -> tuple:
    """What the feed shows of `issues` (`atom_feed` reads nothing else of them), as its memo
    key: the issues themselves would carry their documents' words into the stored memo (an
    edit in the newest issue stored the texts of the feed's 120 documents again, 3 MB)."""
    return tuple((issue.url, issue.label, issue.total, issue.date,
                  tuple((doc.title, doc.number, doc.url, doc.issuer, doc.date, doc.section)
                        for doc in issue.documents)) for issue in issues)


def atom_feed(site: Site) -> bytes:
    """The newest issues and their documents, an entry each, newest first."""
    config = site.config
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": config.language})
    _text(feed, "title", config.title)
    _text(feed, "subtitle", f"{config.title}：各期目录与所刊文件")
    _text(feed, "id", config.base_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                  href=config.base_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml",
                  href=f"{config.base_url}feed.xml")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", config.publisher)
    issues = site.issues[:FEED_ISSUES]
    _text(feed, "updated", _timestamp(issues[0].date) if issues else "1970-01-01T00:00:00Z")
    for issue in issues:
        entry = _entry(feed, f"{config.title}{issue.label}（总第{issue.total}期）",
                       config.base_url + issue.url, issue)
        titles = "；".join(f"{doc.title}（{doc.number}）" for doc in issue.documents)
        _text(entry, "summary", f"本期刊登：{titles}" if titles else "本期无文件")
        _category(entry, "issue", "期刊")
        for doc in issue.documents:
            doc_entry = _entry(feed, f"{doc.title}（{doc.number}）", config.base_url + doc.url,
                               issue)
            _text(doc_entry, "summary", f"{doc.issuer} {doc.number}，{doc.date.year}年"
                  f"{doc.date.month}月{doc.date.day}日成文，刊于{config.title}{issue.label}")
            _category(doc_entry, "document", "文件")
            _category(doc_entry, doc.section, doc.section)
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "utf-8") + b"\n"


def sitemap(site: Site, extra_pages: list[str]) -> bytes:
    """Every HTML page of the site, with the issue's date as its last change."""
    config = site.config
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    newest = site.issues[0].date if site.issues else None

    def add(path: str, date: dt.date | None) -> None:
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = config.base_url + path
        if date is not None:
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = date.isoformat()

    add("", newest)
    latest_of_year: dict[int, object] = {}
    for issue in site.issues:  # one pass, not one per year
        latest_of_year[issue.year] = max(issue.date, latest_of_year.get(issue.year, issue.date))
    for year in site.years:
        add(f"{year}/", latest_of_year[year])
    for page in extra_pages:
        add(page.removesuffix("index.html"), newest)
    for issue in site.issues:
        add(issue.url, issue.date)
        for doc in issue.documents:
            add(doc.url, issue.date)
    ET.indent(urlset)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(urlset, "utf-8") + b"\n"


def robots(site: Site) -> bytes:
    """Everything may be crawled; the sitemap is named with its full URL, as robots.txt needs.
    A crawler reads robots.txt only at the domain's root: under a sub-path (/gongbao/) the
    host's own robots.txt must carry the Sitemap line (README)."""
    return (f"User-agent: *\nAllow: /\n\nSitemap: {site.config.base_url}sitemap.xml\n"
            ).encode("utf-8")


def _entry(feed: ET.Element, title: str, url: str, issue: Issue) -> ET.Element:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "title", title)
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=url)
    _text(entry, "id", url)
    _text(entry, "published", _timestamp(issue.date))
    _text(entry, "updated", _timestamp(issue.date))
    return entry


def _category(entry: ET.Element, term: str, label: str) -> None:
    ET.SubElement(entry, f"{{{ATOM}}}category", term=term, label=label)


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _timestamp(date: dt.date) -> str:
    """An issue's 编印 date as an RFC 3339 time: midnight in China."""
    return dt.datetime(date.year, date.month, date.day, tzinfo=CHINA).isoformat()
