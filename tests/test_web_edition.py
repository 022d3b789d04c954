"""End to end: the shipped 2024年第1期 as a reader sees it on the web."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

from conftest import REPO, run_cli
from seed_text import seed_paragraphs

ISSUE_DIR = REPO / "content/2024/01"
# The printed 目录 (seed lines 25–41) with the TOC/body mismatches resolved in favour of the body
EXPECTED_TOC = [
    ("市政府文件", "市政发〔2023〕56号", "2023-12-28"),
    ("市政府文件", "市政发〔2024〕1号", "2024-01-25"),
    ("市政府办公室文件", "市政办发〔2023〕48号", "2023-12-27"),
    ("市政府办公室文件", "市政办发〔2023〕49号", "2023-12-31"),
    ("市政府办公室文件", "市政办发〔2024〕2号", "2024-02-18"),
    ("市政府办公室文件", "市政办发〔2024〕3号", "2024-02-26"),
]


class _Text(HTMLParser):
    """The visible text of a page, and its links."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.chunks)


def page_links(path: Path) -> list[str]:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _front_matters() -> list[dict]:
    stems = yaml.safe_load((ISSUE_DIR / "issue.yaml").read_text(encoding="utf-8"))["documents"]
    return [(stem, yaml.safe_load((ISSUE_DIR / f"{stem}.md").read_text(encoding="utf-8")
                                  .split("---")[1])) for stem in stems]


def test_issue_page_lists_six_documents_in_toc_order(web_edition):
    issue_page = web_edition / "2024/01/index.html"
    text = squeeze(page_text(issue_page))
    assert "2024年第1期" in text and "（总第25期）" in text and "2024年3月5日编印" in text
    positions = [text.index(number) for _, number, _ in EXPECTED_TOC]
    assert positions == sorted(positions)
    assert text.index("【市政府文件】") < positions[0] < positions[1] < \
        text.index("【市政府办公室文件】") < positions[2]
    document_links = [link for link in page_links(issue_page)
                      if re.fullmatch(r"\.\./\.\./2024/01/[a-z0-9-]+/index.html", link)]
    assert len(document_links) == 6


def test_document_pages_show_their_metadata(web_edition):
    front_matters = _front_matters()
    assert [(fm["number"], str(fm["date"])) for _, fm in front_matters] == \
        [(number, date) for _, number, date in EXPECTED_TOC]
    for stem, fm in front_matters:
        text = squeeze(page_text(web_edition / "2024/01" / stem / "index.html"))
        date = fm["date"]
        written = f"{date.year}年{date.month}月{date.day}日"
        assert fm["title"] in text
        assert f"文号{fm['number']}" in text
        assert f"发文机关{fm['issuer']}" in text
        assert f"成文日期{written}" in text
        assert f"公开属性{fm['disclosure']}" in text
        # the signature block, generated from the front-matter
        assert f"{fm['issuer']}{written}（{fm['disclosure']}）" in text
        html = (web_edition / "2024/01" / stem / "index.html").read_text(encoding="utf-8")
        assert (f'<link rel="canonical" href="https://www.sxjz.gov.cn/gongbao/2024/01/{stem}/">'
                in html)


def test_every_paragraph_of_the_seed_is_on_the_built_pages(web_edition):
    pages = "".join(squeeze(page_text(p)) for p in sorted((web_edition / "2024/01").glob("*/index.html")))
    paragraphs = seed_paragraphs()
    assert len(paragraphs) > 250
    missing = [p for p in paragraphs if squeeze(p) not in pages]
    assert missing == []


def test_previous_and_next_links_follow_the_toc(web_edition):
    stems = [stem for stem, _ in _front_matters()]
    for index, stem in enumerate(stems):
        links = page_links(web_edition / "2024/01" / stem / "index.html")
        if index > 0:
            assert f"../../../2024/01/{stems[index - 1]}/index.html" in links
        if index + 1 < len(stems):
            assert f"../../../2024/01/{stems[index + 1]}/index.html" in links


def test_pages_are_chinese_responsive_and_carry_the_government_footer(web_edition):
    html = (web_edition / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    assert "主办单位：晋中市人民政府办公室" in page_text(web_edition / "index.html")
    css = (web_edition / "assets/site.css").read_text(encoding="utf-8")
    assert ".table-wrap { overflow-x: auto;" in css and "@media print" in css
    assert "@font-face" not in css and "http" not in css  # no web-font downloads


def test_tables_are_wrapped_to_scroll_on_phones(web_edition):
    html = (web_edition / "2024/01/shizhengbanfa-2024-3/index.html").read_text(encoding="utf-8")
    assert '<div class="table-wrap"><table>' in html
    assert '<th scope="col">序号</th>' in html


def test_home_and_year_pages_link_the_issue(web_edition):
    assert "2024/01/index.html" in page_links(web_edition / "index.html")
    assert "../2024/01/index.html" in page_links(web_edition / "2024/index.html")


def test_a_second_issue_appears_everywhere_with_no_code_change(shipped_site, tmp_path):
    new = shipped_site / "content/2024/02"
    new.mkdir()
    (new / "issue.yaml").write_text(
        "year: 2024\nnumber: 2\ntotal: 26\ndate: 2024-04-10\n", encoding="utf-8")
    (new / "shizhengfa-2024-5.md").write_text(
        "---\ntitle: 晋中市人民政府关于春季植树的通知\nnumber: 市政发〔2024〕5号\n"
        "date: 2024-04-01\nissuer: 晋中市人民政府\ndisclosure: 此件公开发布\n---\n\n"
        "各县（区、市）人民政府：\n\n请做好春季植树工作。\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--site", str(shipped_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    home = squeeze(page_text(out / "index.html"))
    assert "最新一期：2024年第2期" in home and "2024年2期" in home  # the year and its issues
    year = squeeze(page_text(out / "2024/index.html"))
    assert year.index("2024年第2期") < year.index("2024年第1期")  # latest first
    assert "../2024/02/index.html" in page_links(out / "2024/index.html")
    assert "晋中市人民政府关于春季植树的通知" in page_text(out / "2024/02/index.html")
    doc = squeeze(page_text(out / "2024/02/shizhengfa-2024-5/index.html"))
    assert "请做好春季植树工作。" in doc and "2024年4月1日" in doc
