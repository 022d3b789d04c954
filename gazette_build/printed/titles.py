"""Where a printed title breaks: between words, never inside a bracket or a number, in lines of
balanced length (GB/T 9704 §7.3.1: 梯形 or 菱形, no short last line).

WeasyPrint fills a title line by line and breaks wherever Pango allows, between any two Han
characters: “（2023 / —2025年）”, “三年 / 行动计划”. Here a title is cut into units that must
not break — words (ICU's dictionary word break), a bracketed group, a number with its 年, a numeral
word with the noun after it (三年行动计划), 的 with the 文种 after it — then the issuer stands
on the first line when the title starts with it (晋中市人民政府 / 关于……的通知, as the printed
gazette sets it), and the rest is cut into as few lines as fit the measure, choosing the breaks
that make them most even, the last not shorter than the one before. An editor overrides the
result with `title_lines` in the front-matter.

The measure is the type area's width at the title's size (print.css `.doc-title`,
`.part-title`); widths come from the title font's advances (fonts.advance_width).
"""
from __future__ import annotations

import ctypes.util
import itertools
import math
import re
import unicodedata
from functools import lru_cache
from typing import Callable

from markupsafe import Markup, escape

TYPE_AREA_PT = 156 / 25.4 * 72  # print.css: GB/T 9704 type area, 156 mm
TITLE_SIZE_PT = {"document": 18, "part": 16}  # print.css .doc-title, .part-title
OPENING = "（《「『【〔〈“‘(["
CLOSING = "）》」』】〕〉”’)]、，。：；！？"
NUMERAL_WORD = re.compile(r"^[一二三四五六七八九十百千两]+[年个项条届]?$")
# the kind of text a title names never starts a line: 行动 / 计划, 的实施 / 方案
GENRE = ("计划", "方案", "意见", "通知", "规划", "办法", "规定", "细则", "决定", "清单", "表")
MAX_UNITS = 40  # longer titles: cost grows as units^(lines - 1); a 3-line title has < 30

Width = Callable[[str], float]  # text → width in ems


def lines_of(title: str, issuer: str, measure_em: float, width: Width) -> list[str]:
    """The printed lines of a title (see the module docstring)."""
    head, rest = [], title
    if issuer and title.startswith(issuer + "关于"):
        head, rest = [issuer], title[len(issuer):]
    if width(rest) <= measure_em:
        return head + [rest]
    units = _units(rest)
    if len(units) > MAX_UNITS:
        return head + [rest]  # WeasyPrint's own breaks
    for count in range(math.ceil(width(rest) / measure_em), len(units) + 1):
        best = _balanced(units, count, measure_em, width)
        if best is not None:
            return head + best
    return head + [rest]


def title_html(title: str, issuer: str = "", lines: tuple[str, ...] = (), *,
               kind: str = "document", width: Width | None = None) -> Markup:
    """The title as HTML, its lines joined by <br>: the editor's `lines` when given."""
    if not lines:
        measure = TYPE_AREA_PT / TITLE_SIZE_PT[kind]
        lines = tuple(lines_of(title, issuer, measure, width or approximate_width))
    return Markup("<br>").join(escape(line) for line in lines)


def approximate_width(text: str) -> float:
    """Widths without a font file: a full em for wide characters, about half for the rest."""
    return sum(1 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in text)


def _balanced(units: list[str], count: int, measure: float, width: Width) -> list[str] | None:
    best, best_cost = None, math.inf
    for cuts in itertools.combinations(range(1, len(units)), count - 1):
        bounds = (0, *cuts, len(units))
        lines = ["".join(units[a:b]) for a, b in zip(bounds, bounds[1:])]
        widths = [width(line) for line in lines]
        if max(widths) > measure:
            continue
        # even lines; a last line shorter than the one before costs double (梯形, 菱形)
        cost = max(widths) - min(widths) + 2 * max(0.0, widths[-2] - widths[-1])
        if cost < best_cost:
            best, best_cost = lines, cost
    return best


def _units(text: str) -> list[str]:
    """The pieces a title may break between (see the module docstring)."""
    units: list[str] = []
    depth = 0
    glue_next = False
    for word in _words(text):
        opens = sum(word.count(c) for c in OPENING)
        closes = sum(word.count(c) for c in CLOSING if c not in "、，。：；！？")
        joined = (not units or glue_next or depth > 0 or word[0] in CLOSING
                  or (word[0].isdigit() and units[-1][-1] in "0123456789—–-～~")
                  or (word[0] in "年月日号%—–-～~" and units[-1][-1].isdigit())
                  or word in GENRE)
        if joined and units:
            units[-1] += word
        else:
            units.append(word)
        depth = max(0, depth + opens - closes)
        glue_next = word[-1] in OPENING or word == "的" or bool(NUMERAL_WORD.match(word))
    return units


def _words(text: str) -> list[str]:
    """Words by ICU's dictionary-based word break (its Chinese dictionary ships with libicu,
    which Debian has wherever libxml2 is); one character a word where ICU is missing."""
    icu = _icu()
    if icu is None:
        return list(text)
    lib, version = icu
    units = text.encode("utf-16-le")
    buffer = _ffi().new("uint16_t[]", len(units) // 2 or 1)
    _ffi().memmove(buffer, units, len(units))
    status = _ffi().new("int *", 0)
    iterator = getattr(lib, f"ubrk_open_{version}")(1, b"zh", buffer, len(units) // 2, status)
    if status[0] > 0 or iterator == _ffi().NULL:
        return list(text)
    try:
        following = getattr(lib, f"ubrk_next_{version}")
        bounds = [getattr(lib, f"ubrk_first_{version}")(iterator)]
        while (bound := following(iterator)) != -1:
            bounds.append(bound)
    finally:
        getattr(lib, f"ubrk_close_{version}")(iterator)
    words = [units[2 * a:2 * b].decode("utf-16-le") for a, b in zip(bounds, bounds[1:])]
    # ICU falls back to single characters for words its dictionary lacks (place names,
    # 印发): a run of them is kept whole rather than broken anywhere
    merged: list[str] = []
    singles = False  # whether merged[-1] is a run of such characters
    for word in words:
        single = _single_han(word)
        if merged and single and singles:
            merged[-1] += word
        else:
            merged.append(word)
        singles = single
    return merged


def _single_han(text: str) -> bool:
    return len(text) == 1 and "\u3400" <= text <= "\u9fff"


@lru_cache(maxsize=1)
def _ffi():
    import cffi  # here: making an FFI imports a C parser (~30 ms), which a build whose PDFs
    # all come from the cache never needs

    return cffi.FFI()


@lru_cache(maxsize=1)
def _icu():
    """(libicuuc, its version): ICU suffixes every symbol with its major version."""
    name = ctypes.util.find_library("icuuc")
    match = re.search(r"\.so\.(\d+)", name or "")
    if not match:
        return None
    version = match[1]
    _ffi().cdef(f"""
        typedef struct UBreakIterator UBreakIterator;
        UBreakIterator *ubrk_open_{version}(int type, const char *locale, const uint16_t *text,
                                            int32_t length, int *status);
        int32_t ubrk_first_{version}(UBreakIterator *iterator);
        int32_t ubrk_next_{version}(UBreakIterator *iterator);
        void ubrk_close_{version}(UBreakIterator *iterator);
    """)
    try:
        return _ffi().dlopen(name), version
    except OSError:
        return None
