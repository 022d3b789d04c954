"""Subscribers and crawlers: the Atom feed read by a real feed reader (feedparser), the sitemap,
robots.txt, the 404 page, the favicon and canonical links on every page; the structured data in
the pages' heads (schema.org JSON-LD, Dublin Core, the 政府网站发展指引 tags)."""
from __future__ import annotations

import calendar
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import feedparser

from conftest import run_cli
from test_web_edition import _front_matters, page_text, squeeze

BASE = "https://www.sxjz.gov.cn/gongbao/"


class _Head(HTMLParser):
    """The meta tags, links and JSON-LD of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict] = []
        self.jsonld: list[dict] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "name" in attrs:
            self.meta.setdefault(attrs["name"], []).append(attrs.get("content", ""))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_jsonld = True

    def handle_endtag(self, tag):
        self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld.append(json.loads(data))


def head(path: Path) -> _Head:
    parser = _Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if p.name != "404.html")


def page_url(out: Path, page: Path) -> str:
    path = page.relative_to(out).as_posix()
    return BASE + path.removesuffix("index.html")


def local(out: Path, url: str) -> Path:
    assert url.startswith(BASE), url
    path = url[len(BASE):].split("#")[0]
    return out / (path + "index.html" if path.endswith("/") or not path else path)


def test_feed_reader_reads_every_entry_with_title_link_and_date(web_edition):
    feed = feedparser.parse((web_edition / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "晋中市人民政府公报"
    assert len(feed.entries) == 1 + 6  # the issue and its documents
    for entry in feed.entries:
        assert entry.title and entry.link.startswith(BASE)
        # the 编印 date, midnight in China (feedparser gives UTC)
        assert calendar.timegm(entry.published_parsed) == calendar.timegm(
            (2024, 3, 4, 16, 0, 0)) and entry.published.startswith("2024-03-05")
        assert local(web_edition, entry.link).is_file()
    titles = [entry.title for entry in feed.entries]
    assert titles[0] == "晋中市人民政府公报2024年第1期（总第25期）"
    for stem, front in _front_matters():
        assert f"{front['title']}（{front['number']}）" in titles
    # every page announces the feed
    for page in pages(web_edition):
        feeds = [l for l in head(page).links if l.get("type") == "application/atom+xml"]
        assert len(feeds) == 1 and urljoin(page_url(web_edition, page), feeds[0]["href"]) == \
            BASE + "feed.xml"


def test_sitemap_lists_every_page_and_robots_points_at_it(web_edition):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring((web_edition / "sitemap.xml").read_bytes())
    locs = [url.find("s:loc", ns).text for url in root.findall("s:url", ns)]
    assert sorted(locs) == sorted(page_url(web_edition, p) for p in pages(web_edition))
    assert all(url.find("s:lastmod", ns).text == "2024-03-05" for url in root.findall("s:url", ns))
    robots = (web_edition / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE}sitemap.xml" in robots.splitlines()


def test_every_page_has_its_canonical_url_and_a_favicon_inside_the_site(web_edition):
    for page in pages(web_edition):
        parsed = head(page)
        canonical = [l["href"] for l in parsed.links if l.get("rel") == "canonical"]
        assert canonical == [page_url(web_edition, page)], page
        icons = [l["href"] for l in parsed.links if l.get("rel") == "icon"]
        assert len(icons) == 1
        icon = urljoin(page_url(web_edition, page), icons[0])
        assert icon.startswith(BASE) and local(web_edition, icon).is_file()
    assert (web_edition / "assets/favicon.svg").read_bytes().startswith(b"<svg")


def test_the_404_page_leads_back_from_any_depth(web_edition):
    page = web_edition / "404.html"
    text = page.read_text(encoding="utf-8")
    assert "页面未找到" in text
    hrefs = re.findall(r'href="([^"]+)"', text)
    # served for /gongbao/any/missing/path: every site link is absolute from the site's path
    assert "/gongbao/index.html" in hrefs and "/gongbao/2024/01/index.html" in hrefs
    for href in hrefs:
        if not href.startswith(("http", "#")):
            assert href.startswith("/gongbao/"), href
            assert local(web_edition, "https://www.sxjz.gov.cn" + href).is_file()


def test_document_pages_carry_legislation_json_ld_and_dublin_core(web_edition):
    for stem, front in _front_matters():
        parsed = head(web_edition / f"2024/01/{stem}/index.html")
        [data] = parsed.jsonld
        assert "Legislation" in data["@type"]
        assert data["legislationIdentifier"] == front["number"]
        assert data["legislationDate"] == front["date"].isoformat()
        assert data["datePublished"] == "2024-03-05"
        assert data["legislationPassedBy"]["name"] == front["issuer"]
        assert data["url"] == f"{BASE}2024/01/{stem}/"
        assert data["isPartOf"]["@type"] == "PublicationIssue"
        assert data["isPartOf"]["issueNumber"] == "1"
        assert data["isPartOf"]["isPartOf"]["name"] == "晋中市人民政府公报"
        meta = parsed.meta
        assert meta["DC.identifier"] == [front["number"]]
        assert meta["DC.title"] == [front["title"]]
        assert meta["DC.creator"] == [front["issuer"]]
        assert meta["DC.date"] == [front["date"].isoformat()]
        # the 政府网站发展指引 tags
        assert meta["ArticleTitle"] == [front["title"]]
        assert meta["PubDate"] == ["2024-03-05"]
        assert meta["ContentSource"] == ["晋中市人民政府公报2024年第1期"]
        assert meta["SiteName"] == ["晋中市人民政府公报"]
        assert meta["SiteDomain"] == ["www.sxjz.gov.cn"]
        assert len(meta["ColumnName"]) == 1 and meta["ColumnName"][0] in ("市政府文件", "市政府办公室文件")
        assert front["number"] in meta["Keywords"][0].split(",")
        # the opening of the text after the addressees line, as the page shows it
        description = meta["Description"][0]
        assert 10 < len(description) <= 120 and not description.startswith("各县")
        body = squeeze(page_text(web_edition / f"2024/01/{stem}/index.html"))
        assert squeeze(description.removesuffix("…")) in body
        assert "SiteIDCode" not in meta  # empty in site.yaml: left out, not invented


def test_issue_page_is_a_publication_issue(web_edition):
    [data] = head(web_edition / "2024/01/index.html").jsonld
    assert data["@type"] == "PublicationIssue"
    assert (data["issueNumber"], data["alternateName"]) == ("1", "总第25期")
    assert data["datePublished"] == "2024-03-05"
    assert [part["legislationIdentifier"] for part in data["hasPart"]] == \
        [front["number"] for _, front in _front_matters()]


def _set_yaml(site: Path, old: str, new: str) -> None:
    path = site / "site.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_check_warns_once_about_each_empty_footer_item(shipped_site):
    result = run_cli("--site", str(shipped_site), "check")
    assert result.code == 0, result.err
    for item in ("网站标识码", "ICP备案号", "公安备案号"):
        lines = [l for l in result.lines if f"footer.{item}:" in l]
        assert len(lines) == 1, result.err
        assert re.match(rf"warning: site\.yaml:\d+: footer\.{item}: is empty", lines[0])
    assert not any("footer.主办单位" in l for l in result.lines)
    _set_yaml(shipped_site, '网站标识码: ""', '网站标识码: "1407000001"')
    result = run_cli("--site", str(shipped_site), "check")
    assert not any("footer.网站标识码" in l for l in result.lines)


def test_organisation_code_turns_the_box_into_the_open_government_box(shipped_site, tmp_path):
    _set_yaml(shipped_site, 'organisation_code: ""', "organisation_code: 11140700MB1234567X")
    _set_yaml(shipped_site, '网站标识码: ""', '网站标识码: "1407000001"')
    doc = shipped_site / "content/2024/01/shizhengfa-2024-1.md"
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("issuer: 晋中市人民政府\n", "issuer: 晋中市人民政府\n"
                                "index_number: 2024-00012\ntopic: 安全生产监管\\安全生产\n"
                                "validity: 现行有效\nkeywords: [安全生产, 工作通知]\n", 1),
                   encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--site", str(shipped_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    page = out / "2024/01/shizhengfa-2024-1/index.html"
    html = re.sub(r"\s+", "", page.read_text(encoding="utf-8"))
    assert "<caption>政务公开信息</caption>" in html
    for row in ("索引号</th><td>11140700MB1234567X/2024-00012", "主题分类</th><td>安全生产监管\\安全生产",
                "有效性</th><td>现行有效", "发布日期</th><td>2024年3月5日", "主题词</th><td>安全生产工作通知"):
        assert row in html.replace("　", "").replace(" ", ""), row
    parsed = head(page)
    assert parsed.meta["SiteIDCode"] == ["1407000001"]
    assert parsed.meta["Keywords"] == ["安全生产,工作通知"]
    assert parsed.jsonld[0]["legislationLegalForce"] == "https://schema.org/InForce"
    record = json.loads((out / "2024/01/shizhengfa-2024-1/shizhengfa-2024-1.json").read_text())
    assert record["index_number"] == "11140700MB1234567X/2024-00012"
    assert (record["topic"], record["validity"], record["keywords"]) == \
        ("安全生产监管\\安全生产", "现行有效", ["安全生产", "工作通知"])
    # a document without the fields shows the box with what is known, nothing invented
    other = re.sub(r"\s+", "", (out / "2024/01/shizhengfa-2023-56/index.html").read_text())
    assert "<caption>政务公开信息</caption>" in other and "索引号" not in other.replace("　", "")


def test_a_malformed_index_number_is_named_with_its_line(shipped_site):
    doc = shipped_site / "content/2024/01/shizhengfa-2024-1.md"
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("issuer: 晋中市人民政府\n", "issuer: 晋中市人民政府\nindex_number: 12\n", 1),
                   encoding="utf-8")
    line = doc.read_text(encoding="utf-8").splitlines().index("index_number: 12") + 1
    result = run_cli("--site", str(shipped_site), "check")
    assert result.code == 1
    assert (f"content/2024/01/shizhengfa-2024-1.md:{line}: index_number: '12' must be the year "
            "and a 5-digit serial") in result.err
