"""Chinese line-breaking and punctuation for the printed issue (W3C clreq, GB/T 15834).

WeasyPrint breaks lines where Pango's UAX #14 rules allow, which gives clreq's basic 避头尾 but
also breaks "2023 | 年", lets a paragraph end on a lone character, and, treating “ ” as
ambiguous quotes, forbids every break around them (a line before “双电源”“双回路” stopped three
ems short). This module marks the print HTML's text so that the breaks follow clreq:

- U+2060 WORD JOINER where a break is forbidden: inside a number and between a number and the
  年/月/日/号/% after it, inside —— and ……, between the two last characters of a block;
- U+200B ZERO WIDTH SPACE where clreq allows a break that UAX #14 does not: after a closing
  quote, before an opening quote (the marks themselves still never start or end a line);
- adjacent punctuation (。【 》（ ）、) compressed to 1.5 em: the mark with the blank half next to
  the other is set half width (OpenType `halt`, print.css `.clreq-half`).

Both characters are default-ignorable: Pango gives them no glyph and WeasyPrint draws none, so
nothing enters the text a reader copies out of the PDF; the web edition never sees them.
"""
from __future__ import annotations

import re

WORD_JOINER = "\u2060"
BREAK = "\u200b"

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# marks with their ink on the left half (blank right half) in simplified Chinese fonts, and on
# the right half (blank left half); ！？ are centred in some faces and are left alone
CLOSING = "。，、；：）》」』】〕〉”’"
OPENING = "（《「『【〔〈“‘"

_TAG = re.compile(r"(<[^>]*>)")
_SKIPPED = re.compile(r"<(style|script|title|head)\b[^>]*>.*?</\1>", re.S | re.I)
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|dd|dt|figcaption|caption)>", re.I)

_RULES = [
    # a number stays whole and stays with the unit after it: 2023年, 19日, 48号, 85%
    # (digits, 3.64 and 1:8 already hold together under UAX #14)
    (re.compile(r"(?<=[0-9])(?=[年月日号%％])"), WORD_JOINER),
    # a range 2023—2025 keeps its dash between its numbers
    (re.compile(r"(?<=[0-9])(?=[—～~-][0-9])|(?<=[0-9][—～~-])(?=[0-9])"), WORD_JOINER),
    # —— and …… are one mark two ems wide
    (re.compile(r"(?<=—)(?=—)|(?<=…)(?=…)"), WORD_JOINER),
    # clreq allows a break after a closing quote and before an opening one
    (re.compile(rf"(?<=[”’])(?=[^{CLOSING}！？…—\s])"), BREAK),
    (re.compile(rf"(?<=[^{OPENING}\s{BREAK}])(?=[“‘])"), BREAK),
]
# the last two characters of a block (before its closing marks) stay on one line
_LAST_TWO = re.compile(rf"([{HAN}0-9A-Za-z])([{HAN}])([{CLOSING}！？…—]*)$")
_PAIR = re.compile(rf"[{CLOSING}{OPENING}](?=[{WORD_JOINER}{BREAK}]?[{CLOSING}{OPENING}])")


def mark_up(html: str) -> str:
    """The print HTML with the breaks and compressions of the module docstring."""
    skipped: list[str] = []

    def keep(match):
        skipped.append(match[0])
        return f"\x00{len(skipped) - 1}\x00"

    html = _SKIPPED.sub(keep, html)
    pieces = _TAG.split(html)
    for index in range(0, len(pieces), 2):  # text between tags
        text = pieces[index]
        if not text.strip():
            continue
        closes_block = index + 1 < len(pieces) and _BLOCK_END.fullmatch(pieces[index + 1])
        pieces[index] = mark_text(text, closes_block=bool(closes_block))
    html = "".join(pieces)
    return re.sub(r"\x00(\d+)\x00", lambda m: skipped[int(m[1])], html)


def mark_text(text: str, *, closes_block: bool = False) -> str:
    """One text node: joiners and break opportunities, then half-width pairs."""
    for pattern, mark in _RULES:
        text = pattern.sub(mark, text)
    if closes_block:
        text = _LAST_TWO.sub(rf"\1{WORD_JOINER}\2\3", text.rstrip()) + text[len(text.rstrip()):]
    return _compress_pairs(text)


def _compress_pairs(text: str) -> str:
    out, last = [], 0
    for match in _PAIR.finditer(text):
        first = match.start()
        second = _next_mark(text, first + 1)
        # the mark whose blank half faces the other one loses it
        half = first if text[first] in CLOSING else second if text[second] in OPENING else None
        if half is None or half < last:
            continue
        out.append(text[last:half])
        out.append(f'<span class="clreq-half">{text[half]}</span>')
        last = half + 1
    out.append(text[last:])
    return "".join(out)


def _next_mark(text: str, index: int) -> int:
    while text[index] in (WORD_JOINER, BREAK):
        index += 1
    return index
