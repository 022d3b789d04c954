"""Page makeup read back from the built PDF and pages (issue 9): structure from the 公文 numbering,
续表 on table continuations, unit names kept whole, numbers right-aligned, running heads,
white holes, saddle-stitch padding and the grid of the printed original.

Two issues: the seed (laid out once per session by test_pdf's fixture) and tests/sites/makeup,
an issue with a 72-row table, numbering written at wrong Markdown levels, a `## 附件` part and an
embedded document's title written `##`.
"""
from __future__ import annotations

import io
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pytest

from gazette_build import render
from gazette_build.config import load_config
from gazette_build.errors import BuildFailed, Report
from gazette_build.printed import layout
from gazette_build.site import load_site
from gazette_build.cells import unit_names
from test_pdf import MM, Printed, lay_out, read_back, seed  # noqa: F401 (seed is a fixture)

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "sites" / "makeup"
BODY_SIZE, LEADING = 11, 11 * 1.75  # print.css: the grid of the printed original


@pytest.fixture(scope="session")
def made(tmp_path_factory) -> Printed:
    """The fixture issue laid out once."""
    root = tmp_path_factory.mktemp("makeup") / "site"
    shutil.copytree(FIXTURE, root)
    for folder in ("layouts", "assets"):
        shutil.copytree(REPO / folder, root / folder)
    site = load_site(root, Report(root))
    issue = site.issues[0]
    report, printed = lay_out(root, site, issue)
    return read_back(root, site, issue, report, printed)


def pdf_pages(printed: Printed):
    return pdfplumber.open(io.BytesIO(printed.printed.pdf))


def body_text(printed: Printed, index: int) -> str:
    """The text of a page without its running head."""
    return printed.texts[index].split("\n", 1)[1] if "\n" in printed.texts[index] else ""


# ---- structure from the numbering -------------------------------------------------------------

def test_headings_take_their_level_from_their_numbering_on_the_web_page(made):
    html = made.issue.documents[1].html
    for level, text in ((1, "一、总体要求"), (2, "（一）实施规模化供水工程"),
                        (2, "（二）推进城乡供水一体化"), (3, "1.完善供水管网"),
                        (4, "（1）新建和改造水厂"), (1, "二、工作措施")):
        assert re.search(rf'<h{level + 1} id="[^"]+" class="level{level}">{re.escape(text)}</h',
                         html), text
    # a run-in paragraph with a sentence's punctuation stays body text
    assert "<p>三、各单位要认真落实本通知要求" in html


def test_headings_print_in_the_face_of_their_numbering(made):
    faces = {}
    with pdf_pages(made) as document:
        for page in document.pages:
            lines: dict[float, list] = {}
            for char in page.chars:
                lines.setdefault(round(char["top"]), []).append(char)
            for chars in lines.values():
                text = "".join(c["text"] for c in sorted(chars, key=lambda c: c["x0"]))
                for wanted in ("一、总体要求", "（一）实施规模化供水工程", "（二）推进城乡供水一体化",
                               "1.完善供水管网", "（1）新建和改造水厂", "三、各单位要"):
                    if wanted in text:
                        start = text.index(wanted) + len(wanted) - 1  # the heading's last char
                        faces.setdefault(wanted, sorted(chars, key=lambda c: c["x0"])[start]
                                         ["fontname"].split("+")[-1])
    assert "Sans" in faces["一、总体要求"]  # 黑体
    assert "Kai" in faces["（一）实施规模化供水工程"] and "Kai" in faces["（二）推进城乡供水一体化"]
    assert faces["1.完善供水管网"] == "FandolFang-Bold"
    assert faces["（1）新建和改造水厂"] == "FandolFang" == faces["三、各单位要"]


def test_headings_at_the_wrong_level_are_warnings_naming_file_and_line(made):
    messages = sorted(str(d) for d in load_site_report(made.root).warnings)
    assert messages == [
        "warning: content/2024/02/plan.md:13: body: heading '## 晋中市农村供水保障实施方案' looks "
        "like a part (附件 or a transmitted document's title), which is written '# …' and follows "
        "the signature; it is set as one",
        "warning: content/2024/02/water.md:13: body: heading '### 一、总体要求': its numbering 一、 "
        "makes it a level-1 heading (黑体, written '##'); it is set as one",
        "warning: content/2024/02/water.md:17: body: heading '#### （一）实施规模化供水工程': its "
        "numbering （一） makes it a level-2 heading (楷体, written '###'); it is set as one",
        "warning: content/2024/02/water.md:41: body: heading '## 附件：晋中市农村供水工程项目表' looks "
        "like a part (附件 or a transmitted document's title), which is written '# …' and follows "
        "the signature; it is set as one",
    ]


def load_site_report(root: Path) -> Report:
    report = Report(root)
    load_site(root, report)
    return report


def test_the_signature_follows_the_notice_before_its_parts(made):
    for doc in made.issue.documents:
        assert doc.parts, f"{doc.stem}: the '##' part was not lifted"
        date = f"{doc.date.year}年{doc.date.month}月{doc.date.day}日"
        signed = [(i, w["top"]) for i, words in enumerate(made.words) for w in words
                  if w["text"] == date]
        assert len(signed) == 1, doc.stem
        part_page = made.printed.page_of[doc.parts[0].anchor] - 1
        with pdf_pages(made) as document:
            # the part's title is set at 16 pt, the notice's above it at 18 pt
            title_top = min(c["top"] for c in document.pages[part_page].chars
                            if 15 <= c["size"] < 17 and c["text"] == doc.parts[0].title[-1])
        assert signed[0] < (part_page, title_top), doc.stem
    water = made.issue.documents[1]
    assert (water.parts[0].kind, water.parts[0].label) == ("attachment", "附件")
    assert made.issue.documents[0].parts[0].kind == "embedded"


# ---- tables ----------------------------------------------------------------------------------

def table_pages(printed: Printed, head: str) -> list[int]:
    return [i for i, text in enumerate(printed.texts) if re.search(head, text)]


@pytest.mark.parametrize("which, head", [("made", r"序号\s*项目名称\s*牵头单位"),
                                         ("seed", r"序号\s*主要任务\s*牵头单位")])
def test_every_continuation_of_a_table_is_labelled(which, head, request):
    printed = request.getfixturevalue(which)
    pages = table_pages(printed, head)
    assert len(pages) >= 3 and pages == list(range(pages[0], pages[-1] + 1))
    assert "续表" not in printed.texts[pages[0]]
    for index in pages[1:]:
        text = body_text(printed, index)
        assert text.startswith("续表\n"), f"page {index + 1}: {text[:30]!r}"
        assert re.match(r"续表\n" + head, text), "续表 stands right above the repeated head"
    assert sum("续表" in text for text in printed.texts) == len(pages) - 1


def source_units(printed: Printed) -> set[str]:
    names = set()
    for doc in printed.issue.documents:
        for line in doc.body_markdown.splitlines():
            for cell in line.strip("|").split("|") if line.startswith("|") else ():
                names.update(name.rstrip("、") for name in unit_names(cell.strip()) or ())
    return names


@pytest.mark.parametrize("which", ["made", "seed"])
def test_unit_lists_break_between_names(which, request):
    printed = request.getfixturevalue(which)
    names = source_units(printed)
    whole = re.compile("(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True))
                       + ")(?:、)?")
    lines = 0
    with pdf_pages(printed) as document:
        for page in document.pages:
            for table in page.extract_tables():
                head = [cell or "" for cell in table[0]]
                columns = [i for i, name in enumerate(head) if "单位" in name.replace("\n", "")]
                for row in table[1:]:
                    for column in columns:
                        for line in (row[column] or "").split("\n"):
                            line = line.replace(" ", "")
                            if line:
                                lines += 1
                                assert re.fullmatch(f"(?:{whole.pattern})+", line), \
                                    f"page {page.page_number}: a name is broken in {line!r}"
    assert lines > 50


def test_numeric_columns_are_right_aligned(made):
    widths = []
    with pdf_pages(made) as document:
        for page in document.pages:
            words = page.extract_words()
            head = [w for w in words if w["text"].startswith("投资")]
            if not head:
                continue
            edges = [(w["x0"], w["x1"]) for w in words  # not the page number at the foot
                     if re.fullmatch(r"[\d,]+(\.\d+)?", w["text"])
                     and w["x0"] > head[0]["x0"] - 4 and w["top"] < page.height - 35 * MM]
            x1 = [edge[1] for edge in edges]
            assert max(x1) - min(x1) < 0.5, f"page {page.page_number}: right edges differ"
            widths += [right - left for left, right in edges]
    assert len(widths) == 72 and max(widths) - min(widths) > 5  # 80 … 4,944: flush right


def test_numeric_columns_are_marked_for_the_stylesheets(made):
    html = made.issue.documents[1].parts[0].html
    assert '<th scope="col" class="num">投资（万元）</th>' in html
    assert '<td class="num">4,944</td>' in html and '<td class="seq">72</td>' in html
    assert '<td><span class="unit">市水利局</span></td>' in html


def test_unit_lists_are_cut_between_names_and_escaped_as_text():
    """Each name in its span, 、 kept with the name before it, a space between names cut at a
    space, a bracket's inner 、 not a cut, and the names escaped as any text of the page."""
    from markdown_it import MarkdownIt
    from gazette_build import cells
    md = MarkdownIt("commonmark").enable("table")
    rows = ["| 单位 |", "| --- |", "| 市水利局、市财政局 市A&B局 |",
            "| 榆次区（市城区、晋中开发区）、太谷区 |", "| 市<局> |", "| 市\"一\"局\u3000市'二'局 |"]
    tokens = md.parse("\n".join(rows) + "\n")
    cells.mark(tokens)
    html = md.renderer.render(tokens, md.options, {})
    assert ('<td><span class="unit">市水利局、</span><span class="unit">市财政局</span> '
            '<span class="unit">市A&amp;B局</span></td>') in html
    assert ('<td><span class="unit">榆次区（市城区、晋中开发区）、</span>'
            '<span class="unit">太谷区</span></td>') in html
    assert '<td><span class="unit">市&lt;局&gt;</span></td>' in html
    # cut at an ideographic space too; " escaped, ' not (as markdown-it renders any text)
    assert ('<td><span class="unit">市&quot;一&quot;局</span> '
            '<span class="unit">市\'二\'局</span></td>') in html
    assert unit_names("市水利局、、市财政局") == ["市水利局、", "、", "市财政局"]
    assert unit_names("市水利局，市财政局") is None  # prose


# ---- page makeup -----------------------------------------------------------------------------

def test_the_running_head_names_the_section_at_the_top_of_the_page(seed):
    """A page that starts with the end of a 市政府文件 document and then starts the first
    市政府办公室文件 document is headed 市政府文件."""
    documents = seed.issue.documents
    checked = 0
    with pdf_pages(seed) as pdf:
        for before, doc in zip(documents, documents[1:]):
            page = seed.printed.page_of[doc.anchor]
            if before.section == doc.section or page % 2 == 0:
                continue
            chars = pdf.pages[page - 1].chars
            title_top = min(c["top"] for c in chars if c["size"] >= 15)
            carried = [c for c in chars if 37 * MM - 2 < c["top"] < title_top and c["size"] < 15]
            head = seed.texts[page - 1].split("\n", 1)[0]
            expected = before.section if carried else doc.section
            assert head.replace(" ", "") == expected, f"page {page}"
            checked += 1
    assert checked


@pytest.mark.parametrize("which", ["made", "seed"])
def test_pages_are_padded_for_saddle_stitching_and_end_with_the_imprint(which, request):
    printed = request.getfixturevalue(which)
    assert len(printed.texts) % 4 == 0 and printed.printed.page_count == len(printed.texts)
    assert printed.site.config.address in printed.texts[-1].replace(" ", "")
    last_content = max(printed.printed.page_of.values())
    blank = [i for i, text in enumerate(printed.texts) if not text.strip()]
    assert blank and all(i >= last_content for i in blank), "blank pages only before the back"


def test_saddle_stitch_and_new_page_rules_are_site_settings(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(FIXTURE, root)
    settings = root / "site.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text + "print:\n  saddle_stitch: false\n  new_page: [attachment, "
                        "embedded]\n", encoding="utf-8")
    config = load_config(root, Report(root))
    assert (config.saddle_stitch, config.new_page) == (False, ("attachment", "embedded"))
    assert load_config(REPO, Report(REPO)).saddle_stitch is True
    settings.write_text(text + "print:\n  new_page: [chapter]\n", encoding="utf-8")
    report = Report(root)
    assert load_config(root, report) is None
    assert [str(d) for d in report.errors] == [
        f"site.yaml:{text.count(chr(10)) + 2}: new_page: 'chapter' is not one of document, "
        "embedded, attachment"]


def column_holes(page, number: int) -> list[float]:
    """White at the foot of each column of the type area, in lines of body text."""
    top, bottom = 37 * MM, page.height - 35 * MM
    left = (28 if number % 2 else 26) * MM
    middle = left + 156 * MM / 2
    chars = [c for c in page.chars if top - 2 < c["top"] and c["bottom"] < bottom + 2]
    holes = []
    for column in ([c for c in chars if c["x1"] <= middle], [c for c in chars if c["x0"] >= middle]):
        lowest = max((c["bottom"] for c in column), default=top)
        holes.append((bottom - lowest) / LEADING)
    return holes


@pytest.mark.parametrize("which", ["made", "seed"])
def test_no_white_hole_taller_than_four_lines_but_before_an_editorial_break(which, request):
    printed = request.getfixturevalue(which)
    # print.new_page: attachments start a new page; the page before may end short
    editorial = {printed.printed.page_of[part.anchor] - 1 for doc in printed.issue.documents
                 for part in doc.parts if part.kind == "attachment"}
    last = max(i for i, text in enumerate(printed.texts[:-1]) if text.strip()) + 1
    first = min(printed.printed.page_of.values())
    holes = {}
    with pdf_pages(printed) as document:
        for number in range(first, last):  # the last page of text ends where it ends
            if number in editorial:
                continue
            holes[number] = column_holes(document.pages[number - 1], number)
    assert holes and all(hole <= 4.5 for pair in holes.values() for hole in pair), holes


def test_the_seed_documents_start_on_the_pages_of_the_printed_original(seed):
    assert [seed.printed.page_of[doc.anchor] for doc in seed.issue.documents] == \
        [3, 3, 7, 14, 15, 21]


# ---- start pages recorded for issues printed elsewhere ---------------------------------------

def test_recorded_start_pages_are_read_from_issue_yaml(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(FIXTURE, root)
    issue_yaml = root / "content" / "2024" / "02" / "issue.yaml"
    text = issue_yaml.read_text(encoding="utf-8")
    issue_yaml.write_text(text + "printed_pages:\n  plan: 3\n  water: 5\n", encoding="utf-8")
    site = load_site(root, Report(root))
    lines = text.count("\n")
    assert site.issues[0].printed_pages == (("plan", 3, lines + 2), ("water", 5, lines + 3))
    issue_yaml.write_text(text + "printed_pages:\n  plan: 0\n  nosuch: 5\n", encoding="utf-8")
    report = Report(root)
    with pytest.raises(BuildFailed):
        load_site(root, report)
    assert [str(d) for d in report.errors] == [
        f"content/2024/02/issue.yaml:{lines + 2}: printed_pages: plan: expected the page number "
        "it starts on, got 0",
        f"content/2024/02/issue.yaml:{lines + 3}: printed_pages: nosuch is not a document of "
        "this issue"]


def test_the_web_edition_cites_recorded_pages_and_the_build_warns_where_they_differ(made):
    issue = replace(made.issue, printed_pages=(("plan", 3, 8), ("water", 9, 9)))
    site = replace(made.site, issues=(issue,))
    env = render.make_env(site.config)
    report = Report(made.root)
    printed = layout.render_issue(site, issue, env, report, only_cached=True)
    assert printed is not None, "the recorded pages do not change the layout"
    own = printed.page_of["doc-water"]
    assert own != 9 and printed.page_of["doc-plan"] == 3
    assert [str(d) for d in report.warnings if d.field == "printed_pages"] == [
        f"warning: content/2024/02/issue.yaml:9: printed_pages: water starts on page 9 as "
        f"printed, on page {own} in this layout; the web edition cites page 9"]
    pages = render.render_pages(site, env, {issue.key: printed})
    document = pages["2024/02/water/index.html"].decode()
    assert re.search(r"第9(—\d+)?页", document), "the citation starts on the printed page"
    assert not re.search(f"第{own}(—\\d+)?页", document)
    assert f".pdf#page={own}" in document, "the link opens this build's PDF where the text is"
    assert "（9）" in pages["2024/02/index.html"].decode()


def test_new_page_rules_are_followed_in_print(tmp_path):
    """print.new_page: [embedded] starts the transmitted plan on a page of its own; attachments,
    no longer listed, run on."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURE, root)
    for folder in ("layouts", "assets"):
        shutil.copytree(REPO / folder, root / folder)
    settings = root / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "print:\n  new_page: [embedded]\n",
                        encoding="utf-8")
    site = load_site(root, Report(root))
    issue = site.issues[0]
    _, printed = lay_out(root, site, issue)
    plan, water = issue.documents
    assert printed.page_of[plan.parts[0].anchor] > printed.page_of[plan.anchor]
    with pdfplumber.open(io.BytesIO(printed.pdf)) as document:
        def first_line(anchor: str) -> str:  # under the running head
            page = document.pages[printed.page_of[anchor] - 1]
            return (page.extract_text() or "").split("\n")[1].replace(" ", "")
        assert first_line(plan.parts[0].anchor) == plan.parts[0].title, "the plan opens its page"
        assert first_line(water.parts[0].anchor) != water.parts[0].label, "the 附件 runs on"


def test_the_continued_label_spans_a_table_with_a_merged_head():
    from gazette_build import gridtable
    from gazette_build.printed import continued

    html = gridtable.render(gridtable.parse(
        "| 县（区、市） | 充电桩 | < | 合计 |\n| ^ | 公共 | 专用 | ^ |\n|---|---|---|---|\n"
        "| 榆次区 | 10 | 2 | 12 |"), lambda text: text)
    assert '<tr class="continued"><th colspan="4" class="continued">续表</th></tr>' in \
        continued.label_continuations(html)
