"""Structure from the 公文 numbering (GB/T 9704-2012 §7.3.3), for the web page and print alike.

A heading's role comes from its numbering — 一、 level 1 (黑体), （一） level 2 (楷体), 1. level 3
(bold 仿宋), （1） level 4 (仿宋) — not from the Markdown level the editor happened to use, and a
short numbered line of its own (（一）实施规模化供水工程, no sentence punctuation) is a heading even
without `#`; a run-in paragraph (一、各单位要……。) stays body text. A part-like heading (附件,
附件1：…, an embedded document's title) written below `#` is lifted to `#`, so that the signature
still follows the notice's own text. Both corrections of the editor's levels are warnings.

The pass rewrites the markdown-it token stream before the audits and the conversion read it.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .errors import Report
from .model import Document

if TYPE_CHECKING:  # markdown-it is imported by whoever parses; a build from the memo never does
    from markdown_it.token import Token

CHINESE_NUMERAL = "一二三四五六七八九十百零〇"
# (level, pattern, face) in the order GB/T 9704 nests them
NUMBERINGS = (
    (1, re.compile(rf"^[{CHINESE_NUMERAL}]+、"), "黑体"),
    (2, re.compile(rf"^[（(][{CHINESE_NUMERAL}]+[）)]"), "楷体"),
    (3, re.compile(r"^\d{1,3}[.．](?!\d)"), "bold 仿宋"),
    (4, re.compile(r"^[（(]\d{1,3}[）)]"), "仿宋"),
)
# a line that carries a sentence's punctuation is run-in text, not a heading of its own
SENTENCE_PUNCTUATION = re.compile(r"[。！？；：:;]")
HEADING_MAX_CHARS = 50
PART_LABEL = re.compile(r"^附件\s*\d*\s*([：:].*)?$")
# an embedded document is a plan, programme, list … transmitted by the notice
DOCUMENT_KIND = re.compile(r"(规划|计划|方案|办法|规定|细则|清单|意见|决定|条例|规则|措施|要点|"
                           r"制度|标准|目录|名单|纲要|章程|指南|导则)(（[^）]*）)?$")
TITLE_IN_BRACKETS = re.compile(r"《([^《》]+)》")


def numbering_level(text: str) -> tuple[int, str, str] | None:
    """(level, the numbering as written, its face) of a heading or line, or None."""
    for level, pattern, face in NUMBERINGS:
        match = pattern.match(text)
        if match:
            return level, match.group(0), face
    return None


def restructure(doc: Document, tokens: list[Token], report: Report) -> list[Token]:
    """Give every heading the level of its numbering, make standalone numbered lines headings
    and lift part-like headings to parts; warn where the editor's Markdown level differs."""
    transmitted = {_plain(title) for title in TITLE_IN_BRACKETS.findall(
        doc.title.replace("〈", "《").replace("〉", "》"))}
    for i, token in enumerate(tokens):
        if token.level != 0:
            continue  # quotes, lists and tables keep their own structure
        if token.type == "paragraph_open" and _is_heading_line(tokens[i + 1]):
            level = numbering_level(_text(tokens[i + 1]))[0]
            _make_heading(tokens, i, level)
        elif token.type == "heading_open":
            _check_heading(doc, tokens, i, transmitted, report)
    return tokens


def _check_heading(doc: Document, tokens: list[Token], i: int, transmitted: set[str],
                   report: Report) -> None:
    token, text = tokens[i], _text(tokens[i + 1])
    written = int(token.tag[1]) - 1  # '##' → level 1, '#' → 0 (a part)
    line = doc.body_line + (token.map[0] if token.map else 0)
    numbered = numbering_level(text)
    if numbered:
        level, number, face = numbered
        if level != written:
            report.warn(doc.path, line, "body", f"heading '{_markup(written)} {text}': its "
                        f"numbering {number} makes it a level-{level} heading ({face}, written "
                        f"'{_markup(level)}'); it is set as one")
            _set_level(tokens, i, level)
    elif written > 0 and (PART_LABEL.match(text) or _plain(text) in transmitted
                          or (len(text) >= 8 and DOCUMENT_KIND.search(text))):
        report.warn(doc.path, line, "body", f"heading '{_markup(written)} {text}' looks like a "
                    "part (附件 or a transmitted document's title), which is written '# …' and "
                    "follows the signature; it is set as one")
        _set_level(tokens, i, 0)


def _is_heading_line(inline: Token) -> bool:
    """A numbered line standing alone, short and without a sentence's punctuation."""
    text = _text(inline)
    return ("\n" not in inline.content and len(text) <= HEADING_MAX_CHARS
            and numbering_level(text) is not None and not SENTENCE_PUNCTUATION.search(text)
            and all(child.type in ("text", "strong_open", "strong_close", "em_open", "em_close")
                    for child in inline.children or ()))


def _make_heading(tokens: list[Token], i: int, level: int) -> None:
    """paragraph_open, inline, paragraph_close → a heading of `level`; the emphasis the editor
    used to make it look like one is left to the heading's face."""
    tokens[i].type, tokens[i + 2].type = "heading_open", "heading_close"
    tokens[i].markup = tokens[i + 2].markup = "#" * (level + 1)
    inline = tokens[i + 1]
    inline.children = [child for child in inline.children or () if child.type == "text"]
    inline.content = _text(inline)
    _set_level(tokens, i, level)


def _set_level(tokens: list[Token], i: int, level: int) -> None:
    tokens[i].tag = tokens[i + 2].tag = f"h{level + 1}"


def _text(inline: Token) -> str:
    children = inline.children or ()
    if children:
        return "".join(child.content for child in children if child.type == "text").strip()
    return inline.content.strip()


def _plain(title: str) -> str:
    return re.sub(r"\s+", "", title)


def _markup(level: int) -> str:
    return "#" * (level + 1)
