"""续表: every continuation of a table on a later page carries the label 续表 above its repeated
head, as the printed gazette does.

WeasyPrint repeats a table's <thead> on each page the table crosses but has no notion of a
continued part, and a second layout pass to split tables would double the layout time. So the
label is a first row of the head on every fragment (`label_continuations`, on the print HTML),
and after layout, before drawing, the label's text is taken out of each table's first fragment
(`unlabel_first_fragments`), where it keeps its line as the space above the table.
"""
from __future__ import annotations

import re

LABEL = "续表"
COLSPAN = re.compile(r'\bcolspan="(\d+)"')
HEAD_ROW = re.compile(r"<thead>\s*<tr>(?P<cells>.*?)</tr>", re.DOTALL)


def label_continuations(html: str) -> str:
    """Put a 续表 row, as wide as the table, on top of every table head of the print HTML."""
    def add_row(match: re.Match) -> str:
        # as wide as the table: a merged head cell (gridtable.py) counts its colspan
        columns = sum(int(COLSPAN.search(attributes)[1]) if COLSPAN.search(attributes) else 1
                      for attributes in re.findall(r"<th\b([^>]*)>", match["cells"]))
        return (f'<thead>\n<tr class="continued"><th colspan="{columns}" class="continued">'
                f"{LABEL}</th></tr>\n<tr>{match['cells']}</tr>")
    return HEAD_ROW.sub(add_row, html)


def unlabel_first_fragments(document) -> int:  # a weasyprint.Document
    """Empty the 续表 row of each table where it starts; return how many tables were seen."""
    seen: set[int] = set()
    for page in document.pages:
        for table in _tables(page._page_box):
            if id(table.element) in seen:
                continue  # a continuation: its label stays
            seen.add(id(table.element))
            for row in _label_rows(table):
                for cell in row.children:
                    cell.children = []
    return len(seen)


def _tables(box):
    if type(box).__name__ == "TableBox":
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _tables(child)


def _label_rows(table):
    for group in table.children:
        if getattr(group, "is_header", False):
            for row in group.children:
                if row.element is not None and "continued" in (row.element.get("class") or ""):
                    yield row
