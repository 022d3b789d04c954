"""The narrowest a table cell of Chinese can be, found in time proportional to its text.

To size a table's columns WeasyPrint measures each cell's min-content width: it cuts the
cell's text at every break opportunity, one line at a time (`inline_line_widths` in
weasyprint/layout/preferred.py), each time asking Pango to lay out all the text that is left.
For text with spaces it lays out only up to the next space; Chinese has none, and every
character is a break opportunity, so a cell of n characters cost n layouts of up to n
characters: a 4,000-character cell held the issue's layout 17 s, 8,000 characters 79 s, and a
table of 2,000 rows of 100-character cells 68 s.

While an issue is laid out (`linear()`), the min-content measure lays out a prefix of
`PREFIX` characters when the text has no space in it, and keeps what it found when the break
lies at least `MARGIN` characters before the prefix's end (a break opportunity depends only
on the characters around it); otherwise, or for any other measure, WeasyPrint's own call
runs. Only the min-content measure is touched: the lines that are drawn are laid out as
before, and the seed issue's PDFs are byte for byte the same.
"""
from __future__ import annotations

from contextlib import contextmanager

from weasyprint.layout import preferred

PREFIX = 96  # characters laid out to find a min-content line's break
MARGIN = 32  # characters after the break that must be in the prefix


@contextmanager
def linear():
    """Measure min-content widths from a prefix of text without spaces (the docstring)."""
    original = preferred.split_first_line
    preferred.split_first_line = _from_prefix(original)
    try:
        yield
    finally:
        preferred.split_first_line = original


def _from_prefix(original):
    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):
        if max_width == 0 and len(text) > PREFIX and " " not in text[:PREFIX]:
            head = text[:PREFIX]
            found = original(head, style, context, max_width, justification_spacing,
                             is_line_start=is_line_start, minimum=minimum)
            resume_index = found[2]  # in UTF-8 bytes of `head`
            if resume_index is not None and \
                    resume_index <= len(head[:PREFIX - MARGIN].encode()):
                return found
        return original(text, style, context, max_width, justification_spacing,
                        is_line_start=is_line_start, minimum=minimum)
    return split_first_line
