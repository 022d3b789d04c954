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

import ctypes
import glob
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
MAX_TRIED = 100_000  # sets of breaks tried for one count of lines (~1 s); beyond, Pango's

Width = Callable[[str], float]  # text → width in ems


def lines_of(title: str, issuer: str, measure_em: float, width: Width) -> list[str]:
    """The printed lines of a title (see the module docstring)."""
    head, rest = [], title
    if issuer and title.startswith(issuer + "关于"):
        head, rest = [issuer], title[len(issuer):]
    if width(rest) <= measure_em:
        return head + [rest]
    units = _units(rest)
    # a unit wider than the measure (a long 《》 name) fits on no line: no count of lines is
    # balanced, and trying each one tried every set of breaks (2^units: a 99-character title
    # never finished)
    if len(units) > MAX_UNITS or max(width(unit) for unit in units) > measure_em:
        return head + [rest]  # WeasyPrint's own breaks
    for count in range(math.ceil(width(rest) / measure_em), len(units) + 1):
        if math.comb(len(units) - 1, count - 1) > MAX_TRIED:
            break  # WeasyPrint's own breaks, below
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
    open_, first, following, close = icu
    units = text.encode("utf-16-le")
    length = len(units) // 2
    buffer = (ctypes.c_uint16 * (length or 1)).from_buffer_copy(units or b"\0\0")
    status = ctypes.c_int(0)
    iterator = open_(1, b"zh", buffer, length, ctypes.byref(status))
    if status.value > 0 or not iterator:
        return list(text)
    try:
        bounds = [first(iterator)]
        while (bound := following(iterator)) != -1:
            bounds.append(bound)
    finally:
        close(iterator)
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
def _icu() -> tuple[Callable, ...] | None:
    """ICU's word-break functions (ubrk_open, _first, _next, _close), or None without libicu.
    Through ctypes: cffi would parse their declarations with its C parser, ~0.1 s that a build
    whose PDFs come from the cache spent here (the titles are set to make the cache's key)."""
    name = _icu_library()
    match = re.search(r"\.so\.(\d+)", name or "")
    if not match:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    version = match[1]  # ICU suffixes every symbol with its major version
    iterator = ctypes.c_void_p
    open_ = getattr(lib, f"ubrk_open_{version}")
    open_.restype = iterator
    open_.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint16),
                      ctypes.c_int32, ctypes.POINTER(ctypes.c_int))
    functions = [open_]
    for role, result in (("first", ctypes.c_int32), ("next", ctypes.c_int32), ("close", None)):
        function = getattr(lib, f"ubrk_{role}_{version}")
        function.restype, function.argtypes = result, (iterator,)
        functions.append(function)
    return tuple(functions)


def _icu_library() -> str | None:
    """libicuuc's file: looked for where Debian and most Linux systems keep it, or asked of
    the system (ctypes.util runs `ldconfig -p`, a process of its own, ~20 ms)."""
    for pattern in ("/usr/lib/*/libicuuc.so.[0-9]*", "/usr/lib64/libicuuc.so.[0-9]*",
                    "/usr/lib/libicuuc.so.[0-9]*"):
        found = glob.glob(pattern)
        if found:  # the newest ICU, by its own name (libicuuc.so.72 before libicuuc.so.72.1)
            return max(found, key=lambda path: (int(re.search(r"\.so\.(\d+)", path)[1]),
                                                -len(path)))
    import ctypes.util  # here: it loads subprocess, for a system that keeps ICU elsewhere

    return ctypes.util.find_library("icuuc")
