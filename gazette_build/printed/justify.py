"""Inter-character justification of Chinese lines: a small extension of WeasyPrint's line layout.

WeasyPrint 70 justifies a line by widening its spaces only (`justify_line()` in
weasyprint/layout/inline.py counts U+0020 and U+00A0), so a line of Chinese, which has no
spaces, stays ragged: measured on the seed issue, 2 of 962 non-final body lines reached the
column's edge. Chromium and typesetters spread the remaining width between the characters of
CJK script instead (CSS Text 3 `text-justify: inter-character`, clreq §line adjustment).

Why an extension and not CSS: WeasyPrint parses `text-justify` but ignores it; a per-line
`letter-spacing` cannot be written in CSS because the line breaks are only known after layout;
and inserting spaces would put characters into the text a reader copies out of the PDF.

How: while an issue is laid out (`inter_character()`), WeasyPrint's `justify_line` is replaced.
For a line with CJK characters, the missing width is divided among them and each text box gets
a Pango layout that adds that much letter spacing to every CJK character, space and
full-width mark of its text — Latin letters and digits keep their own advance, so words and
numbers keep their shapes. Pango puts half of a character's letter spacing on each side and
drops the outer halves at the ends of a text box, so a box of n spread characters widens by
(n - ½·[first is spread] - ½·[last is spread]) × spacing, and a boundary between two boxes
(an inline element, a half-width mark) gets one spacing as a shift: the line ends on the
column's edge.
Spacing is drawn by glyph positioning (PDF TJ offsets), never by space characters; it is kept
below what `pdftotext` reads as a word space (0.1 em): a line that would need more is spread
that far and stays short by the rest. A line without CJK characters is left to WeasyPrint.

Pinned to the WeasyPrint versions it was written against (`SUPPORTED`); with any other version
the issue is laid out unjustified and the build warns (tests/test_justify.py checks the result
on the PDF, so an upgrade is caught).
"""
from __future__ import annotations

import unicodedata
from contextlib import contextmanager
from functools import lru_cache

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text.ffi import TO_UNITS, ffi, pango
from weasyprint.text.line_break import Layout

SUPPORTED = ("68.", "69.", "70.")  # version prefixes whose inline.py this was checked against
# the widest spread between two characters, as a fraction of the font size: poppler starts a
# new word at a gap wider than 0.1 em (TextOutputDev's minWordBreakSpace; measured: a line
# spread by 1.15 pt at 10.5 pt came out of pdftotext as "生 产 职 责"), and copies a space there
MAX_SPREAD_EM = 0.09
# marks drawn as one connected unit (—— and ……): spreading inside them would break the line
UNSPREAD = frozenset("—…⸺")


def supported(version: str = weasyprint.__version__) -> bool:
    return version.startswith(SUPPORTED)


@lru_cache(maxsize=4096)
def spreads(char: str) -> bool:
    """Whether justification may add space at this character's sides: characters of CJK
    script and full-width marks (wide or full-width in Unicode), Chinese quotes, and spaces."""
    if char in UNSPREAD:
        return False
    if char in " \u00a0\u3000“”‘’·":
        return True
    return unicodedata.east_asian_width(char) in "WF"


IGNORABLE = frozenset("\u200b\u2060")  # clreq.py's break marks: no glyph, no advance


def spread_indices(text: str) -> list[int]:
    """The characters of a text box that get letter spacing. The first and last visible ones
    do not when a break mark stands before or after them at the box's edge: Pango would keep
    their outer half (the mark is the line's first run), leaving a gap next to the mark that
    ends the previous box (”（ would take 1.5 em and a bit)."""
    indices = [i for i, char in enumerate(text) if spreads(char)]
    visible = [i for i, char in enumerate(text) if char not in IGNORABLE]
    if visible and indices:
        if visible[0] > 0 and indices[0] == visible[0]:
            indices.pop(0)
        if indices and visible[-1] < len(text) - 1 and indices[-1] == visible[-1]:
            indices.pop()
    return indices


def weight(text: str) -> float:
    """How many spacings a text box widens by when each spread character gets one: Pango drops
    the outer half of the spacing at both ends of the box's line."""
    indices = spread_indices(text)
    if not indices:
        return 0
    return len(indices) - ((indices[0] == 0) + (indices[-1] == len(text) - 1)) / 2


@contextmanager
def inter_character():
    """Lay out with inter-character justification (see the module docstring)."""
    original = inline.justify_line
    inline.justify_line = _justify_line(original)
    try:
        yield
    finally:
        inline.justify_line = original


MARKS = frozenset("。，、；：！？）》」』】〕〉”’（《「『【〔〈“‘")


def joins_spread(before: str | None, after: str | None) -> bool:
    """Whether the boundary between two text boxes of a line gets a spacing: Pango drops the
    outer halves at each box's edge, so an inline element or a half-width mark (clreq.py's
    spans) would otherwise hold its neighbours tight. Not between two marks: a compressed pair
    stays at 1.5 em."""
    return (before is not None and after is not None and spreads(before) and spreads(after)
            and not (before in MARKS and after in MARKS))


def _visible(text: str) -> str:
    return "".join(char for char in text if char not in IGNORABLE)


def _justify_line(original):
    def justify_line(context, line, extra_width):
        texts = [_visible(box.text) for box in _text_boxes(line)]
        texts = [text for text in texts if text]
        total = sum(weight(box.text) for box in _text_boxes(line)) + sum(
            joins_spread(a[-1], b[0]) for a, b in zip(texts, texts[1:]))
        if total <= 0:
            return original(context, line, extra_width)
        # a line that would need more (a long number or name pushed to the next line) is
        # spread as far as that goes and keeps the rest at its end
        smallest = min(box.style["font_size"] for box in _text_boxes(line))
        _spread(line, min(extra_width / total, MAX_SPREAD_EM * smallest), 0, [None])
    return justify_line


def _text_boxes(box):
    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child)


def _spread(box, spacing: float, x_advance: float, last: list) -> float:
    """Widen the text boxes of a line and move what follows them, as WeasyPrint's
    add_word_spacing() does for spaces; `last` holds the last visible character so far."""
    if isinstance(box, boxes.TextBox):
        visible = _visible(box.text)
        if visible:
            if joins_spread(last[0], visible[0]):
                x_advance += spacing
            last[0] = visible[-1]
        box.position_x += x_advance
        extra = weight(box.text) * spacing
        if extra:
            layout = SpreadLayout(box.style, spacing)
            layout.set_text(box.text)
            layout.deactivate()  # WeasyPrint reactivates it to draw the box
            box.pango_layout = layout
            box.width += extra
            x_advance += extra
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        children = box.children[::-1] if box.style["direction"] == "rtl" else box.children
        for child in children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, spacing, x_advance, last)
        box.width += x_advance - before
    else:  # an atomic inline (image, inline-block) moves along
        box.translate(x_advance, 0)
        last[0] = None
    return x_advance


class SpreadLayout(Layout):
    """A WeasyPrint text layout that adds `spacing` of letter spacing to every spread character
    (on top of the element's own CSS letter-spacing)."""

    def __init__(self, style, spacing: float):
        self.spacing = spacing
        super().__init__(style)

    def set_text(self, text, justify=False):
        super().set_text(text, justify)
        own = self.style["letter_spacing"]
        value = int(((0 if own == "normal" else own) + self.spacing) * TO_UNITS)
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        spread = set(spread_indices(self.text))
        start = 0
        for index, char in enumerate(self.text):
            end = start + len(char.encode())
            if index in spread:
                attribute = pango.pango_attr_letter_spacing_new(value)
                attribute.start_index, attribute.end_index = start, end
                pango.pango_attr_list_change(attributes, attribute)
            start = end
        pango.pango_layout_set_attributes(self.layout, attributes)
