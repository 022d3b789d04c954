"""The printed edition, read back from the PDF: 目录 numbers against the pages the titles stand
on, fonts, outline, metadata, repeated table heads, per-document PDFs, the cache, the URL
fetcher and the press / PDF/A variants.

The seed issue is laid out once per session; nothing here knows a page number in advance,
every expected number is read from the PDF itself.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pdfplumber
import pikepdf
import pypdf
import pytest

from gazette_build import render
from gazette_build.printed import fonts as printfonts, layout as pdf
from gazette_build.printed.fetcher import SiteFetcher
from gazette_build.errors import Report
from gazette_build.model import Issue, PrintedIssue, Site
from gazette_build.site import load_site

REPO = Path(__file__).resolve().parents[1]
PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")
TOC_NUMBER = re.compile(r"（(\d+)）")
MM = 72 / 25.4


@dataclass
class Printed:
    root: Path
    site: Site
    issue: Issue
    report: Report
    printed: PrintedIssue
    texts: list[str]  # text of each page
    big: list[str]  # text set at 15 pt or more (titles) on each page, without spaces
    footers: list[int | None]  # the number printed at the foot of each page
    footer_x: list[float | None]  # horizontal middle of that number
    words: list[list[dict]]  # pdfplumber words of each page (a two-column line is two words)


def copy_site(target: Path) -> Path:
    """The repository's site (content, layouts, assets, site.yaml) in a folder of its own."""
    target.mkdir(parents=True)
    for folder in ("content", "layouts", "assets"):
        shutil.copytree(REPO / folder, target / folder)
    shutil.copy(REPO / "site.yaml", target / "site.yaml")
    return target


def lay_out(root: Path, site: Site, issue: Issue) -> tuple[Report, PrintedIssue]:
    report = Report(root)
    return report, pdf.render_issue(site, issue, render.make_env(site.config), report)


def read_back(root: Path, site: Site, issue: Issue, report: Report,
              printed: PrintedIssue) -> Printed:
    texts, big, footers, footer_x, words = [], [], [], [], []
    with pdfplumber.open(io.BytesIO(printed.pdf)) as document:
        for page in document.pages:
            texts.append(page.extract_text() or "")
            words.append(page.extract_words())
            big.append("".join(c["text"] for c in page.chars if c["size"] >= 15).replace(" ", ""))
            foot = [w for w in page.extract_words() if w["top"] > page.height - 35 * MM]
            match = PAGE_NUMBER.search(" ".join(w["text"] for w in foot))
            footers.append(int(match[1]) if match else None)
            middle = (min(w["x0"] for w in foot) + max(w["x1"] for w in foot)) / 2 if foot else None
            footer_x.append(middle / page.width if foot else None)
    return Printed(root, site, issue, report, printed, texts, big, footers, footer_x, words)


_SEED: list[Printed] = []  # other test modules import the fixture: one layout for all


@pytest.fixture(scope="session")
def seed(tmp_path_factory) -> Printed:
    if not _SEED:
        root = copy_site(tmp_path_factory.mktemp("seed") / "site")
        site = load_site(root, Report(root))
        issue = site.issues[0]
        report, printed = lay_out(root, site, issue)
        _SEED.append(read_back(root, site, issue, report, printed))
    return _SEED[0]


def title_page(seed: Printed, title: str, unless_in: str = "") -> int:
    """The printed number of the first page whose large type holds `title` (other than inside
    `unless_in`: an embedded document's title is part of its notice's title)."""
    wanted = re.sub(r"\s", "", title)
    for index, big in enumerate(seed.big):
        if unless_in:
            big = big.replace(re.sub(r"\s", "", unless_in), "")
        if wanted in big:
            return seed.footers[index]
    raise AssertionError(f"no page shows the title {title}")


def toc_numbers(seed: Printed) -> list[int]:
    pages = [text for text in seed.texts if re.match(r"^.*\n目\s*录", text)]
    assert pages, "no 目录 page"
    return [int(n) for text in pages for n in TOC_NUMBER.findall(text)]


def test_toc_numbers_are_the_pages_the_titles_stand_on(seed):
    documents = seed.issue.documents
    on_pages = [title_page(seed, doc.title) for doc in documents]
    assert toc_numbers(seed) == on_pages
    assert [seed.printed.page_of[doc.anchor] for doc in documents] == on_pages


def test_page_numbers_count_physical_pages_on_the_outer_side(seed):
    assert seed.footers[0] is None, "the cover carries no number"
    assert "目" in seed.texts[1] and seed.footers[1] == 2, "目录 is page 2"
    numbered = [(i, n) for i, n in enumerate(seed.footers) if n is not None]
    assert len(numbered) > 10
    for index, number in numbered:
        assert number == index + 1
        # odd pages right, even pages left (GB/T 9704 §7.5)
        assert (seed.footer_x[index] > 0.5) == (number % 2 == 1), f"page {number}"
    assert seed.printed.page_count == len(seed.texts)


def test_parts_are_mapped_to_their_title_pages(seed):
    parts = [(doc, part) for doc in seed.issue.documents for part in doc.parts]
    assert parts
    for doc, part in parts:
        assert seed.printed.page_of[part.anchor] == title_page(seed, part.title, doc.title)


def test_running_heads_on_even_and_odd_pages(seed):
    config = seed.site.config
    for index, text in enumerate(seed.texts[2:-1], start=2):
        first_line = text.split("\n", 1)[0]
        if seed.footers[index] is None:
            continue
        if (index + 1) % 2 == 0:
            assert config.title in first_line and seed.issue.label in first_line
        else:
            assert any(section.name in first_line for section in seed.issue.sections)


def test_every_font_is_embedded_and_configured(seed):
    config = seed.site.config
    families = {re.sub(r"[\s-]", "", family) for role in
                ("title", "body", "heading1", "heading2", "heading3", "page_number")
                for family in getattr(config.fonts, role)}
    reader = pypdf.PdfReader(io.BytesIO(seed.printed.pdf))
    seen = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                          if "/DescendantFonts" in font else font["/FontDescriptor"])
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font
            name = re.sub(r"^[A-Z]{6}\+", "", font["/BaseFont"][1:]).replace("-", "")
            assert any(name.startswith(family) for family in families), f"fallback font {name}"
            seen.add(name)
    assert len(seen) >= 3  # title, body and heading faces at least


def test_outline_is_issue_sections_documents_parts(seed):
    reader = pypdf.PdfReader(io.BytesIO(seed.printed.pdf))
    outline = reader.outline
    assert len(outline) == 2 and outline[0].title == f"{seed.site.config.title} {seed.issue.label}"
    entries = outline[1]
    sections = [e for e in entries if not isinstance(e, list)]
    assert [s.title for s in sections if s.title != "目录"] == [s.name for s in seed.issue.sections]
    titles = []
    for entry in entries:
        if isinstance(entry, list):  # a section's documents
            for item in entry:
                if isinstance(item, list):
                    titles.append([part.title.split("：")[-1] for part in item])
                else:
                    titles.append(item.title)
    expected = []
    for doc in seed.issue.documents:
        expected.append(doc.title)
        if doc.parts:
            expected.append([part.title for part in doc.parts])
    assert titles == expected


def test_metadata_is_taken_from_the_issue(seed):
    reader = pypdf.PdfReader(io.BytesIO(seed.printed.pdf))
    info = reader.metadata
    config, issue = seed.site.config, seed.issue
    assert info["/Title"] == f"{config.title} {issue.label}" == "晋中市人民政府公报 2024年第1期"
    assert info["/Author"] == config.publisher
    assert info["/CreationDate"].startswith(f"D:{issue.date:%Y%m%d}")
    assert info["/ModDate"].startswith(f"D:{issue.date:%Y%m%d}")
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_cover_and_back_page(seed):
    config, issue = seed.site.config, seed.issue
    cover, back = seed.texts[0], seed.texts[-1]
    for text in (config.title, config.title_roman, f"第{issue.number}期", f"（总第{issue.total}期）",
                 config.publisher, f"{issue.date.year}年{issue.date.month}月{issue.date.day}日编印"):
        assert text.replace(" ", "") in cover.replace(" ", ""), text
    for text in (config.publisher, config.editor_printer, config.address, config.phone):
        assert text in back.replace(" ", "")
    assert seed.footers[-1] is None and len(seed.texts) % 2 == 0, "back page: even, no number"


def test_signature_blocks(seed):
    """Issuer over the date, both flush right in their column, the 附注 on the next line."""
    for doc in seed.issue.documents:
        date = f"{doc.date.year}年{doc.date.month}月{doc.date.day}日"
        first = seed.printed.page_of[doc.anchor] - 1
        found = False
        for words in seed.words[first:]:
            for word in (w for w in words if w["text"] == date):
                issuer = [w for w in words if w["text"] == doc.issuer
                          and 0 < word["top"] - w["bottom"] < 12
                          and abs(w["x1"] - word["x1"]) < 1]
                note = [w for w in words if w["text"] == f"（{doc.disclosure}）"
                        and 0 < w["top"] - word["bottom"] < 12 and w["x0"] < word["x0"]]
                found = found or (bool(issuer) and (bool(note) or not doc.disclosure))
            if found:
                break
        assert found, f"{doc.stem}: no signature block with {doc.issuer} / {date}"


def test_a_table_that_crosses_a_page_repeats_its_head(seed):
    heads = [i for i, text in enumerate(seed.texts) if re.search(r"序号\s*主要任务\s*牵头单位", text)]
    runs = [i for i in heads if i + 1 in heads]
    assert runs, f"no table head on two following pages (heads on {heads})"
    for index in runs:
        following = seed.texts[index + 1]
        head = re.search(r"序号\s*主要任务", following).start()
        assert re.search(r"\n\d+\s", following[head:]), "the repeated head stands above the rows"


def test_document_pdfs_hold_each_documents_pages(seed):
    documents = seed.issue.documents
    assert set(seed.printed.document_pdfs) == {doc.stem for doc in documents}
    # the last document ends on the last page with text; blank pages may pad the issue to a
    # multiple of 4 before the back page
    after_text = 2 + max(i for i, text in enumerate(seed.texts[:-1]) if text.strip())
    starts = [seed.printed.page_of[doc.anchor] for doc in documents] + [after_text]
    for doc, start, next_start in zip(documents, starts, starts[1:]):
        with pdfplumber.open(io.BytesIO(seed.printed.document_pdfs[doc.stem])) as cut:
            texts = [page.extract_text() or "" for page in cut.pages]
        assert texts == seed.texts[start - 1:start - 1 + len(texts)], doc.stem
        last = start - 1 + len(texts)  # printed number of the cut's last page
        assert next_start <= last + 1 and last <= next_start, doc.stem
        assert f"{doc.date.year}年{doc.date.month}月{doc.date.day}日" in "".join(texts)
        reader = pypdf.PdfReader(io.BytesIO(seed.printed.document_pdfs[doc.stem]))
        assert reader.metadata["/Title"].startswith(doc.title)


def _cff_glyph_counts(data: bytes) -> dict[str, tuple[int, int]]:
    """{font name: (glyphs in its embedded program, distinct CIDs its pages draw)}."""
    from fontTools.cffLib import CFFFontSet

    from gazette_build.printed import slim

    document = pikepdf.open(io.BytesIO(data))
    drawn = slim.union(slim.glyph_usage(document.pages))
    counts = {}
    for page in document.pages:
        for font in page.obj.Resources.Font.values():
            program = font.DescendantFonts[0].FontDescriptor.FontFile3
            assert program.Subtype == "/CIDFontType0C", "a bare CFF program, no OpenType wrapper"
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(program.read_bytes()), None)
            counts[str(font.BaseFont)] = (len(cff.topDictIndex[0].charset),
                                          len(drawn[str(font.BaseFont)] | {0}))
    return counts


def test_every_pdf_carries_only_the_glyphs_its_pages_draw(seed):
    for data in (seed.printed.pdf, *seed.printed.document_pdfs.values()):
        counts = _cff_glyph_counts(data)
        # HarfBuzz may keep a glyph another one needs (its closure): a couple at most, where
        # WeasyPrint's subsets kept every glyph up to the highest one used (63,164 slots)
        assert counts and all(drawn <= held <= drawn + 2 for held, drawn in counts.values()), \
            counts


def test_document_pdfs_look_exactly_like_the_issue_pages(seed, tmp_path):
    """Rasterised, every page of a document's PDF is the issue's page, pixel for pixel (the
    slimmed fonts draw the same glyphs; text extraction alone would not show a lost glyph)."""
    def pages_as_png(data: bytes, name: str) -> list[bytes]:
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
        return [png.read_bytes() for png in sorted(tmp_path.glob(f"{name}-*.png"))]

    issue_pages = pages_as_png(seed.printed.pdf, "issue")
    for doc in seed.issue.documents:
        start = seed.printed.page_of[doc.anchor]
        cut = pages_as_png(seed.printed.document_pdfs[doc.stem], doc.stem)
        assert cut == issue_pages[start - 1:start - 1 + len(cut)], doc.stem


def test_pdfs_weigh_what_they_hold(seed):
    sizes = {stem: len(data) for stem, data in seed.printed.document_pdfs.items()}
    one_page = [stem for stem, data in seed.printed.document_pdfs.items()
                if len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1]
    assert one_page and all(sizes[stem] <= 150_000 for stem in one_page), sizes
    assert len(seed.printed.pdf) <= 900_000, "the issue PDF: 1.21 MB with WeasyPrint's subsets"


def test_second_render_is_a_cache_hit_with_identical_bytes(seed):
    before = pdf.layout_count
    _, again = lay_out(seed.root, seed.site, seed.issue)
    assert pdf.layout_count == before, "the unchanged issue was laid out again"
    assert again.pdf == seed.printed.pdf
    assert again.page_of == seed.printed.page_of
    assert again.document_pdfs == seed.printed.document_pdfs


def test_a_build_whose_pdfs_all_come_from_the_cache_loads_no_layout_machinery(seed, tmp_path):
    """WeasyPrint and pypdf (~1 s to import) and the layout workers' pool (multiprocessing,
    concurrent.futures: ~25 ms) serve only an issue that must be laid out: a whole-process
    build whose every PDF comes from the cache imports none of them, and still publishes them;
    a build after a change that leaves the PDFs as they were keeps their published files."""
    out = tmp_path / "public"
    script = ("import sys; from gazette_build.cli import main; "
              f"code = main(['--site', {str(seed.root)!r}, 'build', '--no-search', "
              f"'--out', {str(out)!r}]); "
              "print(code, *sorted(name for name in ('weasyprint', 'pypdf', 'multiprocessing', "
              "'concurrent.futures.process') if name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["0"], done.stderr
    issue_pdf = out / seed.issue.url.strip("/") / render.pdf_name(seed.site.config, seed.issue)
    assert issue_pdf.read_bytes() == seed.printed.pdf
    published = issue_pdf.stat()
    extra = seed.root / "assets" / "notice.txt"  # a change of the web edition only
    extra.write_text("公报编辑部\n", encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True)
    finally:
        extra.unlink()
    assert done.stdout.split() == ["0"], done.stderr
    assert (out / "assets" / "notice.txt").exists()
    kept = issue_pdf.stat()  # the same file: linked, not written again
    assert (kept.st_ino, kept.st_mtime_ns) == (published.st_ino, published.st_mtime_ns)


def test_a_fresh_layout_gives_identical_bytes(seed):
    shutil.rmtree(seed.root / ".gazette-cache" / "print")
    before = pdf.layout_count
    _, again = lay_out(seed.root, seed.site, seed.issue)
    assert pdf.layout_count == before + 1
    assert again.pdf == seed.printed.pdf
    assert again.document_pdfs == seed.printed.document_pdfs


def test_no_font_or_fetch_warnings_for_the_seed(seed):
    assert [d for d in seed.report.diagnostics if d.field in ("font", "print", "fonts")] == []


# ---- a small made-up issue: long table, outside references, a character no font has ------

LONG_TABLE = ("<div class=\"table-wrap\"><table><thead><tr><th>序号</th><th>事项</th>"
              "<th>责任单位</th></tr></thead><tbody>"
              + "".join(f"<tr><td>{n}</td><td>第{n}项工作任务，按期完成并报送进展情况。</td>"
                        f"<td>市直有关单位</td></tr>" for n in range(1, 121))
              + "</tbody></table></div>")
OUTSIDE = ('<p><img src="http://example.com/seal.png" alt="">'
           '<img src="../../../../../../../../../../etc/hostname" alt=""></p>')


@pytest.fixture
def made_up(tmp_path) -> tuple[Path, Site, Issue]:
    root = copy_site(tmp_path / "site")
    site = load_site(root, Report(root))
    doc = site.issues[0].documents[1]
    doc = replace(doc, parts=(), html="<p class=\"addressees\">各县（区、市）人民政府：</p>"
                  "<h3 class=\"level2\">（一）认真执行𓀀</h3><p>请认真贯彻执行。</p>"
                  + OUTSIDE + LONG_TABLE)
    section = replace(site.issues[0].sections[0], documents=(doc,))
    issue = replace(site.issues[0], sections=(section,))
    return root, replace(site, issues=(issue,)), issue


def test_outside_files_are_refused_and_missing_glyphs_reported(made_up):
    root, site, issue = made_up
    report, printed = lay_out(root, site, issue)
    messages = [str(d) for d in report.warnings]
    assert any("refused to read http://example.com/seal.png" in m for m in messages), messages
    assert any("refused to read file:///etc/hostname" in m for m in messages), messages
    doc = issue.documents[0]
    font = [d for d in report.warnings if d.field == "font"]
    assert len(font) == 1 and font[0].path == report.relative(root / doc.path)
    assert doc.title in font[0].message and "U+13000" in font[0].message
    assert "heading2" in font[0].message  # set in 楷体: the fonts of its role were checked
    seed_like = read_back(root, site, issue, report, printed)
    heads = [i for i, text in enumerate(seed_like.texts) if re.search(r"序号\s*事项\s*责任单位", text)]
    assert len(heads) >= 2 and heads == list(range(heads[0], heads[0] + len(heads)))
    rows = [int(n) for i in heads for n in re.findall(r"^(\d+)\s*第", seed_like.texts[i], re.M)]
    assert rows == list(range(1, 121)), "every row printed once, in order"


def test_changed_stylesheet_is_laid_out_again(made_up):
    root, site, issue = made_up
    lay_out(root, site, issue)
    before = pdf.layout_count
    lay_out(root, site, issue)
    assert pdf.layout_count == before
    with open(root / "assets" / "print.css", "a", encoding="utf-8") as css:
        css.write("\n.doc-number { letter-spacing: 0.1em; }\n")
    lay_out(root, site, issue)
    assert pdf.layout_count == before + 1


def test_press_copy_and_pdfa(made_up):
    root, site, issue = made_up
    site = replace(site, config=replace(site.config, press=True, pdfa=True))
    _, printed = lay_out(root, site, issue)
    press = pypdf.PdfReader(io.BytesIO(printed.press_pdf))
    page = press.pages[2]
    bleed = 3 * MM
    assert float(page.trimbox.left) - float(page.mediabox.left) == pytest.approx(bleed, abs=0.01)
    assert float(page.mediabox.top) - float(page.trimbox.top) == pytest.approx(bleed, abs=0.01)
    archival = pypdf.PdfReader(io.BytesIO(printed.pdf))
    assert "/OutputIntents" in archival.trailer["/Root"]
    xmp = archival.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert float(archival.pages[2].mediabox.width) == pytest.approx(210 * MM, abs=0.01)


def structure_order_text(data: bytes) -> str:
    """The text of a tagged PDF in the order of its structure tree (what a screen reader
    follows), whitespace dropped: each element's marked content, element after element."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        marked: dict[tuple[int, int], list[str]] = {}
        for page in document.pages:
            for char in page.chars:
                if char.get("mcid") is not None:
                    marked.setdefault((page.page_number, char["mcid"]), []).append(char["text"])
        pieces: list[str] = []

        def walk(element: dict) -> None:
            pieces.extend("".join(marked.get((element.get("page_number"), mcid), []))
                          for mcid in element.get("mcids", []))
            for child in element.get("children", []):
                walk(child)

        for element in document.structure_tree:
            walk(element)
    return re.sub(r"\s", "", "".join(pieces))


def test_a_pdfa_issue_attaches_the_source_as_it_is_now(made_up):
    """The print cache held PDF/A files by their print HTML: an edit it does not show (a
    status, a repeal, keywords: what a published issue still allows) left the old Markdown
    attached to the issue's and the document's PDF."""
    root, site, issue = made_up
    site = replace(site, config=replace(site.config, pdfa=True))
    doc = issue.documents[0]
    lay_out(root, site, issue)
    doc.path.write_text(doc.path.read_text(encoding="utf-8").replace(
        "\n---\n", "\nkeywords: [测试]\n---\n", 1), encoding="utf-8")
    layouts = pdf.layout_count
    _, printed = lay_out(root, site, issue)
    assert pdf.layout_count == layouts + 1
    for data in (printed.pdf, printed.document_pdfs[doc.stem]):
        document = pikepdf.open(io.BytesIO(data))  # kept open while its attachment is read
        attached = document.attachments[doc.path.name].get_file().read_bytes()
        assert attached == doc.path.read_bytes()


def test_pdfa_and_tags_cover_every_document_pdf(made_up):
    root, site, issue = made_up
    site = replace(site, config=replace(site.config, pdfa=True, tagged=True))
    _, printed = lay_out(root, site, issue)
    for doc in issue.documents:
        document = pikepdf.open(io.BytesIO(printed.document_pdfs[doc.stem]))
        xmp = bytes(document.Root.Metadata.read_bytes()).decode()
        assert re.search(r"pdfaid:part(>|=\")3", xmp) and \
            re.search(r"pdfaid:conformance(>|=\")B", xmp), xmp
        assert f">{document.docinfo.Title}<" in xmp, "XMP and document information agree"
        assert "/OutputIntents" in document.Root and document.Root.Lang == site.config.language
        attached = {name: spec for name, spec in document.attachments.items()}
        assert attached[doc.path.name].get_file().read_bytes() == doc.path.read_bytes()
        record = json.loads(attached[f"{doc.stem}.json"].get_file().read_bytes())
        assert record["number"] == doc.number and record["first_page"] == \
            printed.page_of[doc.anchor]
        relationships = sorted(str(spec.AFRelationship) for spec in document.Root.AF)
        assert relationships == ["/Data", "/Source"]
        fonts = [font for page in document.pages for font in page.obj.Resources.Font.values()]
        assert fonts and all("/FontFile3" in font.DescendantFonts[0].FontDescriptor
                             for font in fonts), "every font embedded"
        # tagged: a structure tree of its own pages only, in reading order (the 120 rows of
        # the long table one after another, each row's cells together)
        assert document.Root.MarkInfo.Marked and "/StructTreeRoot" in document.Root
        page_objects = [o for o in document.objects
                        if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Page"]
        assert len(page_objects) == len(document.pages), "no page of another document"
        text = structure_order_text(printed.document_pdfs[doc.stem])
        rows = [text.find(f"{n}第{n}项工作任务，按期完成并报送进展情况。市直有关单位")
                for n in range(1, 121)]
        assert -1 not in rows and rows == sorted(rows)
    issue_pdf = pikepdf.open(io.BytesIO(printed.pdf))
    assert {doc.path.name for doc in issue.documents} <= set(issue_pdf.attachments)
    assert "/StructTreeRoot" in issue_pdf.Root


def _png(width: int, height: int) -> bytes:
    """A grey PNG of the given size, made without an imaging library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([(x * 7 + y * 3) % 256 for x in range(width)])
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                                  0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _images(pdf: bytes) -> int:
    """How many images the PDF stores."""
    document = pikepdf.open(io.BytesIO(pdf))
    return sum(1 for o in document.objects
               if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image")


def _laid_out_with(root: Path, added: dict[int, str]) -> tuple[Issue, PrintedIssue]:
    """The site's issue laid out with HTML added to some of its documents (by index)."""
    site = load_site(root, Report(root))
    issue = site.issues[0]
    shown = {issue.documents[index].stem: html for index, html in added.items()}
    sections = tuple(replace(section, documents=tuple(
        replace(doc, html=doc.html + shown[doc.stem]) if doc.stem in shown else doc
        for doc in section.documents)) for section in issue.sections)
    issue = replace(issue, sections=sections)
    return issue, lay_out(root, replace(site, issues=(issue,)), issue)[1]


def _laid_out_with_chart(root: Path, size: tuple[int, int]) -> tuple[Issue, PrintedIssue]:
    """The site's issue laid out with chart.png (of `size`) shown in its first document."""
    (root / "content" / "2024" / "01" / "chart.png").write_bytes(_png(*size))
    return _laid_out_with(root, {0: '<p><img src="../chart.png" alt="图表"></p>'})


def test_an_image_is_in_the_pdfs_that_show_it_only(tmp_path):
    issue, printed = _laid_out_with_chart(copy_site(tmp_path / "site"), (400, 300))
    shown, plain = issue.documents[0], issue.documents[-1]

    assert _images(printed.pdf) == 1
    assert _images(printed.document_pdfs[shown.stem]) == 1
    assert _images(printed.document_pdfs[plain.stem]) == 0


def test_the_same_picture_under_two_names_is_one_image_of_the_pdf(tmp_path):
    # as `gazette import` writes an office's seal: once per document that shows it
    root = copy_site(tmp_path / "site")
    seal = _png(300, 300)
    for name in ("first-image1.png", "second-image1.png"):
        (root / "content" / "2024" / "01" / name).write_bytes(seal)
    (root / "content" / "2024" / "01" / "other.png").write_bytes(_png(200, 100))
    issue, printed = _laid_out_with(root, {
        0: '<p><img src="../first-image1.png" alt="印章"><img src="../other.png" alt="图"></p>',
        -1: '<p><img src="../second-image1.png" alt="印章"></p>'})
    first, second = issue.documents[0], issue.documents[-1]

    assert _images(printed.pdf) == 2  # the seal once, the other picture
    assert _images(printed.document_pdfs[first.stem]) == 2
    assert _images(printed.document_pdfs[second.stem]) == 1


def test_a_pdf_with_a_picture_is_the_same_from_any_folder(tmp_path):
    """WeasyPrint names an image after its URL: with the site folder's path in it, two clones
    laid out different PDFs, and a published issue failed `verify --issue` in another clone."""
    pdfs = []
    for folder in ("one", "elsewhere/two"):
        _, printed = _laid_out_with_chart(copy_site(tmp_path / folder / "site"), (40, 30))
        assert _images(printed.pdf) == 1
        pdfs.append(printed.pdf)
    assert pdfs[0] == pdfs[1]


def test_a_run_without_breaks_is_broken_at_the_column_edge(tmp_path):
    """A long address had no break opportunity: it ran over the other column and off the page."""
    address = "https://www.sxjz.gov.cn/zwgk/" + "abcdefghij0123456789" * 8 + ".html"
    _, printed = _laid_out_with(copy_site(tmp_path / "site"), {0: f"<p>{address}</p>"})
    right_edge = (210 - 26) / 25.4 * 72  # A4 less print.css's right margin, in points
    columns = []
    with pdfplumber.open(io.BytesIO(printed.pdf)) as document:
        for page in document.pages:
            # (a closing mark may end up to half an em past it: clreq.py)
            assert all(char["x1"] <= right_edge + 11 for char in page.chars), page.page_number
            for right in (False, True):  # each column read on its own, line by line
                chars = [c for c in page.chars if (c["x0"] >= page.width / 2) == right]
                columns.append("".join(c["text"] for c in sorted(
                    chars, key=lambda c: (round(c["top"]), c["x0"]))))
    assert address in "".join(columns)


def test_fetcher_serves_only_the_site_folder(tmp_path):
    root = tmp_path / "site"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "a.css").write_text("p {}")
    (tmp_path / "secret.css").write_text("p {}")
    (root / "assets" / "link.css").symlink_to(tmp_path / "secret.css")
    fetcher = SiteFetcher(root)
    assert fetcher.fetch((root / "assets" / "a.css").as_uri()).read() == b"p {}"
    for url in [(tmp_path / "secret.css").as_uri(), (root / "assets" / "link.css").as_uri(),
                (root / "assets" / ".." / ".." / "secret.css").as_uri(),
                "https://example.com/a.css", "data:text/css,p{}", "file://server/share/a.css"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert list(fetcher.fetched) == ["assets/a.css"]


def test_a_font_family_that_is_not_installed_is_named(seed):
    config = seed.site.config
    fonts = replace(config.fonts, heading2=("No Such Kai", *config.fonts.heading2))
    report = Report(seed.root)
    resolved = printfonts.resolve_faces(replace(config, fonts=fonts), report)
    assert [d.field for d in report.warnings] == ["fonts"]
    assert "heading2" in report.warnings[0].message and "No Such Kai" in report.warnings[0].message
    assert [face.family for face in resolved["heading2"]] == list(config.fonts.heading2)
