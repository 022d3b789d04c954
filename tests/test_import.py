"""`gazette import`: Word files from the offices become documents, as a reader and an editor see
them — the written Markdown, the built pages, the PDF, and every warning naming the paragraph."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pdfplumber
import pytest
import yaml
from docx import Document

import wordfiles as wf
from conftest import REPO, copy_site, run_cli
from gazette_build.importer import write
from gazette_build.importer.numbering import chinese_count, format_number
from test_web_edition import page_text, squeeze

SEED = REPO / "content/2024/01"
RARE = "𠮷"  # U+20BB7, outside the Basic Multilingual Plane


def _png() -> bytes:
    """A 1×1 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = _png()


def split(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


# -- the seed issue, written out to Word and imported back -------------------------------------

@pytest.fixture(scope="session")
def seed_round_trip(tmp_path_factory) -> dict:
    """The six shipped documents written as Word files, imported into an empty copy of the
    issue, and both sites built (web edition)."""
    base = tmp_path_factory.mktemp("roundtrip")
    site = base / "site"
    for name in ("layouts", "assets"):
        shutil.copytree(REPO / name, site / name)
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    issue = site / "content/2024/01"
    issue.mkdir(parents=True)
    shutil.copy(SEED / "issue.yaml", issue / "issue.yaml")
    files = []
    for source in sorted(SEED.glob("*.md")):
        target = base / f"来文-{source.stem}.docx"
        wf.seed_to_docx(source, target)
        files.append(str(target))
    imported = run_cli("--site", str(site), "import", *files, "--issue", "2024/01")
    built = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(base / "public"))
    shipped = run_cli("--site", str(REPO), "build", "--no-pdf", "--out", str(base / "shipped"))
    assert shipped.code == 0, shipped.err
    return {"site": site, "issue": issue, "import": imported, "build": built,
            "public": base / "public", "shipped": base / "shipped"}


def test_seed_documents_import_without_a_problem(seed_round_trip):
    result = seed_round_trip["import"]
    assert result.code == 0, result.err
    assert [line for line in result.lines if "imported" not in line] == []
    assert sorted(p.name for p in seed_round_trip["issue"].glob("*.md")) == \
        sorted(p.name for p in SEED.glob("*.md"))  # the stems follow the project's naming


def test_every_character_of_the_seed_bodies_comes_back(seed_round_trip):
    total = 0
    for source in sorted(SEED.glob("*.md")):
        _, original = split(source)
        _, imported = split(seed_round_trip["issue"] / source.name)
        paragraphs = [p for p in re.split(r"\n\s*\n", original) if p.strip()]
        missing = [p for p in paragraphs if p.strip() not in imported]
        assert missing == [], source.name
        assert imported.strip() == original.strip(), source.name  # headings, tables, parts too
        total += len(squeeze(original))
    assert total > 20_000  # the whole issue: ~25,000 characters


def test_seed_front_matter_is_the_shipped_one(seed_round_trip):
    for source in sorted(SEED.glob("*.md")):
        shipped, _ = split(source)
        imported, _ = split(seed_round_trip["issue"] / source.name)
        shipped.pop("notes", None)  # the editors' notes on the printed source are not in Word
        assert imported == shipped, source.name


def test_seed_pages_built_from_the_import_read_the_same(seed_round_trip):
    assert seed_round_trip["build"].code == 0, seed_round_trip["build"].err
    pages = sorted((seed_round_trip["shipped"] / "2024/01").glob("*/index.html"))
    assert len(pages) == 6
    for page in pages:
        rebuilt = seed_round_trip["public"] / page.relative_to(seed_round_trip["shipped"])
        assert squeeze(page_text(rebuilt)) == squeeze(page_text(page)), page.parent.name


# -- a 公文 with automatic numbering, merged cells, an attachment, a picture -------------------

def office_file(path: Path) -> Path:
    """A 公文 as an office sends it: 版头, 文号 with square brackets, automatic multi-level
    Chinese numbering restarted in the attachment, typed numbering, a table with row and column
    merges, full-width punctuation, a rare character, a picture and a signature block."""
    doc = Document()
    wf.paragraph(doc, "晋中市人民政府办公室文件", wf.CENTER)
    wf.paragraph(doc, "市政办发[2024]11号", wf.CENTER)
    wf.paragraph(doc, "晋中市人民政府办公室关于做好", wf.CENTER)
    wf.paragraph(doc, "冬春季森林防火工作的通知", wf.CENTER)
    wf.paragraph(doc, "各县（区、市）人民政府，市直有关单位：", indent=False)
    wf.paragraph(doc, f"为做好防火工作，现就有关事项通知如下：地名“{RARE}家庄”照录。")
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"),
              ("decimal", "%3."), ("decimalEnclosedParen", "%4")]
    num = wf.numbering_definition(doc, levels)
    wf.numbered(doc, "总体要求", num, 0)
    wf.numbered(doc, "压实责任", num, 1)
    wf.numbered(doc, "落实到人", num, 2)
    wf.numbered(doc, "逐级签订责任书。各地要于12月底前完成。", num, 3)
    wf.numbered(doc, "逐户宣传到位。", num, 3)
    wf.numbered(doc, "加强巡查", num, 2)
    wf.numbered(doc, "强化保障", num, 1)
    wf.numbered(doc, "工作措施", num, 0)
    wf.numbered(doc, "加强值守", num, 1)  # （一）again: level 2 restarts under a new 一、
    wf.paragraph(doc, "三、有关要求")  # typed numbering goes on where the automatic one stopped
    wf.paragraph(doc, "（一）及时报告")
    wf.paragraph(doc, "1.发现火情立即报告，不得迟报、漏报、瞒报。")
    pic = doc.add_paragraph()
    image = path.parent / "map.png"
    image.write_bytes(PNG)
    pic.add_run().add_picture(str(image))
    pic._p.xpath(".//wp:docPr")[0].set("descr", "防火区域示意图")
    wf.paragraph(doc, "附件：晋中市森林防火责任分工表")
    wf.signature(doc, "晋中市人民政府办公室", "2024年3月1日")
    wf.page_break(doc)
    wf.paragraph(doc, "附件", indent=False)
    wf.paragraph(doc, "晋中市森林防火责任分工表", wf.CENTER)
    table = wf.table(doc, [["县（区、市）", "巡查", "", "合计"],
                           ["", "人数", "次数", ""],
                           ["榆次区", "10", "20", "30"],
                           ["太谷区", "5", "", "5"]])
    wf.merge(table, (0, 1), (0, 2), "巡查")  # a column merge (gridSpan)
    wf.merge(table, (0, 0), (1, 0), "县（区、市）")  # row merges (vMerge)
    wf.merge(table, (0, 3), (1, 3), "合计")
    wf.merge(table, (3, 1), (3, 2), "5")
    auto = wf.numbering_definition(doc, [("ideographTraditional", "%1、")])
    wf.numbered(doc, "甲类区域每日巡查。", auto, 0)
    wf.numbered(doc, "乙类区域隔日巡查。", auto, 0)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def imported_office_file(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("office")
    site = copy_site(REPO / "tests/sites/minimal", base / "site")
    issue = next(site.glob("content/*/*/issue.yaml")).parent
    source = office_file(base / "森林防火通知.docx")
    result = run_cli("--site", str(site), "import", str(source),
                     "--issue", f"{issue.parent.name}/{issue.name}")
    return {"site": site, "issue": issue, "result": result, "base": base,
            "md": issue / "shizhengbanfa-2024-11.md"}


def test_office_file_front_matter(imported_office_file):
    assert imported_office_file["result"].code == 0, imported_office_file["result"].err
    front, body = split(imported_office_file["md"])
    assert front == {"title": "晋中市人民政府办公室关于做好冬春季森林防火工作的通知",
                     "number": "市政办发〔2024〕11号", "date": dt.date(2024, 3, 1),
                     "issuer": "晋中市人民政府办公室", "disclosure": "此件公开发布"}
    assert "2024年3月1日" not in body and "此件公开发布" not in body  # the builder signs


def test_office_file_numbering_becomes_headings(imported_office_file):
    _, body = split(imported_office_file["md"])
    lines = [line for line in body.splitlines() if line.strip()]
    assert lines[:2] == ["各县（区、市）人民政府，市直有关单位：",
                         f"为做好防火工作，现就有关事项通知如下：地名“{RARE}家庄”照录。"]
    assert lines[2:16] == [
        "## 一、总体要求", "### （一）压实责任", "#### 1.落实到人",
        "（1）逐级签订责任书。各地要于12月底前完成。", "（2）逐户宣传到位。",
        "#### 2.加强巡查", "### （二）强化保障", "## 二、工作措施", "### （一）加强值守",
        "## 三、有关要求", "### （一）及时报告", "1.发现火情立即报告，不得迟报、漏报、瞒报。",
        "![防火区域示意图](shizhengbanfa-2024-11-1.png)", "附件：晋中市森林防火责任分工表"]
    assert (imported_office_file["issue"] / "shizhengbanfa-2024-11-1.png").read_bytes() == PNG


def test_office_file_attachment_and_merged_table(imported_office_file):
    _, body = split(imported_office_file["md"])
    part = body.split("# 附件：晋中市森林防火责任分工表\n", 1)[1]
    assert "```table\n| 县（区、市） | 巡查 | < | 合计 |\n| ^ | 人数 | 次数 | ^ |\n|---|---|---|---|\n" \
           "| 榆次区 | 10 | 20 | 30 |\n| 太谷区 | 5 | < | 5 |\n```" in part
    assert "甲、甲类区域每日巡查。" in part and "乙、乙类区域隔日巡查。" in part


def test_office_file_builds_with_merged_cells_on_the_web_and_in_print(imported_office_file):
    site, base = imported_office_file["site"], imported_office_file["base"]
    result = run_cli("--site", str(site), "build", "--out", str(base / "public"))
    assert result.code == 0, result.err
    page = next((base / "public").glob("*/*/shizhengbanfa-2024-11/index.html"))
    html = page.read_text(encoding="utf-8")
    assert '<th scope="col" rowspan="2">县（区、市）</th>' in html
    assert '<th scope="colgroup" colspan="2">巡查</th>' in html
    assert '<td colspan="2">5</td>' in html
    assert '<h2 id="doc-shizhengbanfa-2024-11-h1" class="level1">一、总体要求</h2>' in html
    assert RARE in page_text(page)
    pdf = base / "public" / page.parent.relative_to(base / "public") / "shizhengbanfa-2024-11.pdf"
    with pdfplumber.open(pdf) as document:
        text = "".join(p.extract_text() or "" for p in document.pages)
        tables = [t for p in document.pages for t in p.extract_tables()]
    assert "晋中市森林防火责任分工表" in text
    merged = next(t for t in tables if any("榆次区" in (c or "") for row in t for c in row))
    assert merged[0].count("巡查") == 1  # the merged header is one cell in print too


# -- what cannot be placed is a warning naming the Word file and the paragraph -----------------

def import_saved(doc, source: Path, site: Path, code: int = 0, *options: str):
    """Save a python-docx document and import it into the site's issue; (result, issue)."""
    doc.save(source)
    issue = next(site.glob("content/*/*/issue.yaml")).parent
    result = run_cli("--site", str(site), "import", str(source),
                     "--issue", f"{issue.parent.name}/{issue.name}", *options)
    assert result.code == code, result.err
    return result, issue


def signed_and_imported(doc, tmp_path: Path, site: Path, code: int = 0, *options: str):
    """Sign the 公文 (晋中市人民政府, 2024年3月1日), save it as 来文.docx and import it;
    (result, issue, the Word file)."""
    wf.signature(doc, "晋中市人民政府", "2024年3月1日")
    source = tmp_path / "来文.docx"
    return *import_saved(doc, source, site, code, *options), source


def notice(number: str, title: str = "晋中市人民政府关于测试的通知"):
    """A 公文 up to its 主送机关 (paragraphs 1–3); the test adds the body and the signature."""
    doc = Document()
    wf.header(doc, number, title)
    wf.paragraph(doc, "各有关单位：", indent=False)
    return doc


def test_text_box_footnote_and_unknown_field_are_warnings(tmp_path, minimal_site):
    doc = Document()
    wf.header(doc, "市政发〔2024〕7号", "晋中市人民政府关于测试的通知")
    wf.paragraph(doc, "各有关单位：", indent=False)
    wf.text_box(wf.paragraph(doc, "第一段正文。"), "浮动文本框里的话")
    para = wf.paragraph(doc, "第二段正文。")
    wf.field(para, 'DATE \\@ "yyyy年M月d日"', "2024年3月1日")
    wf.footnote_reference(wf.paragraph(doc, "第三段正文。"))
    wf.signature(doc, "晋中市人民政府", "二〇二四年三月一日")
    source = tmp_path / "测试.docx"
    result, issue = import_saved(doc, source, minimal_site)
    where = str(source)
    assert f"warning: {where}:4: text box: paragraph 4 “第一段正文。”: a text box “浮动文本框里的话” " \
           "is not imported; move its text into the body" in result.lines
    assert any(line.startswith(f"warning: {where}:5: field: paragraph 5 “第二段正文。2024年3月1日”: "
                               "the Word field {DATE") for line in result.lines)
    assert any(line.startswith(f"warning: {where}:6: footnote: paragraph 6") for line in result.lines)
    front, body = split(issue / "shizhengfa-2024-7.md")
    assert front["date"].isoformat() == "2024-03-01"  # the date in Chinese numerals
    assert "第一段正文。" in body and "浮动文本框" not in body


# -- files that are not Word documents ---------------------------------------------------------

def _ole_file(path: Path, encrypted: bool) -> Path:
    """The start of an OLE compound file, as Word writes for a password-protected .docx
    (streams EncryptionInfo and EncryptedPackage) or a Word 97–2003 .doc."""
    stream = ("EncryptedPackage" if encrypted else "WordDocument").encode("utf-16-le")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + stream + bytes(1024))
    return path


def _zip_with(path: Path, name: str, data: bytes, encrypted: bool = False) -> Path:
    """A ZIP of one part: 70 MB of spaces packs into 70 KB (a zip bomb's shape); `encrypted`
    sets the flag that makes `zipfile` refuse to read the part (a traceback before)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(name, data)
    if encrypted:  # the flag in the local and the central header (zipfile writes neither)
        packed = bytearray(path.read_bytes())
        packed[6] |= 0x1
        packed[packed.index(b"PK\x01\x02") + 8] |= 0x1
        path.write_bytes(bytes(packed))
    return path


@pytest.mark.parametrize("make, message", [
    (lambda p: _ole_file(p, True), "is password-protected (encrypted); remove the password"),
    (lambda p: _ole_file(p, False), "is an old Word 97–2003 .doc file"),
    (lambda p: p.write_bytes(b"not a zip at all") and p, "is not a Word .docx file"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "hi") or p,
     "is a ZIP file but not a Word document"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("word/document.xml", "<w:document") or p,
     "is damaged: its XML does not parse"),
    (lambda p: _zip_with(p, "word/document.xml", b" " * (70 << 20)),
     "is too large to import: word/document.xml unpacks to 70 MB or more, more than 64 MB"),
    (lambda p: _zip_with(p, "word/document.xml", b'<!DOCTYPE w [<!ENTITY x "text">]><w:document '
                         b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                         b'<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>'),
     "is not as Word writes it: word/document.xml declares a DOCTYPE (entities)"),
    (lambda p: _zip_with(p, "word/document.xml", b"<w:document/>", encrypted=True),
     "is password-protected (word/document.xml is encrypted)"),
    # 12 MB of empty paragraphs packs into 25 KB; 60 MB took 1.9 GB and a MemoryError traceback
    (lambda p: _zip_with(p, "word/document.xml", b"<w:document><w:body>" + b"<w:p/>" * 2_000_001
                         + b"</w:body></w:document>"),
     "is too large to import: word/document.xml holds ~2,000,003 XML elements, more than the "
     "2,000,000 a document may"),
])
def test_broken_files_are_clear_errors(tmp_path, minimal_site, make, message):
    source = tmp_path / "来文.docx"
    make(source)
    issue = next(minimal_site.glob("content/*/*/issue.yaml")).parent
    before = sorted(p.name for p in issue.iterdir())
    result = run_cli("--site", str(minimal_site), "import", str(source),
                     "--issue", f"{issue.parent.name}/{issue.name}")
    assert result.code == 1
    assert result.lines[0].startswith(f"{source}:1: docx: 来文.docx {message}")
    assert "Traceback" not in result.err
    assert sorted(p.name for p in issue.iterdir()) == before


def test_a_document_is_not_overwritten_without_replace(seed_round_trip, tmp_path):
    source = tmp_path / "again.docx"
    wf.seed_to_docx(SEED / "shizhengfa-2024-1.md", source)
    result = run_cli("--site", str(seed_round_trip["site"]), "import", str(source))
    assert result.code == 1
    assert "content/2024/01/shizhengfa-2024-1.md already exists; remove it or import with " \
           "--replace" in result.err


# -- numbering formats ---------------------------------------------------------------------------

def test_chinese_counting_follows_the_way_numbers_are_written():
    assert [chinese_count(n) for n in (1, 10, 11, 20, 21, 99, 100, 105, 110, 1005)] == \
        ["一", "十", "十一", "二十", "二十一", "九十九", "一百", "一百零五", "一百一十", "一千零五"]
    assert format_number(12, "chineseLegalSimplified") == "壹拾贰"
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(2, "decimalEnclosedCircle") == "②"
    assert format_number(10, "ideographDigital") == "一〇"
    assert format_number(1994, "upperRoman") == "MCMXCIV" and format_number(28, "lowerLetter") == "bb"


def test_a_restarted_list_starts_again(tmp_path, minimal_site):
    doc = Document()
    wf.header(doc, "市政发〔2024〕8号", "晋中市人民政府关于编号的通知")
    wf.paragraph(doc, "各有关单位：", indent=False)
    num = wf.numbering_definition(doc, [("decimal", "（%1）")])
    wf.numbered(doc, "第一项。", num)
    wf.numbered(doc, "第二项。", num)
    again = wf.restart_instance(doc, num)
    wf.numbered(doc, "重新开始。", again)
    wf.numbered(doc, "继续。", again)
    wf.numbered(doc, "原列表续编。", num)  # the same abstract numbering: it counts on
    wf.signature(doc, "晋中市人民政府", "2024年3月2日", None)
    import_saved(doc, tmp_path / "编号.docx", minimal_site)
    front, body = split(next(minimal_site.glob("content/*/*/shizhengfa-2024-8.md")))
    assert [line for line in body.splitlines() if line.startswith("（")] == \
        ["（1）第一项。", "（2）第二项。", "（1）重新开始。", "（2）继续。", "（3）原列表续编。"]
    assert "disclosure" not in front


def test_an_undefined_number_warns_and_an_impossible_date_is_an_error(tmp_path, minimal_site):
    doc = Document()
    wf.header(doc, "市政发〔2024〕9号", "晋中市人民政府关于日期的通知")
    wf.numbered(doc, "没有定义的编号。", "77")
    wf.signature(doc, "晋中市人民政府", "2024年2月30日")
    source = tmp_path / "日期.docx"
    doc.save(source)
    issue = next(minimal_site.glob("content/*/*/issue.yaml")).parent
    result = run_cli("--site", str(minimal_site), "import", str(source),
                     "--issue", f"{issue.parent.name}/{issue.name}")
    assert result.code == 1
    assert f"warning: {source}:3: numbering: paragraph 3 “没有定义的编号。”: its automatic number " \
           "(numId 77) is not defined in the file; imported without it — type the number" \
           in result.lines
    assert f"{source}:5: date: paragraph 5 “2024年2月30日”: the 成文日期 is not a real date" \
           in result.lines
    assert not (issue / "shizhengfa-2024-9.md").exists()


def test_half_width_punctuation_between_chinese_is_made_full_width(tmp_path, minimal_site):
    doc = Document()
    wf.header(doc, "市政发〔2024〕6号", "晋中市人民政府关于标点的通知")
    wf.paragraph(doc, "各县(区、市)人民政府,市直有关单位:", indent=False)
    wf.paragraph(doc, "按1:8的比例配置,2021-2035年完成。")
    wf.paragraph(doc, "附件：1.晋中市森林防火责任分工表")
    wf.paragraph(doc, "2.晋中市森林防火联络表")  # the list of attachments: not a heading
    wf.signature(doc, "晋中市人民政府", "2024年3月1日")
    result, issue = import_saved(doc, tmp_path / "标点.docx", minimal_site)
    _, body = split(issue / "shizhengfa-2024-6.md")
    assert body.split() == ["各县（区、市）人民政府，市直有关单位：", "按1:8的比例配置，2021-2035年完成。",
                            "附件：1.晋中市森林防火责任分工表", "2.晋中市森林防火联络表"]
    assert sum("half-width punctuation between Chinese characters was made full-width" in line
               for line in result.lines) == 2


def test_a_signature_typed_with_a_line_break_is_read(tmp_path, minimal_site):
    doc = Document()
    wf.header(doc, "市政发〔2024〕5号", "晋中市人民政府关于落款的通知")
    wf.paragraph(doc, "各有关单位：", indent=False)
    wf.paragraph(doc, "正文。")
    signature = wf.paragraph(doc, "晋中市人民政府", wf.RIGHT)
    signature.add_run().add_break()  # Shift+Enter
    signature.add_run("2024年3月4日")
    _, issue = import_saved(doc, tmp_path / "落款.docx", minimal_site)
    front, body = split(issue / "shizhengfa-2024-5.md")
    assert (front["issuer"], front["date"]) == ("晋中市人民政府", dt.date(2024, 3, 4))
    assert body.split() == ["各有关单位：", "正文。"]


# -- pictures are saved by what their bytes are ----------------------------------------------

EMF = b"\x01\x00\x00\x00" + bytes(36) + b" EMF" + bytes(64)  # the start of an EMF header


def test_only_pictures_are_saved_and_named_by_their_bytes(tmp_path, minimal_site):
    """A gazette document hidden as a picture (media/image1.md) was saved as <stem>-1.md with a
    warning, and the next build published it as a document of the issue."""
    doc = notice("市政发〔2024〕4号", "晋中市人民政府关于图片的通知")
    wf.picture(doc, (SEED / "shizhengfa-2024-1.md").read_bytes(), "media/image1.md", PNG)
    wf.picture(doc, EMF, "media/image2.png", PNG)
    wf.picture(doc, PNG, "media/image3.md", PNG)  # a PNG, whatever its part is named
    result, issue, source = signed_and_imported(doc, tmp_path, minimal_site)
    assert f"warning: {source}:4: image: paragraph 4: word/media/image1.md is not a picture: " \
           "its bytes are not PNG, JPEG, GIF, WebP, BMP, EMF, WMF, TIFF or SVG; it is not imported" \
           in result.lines
    assert f"warning: {source}:5: image: paragraph 5: shizhengfa-2024-4-1.emf is a picture " \
           "format the web edition does not show (BMP, EMF, WMF, TIFF); it is saved but not " \
           "placed — save it as PNG and link it" in result.lines
    assert sorted(p.name for p in issue.glob("shizhengfa-2024-4*")) == \
        ["shizhengfa-2024-4-1.emf", "shizhengfa-2024-4-2.png", "shizhengfa-2024-4.md"]
    assert (issue / "shizhengfa-2024-4-2.png").read_bytes() == PNG
    _, body = split(issue / "shizhengfa-2024-4.md")
    assert body.split() == ["各有关单位：", "![图](shizhengfa-2024-4-2.png)"]


def test_an_svg_picture_is_saved_placed_and_published_without_its_script(tmp_path, minimal_site):
    """An SVG part (embedded without Word's PNG fallback) was "not a picture" and lost; so was
    one whose root followed more than 4 KB of comments (an editor's metadata)."""
    metadata = "".join(f"<!-- 晋中市 图层{n} 作者 制图 -->\n" for n in range(400))  # ~12 KB
    svg = ('<?xml version="1.0" encoding="UTF-8"?>\n' + metadata + '<svg xmlns='
           '"http://www.w3.org/2000/svg" width="40" height="20" onload="alert(1)">'
           '<script>alert(2)</script><rect width="40" height="20" fill="#c00"/></svg>').encode()
    doc = notice("市政发〔2024〕5号", "晋中市人民政府关于矢量图的通知")
    wf.picture(doc, svg, "media/image1.svg", PNG)
    result, issue, _ = signed_and_imported(doc, tmp_path, minimal_site)
    assert (issue / "shizhengfa-2024-5-1.svg").read_bytes() == svg
    _, body = split(issue / "shizhengfa-2024-5.md")
    assert body.split() == ["各有关单位：", "![图](shizhengfa-2024-5-1.svg)"]
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search",
                   "--out", str(out)).code == 0
    published = (out / "2024/01/shizhengfa-2024-5-1.svg").read_text()
    assert "<rect" in published and "script" not in published and "onload" not in published
    # its root element under a prefix of the SVG namespace is an SVG too
    assert write.picture_type(b'<s:svg xmlns:s="http://www.w3.org/2000/svg"/>') == ".svg"
    # its root is looked for in the first MiB only, in time linear in it: 16,000 short comments
    # before no root took 14 s (the two runs of comments tried every way to share them)
    assert write.picture_type(b"<!--" + b"x" * (1 << 20) + b"--><svg>") is None
    started = time.perf_counter()
    assert write.picture_type(b"<!---->" * 150_000 + b"<x/>") is None
    assert time.perf_counter() - started < 2.0


def test_a_picture_word_keeps_as_svg_is_imported_as_its_svg_original(tmp_path, minimal_site):
    """Word keeps an inserted SVG with a PNG copy, which its text refers to: the PNG was
    imported and the drawing lost its sharpness in print. The SVG is imported where the web
    edition publishes it; else the PNG, and the paragraph says why."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
           '<rect width="40" height="20" fill="#c00"/></svg>').encode()
    doc = notice("市政发〔2024〕5号", "晋中市人民政府关于矢量图的通知")
    wf.svg_picture(doc, svg, PNG)
    copy = PNG + b"2"  # a part of its own
    wf.svg_picture(doc, b"<svg><rect/></svg>", copy, "media/image_svg2.svg")  # no namespace
    result, issue, source = signed_and_imported(doc, tmp_path, minimal_site)
    assert (issue / "shizhengfa-2024-5-1.svg").read_bytes() == svg
    assert (issue / "shizhengfa-2024-5-2.png").read_bytes() == copy
    _, body = split(issue / "shizhengfa-2024-5.md")
    assert body.split() == ["各有关单位：", "![图](shizhengfa-2024-5-1.svg)",
                            "![图](shizhengfa-2024-5-2.png)"]
    assert result.lines == [
        f"warning: {source}:5: image: paragraph 5: a picture's SVG original is not imported (its "
        '<svg> has no SVG namespace (xmlns="http://www.w3.org/2000/svg"): it is not drawn as an '
        "image); its PNG copy is", "gazette: imported content/2024/01/shizhengfa-2024-5.md"]


# -- what Word cannot hold is not worked through: a 1 KB file took seconds and gigabytes ------

def test_a_table_wider_than_word_can_hold_is_an_error(tmp_path, minimal_site):
    """gridSpan 10,000,000 in a 1.3 KB file took 1.2 GB and wrote a 110 MB document."""
    doc = notice("市政发〔2024〕3号", "晋中市人民政府关于表格的通知")
    wf.grid_span(wf.table(doc, [["合并"], ["1"]]).cell(0, 0), 10_000_000)
    result, issue, source = signed_and_imported(doc, tmp_path, minimal_site, 1)
    assert f"{source}:4: table: the table at paragraph 4: its row 1 spans 10,000,000 columns; " \
           "a Word table has at most 63 — open the file in Word and save it again" in result.lines
    assert not (issue / "shizhengfa-2024-3.md").exists()


@pytest.mark.parametrize("fmt, start", [("upperRoman", 10 ** 9), ("upperLetter", 10 ** 8),
                                        ("decimal", 10 ** 9)])
def test_a_number_no_list_reaches_is_not_shown(tmp_path, minimal_site, fmt, start):
    """upperRoman from 10^9 took 11 s (the numeral built quadratically), upperLetter from 10^8
    wrote a 3.8 MB label."""
    doc = notice("市政发〔2024〕2号", "晋中市人民政府关于编号的通知")
    wf.numbered(doc, "总体要求", wf.numbering_definition(doc, [(fmt, "%1、")], start=start))
    result, issue, source = signed_and_imported(doc, tmp_path, minimal_site)
    assert f"warning: {source}:4: numbering: paragraph 4 “总体要求”: its automatic number " \
           f"{start:,} is more than 10,000, which no list of a 公文 reaches; imported without " \
           "it — type the number" in result.lines
    _, body = split(issue / "shizhengfa-2024-2.md")
    assert body.split() == ["各有关单位：", "总体要求"]


def test_a_list_level_word_does_not_have_is_not_shown(tmp_path, minimal_site):
    """Levels 0–8 are all Word has; N levels with N paragraphs took time growing with N²."""
    doc = notice("市政发〔2024〕2号", "晋中市人民政府关于编号的通知")
    num = wf.numbering_definition(doc, [("decimal", f"%{k + 1}.") for k in range(12)])
    wf.numbered(doc, "第一级", num, 0)
    wf.numbered(doc, "第十二级", num, 11)
    result, issue, source = signed_and_imported(doc, tmp_path, minimal_site)
    assert f"warning: {source}:5: numbering: paragraph 5 “第十二级”: its list level (w:ilvl 11) " \
           "is not one of Word's 0–8; imported without its number — type the number" \
           in result.lines
    _, body = split(issue / "shizhengfa-2024-2.md")
    assert [line for line in body.splitlines() if line] == ["各有关单位：", "#### 1.第一级", "第十二级"]


# -- what Python cannot read is an error or plain text, never a traceback --------------------

@pytest.mark.parametrize("number, start, message", [
    ("市政发〔2024〕1号", "x", "numbering: word/numbering.xml is damaged: <w:start w:val=\"x\"> "
     "is not a number; open the file in Word and save it again"),
    ("市政发〔2024〕1号", "1" * 5000, "numbering: word/numbering.xml is damaged: <w:start "
     "w:val=\"11111111111111111111…\"> is not a number; open the file in Word and save it again"),
    # Python reads no whole number of more than 4,300 digits (a ValueError)
    ("市政发〔2024〕" + "1" * 5000 + "号", "1", "number: no 文号 line (such as "
     "市政办发〔2024〕11号) at the top of the document"),
], ids=["a start of x", "a start of 5,000 digits", "a serial of 5,000 digits"])
def test_numbers_python_cannot_read_are_errors(tmp_path, minimal_site, number, start, message):
    doc = notice(number)
    wf.numbered(doc, "总体要求", wf.numbering_definition(doc, [("decimal", "%1、")], start=start))
    result, issue, source = signed_and_imported(doc, tmp_path, minimal_site, 1)
    assert result.lines[0] == f"{source}:1: {message}"
    assert sorted(p.name for p in issue.iterdir()) == ["first.md", "issue.yaml", "second.md"]


def test_a_title_yaml_cannot_nest_is_written_as_text(tmp_path, minimal_site):
    """A title of 3,000 `[` stopped the import with a RecursionError in PyYAML."""
    title = "[" * 3000 + "关于测试的通知"
    result, issue, _ = signed_and_imported(notice("市政发〔2024〕31号", title), tmp_path,
                                           minimal_site)
    front, _ = split(issue / "shizhengfa-2024-31.md")
    assert front["title"] == title


# -- text reads back as itself ------------------------------------------------------------------

def test_a_line_ending_in_a_run_is_a_line_break_not_a_markdown_block(tmp_path, minimal_site):
    """A carriage return typed into a run's text (&#13;) reached the .md as it was: Markdown
    ends a line there, and the `# 附件1：…` after it became a part that took the body's rest."""
    doc = notice("市政发〔2024〕32号")
    doc.add_paragraph().add_run()._r.add_t(
        "第一行正文。\r# 附件1：伪造的附件\r\r1. 列表\n> 引用\x85- 项\u2028## 标题\u2029```")
    wf.paragraph(doc, "\u2028# 不是标题")
    _, issue, _ = signed_and_imported(doc, tmp_path, minimal_site)
    built = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search",
                    "--out", str(tmp_path / "public"))
    assert built.code == 0, built.err
    html = (tmp_path / "public/2024/01/shizhengfa-2024-32/index.html").read_text(encoding="utf-8")
    assert "<p>第一行正文。# 附件1：伪造的附件1. 列表&gt; 引用- 项## 标题```</p>" in html
    assert "<p># 不是标题</p>" in html
    assert "<h1" not in html.split("各有关单位：", 1)[1]  # no part, no heading after the title


# -- a published issue is frozen: nothing is imported into it ----------------------------------

@pytest.mark.parametrize("frozen_by", ["published:", ".published/"])
def test_a_published_issue_takes_no_import(tmp_path, minimal_site, frozen_by):
    """`--replace` overwrote a document of a published issue and an import added one to it;
    only the next build refused them."""
    _, issue, _ = signed_and_imported(notice("市政发〔2024〕33号"), tmp_path, minimal_site)
    issue_yaml = issue / "issue.yaml"
    if frozen_by == "published:":
        issue_yaml.write_text(issue_yaml.read_text(encoding="utf-8") + "published: 2024-03-06\n",
                              encoding="utf-8")
        line = issue_yaml.read_text(encoding="utf-8").split("\n").index("published: 2024-03-06") + 1
    else:  # the record the build made when it was published (a `published:` line removed)
        (issue / ".published").mkdir()
        (issue / ".published/manifest-sha256.txt").write_text("")
        line = 1
    files = {path: path.read_bytes() for path in issue.iterdir() if path.is_file()}
    for number, options in (("市政发〔2024〕33号", ["--replace"]), ("市政发〔2024〕34号", [])):
        doc = notice(number, "晋中市人民政府关于另一项测试的通知")
        result, _, _ = signed_and_imported(doc, tmp_path, minimal_site, 1, *options)
        assert result.lines[0] == f"content/2024/01/issue.yaml:{line}: published: 2024年第1期 " \
            "is published and frozen: nothing is imported into it — a new document belongs to a " \
            "later issue, and a published document changes only by a 勘误 (`corrects: 文号`) in " \
            "a later issue"
        assert {path: path.read_bytes() for path in issue.iterdir() if path.is_file()} == files


# -- --replace replaces the document of the same 文号 only ---------------------------------------

def test_a_number_typed_in_full_width_digits_is_written_in_ascii(tmp_path, minimal_site):
    _, issue, _ = signed_and_imported(notice("市政办发〔２０２４〕１１号"), tmp_path, minimal_site)
    assert split(issue / "shizhengbanfa-2024-11.md")[0]["number"] == "市政办发〔2024〕11号"
    assert run_cli("--site", str(minimal_site), "check").code == 0


def test_replace_replaces_only_the_document_of_the_same_number(tmp_path, minimal_site):
    """市政办发 and 市政半发 (a homophone an input method offers) share the file name
    shizhengbanfa-2024-11.md: the import of the second said to use --replace, and that
    replaced the first, another document."""
    _, issue, _ = signed_and_imported(notice("市政办发〔2024〕11号"), tmp_path, minimal_site)
    target = issue / "shizhengbanfa-2024-11.md"
    first = target.read_bytes()
    for options in ([], ["--replace"]):
        doc = notice("市政半发〔2024〕11号", "晋中市人民政府关于另一项测试的通知")
        result, _, source = signed_and_imported(doc, tmp_path, minimal_site, 1, *options)
        assert result.lines[0] == f"{source}:1: import: content/2024/01/shizhengbanfa-2024-11.md " \
            "is 市政办发〔2024〕11号, not 市政半发〔2024〕11号, whose file name would be the same; " \
            "check the 文号 of 来文.docx (a homophone the input method offered?) — if both are " \
            "right, rename that file (and its entry in issue.yaml) and import again"
        assert target.read_bytes() == first
    doc = notice("市政办发〔2024〕11号", "晋中市人民政府关于测试的通知（修改）")
    signed_and_imported(doc, tmp_path, minimal_site, 0, "--replace")
    assert split(target)[0]["title"] == "晋中市人民政府关于测试的通知（修改）"


def test_a_number_already_in_the_issue_under_another_name_is_replaced_only_there(
        tmp_path, minimal_site):
    """The office renamed shizhengbanfa-2024-11.md to water.md: an import of the same 文号
    wrote a second file, and the issue held the 文号 twice until the next build refused it."""
    _, issue, _ = signed_and_imported(notice("市政办发〔2024〕11号"), tmp_path, minimal_site)
    (issue / "shizhengbanfa-2024-11.md").rename(issue / "water.md")
    issue_yaml = issue / "issue.yaml"
    issue_yaml.write_text(issue_yaml.read_text(encoding="utf-8").replace(
        "shizhengbanfa-2024-11", "water"), encoding="utf-8")
    files = {path.name: path.read_bytes() for path in issue.iterdir() if path.is_file()}
    doc = notice("市政办发〔２０２４〕11号", "晋中市人民政府关于测试的通知（修改）")
    result, _, source = signed_and_imported(doc, tmp_path, minimal_site, 1)
    assert result.lines[0] == f"{source}:1: import: content/2024/01/water.md is already " \
        "市政办发〔2024〕11号; remove it or import with --replace, which replaces that file"
    assert {path.name: path.read_bytes() for path in issue.iterdir() if path.is_file()} == files
    doc = notice("市政办发〔2024〕11号", "晋中市人民政府关于测试的通知（修改）")
    signed_and_imported(doc, tmp_path, minimal_site, 0, "--replace")
    assert split(issue / "water.md")[0]["title"] == "晋中市人民政府关于测试的通知（修改）"
    assert not (issue / "shizhengbanfa-2024-11.md").exists()
    assert run_cli("--site", str(minimal_site), "check").code == 0


def test_the_import_reads_only_the_issue_s_own_document_files(tmp_path, minimal_site):
    """A folder, a pipe or a link to a device named *.md, and an editor's lock file: the import
    read every *.md for its 文号 and stopped ("Is a directory"), hung on the pipe, or read
    /dev/zero until the memory ran out."""
    from gazette_build.importer import _documents

    issue = minimal_site / "content/2024/01"
    (issue / "x.md").mkdir()
    os.mkfifo(issue / "y.md")
    (issue / "z.md").symlink_to("/dev/zero")
    (issue / ".#first.md").symlink_to("user@host.1234")  # Emacs's lock: a link to nothing
    (issue / "inside.md").symlink_to("first.md")
    assert [path.name for path in _documents(issue, minimal_site)] == \
        ["first.md", "inside.md", "second.md"]
    (issue / "y.md").unlink()
    (issue / "z.md").unlink()
    signed_and_imported(notice("市政办发〔2024〕11号"), tmp_path, minimal_site)
    assert (issue / "shizhengbanfa-2024-11.md").is_file()


def test_the_import_never_writes_through_a_link(tmp_path, minimal_site):
    """--replace rewrote the file a link of the document's name pointed to: outside the site,
    or the document of a published issue."""
    issue = minimal_site / "content/2024/01"
    outside = tmp_path / "outside.md"
    outside.write_text((issue / "first.md").read_text(encoding="utf-8").replace(
        "市政发〔2024〕1号", "市政办发〔2024〕11号"), encoding="utf-8")
    (issue / "shizhengbanfa-2024-11.md").symlink_to(outside)
    before = outside.read_bytes()
    result, _, source = signed_and_imported(notice("市政办发〔2024〕11号"), tmp_path,
                                            minimal_site, 1, "--replace")
    assert result.lines[0] == f"{source}:1: import: content/2024/01/shizhengbanfa-2024-11.md is " \
        "not a file of the issue (a link, a folder or a pipe): the import writes only the " \
        "issue's own files; remove it, then import again"
    assert outside.read_bytes() == before
    # a link inside the site holding the 文号 under another name: refused as well
    (issue / "shizhengbanfa-2024-11.md").unlink()
    (issue / "alias.md").symlink_to("first.md")
    first = (issue / "first.md").read_bytes()
    result, _, source = signed_and_imported(notice("市政发〔2024〕1号"), tmp_path, minimal_site,
                                            1, "--replace")
    assert result.lines[0] == f"{source}:1: import: content/2024/01/alias.md and " \
        "content/2024/01/first.md all hold 市政发〔2024〕1号 already, which the build refuses: " \
        "keep one of them, then import again"
    (issue / "first.md").rename(issue / "renamed.md")
    (issue / "alias.md").unlink()
    (issue / "alias.md").symlink_to("renamed.md")
    (issue / "renamed.md").rename(tmp_path / "kept.md")
    (issue / "renamed.md").symlink_to(tmp_path / "kept.md")  # out of the site: not a document
    result, _, source = signed_and_imported(notice("市政发〔2024〕1号"), tmp_path, minimal_site,
                                            0, "--replace")
    assert (tmp_path / "kept.md").read_bytes() == first


def test_two_documents_of_one_number_are_named_not_replaced_one_of_them(tmp_path, minimal_site):
    issue = minimal_site / "content/2024/01"
    (issue / "copy.md").write_bytes((issue / "first.md").read_bytes())
    files = {path.name: path.read_bytes() for path in issue.iterdir() if path.is_file()}
    for options in ([], ["--replace"]):
        result, _, source = signed_and_imported(notice("市政发〔2024〕1号"), tmp_path,
                                                minimal_site, 1, *options)
        assert result.lines[0] == f"{source}:1: import: content/2024/01/copy.md and " \
            "content/2024/01/first.md all hold 市政发〔2024〕1号 already, which the build " \
            "refuses: keep one of them, then import again"
    assert {path.name: path.read_bytes() for path in issue.iterdir() if path.is_file()} == files
