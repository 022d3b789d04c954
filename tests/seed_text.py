"""Independent, rule-based cleaning of the seed text (no tests in this module).

The seed (``shared/seed/000_02bb18daf9b75844.txt``) is the text extracted from the
printed issue 晋中市人民政府公报 2024年第1期 (总第25期).  This module turns the body of the
six documents (seed lines 43–670) into cleaned blocks -- paragraphs, headings, titles,
文号 lines, signature lines and table rows -- by applying the cleaning rules of
``docs/conventions.md`` §1.6/§1.7 programmatically:

* B1  page-wise ASCII punctuation ``, : ; ( )`` -> ``，：；（）`` (keeping ratios ``1:8``,
      decimals, ``%``, ``+``, codes such as ``DB14/T 2822-2023``, list numbers ``1.``,
      and ASCII-only parentheses such as ``(V2G)``);
* B2  pair-aware brackets: a lone ASCII closer after a full-width opener becomes full-width;
      ``〔…]`` is closed with ``〕`` (editor-confirmed fix);
* B3  ``<…>`` used as 单书名号 -> ``〈…〉``;
* B4  stray English ``and`` between Han characters -> ``和``;
* B5  Markdown bold fused to the previous paragraph is split off (the ``**`` dropped);
* B6/B7/B8  blocks split by page/column breaks (blank line) or by a single newline are
      joined without a space when the previous block does not end in ``。！？；：】）`` and
      the next block is not a heading, numbered item, title, signature, table row …;
      explicit exceptions: a heading continued by a short fragment (``…流域水`` /
      ``资源保障``), and ``（见网络版）`` on its own line;
* B9  two-line titles: spaces removed, ``晋中市人民政府办公室`` + ``关于…`` joined;
* B10 ``(八) 强化`` -> ``（八）强化``; ``10. “光储…`` -> ``10.“光储…``;
* B12 traditional ``統`` -> ``统``;
* tables: ``续表`` markers and repeated header rows dropped; space-separated cell content
  kept with single spaces only when every token is a unit name (``市…局``), otherwise
  joined (``河湖长制 有关成员单位`` -> ``河湖长制有关成员单位``);
* A1/A2 (TOC vs body) are resolved in favour of the body by :func:`toc_entries`.

Source errors C1–C5 are left exactly as printed.

Every string returned by :func:`seed_paragraphs` is meant to be compared after removing
all whitespace (table rows are returned with their cells separated by tab characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# a copy of shared/seed/000_02bb18daf9b75844.txt, so that a clone of the repository tests itself
SEED_PATH = Path(__file__).resolve().parent / "fixtures/seed-2024-01.txt"
BODY_FIRST, BODY_LAST = 43, 670          # 1-based, inclusive: body of the six documents
TOC_FIRST, TOC_LAST = 23, 41

HAN = r"\u3400-\u9fff"
# full-width punctuation next to which spaces are extraction artefacts
FW_PUNCT = "，。：；、！？（）【】〔〕《》〈〉“”‘’"
TERMINAL = tuple("。！？；：】）")        # a block ending in one of these is complete
TRAD_TO_SIMP = {"統": "统"}               # B12

RE_H1 = re.compile(r"^[一二三四五六七八九十]+、")
RE_H2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*(?!\d)")   # （一）2023年底… is run-in
RE_ENUM = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*\d")     # run-in （一）2023年底…
RE_ITEM = re.compile(r"^\d+\.\s*[^\d\s]")                            # 1.推动… / 10. “光储…
RE_DOCNO = re.compile(rf"^[{HAN}]+〔\d{{4}}〕[1-9]\d*号$")
RE_ISSUER = re.compile(r"^晋中市人民政府(办公室)?$")
RE_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
RE_DISCLOSURE = re.compile(r"^[（(]此件公开发布[）)]$")
RE_WEB_ONLY = re.compile(r"^[（(]见网络版[）)]$")                   # B7 exception
RE_BOLD = re.compile(r"\*\*(.+?)\*\*")
RE_UNIT = re.compile(r"^市\S*(局|委|办|厅|支队|公司|中心|院|会)$")


# --------------------------------------------------------------------------- text rules
def _fix_parens(s: str) -> str:
    """ASCII round brackets -> full-width, except around ASCII-only content like (V2G)."""
    def pair(m: re.Match) -> str:
        inner = m.group(1)
        if re.fullmatch(r"[A-Za-z0-9 .+\-]*", inner):
            return m.group(0)
        return "（" + inner + "）"
    prev = None
    while prev != s:                                  # innermost pairs first
        prev = s
        s = re.sub(r"\(([^()（）]*)\)", pair, s)
    # lone ASCII brackets (mixed pairs such as （…45号) split over a page break)
    s = re.sub(r"\((?![A-Za-z0-9 .+\-]*\))", "（", s)
    s = re.sub(r"(?<![A-Za-z0-9])\)", "）", s)
    return s


def normalise(s: str) -> str:
    """Context-free cleaning of one line (B1, B3, B4, B10, B12, spacing)."""
    s = s.strip()
    for t, simp in TRAD_TO_SIMP.items():                           # B12
        s = s.replace(t, simp)
    s = re.sub(rf"(?<=[{HAN}])\s*(?<![A-Za-z])and(?![A-Za-z])\s*(?=[{HAN}])", "和", s)  # B4
    s = re.sub(r"(?<=\d),(?=\d{3}\b)", "\x00", s)                  # thousands separators
    s = s.replace(",", "，").replace("\x00", ",")
    s = re.sub(r"(?<=\d):(?=\d)", "\x00", s)                       # ratios 1:8
    s = s.replace(":", "：").replace("\x00", ":")
    s = s.replace(";", "；")
    s = re.sub(rf"<([^<>]*[{HAN}][^<>]*)>", r"〈\1〉", s)            # B3
    s = _fix_parens(s)
    s = re.sub(rf"\s+(?=[{FW_PUNCT}])", "", s)                     # spaces at full-width punct
    s = re.sub(rf"(?<=[{FW_PUNCT}])\s+", "", s)
    s = re.sub(r"^(\d+\.)\s+", r"\1", s)                           # B10 list numbers
    return s


def fix_pairs(s: str) -> str:
    """Pair-aware fixes on a whole (joined) block: 〔…] -> 〔…〕 (B2)."""
    out, depth = [], 0
    for ch in s:
        if ch == "〔":
            depth += 1
        elif ch == "〕":
            depth = max(depth - 1, 0)
        elif ch == "]" and depth:
            ch, depth = "〕", depth - 1
        out.append(ch)
    return "".join(out)


def clean_cell(cell: str) -> str:
    cell = normalise(cell)
    tokens = cell.split()
    if len(tokens) > 1:
        if all(RE_UNIT.match(t) for t in tokens):
            return " ".join(tokens)                # list of units: one space each
        return "".join(tokens)                     # one phrase split by a line break
    return cell


# --------------------------------------------------------------------------- segments
@dataclass
class Block:
    kind: str
    text: str
    lines: list[int] = field(default_factory=list)
    cells: list[str] | None = None


def _raw_lines() -> list[str]:
    return [""] + SEED_PATH.read_text(encoding="utf-8").split("\n")   # 1-based


def _segments(first: int = BODY_FIRST, last: int = BODY_LAST) -> list[tuple[int, str]]:
    """Non-empty lines as (line number, text); B5 bold runs split into their own segment."""
    lines = _raw_lines()
    segs: list[tuple[int, str]] = []
    for n in range(first, last + 1):
        raw = lines[n].rstrip("\n")
        if not raw.strip():
            continue
        if "\t" in raw:
            segs.append((n, raw))
            continue
        pos = 0
        for m in RE_BOLD.finditer(raw):            # B5
            if raw[pos:m.start()].strip():
                segs.append((n, raw[pos:m.start()]))
            segs.append((n, m.group(1)))
            pos = m.end()
        if raw[pos:].strip():
            segs.append((n, raw[pos:]))
    return segs


def _classify(text: str, prev_kind: str | None, next_text: str | None) -> str:
    if "\t" in text:
        return "row"
    t = normalise(text)
    if t == "续表":
        return "continued"
    if t == "附件":
        return "label"                               # 附件 label above an attachment title
    if prev_kind in (None, "disclosure", "label"):
        return "title"                               # first block, after （此件公开发布）, after 附件
    if RE_DOCNO.match(t):
        return "docno"
    if next_text is not None and RE_DOCNO.match(normalise(next_text)) and not RE_ISSUER.match(t):
        return "title"                               # the block above a 文号 line
    if RE_ISSUER.match(t):
        return "issuer"
    if RE_DATE.match(t):
        return "date"
    if RE_DISCLOSURE.match(t):
        return "disclosure"
    if t.startswith("附件："):
        return "attachment-note"
    if RE_H1.match(t) and "。" not in t and len(t) <= 40:
        return "h1"
    if RE_ENUM.match(t):
        return "enum"
    if RE_H2.match(t) and "。" not in t and len(t) <= 40:
        return "h2"
    if RE_ITEM.match(t):
        return "item"
    if t.startswith("【") or t.startswith("（责任单位") or t.startswith("(责任单位"):
        return "duty"
    return "text"


JOINABLE_PREV = {"text", "item", "enum", "duty"}   # blocks that may be continued


def _should_join(prev: Block, kind: str, text: str) -> bool:
    t = normalise(text)
    if prev.kind == "issuer" and t.startswith("关于"):
        return True                                   # B9: 晋中市人民政府办公室 / 关于…
    if prev.kind in JOINABLE_PREV and RE_WEB_ONLY.match(t):
        return True                                   # B7: …（2023年版）\n（见网络版）
    if prev.kind in ("h1", "h2"):
        # heading broken by a page break: short fragment without punctuation or digits
        return (kind == "text" and len(t) <= 8
                and not re.search(rf"[{FW_PUNCT}\d]", t))
    if prev.kind not in JOINABLE_PREV or kind != "text":
        return False
    return not normalise(prev.text).endswith(TERMINAL)


def blocks() -> list[Block]:
    """The cleaned blocks of seed lines 43–670, in order, with their source lines."""
    out: list[Block] = []
    header: list[str] | None = None
    prev_kind: str | None = None
    segs = _segments()
    for i, (n, text) in enumerate(segs):
        kind = _classify(text, prev_kind, segs[i + 1][1] if i + 1 < len(segs) else None)
        if kind == "continued":
            prev_kind = "continued"
            continue
        if kind == "row":
            cells = [clean_cell(c) for c in text.split("\t")]
            if prev_kind not in ("row", "continued"):
                header = cells                       # first row of a new table
            elif prev_kind == "continued" and cells == header:
                prev_kind = "row"                    # repeated header after 续表
                continue
            out.append(Block("row", "\t".join(cells), [n], cells))
            prev_kind = "row"
            continue
        if out and _should_join(out[-1], kind, text):
            out[-1].text += text.strip()
            out[-1].lines.append(n)
            if out[-1].kind == "issuer":
                out[-1].kind = "title"
            prev_kind = out[-1].kind
            continue
        out.append(Block(kind, text.strip(), [n]))
        prev_kind = kind
    for b in out:
        if b.kind == "row":
            continue
        b.text = fix_pairs(normalise(b.text))
        if b.kind == "title":
            b.text = re.sub(rf"(?<=[{HAN}{FW_PUNCT}])\s+(?=[{HAN}{FW_PUNCT}])", "", b.text)  # B9
    return out


def seed_paragraphs() -> list[str]:
    """Every cleaned body paragraph / heading / title / signature line / table row."""
    return [b.text for b in blocks()]


def joined_line_pairs() -> list[tuple[int, int]]:
    """(first line, continuation line) for every join performed -- for checking B6/B7/B9."""
    pairs = []
    for b in blocks():
        pairs += [(b.lines[i - 1], b.lines[i]) for i in range(1, len(b.lines))]
    return pairs


def documents() -> list[dict]:
    """Document headers found in the body: title, 文号, issuer, date (from the signature)."""
    docs: list[dict] = []
    bl = blocks()
    for i, b in enumerate(bl):
        if b.kind == "title" and i + 1 < len(bl) and bl[i + 1].kind == "docno":
            docs.append({"title": b.text, "number": bl[i + 1].text, "line": b.lines[0]})
        elif b.kind == "issuer" and i + 1 < len(bl) and bl[i + 1].kind == "date" and docs:
            d = docs[-1]
            if "issuer" not in d:
                d["issuer"], d["date"] = b.text, bl[i + 1].text
    return docs


# --------------------------------------------------------------------------- TOC (A1/A2)
def toc_entries() -> list[dict]:
    """TOC entries with the TOC/body mismatches resolved in favour of the body (A1, A2).

    Each entry: section, title, number, page, and printed_title/printed_number when the
    printed TOC differs from the body.
    """
    lines = _raw_lines()
    entries: list[dict] = []
    section = None
    cur = ""
    for n in range(TOC_FIRST, TOC_LAST + 1):
        s = lines[n].strip()
        if not s or s == "目 录":
            continue
        m = re.fullmatch(r"【(.+)】", s)
        if m:
            section = m.group(1)
            continue
        if s.startswith("- "):
            cur = s[2:]
        else:
            cur += " " + s
        m = re.search(r"^(?P<title>.+?)\s*(?P<no>[\u4e00-\u9fff]+〔\d{4}〕\d+号)…+（(?P<page>\d+)）$", cur)
        if m:
            title = re.sub(rf"(?<=[{HAN}{FW_PUNCT}\d])\s+(?=[{HAN}{FW_PUNCT}\d])", "",
                           normalise(m.group("title")))
            entries.append({"section": section, "title": title, "number": m.group("no"),
                            "page": int(m.group("page"))})
            cur = ""
    body = documents()
    for e, d in zip(entries, body):
        if e["title"] != d["title"]:
            e["printed_title"], e["title"] = e["title"], d["title"]        # A2
        if e["number"] != d["number"]:
            e["printed_number"], e["number"] = e["number"], d["number"]    # A1
    return entries
