"""The line of the printed edition, read back from the PDF: justified Chinese, clreq breaks and
punctuation, the text a reader copies out, balanced titles and fallback glyphs (issue 9).

Two issues are laid out once per session: the seed, and a fixture issue (2024年第2期) written
to meet the hard cases — a long title with a range, 𠮷 in 仿宋 text, dates at every position
of a line, adjacent punctuation, —— and …….
"""
from __future__ import annotations

import html as htmllib
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from gazette_build import render
from gazette_build.errors import Report
from gazette_build.model import Issue, PrintedIssue, Site
from gazette_build.printed import layout as pdf
from gazette_build.site import load_site
from printed_lines import BODY_SIZE, Line, body_lines

REPO = Path(__file__).resolve().parents[1]
CJK = "\u3400-\u9fff\U00020000-\U0003134f"
CLOSING = "。，、；：）》」』】〕〉”’"
OPENING = "（《「『【〔〈“‘"

FIXTURE_ISSUE = """year: 2024
number: 2
total: 26
date: 2024-03-20
"""
FIXTURE_TITLE = ("晋中市人民政府办公室关于印发晋中市城镇老旧小区改造和完整社区建设"
                 "三年行动计划（2024—2026年）的通知")


def fixture_document() -> str:
    # a date after 0..19 characters of text: one of them falls on every position of a line
    dated = "\n\n".join("为" * k + "方案已经2023年12月19日市政府第21次常务会议研究同意，现印发给你们。"
                        for k in range(20))
    return f"""---
title: {FIXTURE_TITLE}
number: 市政办发〔2024〕9号
date: 2024-03-01
issuer: 晋中市人民政府办公室
disclosure: 此件公开发布
---

各县（区、市）人民政府，市直有关单位：

{dated}

吉𠮷小区位于榆次区，改造楼栋12栋，惠及居民360户，完成率达到100%，较上年提高3.5个百分点。

坚持“先民生、后提升”的原则。【责任单位：市住建局】（此项为重点任务）、各县（区、市）人民政府按职责落实。

改造内容包括——水、电、气、路、信等基础设施……以及养老、托育等公共服务设施，请认真组织实施。
"""


EDITED_DOCUMENT = """---
title: 晋中市人民政府办公室关于印发晋中市城镇燃气安全专项整治工作方案的通知
title_lines: [晋中市人民政府办公室关于印发, 晋中市城镇燃气安全专项整治工作方案的通知]
number: 市政办发〔2024〕10号
date: 2024-03-02
issuer: 晋中市人民政府办公室
---

各县（区、市）人民政府，市直有关单位：

现将《晋中市城镇燃气安全专项整治工作方案》印发给你们，请认真贯彻落实。
"""


@dataclass
class Laid:
    root: Path
    site: Site
    issue: Issue
    report: Report
    printed: PrintedIssue
    lines: list[Line]
    blocks: list[str]  # the text of every paragraph and heading of the documents, as on the web


def lay_out(root: Path, number: int) -> Laid:
    site = load_site(root, Report(root))
    issue = next(issue for issue in site.issues if (issue.year, issue.number) == (2024, number))
    report = Report(root)
    printed = pdf.render_issue(site, issue, render.make_env(site.config), report)
    blocks = []
    for doc in issue.documents:
        for body in (doc.html, *(part.html for part in doc.parts)):
            for block in re.findall(r"<(p|h[1-6]|li)\b[^>]*>(.*?)</\1>", body, re.S):
                blocks.append(htmllib.unescape(re.sub(r"<[^>]+>", "", block[1])))
    return Laid(root, site, issue, report, printed, body_lines(printed.pdf), blocks)


@pytest.fixture(scope="session")
def site_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("line") / "site"
    root.mkdir()
    for folder in ("content", "layouts", "assets"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    folder = root / "content" / "2024" / "02"
    folder.mkdir()
    (folder / "issue.yaml").write_text(FIXTURE_ISSUE, encoding="utf-8")
    (folder / "shizhengbanfa-2024-9.md").write_text(fixture_document(), encoding="utf-8")
    (folder / "shizhengbanfa-2024-10.md").write_text(EDITED_DOCUMENT, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def seed(site_root) -> Laid:
    return lay_out(site_root, 1)


@pytest.fixture(scope="session")
def fixture(site_root) -> Laid:
    return lay_out(site_root, 2)


def non_final_lines(laid: Laid) -> list[Line]:
    """Lines of body text that a paragraph continues after: the next line starts at the
    column's left edge and the line is not the end of a paragraph or heading of the source."""
    ends = {re.sub(r"\s", "", block)[-12:] for block in laid.blocks}
    lines = []
    for line, following in zip(laid.lines, laid.lines[1:]):
        text = line.text.replace(" ", "")
        starts_column = abs(line.x0 - line.left) < 1 or abs(line.x0 - line.left - 2 * BODY_SIZE) < 1.5
        if not starts_column or abs(following.x0 - following.left) > 1:
            continue
        if any(text.endswith(end) or end.endswith(text) for end in ends):
            continue
        lines.append(line)
    return lines


def right_end(line: Line) -> float:
    """Where the line's last character ends: pdfplumber gives every glyph its font advance, a
    mark set half width (a compressed pair, clreq) ends half an em earlier."""
    last = line.chars[-1]
    if last["text"] in CLOSING and last["x1"] - line.right > 0.5 * BODY_SIZE - 0.5:
        return last["x1"] - 0.5 * BODY_SIZE
    return last["x1"]


# ---- justified Chinese ------------------------------------------------------------------------

def test_non_final_lines_reach_the_columns_edge(seed):
    lines = non_final_lines(seed)
    assert len(lines) > 800
    flush = [line for line in lines if abs(right_end(line) - line.right) <= 0.5]
    share = len(flush) / len(lines)
    ragged = [f"p{l.page + 1} {l.right - right_end(l):.1f}pt {l.text}" for l in lines if l not in flush]
    print(f"{len(flush)} of {len(lines)} non-final lines flush ({share:.1%})")
    assert share >= 0.95, f"{share:.1%} flush; ragged: {ragged[:20]}"


def test_space_is_spread_between_han_characters_not_inside_numbers(fixture):
    lines = non_final_lines(fixture)
    spread_han, number_gaps = [], []
    for line in lines:
        for a, b in zip(line.chars, line.chars[1:]):
            gap = b["x0"] - a["x1"]
            if re.match(f"[{CJK}]", a["text"]) and re.match(f"[{CJK}]", b["text"]):
                spread_han.append(gap)
            if a["text"].isdigit() and b["text"].isdigit():
                number_gaps.append(gap)
    assert spread_han and number_gaps
    assert max(spread_han) > 0.05, "justification adds space between Han characters"
    assert max(spread_han) < 0.1 * BODY_SIZE, "below what pdftotext reads as a space"
    assert all(abs(gap) < 0.01 for gap in number_gaps), "digits keep their own advance"


def test_the_text_copied_from_the_pdf_is_the_web_text(seed, fixture, tmp_path):
    for laid in (seed, fixture):
        text = poppler_text(laid, tmp_path / "issue.pdf")
        assert "\u2060" not in text and "\u200b" not in text
        in_source = {m for block in laid.blocks for m in re.findall(f"[{CJK}] +[{CJK}]", block)}
        inserted = [m for m in re.findall(f"[{CJK}] +[{CJK}]", text) if m not in in_source]
        assert not inserted, inserted[:10]
        # every line of body text is a piece of the web text, character for character
        corpus = "\n".join(laid.blocks + [text for doc in laid.issue.documents for text in (
            doc.title, doc.number, doc.issuer, f"（{doc.disclosure}）", render.cn_date(doc.date))])
        corpus = corpus.replace(" ", "")  # pdfplumber's lines leave the source's own spaces out
        foreign = [line.text for line in laid.lines if line.text not in corpus]
        assert not foreign, foreign[:5]


def poppler_text(laid: Laid, path: Path) -> str:
    """What `pdftotext` reads from each column of each page, columns in reading order."""
    path.write_bytes(laid.printed.pdf)
    pages: dict[int, list[Line]] = {}
    for line in laid.lines:
        pages.setdefault(line.page, []).append(line)
    columns = []
    for index, lines in sorted(pages.items()):
        top = min(line.top for line in lines) - 2
        height = max(line.top for line in lines) + BODY_SIZE + 4 - top
        for column in (0, 1):
            edges = [(line.left, line.right) for line in lines if line.column == column]
            if not edges:
                continue
            left, right = edges[0]
            columns.append(subprocess.run(
                ["pdftotext", "-q", "-f", str(index + 1), "-l", str(index + 1),
                 "-x", str(int(left - 2)), "-y", str(int(top)), "-W", str(int(right - left + 4)),
                 "-H", str(int(height)), str(path), "-"],
                capture_output=True, check=True).stdout.decode())
    return "\n".join(columns)


# ---- clreq line breaking and punctuation ----------------------------------------------------

def consecutive(laid: Laid):
    """(line, next line) pairs of one paragraph's text in reading order: the line starts at
    the column's edge or two ems in, the next one at the edge."""
    for line, following in zip(laid.lines, laid.lines[1:]):
        indent = line.x0 - line.left
        if (abs(indent) < 1 or abs(indent - 2 * BODY_SIZE) < 1.5) and \
                abs(following.x0 - following.left) < 1:
            yield line, following


def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(seed, fixture):
    for laid in (seed, fixture):
        pairs = list(consecutive(laid))
        starts = [b.text for a, b in pairs if b.text[0] in CLOSING + "！？"]
        ends = [a.text for a, b in pairs if a.text[-1] in OPENING]
        assert not starts and not ends, (starts[:5], ends[:5])


def test_numbers_stay_whole_and_with_their_unit(seed, fixture):
    split = [(a.text, b.text) for laid in (seed, fixture) for a, b in consecutive(laid)
             if a.text[-1].isdigit() and re.match(r"[0-9年月日号%％]", b.text)]
    assert not split, split[:5]
    # the fixture's date falls on every position of a line: it was at risk 20 times
    dates = [l for l in fixture.lines if "2023年12月19日" in l.text]
    assert len(dates) >= 15


def test_two_em_dashes_and_ellipses_are_one_unit(fixture):
    text = "".join(l.text for l in fixture.lines)
    assert "——" in text and "……" in text
    for laid_line in fixture.lines:
        for a, b in zip(laid_line.chars, laid_line.chars[1:]):
            if a["text"] == b["text"] and a["text"] in "—…":
                assert abs(b["x0"] - a["x1"]) < 0.05, "no spread inside the mark"
    broken = [(a.text, b.text) for a, b in consecutive(fixture)
              if a.text[-1] in "—…" and b.text[0] == a.text[-1]]
    assert not broken


def test_adjacent_punctuation_takes_one_and_a_half_ems(seed):
    pairs = []
    for line in seed.lines:
        for a, b in zip(line.chars, line.chars[1:]):
            if a["text"] in CLOSING + OPENING and b["text"] in CLOSING + OPENING:
                pairs.append((a["text"] + b["text"], b["x0"] - a["x0"]))
    assert len(pairs) >= 100  # 113 on the seed before compression
    wide = [(text, round(pitch, 2)) for text, pitch in pairs if abs(pitch - BODY_SIZE / 2) > 0.3]
    assert not wide, wide[:10]


def test_no_paragraph_ends_on_a_lone_character(seed, fixture):
    for laid in (seed, fixture):
        lone = []
        for block in laid.blocks:
            flat = re.sub(r"\s", "", block)
            for line in laid.lines:
                if (len(flat) > len(line.text) and flat.endswith(line.text)
                        and len(re.findall(f"[{CJK}0-9A-Za-z]", line.text)) < 2):
                    lone.append((flat[-15:], line.text))
        assert not lone, lone[:5]


# ---- glyphs ---------------------------------------------------------------------------------

def test_a_character_the_body_font_lacks_is_set_in_the_closest_style_and_reported(fixture):
    doc = next(doc for doc in fixture.issue.documents if doc.title == FIXTURE_TITLE)
    font = [d for d in fixture.report.warnings if d.field == "font"]
    assert len(font) == 1, [str(d) for d in font]
    message = str(font[0])
    assert font[0].path == fixture.report.relative(fixture.root / doc.path)
    assert font[0].line == fixture_document().splitlines().index(
        next(line for line in fixture_document().splitlines() if "𠮷" in line)) + 1
    assert "'𠮷' (U+20BB7)" in message and doc.title in message
    assert "set in LXGW WenKai" in message, message
    with pdfplumber.open(io.BytesIO(fixture.printed.pdf)) as document:
        faces = {c["fontname"].split("+")[-1] for page in document.pages for c in page.chars
                 if c["text"] == "𠮷"}
        body = {c["fontname"].split("+")[-1] for page in document.pages for c in page.chars
                if c["text"] == "吉"}
    assert body == {"FandolFang"}
    assert len(faces) == 1 and "WenKai" in faces.pop(), "a 楷 face, not the 宋 of the 目录"


# ---- titles ---------------------------------------------------------------------------------

def title_lines(laid: Laid, title: str) -> list[str]:
    """The printed lines (15 pt type or more, one per baseline) that together give `title`."""
    with pdfplumber.open(io.BytesIO(laid.printed.pdf)) as document:
        for page in document.pages:
            rows: dict[float, list[dict]] = {}
            for char in page.chars:
                if char["size"] >= 15 and char["text"].strip():
                    rows.setdefault(round(char["matrix"][5], 1), []).append(char)
            texts = ["".join(c["text"] for c in sorted(row, key=lambda c: c["x0"]))
                     for _, row in sorted(rows.items(), reverse=True)]
            for start in range(len(texts)):
                for end in range(start + 1, len(texts) + 1):
                    if "".join(texts[start:end]) == title:
                        return texts[start:end]
    raise AssertionError(f"{title} is not printed")


def test_titles_break_between_words_in_balanced_lines(seed, fixture):
    titles = [(laid, doc.title, doc.issuer) for laid in (seed, fixture)
              for doc in laid.issue.documents if not doc.title_lines]
    titles += [(seed, part.title, "") for doc in seed.issue.documents for part in doc.parts]
    assert len(titles) >= 11
    several = 0
    for laid, title, issuer in titles:
        lines = title_lines(laid, title)
        if lines[0] == issuer:
            lines = lines[1:]  # 晋中市人民政府 / 关于…
        for before, after in zip(lines, lines[1:]):
            several += 1
            pair = f"{before} / {after}"
            assert after[0] not in CLOSING + "—…" and before[-1] not in OPENING, pair
            assert not (before[-1].isdigit() and re.match(r"[0-9年—]", after[0])), pair
            for opening, closing in ("（）", "《》", "“”", "〔〕"):
                assert before.count(opening) == before.count(closing), f"inside {opening}{closing}: {pair}"
            for word in ("行动计划", "实施方案", "园林绿化", "基础设施", "社会保障"):
                assert word not in (before[-3:] + after[:3]) or word in before or word in after, pair
        if len(lines) > 1:
            widths = [len(line) for line in lines]
            assert widths[-1] >= 0.75 * max(widths), f"short last line: {lines}"
            assert max(widths) - min(widths) <= 0.3 * max(widths), f"unbalanced: {lines}"
    assert several >= 5, "the seed has titles of more than one line"
    fixture_lines = title_lines(fixture, FIXTURE_TITLE)
    assert any("（2024—2026年）" in line for line in fixture_lines), fixture_lines


def test_a_title_with_a_name_wider_than_the_measure_is_not_balanced_by_trying_every_break():
    """A 《》 name wider than a line fits on none, so no count of lines was balanced, and
    each count's every set of breaks was tried: 2^units (a 99-character title never ended)."""
    from gazette_build.printed import titles

    measured = []

    def width(text: str) -> float:
        measured.append(text)
        return titles.approximate_width(text)

    title = ("关于进一步加强和改进全市安全生产监督管理工作推动经济社会高质量发展印发《晋中市人民政府办公室"
             "关于加快推进新能源汽车充电基础设施建设工作的实施方案》的通知")
    assert len(titles._units(title)) >= 15
    assert titles.lines_of(title, "", titles.TYPE_AREA_PT / 18, width) == [title]
    assert len(measured) < 100


def test_an_editor_sets_the_title_lines(fixture):
    assert title_lines(fixture, "晋中市人民政府办公室关于印发晋中市城镇燃气安全专项整治工作方案的通知") == [
        "晋中市人民政府办公室关于印发", "晋中市城镇燃气安全专项整治工作方案的通知"]


def test_title_lines_must_give_the_title(site_root, tmp_path):
    from conftest import run_cli
    root = tmp_path / "site"
    shutil.copytree(site_root, root, ignore=shutil.ignore_patterns(".gazette-cache"))
    path = root / "content" / "2024" / "02" / "shizhengbanfa-2024-10.md"
    path.write_text(EDITED_DOCUMENT.replace("专项整治工作方案的通知]", "专项整治方案的通知]"),
                    encoding="utf-8")
    result = run_cli("--site", str(root), "check")
    assert result.code == 1
    assert ("content/2024/02/shizhengbanfa-2024-10.md:3: title_lines: the lines give "
            "'晋中市人民政府办公室关于印发晋中市城镇燃气安全专项整治方案的通知', not the title "
            "'晋中市人民政府办公室关于印发晋中市城镇燃气安全专项整治工作方案的通知'; split the "
            "title itself, adding nothing") in result.err, result.err


def test_title_widths_are_kept_and_a_damaged_store_is_measured_again(shipped_site, monkeypatch):
    """The title face's advances measured once are read back by the next build (HarfBuzz not
    loaded); a store whose digest does not match is measured again and rewritten."""
    from gazette_build.config import load_config
    from gazette_build.printed import fonts

    config = load_config(shipped_site, Report(shipped_site))
    title = "晋中市人民政府关于印发晋中市充电基础设施建设三年行动计划（2023—2025年）的通知"

    def fresh():
        fonts._known_advances.cache_clear()
        getattr(fonts._advances_of, "cache_clear", lambda: None)()
        return fonts.title_width(config)(title)

    measured = fresh()
    fonts.keep_advances()
    stores = list((shipped_site / fonts.ADVANCES).glob("*.json"))
    assert len(stores) == 1
    real = fonts._advances_of
    monkeypatch.setattr(fonts, "_advances_of", lambda *face: pytest.fail("HarfBuzz was asked"))
    assert fresh() == measured
    stores[0].write_text(stores[0].read_text(encoding="utf-8").replace("0.", "1.", 1),
                         encoding="utf-8")
    monkeypatch.setattr(fonts, "_advances_of", real)
    assert fresh() == measured
    fonts.keep_advances()
    monkeypatch.setattr(fonts, "_advances_of", lambda *face: pytest.fail("HarfBuzz was asked"))
    assert fresh() == measured  # rewritten whole
