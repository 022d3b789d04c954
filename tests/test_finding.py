"""Finding a document by number, issuer and year in a long archive (tools/make_archive.py, 250
issues, 1,500 documents): the index pages, the year pages and their neighbours, a home page that
stays small, a menu that reaches every year; and the check of the built site's own links."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from test_web_edition import page_links, page_text, squeeze

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.make_archive import make_archive  # noqa: E402

YEARS = list(range(2001, 2022))  # 250 issues, twelve a year from 2001


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, Path, str]:
    site = make_archive(tmp_path_factory.mktemp("archive") / "site", 250)
    out = site.parent / "public"
    result = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    return site, out, result.err


def _numbers(site: Path) -> dict[str, tuple[str, str]]:
    """{文号: (title, page URL)} of every document of the archive, from its source."""
    found = {}
    for path in (site / "content").glob("*/*/*.md"):
        text = path.read_text(encoding="utf-8")
        number = re.search(r"^number: (.+)$", text, re.M)[1]
        title = re.search(r"^title: (.+)$", text, re.M)[1]
        year, issue = path.parts[-3], path.parts[-2]
        found[number] = (title.strip("'\""), f"{year}/{issue}/{path.stem}/index.html")
    return found


def test_home_page_shows_the_latest_issue_and_every_year_and_stays_small(archive):
    _, out, _ = archive
    home = out / "index.html"
    assert home.stat().st_size <= 25 * 1024, home.stat().st_size
    text = squeeze(page_text(home))
    assert "最新一期：2021年第10期" in text
    links = page_links(home)
    for year in YEARS:
        assert f"{year}/index.html" in links
    assert "2021/10/index.html" in links


def test_the_menu_reaches_every_year_from_every_kind_of_page(archive):
    _, out, _ = archive
    for page, root in (("index.html", ""), ("2005/index.html", "../"),
                       ("2005/03/index.html", "../../"),
                       ("numbers/index.html", "../")):
        html = (out / page).read_text(encoding="utf-8")
        nav = html[html.index('class="topnav"'):html.index("</nav>", html.index('class="topnav"'))]
        for year in YEARS:
            assert f'href="{root}{year}/index.html"' in nav, (page, year)


def test_year_pages_link_their_neighbours_and_list_their_documents(archive):
    site, out, _ = archive
    def prevnext(year):
        html = (out / f"{year}/index.html").read_text(encoding="utf-8")
        return (re.findall(r'rel="prev" href="\.\./(\d{4})/index\.html"', html),
                re.findall(r'rel="next" href="\.\./(\d{4})/index\.html"', html))
    assert prevnext(2001) == ([], ["2002"])
    assert prevnext(2010) == (["2009"], ["2011"])
    assert prevnext(2021) == (["2020"], [])
    numbers = _numbers(site)
    in_2010 = {n for n in numbers if "〔2010〕" in n}
    text = squeeze(page_text(out / "2010/index.html"))
    assert len(in_2010) == 72 and all(n in text for n in in_2010)
    assert not any(n in text for n in numbers if "〔2011〕" in n)


def test_the_number_index_groups_by_prefix_and_finds_every_document(archive):
    site, out, _ = archive
    page = out / "numbers/index.html"
    html = page.read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="(code-\d+)">([^<]+)</h2>', html)
    assert [name for _, name in headings] == ["市政办发", "市政发"]  # the larger group first
    numbers = _numbers(site)
    links = set(page_links(page))
    for number, (title, url) in numbers.items():
        group = number.split("〔")[0]
        start = html.index(f">{group}</h2>")
        end = min((i for i in (html.find("<h2", start + 1),) if i > 0), default=len(html))
        entry = html.find(f'<span class="index-number">{number}</span>', start, end)
        assert entry > 0, number
        assert html.count(f">{number}<") == 1
        assert f"../{url}" in links
    # each group is reached by its years from the top of the page
    for year in YEARS:
        assert f'href="#code-1-{year}"' in html and f'<h3 id="code-1-{year}">{year}年</h3>' in html
    # within a group, the newest 文号 first
    first_group = re.findall(r'class="index-number">市政办发〔(\d{4})〕(\d+)号', html)
    keys = [(int(y), int(s)) for y, s in first_group]
    assert keys == sorted(keys, reverse=True)


def test_the_issuer_index_holds_each_issuers_documents(archive):
    site, out, _ = archive
    text = (out / "issuers/index.html").read_text(encoding="utf-8")
    sections = re.split(r'<h2 id="issuer-\d+">', text)[1:]
    names = [s[:s.index("<")] for s in sections]
    assert sorted(names) == ["晋中市人民政府", "晋中市人民政府办公室"]
    for name, section in zip(names, sections):
        numbers = re.findall(r"市政(?:办)?发〔\d{4}〕\d+号", section)
        expected = "市政办发" if name.endswith("办公室") else "市政发"
        assert numbers and all(n.startswith(expected) for n in numbers)
    assert len(re.findall(r"市政(?:办)?发〔\d{4}〕\d+号", text)) == 1500


def test_the_built_archive_has_no_broken_link_or_anchor(archive):
    from gazette_build.linkcheck import broken_links

    _, out, _ = archive
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # + 1: the search page
    assert len([p for p in files if p.endswith(".html")]) == 1500 + 250 + 21 + 2 + 2 + 1
    assert broken_links(files, "/gongbao/") == []
    # and the checker does see a broken one
    page = "2001/01/" + next(p for p in sorted(files) if p.startswith("2001/01/") and
                             p.endswith("/index.html") and p.count("/") == 3).split("/")[2]
    files[f"{page}/index.html"] += b'<a href="../nowhere/">x</a><a href="#nowhere">y</a>'
    assert [(link, why) for _, _, link, why in broken_links(files, "/gongbao/")] == [
        ("../nowhere/", "no such file 2001/01/nowhere/index.html"),
        ("#nowhere", f"no id 'nowhere' in {page}/index.html")]


def test_each_broken_link_is_named_at_its_own_line():
    """Lines are counted on from one broken link to the next (counted from the page's start
    for each, `check` took 22 s for a 2 MB document of broken links, 0.8 s for plain text)."""
    from gazette_build.linkcheck import broken_links

    rows = [b'<p id="a">' + b"x" * (i % 7) + (b'<a href="#nowhere">n</a>' * (i % 3)) +
            b'<a href="#a">ok</a>' + b"\n" * (i % 4) for i in range(300)]
    page = b"<html>\n" + b"".join(rows)
    expected = [(page[:m.start()].count(b"\n") + 1)
                for m in re.finditer(rb'href="#nowhere"', page)]
    found = broken_links({"index.html": page}, "/")
    assert [line for _, line, _, _ in found] == expected and len(expected) == 300


def test_check_names_broken_links_and_anchors(shipped_site, tmp_path):
    doc = shipped_site / "content/2024/01/shizhengfa-2024-1.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n见[附表](../missing/index.html)和"
                   "[第九条](#no-such-heading)。\n", encoding="utf-8")
    result = run_cli("--site", str(shipped_site), "check")
    assert result.code == 0, result.err
    broken = sorted((line for line in result.lines if ": link:" in line), key=lambda l: "#" in l)
    page = "public/2024/01/shizhengfa-2024-1/index.html"
    assert len(broken) == 2, result.err
    assert re.fullmatch(rf"warning: {re.escape(page)}:\d+: link: \.\./missing/index\.html: "
                        r"no such file 2024/01/missing/index\.html", broken[0])
    assert re.fullmatch(rf"warning: {re.escape(page)}:\d+: link: #no-such-heading: no id "
                        r"'no-such-heading' in 2024/01/shizhengfa-2024-1/index\.html", broken[1])
    # the line named is the built page's line holding the link
    out = tmp_path / "out"
    built = run_cli("--site", str(shipped_site), "build", "--no-pdf", "--out", str(out))
    assert built.code == 0
    line = int(re.search(r":(\d+): link: #no-such", broken[1])[1])
    html = (out / "2024/01/shizhengfa-2024-1/index.html").read_text(encoding="utf-8")
    assert 'href="#no-such-heading"' in html.splitlines()[line - 1]
