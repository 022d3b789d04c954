"""`gazette build` end to end with the print edition: the web pages cite the pages the PDF
really has, the PDFs sit where the pages link, and a second build lays nothing out and writes
byte-identical PDFs."""
from __future__ import annotations

import re

import pytest

from gazette_build.printed import layout as pdf
from conftest import run_cli
from test_pdf import Printed, read_back, title_page
from test_web_edition import page_links, page_text, squeeze


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from test_pdf import copy_site
    from gazette_build.errors import Report
    from gazette_build.site import load_site

    root = copy_site(tmp_path_factory.mktemp("printweb") / "site")
    result = run_cli("--site", str(root), "build")
    assert result.code == 0, result.err
    site = load_site(root, Report(root))
    return root, site


def _printed(root, site) -> Printed:
    from gazette_build.model import PrintedIssue

    issue = site.issues[0]
    data = (root / "public/2024/01/jzgb-2024-01.pdf").read_bytes()
    return read_back(root, site, issue, None, PrintedIssue(data, 0))


def test_web_toc_numbers_are_the_printed_pages(built):
    root, site = built
    printed = _printed(root, site)
    on_pages = [title_page(printed, doc.title) for doc in site.issues[0].documents]
    issue_page = root / "public/2024/01/index.html"
    web_numbers = [int(n) for n in re.findall(r'class="toc-page"[^>]*>（(\d+)）',
                                              issue_page.read_text(encoding="utf-8"))]
    assert web_numbers == on_pages
    assert "jzgb-2024-01.pdf" in page_links(issue_page)


def test_document_pages_cite_their_printed_page_range(built):
    import io
    import pypdf

    root, site = built
    printed = _printed(root, site)
    issue = site.issues[0]
    documents = issue.documents
    ranges = []
    for index, doc in enumerate(documents):
        page = title_page(printed, doc.title)
        html = root / "public" / doc.url / "index.html"
        text = squeeze(page_text(html))
        cited = re.search(r"引用：《晋中市人民政府公报》2024年第1期（总第25期）第(\d+)(?:—(\d+))?页，"
                          + re.escape(doc.number), text)
        assert cited, text[:400]
        first, last = int(cited[1]), int(cited[2] or cited[1])
        assert first == page and (cited[2] is None or last > first)
        ranges.append((first, last))
        # the last cited page holds the document's signature date, the page after it does not
        # hold the document's title or anything before the next title
        date = f"{doc.date.year}年{doc.date.month}月{doc.date.day}日"
        if not doc.parts:
            assert date in squeeze(printed.texts[last - 1])
        if index + 1 < len(documents):
            assert title_page(printed, documents[index + 1].title) in (last, last + 1)
        links = page_links(html)
        assert f"../jzgb-2024-01.pdf#page={page}" in links
        assert f"{doc.stem}.pdf" in links
        pdf_path = root / "public" / doc.url / f"{doc.stem}.pdf"
        pages = len(pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
        assert pages == last - first + 1
        # the link says the size and page count of the file it leads to
        size = pdf_path.stat().st_size
        label = f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{round(size / 1024)} KB"
        assert squeeze(f"本文 PDF（{label}，{pages}页）") in text
    assert ranges[-1][1] >= 6  # the seed's documents run over several pages
    assert any(last > first for first, last in ranges)


def test_issue_pdf_link_says_size_and_pages(built):
    root, site = built
    pdf_path = root / "public/2024/01/jzgb-2024-01.pdf"
    size = pdf_path.stat().st_size
    label = f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{round(size / 1024)} KB"
    pages = len(_printed(root, site).texts)
    text = squeeze(page_text(root / "public/2024/01/index.html"))
    assert squeeze(f"下载本期印刷版 PDF（{label}，{pages}页）") in text


def test_a_second_build_lays_nothing_out_and_writes_the_same_bytes(built):
    root, _ = built
    pdfs = sorted((root / "public").rglob("*.pdf"))
    before = {p: p.read_bytes() for p in pdfs}
    layouts = pdf.layout_count
    result = run_cli("--site", str(root), "build")
    assert result.code == 0, result.err
    assert pdf.layout_count == layouts
    assert {p: p.read_bytes() for p in sorted((root / "public").rglob("*.pdf"))} == before


def test_an_image_beside_a_document_is_printed_too(minimal_site):
    from PIL import Image

    Image.new("RGB", (200, 100), "red").save(minimal_site / "content/2024/01/map.png")
    path = minimal_site / "content/2024/01/first.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n![图](map.png)\n", encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build")
    assert result.code == 0, result.err
    assert not [line for line in result.lines if line.startswith("warning")]
    import pypdf

    reader = pypdf.PdfReader(minimal_site / "public/2024/01/jzgb-2024-01.pdf")
    assert any(page.images for page in reader.pages)
    assert (minimal_site / "public/2024/01/map.png").exists()


def test_a_css_error_in_the_print_stylesheet_is_a_warning_with_its_line(minimal_site):
    css = minimal_site / "assets/print.css"
    lines = css.read_text(encoding="utf-8").split("\n")
    body = next(i for i, line in enumerate(lines) if line.startswith("@page {"))
    lines.insert(body + 1, "  colr: red;")
    css.write_text("\n".join(lines), encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build")
    assert result.code == 0, result.err
    assert (f"warning: assets/print.css:{body + 2}: css: Ignored `colr: red` at {body + 2}:3, "
            "unknown property.") in result.lines


def test_press_flag_writes_a_press_copy_with_bleed(minimal_site):
    result = run_cli("--site", str(minimal_site), "build", "--press")
    assert result.code == 0, result.err
    import pypdf

    press = pypdf.PdfReader(minimal_site / "public/2024/01/jzgb-2024-01-press.pdf").pages[0]
    normal = pypdf.PdfReader(minimal_site / "public/2024/01/jzgb-2024-01.pdf").pages[0]
    bleed = 3 * 72 / 25.4
    assert abs(float(press.mediabox.width) - float(normal.mediabox.width) - 2 * bleed) < 0.5
    assert abs(float(press.trimbox.width) - float(normal.mediabox.width)) < 0.5


def test_a_missing_stylesheet_is_named_and_its_return_lays_the_issue_out_again(minimal_site):
    css = minimal_site / "assets/print.css"
    saved = css.read_bytes()
    css.unlink()
    result = run_cli("--site", str(minimal_site), "build")
    assert result.code == 0, result.err
    assert ("warning: layouts/print/issue.html:1: print: assets/print.css does not exist"
            in result.lines)
    css.write_bytes(saved)
    layouts = pdf.layout_count
    result = run_cli("--site", str(minimal_site), "build")
    assert result.code == 0 and pdf.layout_count == layouts + 1
    assert not [line for line in result.lines if "does not exist" in line]


def test_data_layer_and_json_ld_give_the_printed_pages_and_pdfs(built):
    import io
    import json

    import jsonschema
    import pypdf

    from test_crawlers import head
    from test_data_layer import SCHEMA

    root, site = built
    out = root / "public"
    printed = _printed(root, site)
    issue = json.loads((out / "2024/01/issue.json").read_text(encoding="utf-8"))
    jsonschema.validate(issue, SCHEMA)
    issue_pdf = out / "2024/01/jzgb-2024-01.pdf"
    assert issue["pdf"] == {"url": "https://www.sxjz.gov.cn/gongbao/2024/01/jzgb-2024-01.pdf",
                            "bytes": issue_pdf.stat().st_size, "pages": len(printed.texts)}
    for doc, record in zip(site.issues[0].documents, issue["documents"]):
        first, last = record["printed"]["first_page"], record["printed"]["last_page"]
        assert first == title_page(printed, doc.title)
        pdf = out / doc.url / f"{doc.stem}.pdf"
        pages = len(pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages)
        assert record["pdf"] == {"url": f"https://www.sxjz.gov.cn/gongbao/{doc.url}{doc.stem}.pdf",
                                 "bytes": pdf.stat().st_size, "pages": pages}
        assert last - first + 1 == pages
        assert record["issue_pdf"].endswith(f"jzgb-2024-01.pdf#page={first}")
        [data] = head(out / doc.url / "index.html").jsonld
        assert (data["pageStart"], data["pageEnd"]) == (first, last)
        assert data["encoding"]["contentUrl"] == record["pdf"]["url"]
    [data] = head(out / "2024/01/index.html").jsonld
    assert data["pageEnd"] == len(printed.texts)
