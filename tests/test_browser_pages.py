"""Every page type in a real browser and real checkers: Chromium renders it without a console
error, axe-core finds no serious or critical violation at 1280 and 375 px, the Nu HTML Checker
finds no error, and a crawl of the site served under /gongbao/ finds no broken link or anchor."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from browser import axe_violations, vnu_errors, wait_until

PAGES = {
    "home": "index.html",
    "year": "2024/index.html",
    "issue": "2024/01/index.html",
    "document": "2024/01/shizhengbanfa-2024-3/index.html",
    "document with table": "2024/01/shizhengbanfa-2023-48/index.html",
    "search": "search/index.html?q=河长",
}
SEARCH_DONE = "document.getElementById('search-status').textContent.match(/找到|没有/)"


def open_page(context, url: str):
    """The page at `url`, loaded, with its console errors and uncaught exceptions collected."""
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(
        f"console: {m.text} ({m.location.get('url')})"))
    page.on("pageerror", lambda error: page.problems.append(f"exception: {error}"))
    page.goto(url, wait_until="load")
    if "search/" in url:
        wait_until(page, SEARCH_DONE)
    return page


def problems(page) -> list[str]:
    """The page's console errors and exceptions so far. A page that names no icon makes
    Chromium ask the domain root for /favicon.ico, outside the site's sub-path: that one request
    is not the site's; once the site names its icon, a missing icon counts like any file."""
    if page.query_selector("link[rel~=icon]"):
        return page.problems
    root_icon = urllib.parse.urljoin(page.url, "/favicon.ico")
    return [p for p in page.problems if not p.endswith(f"({root_icon})")]


@pytest.fixture(scope="module", params=[1280, 375], ids=["1280px", "375px"])
def context(chromium, request):
    context = chromium.new_context(viewport={"width": request.param, "height": 900})
    yield context
    context.close()


@pytest.mark.parametrize("kind", PAGES)
def test_page_renders_without_console_errors_and_passes_axe(context, served, kind):
    page = open_page(context, served + PAGES[kind])
    violations = axe_violations(page)
    found = problems(page)
    page.close()
    assert found == []
    assert violations == []


def test_nu_html_checker_finds_no_error_on_any_built_page(browser_site: Path):
    pages = sorted(browser_site.rglob("*.html"))
    assert len(pages) >= 17  # home, search, 2 years, 2 issues, 12 documents
    assert vnu_errors(pages) == []


class _Links(HTMLParser):
    """The URLs a page refers to (links, stylesheets, scripts, images) and the ids it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if names.get("id"):
            self.ids.add(names["id"])
        if tag == "a" and names.get("name"):
            self.ids.add(names["name"])
        for attribute in ("href", "src"):
            if names.get(attribute) and not (tag == "link" and names.get("rel") == "canonical"):
                self.urls.append(names[attribute])


def test_crawl_under_gongbao_finds_no_broken_link_or_anchor(served):
    origin = urllib.parse.urlsplit(served)
    parsed: dict[str, _Links] = {}
    statuses: dict[str, int] = {}
    referrers: dict[str, set[str]] = {}
    queue = [served]
    while queue:
        url = queue.pop()
        if url in statuses:
            continue
        try:
            with urllib.request.urlopen(url) as answer:
                statuses[url] = answer.status
                body = answer.read()
                kind = answer.headers.get_content_type()
        except urllib.error.HTTPError as error:
            statuses[url] = error.code
            continue
        if kind != "text/html":
            continue
        links = _Links()
        links.feed(body.decode("utf-8"))
        parsed[url] = links
        for href in links.urls:
            target = urllib.parse.urljoin(url, href)
            parts = urllib.parse.urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != origin.netloc:
                continue  # other sites (the portal's own address, the filing system)
            referrers.setdefault(target, set()).add(url)
            queue.append(urllib.parse.urlunsplit(parts._replace(fragment="", query="")))
    broken = [f"{url} ({status}) from {sorted(referrers.get(url, ()))[:2]}"
              for url, status in statuses.items() if status != 200]
    missing_anchors = []
    for target, sources in referrers.items():
        page, _, anchor = target.partition("#")
        page = page.split("?")[0]
        if anchor and page in parsed and urllib.parse.unquote(anchor) not in parsed[page].ids:
            missing_anchors.append(f"{target} from {sorted(sources)[:2]}")
    assert len(parsed) >= 17, sorted(parsed)
    assert all(url.startswith(served) for url in statuses)
    assert broken == []
    assert missing_anchors == []
