"""Saddle-stitched booklets are folded sheets of four pages: the printed issue is padded with
blank pages (no number, no running head: GB/T 9704 §7.5) before its back page, which keeps the
imprint and stays last."""
from __future__ import annotations

import weasyprint
from weasyprint.document import Page

SHEET = 4


def pad_to_sheets(document: weasyprint.Document) -> int:
    """Insert blank pages before the last page until the count is a multiple of 4; return how
    many were added."""
    missing = -len(document.pages) % SHEET
    if missing and document.pages:
        back = document.pages[-1]
        for _ in range(missing):
            # the back page's box without its content: same size, margins and (empty) heads
            document.pages.insert(-1, Page(back._page_box.copy_with_children([])))
    return missing
