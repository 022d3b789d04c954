"""Word's automatic numbering, resolved to the labels Word shows (一、 （一） 1. （1）).

python-docx has no API for a paragraph's rendered number. word/numbering.xml holds abstract
definitions (w:abstractNum: per level a start, a format such as `chineseCounting` and a text
such as `（%2）`) and instances (w:num, pointing at one, with w:lvlOverride/w:startOverride).
As Word does, the counters belong to the abstract definition, so instances that share one
continue each other unless an override restarts them; a level restarts when a higher level
advances (unless its w:lvlRestart says otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .package import LEVELS, W, integer, w

DIGITS = "〇一二三四五六七八九"
CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# no list of a 公文 counts further; letters and roman numerals grow with the number (from a
# start of 10^8, upperLetter wrote labels of 3.8 MB), so a larger one is not shown
MAX_NUMBER = 10_000


class NumberTooLarge(ValueError):
    """A paragraph's label would show a number beyond MAX_NUMBER."""

    def __init__(self, value: int):
        super().__init__(value)
        self.value = value


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # w:lvlRestart: restart after this (1-based) level; 0 never
    legal: bool = False  # w:isLgl: all numbers of the label shown as decimal


def chinese_count(n: int, digits: str = DIGITS, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五, 110 → 一百一十 (up to 9999)."""
    if n <= 0 or n >= 10000:
        return str(n)
    zero = "零" if digits[0] == "〇" else digits[0]
    parts = []
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit = n // power % 10
        if digit:
            if parts and parts[-1] == "":
                parts[-1] = zero
            parts.append(digits[digit] + unit)
        elif parts:
            parts.append("")
    text = "".join(parts)
    if 10 <= n < 20 and digits == DIGITS:
        text = text[1:]  # 十一, not 一十一 (the financial form keeps 壹拾壹)
    return text


def _letters(n: int, upper: bool) -> str:
    letter = chr((ord("A") if upper else ord("a")) + (n - 1) % 26)
    return letter * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = []  # each numeral repeated at once: adding one at a time was quadratic
    n = max(n, 0)
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def format_number(n: int, fmt: str) -> str:
    """One counter in a w:numFmt. Enclosed forms are written as the 公文 writes them: the
    parenthesised ⑴ as （1）, the full-stop ⒈ as 1.; full-width digits as ASCII digits."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting",
               "taiwaneseCountingThousand", "japaneseCounting"):
        return chinese_count(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return chinese_count(n, CAPITAL_DIGITS, "拾佰仟")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return HEAVENLY_STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return EARTHLY_BRANCHES[(n - 1) % 12]
    if fmt == "decimalEnclosedParen":
        return f"（{n}）"
    if fmt in ("decimalEnclosedFullstop", "decimalEnclosedFullStop"):
        return f"{n}."
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return CIRCLED[n - 1] if 1 <= n <= len(CIRCLED) else str(n)
    if fmt in ("upperLetter", "lowerLetter"):
        return _letters(n, fmt == "upperLetter")
    if fmt in ("upperRoman", "lowerRoman"):
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)  # decimal, decimalFullWidth, decimalHalfWidth, ordinal… as digits


def _level(element: etree._Element, level: Level | None = None) -> Level:
    level = Level(**vars(level)) if level else Level()
    for tag, attr in (("start", "start"), ("numFmt", "fmt"), ("lvlText", "text"),
                      ("lvlRestart", "restart")):
        found = element.find(w(tag))
        if found is not None:
            value = integer(found) if attr in ("start", "restart") else found.get(w("val"), "")
            setattr(level, attr, value)
    legal = element.find(w("isLgl"))
    if legal is not None:
        level.legal = legal.get(w("val"), "true") not in ("0", "false")
    return level


class Numbering:
    """Gives each numbered paragraph, in document order, the label Word shows for it; raises
    ValueError when numbering.xml holds a number that is not one."""

    def __init__(self, root: etree._Element | None):
        self.abstract: dict[str, dict[int, Level]] = {}
        self.instances: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for abstract in root.iter(w("abstractNum")):
            levels = {}
            for lvl in abstract.iter(w("lvl")):
                ilvl = integer(lvl, "ilvl")
                if 0 <= ilvl < LEVELS:  # others no paragraph can have (package.py)
                    levels[ilvl] = _level(lvl)
            self.abstract[abstract.get(w("abstractNumId"))] = levels
        for num in root.iter(w("num")):
            ref = num.find(w("abstractNumId"))
            if ref is None:
                continue
            abstract_id = ref.get(w("val"))
            levels, starts = {}, {}
            for override in num.iter(w("lvlOverride")):
                ilvl = integer(override, "ilvl")
                if not 0 <= ilvl < LEVELS:
                    continue
                start = override.find(w("startOverride"))
                if start is not None:
                    starts[ilvl] = integer(start, default="1")
                lvl = override.find(w("lvl"))
                if lvl is not None:
                    base = self.abstract.get(abstract_id, {}).get(ilvl)
                    levels[ilvl] = _level(lvl, base)
            self.instances[num.get(w("numId"))] = (abstract_id, levels, starts)

    def level(self, num_id: str, ilvl: int) -> Level | None:
        if num_id not in self.instances:
            return None
        abstract_id, overrides, _ = self.instances[num_id]
        return overrides.get(ilvl) or self.abstract.get(abstract_id, {}).get(ilvl)

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the counter of (num_id, ilvl) and return the label, or None when the
        paragraph has no usable numbering (a bullet also returns None: it is not a number);
        raise NumberTooLarge when the label would show a number beyond MAX_NUMBER."""
        level = self.level(num_id, ilvl)
        if level is None:
            return None
        abstract_id, _, starts = self.instances[num_id]
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:  # an instance's overrides apply where it first appears
            self.started.add(num_id)
            for start_ilvl, start in starts.items():
                counters[start_ilvl] = start - 1
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [k for k in counters if k > ilvl]:
            deeper_level = self.level(num_id, deeper)
            restart = deeper_level.restart if deeper_level else None
            if restart is None or (restart and ilvl < restart):
                del counters[deeper]
        if level.fmt == "bullet":
            return None
        label = level.text
        for k in range(LEVELS):
            token = f"%{k + 1}"
            if token not in label:
                continue
            shown = self.level(num_id, k) or Level()
            value = counters.get(k, shown.start)
            if value > MAX_NUMBER:
                raise NumberTooLarge(value)
            fmt = "decimal" if level.legal and k != ilvl else shown.fmt
            label = label.replace(token, format_number(value, fmt))
        return label

    def is_bullet(self, num_id: str, ilvl: int) -> bool:
        level = self.level(num_id, ilvl)
        return level is not None and level.fmt == "bullet"


__all__ = ["Level", "NumberTooLarge", "Numbering", "W", "chinese_count", "format_number"]
