"""The lines of a paragraph laid out in time proportional to its length, however long its runs.

To cut a line WeasyPrint asks Pango to lay out a prefix of four lines' worth of the text that is
left (`split_first_line` in weasyprint/text/line_break.py) and keeps its first line when that
prefix can break twice. A run with no break opportunity longer than that — a rule of `——`, a
long address, a string of digits — makes it lay out all the text that is left instead, twice
when the run must be cut anywhere (`overflow-wrap`): a paragraph of n such characters cost n/28
layouts of up to n characters, and 19,000 `——` held an issue's layout 69 s.

While an issue is laid out (`linear()`), a line is first looked for in a prefix of sixteen
lines' worth (`LINES_AHEAD`), kept when it ends in the prefix's first half. Where a line breaks
depends only on its own characters and those just after it — the break opportunities (UAX #14),
the glyphs' widths — so the line is the one the whole text gives, provided nothing farther away
can change it: no soft hyphen in the text (WeasyPrint tries them all, last first), no
automatic hyphenation (it looks at the whole next word, which a prefix may cut) and no
right-to-left character or direction control in the prefix (bidi resolves a run of neutral
characters by what follows it). Otherwise WeasyPrint's own call runs. The seed issue's PDFs are
byte for byte the same.
"""
from __future__ import annotations

from contextlib import contextmanager
from math import inf

from weasyprint.layout import inline

from .limits import RIGHT_TO_LEFT

LINES_AHEAD = 16  # lines of full-width characters laid out to find the first line's end
SHORTEST_PREFIX = 256  # characters, for narrow columns
WRAPPING = ("normal", "pre-wrap", "pre-line")  # white-space values that let a line break
SOFT_HYPHEN = "\xad"


@contextmanager
def linear():
    """Cut each line from a prefix of the text where the line cannot depend on the rest."""
    original = inline.split_first_line
    inline.split_first_line = _from_prefix(original)
    try:
        yield
    finally:
        inline.split_first_line = original


def prefix_length(style, max_width) -> int | None:
    """How many characters to lay out to find a line of `max_width`, or None when WeasyPrint
    lays out all the text anyway (no width, text that does not wrap)."""
    font_size = style["font_size"]
    if max_width is None or max_width == inf or max_width <= 0 or not font_size \
            or style["white_space"] not in WRAPPING or style["direction"] != "ltr" \
            or style["hyphens"] == "auto":
        return None
    return max(SHORTEST_PREFIX, int(max_width / font_size * LINES_AHEAD))


def _from_prefix(original):
    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):
        length = prefix_length(style, max_width)
        if length and len(text) > length and SOFT_HYPHEN not in text:
            head = text[:length]
            if not RIGHT_TO_LEFT.search(head):
                found = original(head, style, context, max_width, justification_spacing,
                                 is_line_start=is_line_start, minimum=minimum)
                resume_index = found[2]  # in UTF-8 bytes of `head`
                if resume_index is not None and \
                        resume_index <= len(head[:length // 2].encode()):
                    return found
        return original(text, style, context, max_width, justification_spacing,
                        is_line_start=is_line_start, minimum=minimum)
    return split_first_line
