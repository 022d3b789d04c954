"""Search on the static site, proven in Chromium: the Pagefind index that `gazette build` writes,
queried through the site's own search page served under /gongbao/.

The query set: every 文号 typed exactly finds its document first; every issuer name and the
two-character terms 河长 and 充电 find every document whose text contains them (recall 100 %);
the filters narrow by year, section and issuer; each result shows title, 文号 and issue."""
from __future__ import annotations

import re
import shutil
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from browser import wait_until
from conftest import REPO

TERMS = ("河长", "充电", "充电桩", "幸福河湖")
DONE = "document.getElementById('search-status').textContent.match(/找到|没有|出错|不可用/)"


class _IndexedText(HTMLParser):
    """The text Pagefind is told to index on a document page: the article, minus the
    elements marked data-pagefind-ignore (the 文件信息 table, the citation)."""

    VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside the article
        self.ignored = 0  # depth inside an ignored element
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        names = dict(attrs)
        if self.depth:
            self.depth += 1
            if self.ignored or "data-pagefind-ignore" in names:
                self.ignored += 1
        elif "data-pagefind-body" in names:
            self.depth = 1

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.depth:
            return
        self.depth -= 1
        if self.ignored:
            self.ignored -= 1

    def handle_data(self, data):
        if self.depth and not self.ignored:
            self.parts.append(data)


def indexed_text(page: Path) -> str:
    parser = _IndexedText()
    parser.feed(page.read_text(encoding="utf-8"))
    return "".join(parser.parts)


@pytest.fixture(scope="module")
def documents(browser_site: Path) -> dict[str, dict]:
    """Every document page of the built site: URL path → 文号, issuer, indexed text."""
    found = {}
    for page in sorted(browser_site.glob("*/*/*/index.html")):
        html = page.read_text(encoding="utf-8")
        number = re.search(r'<p class="doc-number"[^>]*>([^<]+)</p>', html).group(1)
        issuer = re.search(r'data-pagefind-filter="issuer">([^<]+)<', html).group(1)
        url = f"/gongbao/{page.parent.relative_to(browser_site).as_posix()}/"
        found[url] = {"number": number, "issuer": issuer, "text": indexed_text(page)}
    assert len(found) == 12
    return found


def _show_all(page, url: str) -> None:
    """Open the search page at `url` and list every result (显示更多结果 until none is left)."""
    page.goto(url)
    wait_until(page, DONE)
    while page.is_visible("#search-more"):
        count = page.locator(".search-result").count()
        page.click("#search-more")
        wait_until(page, f"document.querySelectorAll('.search-result').length > {count}")


@pytest.fixture(scope="module")
def searcher(chromium, served):
    """search(q, **filters) → the results listed on the search page, all of them."""
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def search(query: str = "", **filters: str) -> list[dict]:
        params = urllib.parse.urlencode({"q": query, **filters})
        _show_all(page, f"{served}search/index.html?{params}")
        assert not errors, errors
        status = page.inner_text("#search-status")
        assert status.startswith(("找到", "没有")), f"{query!r} {filters}: {status}"
        return page.eval_on_selector_all(".search-result", """items => items.map(item => ({
            url: new URL(item.querySelector('a').href).pathname,
            title: item.querySelector('.search-result-title').textContent,
            meta: item.querySelector('.search-result-meta').textContent}))""")

    yield search
    page.close()


def test_every_doc_number_typed_exactly_finds_its_document_first(searcher, documents):
    for url, doc in documents.items():
        results = searcher(doc["number"])
        assert results, doc["number"]
        assert results[0]["url"] == url, (doc["number"], [r["url"] for r in results[:3]])


def test_a_doc_number_typed_with_ascii_brackets_finds_the_same_document(searcher, documents):
    url, doc = next(iter(documents.items()))
    typed = doc["number"].replace("〔", "[").replace("〕", "]")
    assert searcher(typed)[0]["url"] == url


@pytest.mark.parametrize("term", TERMS)
def test_terms_find_every_document_that_contains_them(searcher, documents, term):
    expected = {url for url, doc in documents.items() if term in doc["text"]}
    assert expected, f"the query set's term {term} is in no document"
    found = {result["url"] for result in searcher(term)}
    assert expected <= found, f"{term}: missed {sorted(expected - found)}"


def test_issuer_names_find_every_document_that_contains_them(searcher, documents):
    config = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    issuers = {name for section in config["sections"] for name in section["issuers"]}
    for issuer in issuers:
        expected = {url for url, doc in documents.items() if issuer in doc["text"]}
        assert expected
        found = {result["url"] for result in searcher(issuer)}
        assert expected <= found, f"{issuer}: missed {sorted(expected - found)}"


def test_results_show_title_doc_number_and_issue(searcher, documents):
    results = searcher("充电桩")
    assert results
    for result in results:
        doc = documents[result["url"]]
        assert result["title"].startswith("晋中市人民政府")
        assert doc["number"] in result["meta"]
        assert re.search(r"\d{4}年第\d+期（总第\d+期）", result["meta"]), result["meta"]


def test_only_document_pages_are_in_the_index(searcher, documents):
    found = {result["url"] for result in searcher("晋中市")}
    assert found and found <= set(documents)


def test_filters_narrow_by_year_section_and_issuer(searcher, documents):
    by_year = searcher("充电", year="2001")
    assert [r["url"] for r in by_year] == ["/gongbao/2001/01/shizhengbanfa-2001-3/"]
    office = "晋中市人民政府办公室"
    by_issuer = searcher("", issuer=office)
    assert {r["url"] for r in by_issuer} == {u for u, d in documents.items()
                                             if d["issuer"] == office}
    by_section = searcher("", section="市政府文件", year="2024")
    assert {r["url"] for r in by_section} == {u for u, d in documents.items()
                                              if d["issuer"] == "晋中市人民政府"
                                              and u.startswith("/gongbao/2024/")}


def test_no_result_says_so(searcher):
    assert searcher("zqxjv") == []


def test_a_doc_number_is_looked_up_without_the_full_text_index(chromium, served, documents):
    url, doc = next(iter(documents.items()))
    page = chromium.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{served}search/index.html?{urllib.parse.urlencode({'q': doc['number']})}")
    wait_until(page, DONE)
    first = page.eval_on_selector(".search-result a", "a => new URL(a.href).pathname")
    page.close()
    assert first == url
    assert not [address for address in fetched if "/pagefind/" in address]
    year = re.search(r"〔(\d{4})〕", doc["number"]).group(1)
    assert f"{served}search/numbers/{year}.json" in fetched


def _years_found(chromium, out: Path, query: str) -> tuple[str, set[str]]:
    """The search page's status and the years of the results it lists for `query`."""
    from browser import serve

    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with serve(out) as url:
            _show_all(page, f"{url}search/index.html?{urllib.parse.urlencode({'q': query})}")
            urls = page.eval_on_selector_all(".search-result a", "links => links.map(a => a.href)")
        assert not errors, errors
        return page.inner_text("#search-status"), {urllib.parse.urlparse(u).path.split("/")[2]
                                                    for u in urls}
    finally:
        page.close()


def _entry_requests(chromium, out: Path, query: str) -> list[tuple[str, str]]:
    """("sent" or "answered", the part) for each archive part's first file (its
    pagefind-entry.json), in the order the browser saw them, each request delayed 200 ms."""
    from browser import serve

    page = chromium.new_page()
    events: list[tuple[str, str]] = []

    def seen(kind: str):
        def note(request) -> None:
            match = re.search(r"/pagefind/archive/([^/]+)/pagefind-entry\.json", request.url)
            if match:
                events.append((kind, match.group(1)))
        return note

    page.on("request", seen("sent"))
    page.on("requestfinished", seen("answered"))
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 200, "downloadThroughput": -1, "uploadThroughput": -1})
    try:
        with serve(out) as url:
            page.goto(f"{url}search/index.html?{urllib.parse.urlencode({'q': query})}")
            wait_until(page, DONE)
        leading = next((i for i, (kind, _) in enumerate(events) if kind != "sent"), len(events))
        return sorted(events[:leading]) + events[leading:]  # sent together: in any order
    finally:
        page.close()


def test_the_archive_in_several_parts_is_searched_whole(chromium, tmp_path):
    """Three years: the newest issue in pagefind/, the newest year's other issue and the two
    earlier years each a part of their own, listed in pagefind/archive/parts.json; a query
    finds its documents in all of them. An index of before the parts (the archive one index, no
    list) is searched whole by the shipped script too."""
    from conftest import run_cli
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 26)  # 2001, 2002, 2003年第1、2期: 充电 in each issue
    out = tmp_path / "public"
    assert run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out)).code == 0
    assert (out / "pagefind/archive/parts.json").read_text() == \
        '["2003-2003/", "2002-2002/", "2001-2001/"]'
    assert _years_found(chromium, out, "充电") == ("找到 26 件文件。", {"2001", "2002", "2003"})
    # merged together, not one after another: on a slow network every part is asked for
    # before any answers (one after another: each waits for the one before's answers)
    assert _entry_requests(chromium, out, "充电")[:3] == [
        ("sent", "2001-2001"), ("sent", "2002-2002"), ("sent", "2003-2003")]

    script = site / "assets/search.js"  # a site's own script of before the parts
    script.write_text(script.read_text(encoding="utf-8").replace("parts.json", "archive.json"),
                      encoding="utf-8")
    assert run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out)).code == 0
    assert not (out / "pagefind/archive/parts.json").exists()
    assert _years_found(chromium, out, "充电") == ("找到 26 件文件。", {"2001", "2002", "2003"})
    (out / "assets/search.js").write_bytes((REPO / "assets/search.js").read_bytes())
    assert _years_found(chromium, out, "充电") == ("找到 26 件文件。", {"2001", "2002", "2003"})


def _found(chromium, out: Path, query: str, **filters: str) -> tuple[str, list[str]]:
    """The search page's status and the paths of the results it lists, all of them."""
    from browser import serve

    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with serve(out) as url:
            _show_all(page, f"{url}search/index.html?"
                            f"{urllib.parse.urlencode({'q': query, **filters})}")
            urls = page.eval_on_selector_all(".search-result a", "links => links.map(a => a.href)")
        assert not errors, errors
        return page.inner_text("#search-status"), sorted(
            urllib.parse.urlparse(u).path.split("/", 2)[2] for u in urls)
    finally:
        page.close()


def _retitle(site: Path, relative: str, title: str) -> None:
    path = site / "content" / relative
    text = path.read_text(encoding="utf-8")
    start = text.index("\ntitle: ") + len("\ntitle: ")
    path.write_text(text[:start] + title + text[text.index("\n", start):], encoding="utf-8")


def test_an_edited_old_document_is_found_by_its_new_words_once_and_not_by_its_old_ones(
        chromium, tmp_path):
    """Titles edited in a large group of years go into the index's edits part (the group's
    bundle kept as published, their old entries superseded): a reader finds what a cold
    build's index finds — the new words, not the old ones, each document once — and the
    filters too."""
    from conftest import run_cli
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 49)  # 2002-2003: a group of 144 pages
    _retitle(site, "2002/05/shizhengbanfa-2002-28.md", "关于印发Alphafest方案的通知")
    out = tmp_path / "public"
    assert run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out)).code == 0
    edited = ["2002/05/shizhengbanfa-2002-28/", "2003/07/shizhengfa-2003-37/"]
    assert edited[0] in _found(chromium, out, "alphafest")[1]
    _retitle(site, "2002/05/shizhengbanfa-2002-28.md", "关于印发Betafest方案的通知")
    _retitle(site, "2003/07/shizhengfa-2003-37.md", "Betafest安全保障方案")
    assert run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out)).code == 0
    assert (out / "pagefind/archive/edits").is_dir()  # the case under test
    cold = tmp_path / "cold"
    shutil.rmtree(site / ".gazette-cache")
    assert run_cli("--site", str(site), "build", "--no-pdf", "--out", str(cold)).code == 0
    assert not (cold / "pagefind/archive/edits").exists()
    old_words = _found(chromium, out, "alphafest")
    # the old words find the page no more; in its group they find nothing else either, where
    # a cold build's index, which has no such word, lists pages that only resemble it
    # (Pagefind's looser matching of a word that no page holds, in each part apart)
    assert edited[0] not in old_words[1]
    assert set(old_words[1]) < set(_found(chromium, cold, "alphafest")[1])
    new_words = _found(chromium, out, "betafest")
    assert set(edited) <= set(new_words[1]) and new_words == _found(chromium, cold, "betafest")
    for query, filters in (("充电", {}), ("2002年第5期", {}), ("安全保障", {}),
                           ("充电", {"year": "2003"}), ("", {"year": "2002"})):
        assert _found(chromium, out, query, **filters) == \
            _found(chromium, cold, query, **filters), (query, filters)
