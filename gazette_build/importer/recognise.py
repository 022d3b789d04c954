"""Recognise a 公文's parts in the paragraphs of a Word file (GB/T 9704 layout).

From the top: an optional 版头 (…文件), the 文号 line (市政办发〔2024〕11号, any brackets), the
title (the centred paragraphs after it), the 主送机关 line (ending with ：, kept in the body as
the content format wants it), the body, then the signature block — the issuer's line, the
成文日期 line (2024年1月25日) and the 公开属性 line （此件公开发布） — which becomes front-matter
and is not repeated in the body. What follows the signature are parts: each starts on a new page
(or right after the signature), with a bare 附件/附件1 line and a title, 附件：title, or an
embedded document's centred title.

Headings are recognised by their 公文 numbering, typed or produced by Word's automatic
numbering (numbering.py gives the label): 一、 → ##, （一） → ###, 1. → ####, when the paragraph
is a heading standing alone (no 。); （1） and run-in 1.…。 paragraphs stay paragraphs.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from .numbering import DIGITS, MAX_NUMBER, Numbering, NumberTooLarge
from .package import Paragraph, Table, WordFile, excerpt

HAN_NUMBER = "一二三四五六七八九十百零〇"
DOC_NUMBER = re.compile(r"^(?P<code>[\u4e00-\u9fff]+)\s*[\[【（(［〔{]\s*(?P<year>\d{4})\s*"
                        r"[\]】）)］〕}]\s*(?P<serial>\d{1,9})\s*号")  # Python reads no 4,300 digits
DATE = re.compile(r"^(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})"
                  r"\s*月\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$")
# possessive runs (`*+`): two runs of spaces that could share them were tried every way they
# can split them (a paragraph of 附件 + 80,000 spaces took 34 s); the text is stripped after
DISCLOSURE = re.compile(r"^[（(]\s*+(?P<text>此件[^（()）]++)[）)]$")
ATTACHMENT_LABEL = re.compile(r"^附\s*+件\s*+(?P<n>\d*+)$")
ATTACHMENT_TITLED = re.compile(r"^附\s*+件\s*+(?P<n>\d*+)\s*+[：:]\s*+(?P<title>.+)$")
HEADINGS = (  # (level, label at the start of the text)
    (1, re.compile(rf"^[{HAN_NUMBER}]+、")),
    (2, re.compile(rf"^（[{HAN_NUMBER}]+）")),
    (3, re.compile(r"^\d{1,3}[.．](?!\d)")),
)
HALF_WIDTH_LABEL = re.compile(rf"^\(([{HAN_NUMBER}]+|\d{{1,3}})\)")
HAN = r"[\u3400-\u9fff\U00020000-\U0003134f\u3000-\u303f\uff00-\uffef“”‘’]"
# ASCII punctuation typed between Chinese characters (a half-width input method): a mark with a
# Chinese character on the side it binds to; 1:8 or 2021-2035 between digits stays as it is
HALF_WIDTH = re.compile(rf"(?<={HAN})[,;:?!]|(?<={HAN})\(|\((?={HAN})|(?<={HAN})\)|\)(?={HAN})")
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
MAX_HEADING = 60  # a longer paragraph with a heading's label is a run-in paragraph
MAX_COLUMNS = 63  # Word's own limit; a gridSpan of 10^7 was written out as 10^7 cells
WHITESPACE = " \t\u3000\u00a0\n"


@dataclass
class Block:
    """A piece of the body: a paragraph (possibly a heading), a bullet item, an image or a table."""

    kind: str  # "paragraph", "heading", "bullet", "image", "table"
    text: str = ""
    level: int = 0
    table: Table | None = None
    number: int = 0  # the Word paragraph it came from


@dataclass
class Part:
    title: str  # "附件1：…" for attachments, the document's title for embedded documents
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Draft:
    """The 公文 as recognised: front-matter values, body, parts, and what went wrong where."""

    title: str = ""
    number: str = ""
    date: dt.date | None = None
    issuer: str = ""
    disclosure: str | None = None
    body: list[Block] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)  # (paragraph, field, msg)
    errors: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class _Item:
    """A block of the Word file with its shown text (numbering label included)."""

    source: Paragraph | Table
    text: str = ""
    bullet: bool = False

    @property
    def number(self) -> int:
        return self.source.number

    @property
    def is_table(self) -> bool:
        return isinstance(self.source, Table)


def clean(text: str) -> str:
    """The paragraph's text without the indentation and alignment spaces typed in Word."""
    return text.replace("\n", "").replace("\t", " ").strip(WHITESPACE)


def recognise(word: WordFile) -> Draft:
    draft = Draft()
    try:
        numbering = Numbering(word.numbering_xml)
    except ValueError as exc:
        draft.errors.append((1, "numbering", f"word/numbering.xml is damaged: {exc}; open the "
                             "file in Word and save it again"))
        return draft
    items = _items(word, numbering, draft)
    start = _front(items, draft)
    sign = _signature(items, start, draft)
    end_of_body = sign[0] if sign else len(items)
    draft.body = _blocks(items[start:end_of_body], draft)
    if sign:
        _parts(items[sign[1]:], draft)
    return draft


def _items(word: WordFile, numbering: Numbering, draft: Draft) -> list[_Item]:
    """Non-empty paragraphs and tables in order, numbering resolved, problems reported."""
    items: list[_Item] = []
    new_page = False
    for block in word.blocks:
        if isinstance(block, Table):
            _check_width(block, draft)
            cells = (p for row in block.rows for cell in row for p in cell.paragraphs)
            for para in cells:
                _report_problems(para, draft)
                _label(numbering, para, draft)  # counts, as Word counts it
                if para.images:
                    draft.warnings.append((para.number, "image", f"paragraph {para.number}: a "
                                           "picture inside a table cell is not imported"))
            block.new_page = block.new_page or new_page
            new_page = False
            items.append(_Item(block))
            continue
        _report_problems(block, draft)
        label, bullet = _label(numbering, block, draft)
        text = clean(label + clean(block.text)) if label else clean(block.text)
        if not text and not block.images:
            new_page = new_page or block.new_page
            continue
        block.new_page = block.new_page or new_page
        new_page = False
        lines = [clean(line) for line in block.text.split("\n")]
        if not label and len(lines) > 1 and DATE.match(lines[-1].replace(" ", "")):
            # issuer and date typed in one paragraph with Shift+Enter: the signature block
            items.append(_Item(block, "".join(lines[:-1])))
            items.append(_Item(block, lines[-1]))
            continue
        items.append(_Item(block, text, bullet))
    return items


def _label(numbering: Numbering, para: Paragraph, draft: Draft) -> tuple[str, bool]:
    """The label Word shows before the paragraph ("" for none) and whether it is a bullet; a
    number that cannot be shown is a warning, and the paragraph is imported without it."""
    if not para.numbering:
        return "", False
    where = f"paragraph {para.number} {excerpt(clean(para.text))}"
    if numbering.level(*para.numbering) is None:
        draft.warnings.append((para.number, "numbering", f"{where}: its automatic number (numId "
                               f"{para.numbering[0]}) is not defined in the file; imported "
                               "without it — type the number"))
        return "", False
    try:
        shown = numbering.label(*para.numbering)
    except NumberTooLarge as exc:
        draft.warnings.append((para.number, "numbering", f"{where}: its automatic number "
                               f"{exc.value:,} is more than {MAX_NUMBER:,}, which no list of a "
                               "公文 reaches; imported without it — type the number"))
        return "", False
    return shown or "", shown is None and numbering.is_bullet(*para.numbering)


def _check_width(table: Table, draft: Draft) -> None:
    """An error for a table wider than Word's: its merged cells would be written out one by one."""
    for index, row in enumerate(table.rows, start=1):
        width = sum(cell.span for cell in row)
        if width > MAX_COLUMNS:
            draft.errors.append((table.number, "table", f"the table at paragraph {table.number}: "
                                 f"its row {index} spans {width:,} columns; a Word table has at "
                                 f"most {MAX_COLUMNS} — open the file in Word and save it again"))
            return


def _report_problems(para: Paragraph, draft: Draft) -> None:
    for kind, message in para.problems:
        where = f"paragraph {para.number}"
        if para.text.strip():
            where += f" {excerpt(clean(para.text))}"
        draft.warnings.append((para.number, kind, f"{where}: {message}"))


def _front(items: list[_Item], draft: Draft) -> int:
    """Read the 文号 and the title; return the index where the body starts."""
    index = next((i for i, item in enumerate(items[:8])
                  if not item.is_table and DOC_NUMBER.match(item.text.replace(" ", ""))), None)
    if index is None:
        draft.errors.append((items[0].number if items else 1, "number",
                             "no 文号 line (such as 市政办发〔2024〕11号) at the top of the document"))
        index = -1
    else:
        match = DOC_NUMBER.match(items[index].text.replace(" ", ""))
        # the year in ASCII digits, as the serial: typed full-width (〔２０２４〕), it named the
        # file shizhengbanfa-２０２４-11.md, which the build refuses
        year = unicodedata.normalize("NFKC", match["year"])
        draft.number = f"{match['code']}〔{year}〕{int(match['serial'])}号"
        for item in items[:index]:
            what = "the 版头" if item.text.endswith("文件") else "text above the 文号"
            draft.warnings.append((item.number, "header", f"paragraph {item.number} "
                                   f"{excerpt(item.text)}: {what} is not imported (the gazette "
                                   "prints its own masthead)"))
    title_lines = []
    i = index + 1
    while i < len(items) and not items[i].is_table:
        item = items[i]
        if title_lines and (not item.source.centered or item.text.endswith(("：", ":"))):
            break
        title_lines.append(item.text)
        i += 1
        if not item.source.centered:
            break
    draft.title = "".join(title_lines)
    if not draft.title:
        draft.errors.append((items[index].number if items else 1, "title",
                             "no title after the 文号 line"))
    return i


def _signature(items: list[_Item], start: int, draft: Draft) -> tuple[int, int] | None:
    """Find issuer + 成文日期 (+ 公开属性); return (index of the issuer line, index after it)."""
    for i in range(max(start, 1), len(items)):
        item = items[i]
        if item.is_table or not DATE.match(item.text.replace(" ", "")):
            continue
        issuer = items[i - 1]
        if issuer.is_table or i - 1 < start or len(issuer.text) > 40 or \
                issuer.text.endswith(("。", "：", "；")):
            continue
        draft.issuer = issuer.text.replace(" ", "").replace("\u3000", "")
        draft.date = _date(item.text.replace(" ", ""))
        if draft.date is None:
            draft.errors.append((item.number, "date", f"paragraph {item.number} "
                                 f"{excerpt(item.text)}: the 成文日期 is not a real date"))
        after = i + 1
        if after < len(items) and not items[after].is_table:
            match = DISCLOSURE.match(items[after].text)
            if match:
                draft.disclosure = match["text"].strip()
                after += 1
        return i - 1, after
    draft.errors.append((items[-1].number if items else 1, "date", "no signature block found: "
                         "the issuer's line followed by the 成文日期 line (such as 2024年1月25日)"))
    return None


def _date(text: str) -> dt.date | None:
    match = DATE.match(text)
    def value(part: str) -> int:
        if part.isdigit():
            return int(part)
        if len(part) == 4:  # 二〇二四
            return int("".join(str(DIGITS.index("〇" if ch in "○零" else ch)) for ch in part))
        tens, _, ones = part.partition("十")
        if "十" not in part:
            return DIGITS.index(part)
        return (DIGITS.index(tens) if tens else 1) * 10 + (DIGITS.index(ones) if ones else 0)
    try:
        return dt.date(value(match["y"]), value(match["m"]), value(match["d"]))
    except ValueError:
        return None


def _parts(items: list[_Item], draft: Draft) -> None:
    """Split what follows the signature into parts at new pages and 附件 lines."""
    i = 0
    while i < len(items):
        item = items[i]
        starts = i == 0 or item.source.new_page or \
            (not item.is_table and ATTACHMENT_LABEL.match(item.text.replace(" ", "")))
        if not starts or item.is_table:
            blocks = _blocks([item], draft)
            if draft.parts:
                draft.parts[-1].blocks.extend(blocks)
            else:  # a table right after the signature: keep it, say so
                draft.warnings.append((item.number, "body", f"paragraph {item.number}: "
                                       "text after the signature starts no part (no title); "
                                       "it is kept at the end of the notice"))
                draft.body.extend(blocks)
            i += 1
            continue
        label = ATTACHMENT_LABEL.match(item.text.replace(" ", ""))
        titled = ATTACHMENT_TITLED.match(item.text)
        i += 1
        if label:
            title_lines = []
            while i < len(items) and not items[i].is_table and (
                    not title_lines or items[i].source.centered and items[i - 1].source.centered):
                title_lines.append(items[i].text)
                i += 1
            title = f"附件{label['n']}：{''.join(title_lines)}"
        elif titled:
            title = f"附件{titled['n']}：{titled['title'].strip()}"
        else:
            title_lines = [item.text]
            while item.source.centered and i < len(items) and not items[i].is_table and \
                    items[i].source.centered and not items[i].source.new_page:
                title_lines.append(items[i].text)
                i += 1
            title = "".join(title_lines)
        draft.parts.append(Part(title))


def _blocks(items: list[_Item], draft: Draft) -> list[Block]:
    blocks = []
    in_attachment_list = False  # 附件：1.… then 2.… lines: the list of attachments, not headings
    for item in items:
        if item.is_table:
            blocks.append(Block("table", table=item.source, number=item.number))
            continue
        text = _full_width_label(item.text)
        fixed = HALF_WIDTH.sub(lambda m: FULL_WIDTH[m[0]], text)
        if fixed != text:
            draft.warnings.append((item.number, "punctuation", f"paragraph {item.number} "
                                   f"{excerpt(text)}: half-width punctuation between Chinese "
                                   "characters was made full-width; check it"))
            text = fixed
        if text:
            listed = in_attachment_list and re.match(r"^\d{1,3}[.．]", text)
            in_attachment_list = bool(listed) or bool(re.match(r"^附\s*件\s*[：:]", text))
            if item.bullet:
                blocks.append(Block("bullet", text, number=item.number))
            else:
                level = 0 if listed else heading_level(text)
                blocks.append(Block("heading" if level else "paragraph", text, level, None,
                                    item.number))
        for image in item.source.images:
            blocks.append(Block("image", image, number=item.number))
    return blocks


def _full_width_label(text: str) -> str:
    """(一) and (1) typed with ASCII brackets are written （一） （1） as the 公文 writes them."""
    return HALF_WIDTH_LABEL.sub(lambda m: f"（{m[1]}）", text, count=1)


def heading_level(text: str) -> int:
    """1–3 for a heading standing alone (一、 （一） 1.), 0 for a paragraph."""
    if "。" in text or len(text) > MAX_HEADING:
        return 0
    for level, pattern in HEADINGS:
        if pattern.match(text):
            return level
    return 0
