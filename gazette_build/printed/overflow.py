"""Tables wider than the type area: set tighter, and named by file and line when still too wide.

A table's columns are at least as wide as their headings (print.css keeps a heading on one
line, so that 序号 does not shrink to one character beside a long text column), so a table of
many columns came out wider than the page: WeasyPrint drew it past the margin and the paper
cut it, without a word — fifteen quarterly columns of a statistics table lost their last ten.

After the issue's layout, each table of a document's article (`data-stem`) drawn past the type
area is found from the boxes (`wide_tables`) and marked `wide` in the print HTML (`marked`):
print.css sets it a size smaller with headings that wrap and numbers kept whole, and the issue
is laid out once more. A table still too wide is a warning naming its file and line, found
from the document's Markdown, where tables are the only way a `<table>` gets into a page (raw
HTML is off), in the order they are printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..markdown import parse
from ..model import Issue

if TYPE_CHECKING:  # imported by whoever lays out; a cache hit never does
    import weasyprint

PX_PER_MM = 96 / 25.4  # WeasyPrint lays out in CSS pixels
TOLERANCE_PX = 0.5  # rounding of borders and collapsed half-borders
WIDE = "wide"  # print.css sets a table of this class tighter
TABLE_TAG = re.compile(r'<table(?: class="([^"]*)")?>')


@dataclass(frozen=True)
class WideTable:
    stem: str
    index: int  # 0-based, among the document's tables in the order they are printed
    width_px: float
    area_px: float  # the width of the type area it stands in


def wide_tables(document: weasyprint.Document) -> list[WideTable]:
    """Every table of a document's article drawn wider than its page's type area, once."""
    from weasyprint.formatting_structure import boxes

    # stem → {id of a table's element: its index}: a table crossing pages is one element
    indexes: dict[str, dict[int, int]] = {}
    found: dict[tuple[str, int], WideTable] = {}

    def walk(box, stem: str | None, area_left: float, area_right: float) -> None:
        element = getattr(box, "element", None)
        if element is not None and element.get("data-stem"):
            stem = element.get("data-stem")
        if stem is not None and isinstance(box, boxes.TableBox):
            tables = indexes.setdefault(stem, {})
            index = tables.setdefault(id(element), len(tables))
            left = box.border_box_x()
            right = left + box.border_width()
            if right > area_right + TOLERANCE_PX or left < area_left - TOLERANCE_PX:
                width = max(right - left, found[stem, index].width_px
                            if (stem, index) in found else 0)
                found[stem, index] = WideTable(stem, index, width, area_right - area_left)
            return  # a table's own cells are its own business
        for child in getattr(box, "children", ()):
            walk(child, stem, area_left, area_right)

    for page in document.pages:
        page_box = page._page_box
        left = page_box.content_box_x()
        walk(page_box, None, left, left + page_box.width)
    return list(found.values())


def marked(html: str, tables: list[WideTable]) -> str:
    """The print HTML with each of `tables` given the class `wide`: the `index`-th `<table>`
    after its document's article starts."""
    for stem in {table.stem for table in tables}:
        start = html.find(f'<article class="document" data-stem="{stem}">')
        if start < 0:
            continue
        found = list(TABLE_TAG.finditer(html, start, html.find("</article>", start)))
        for table in sorted((t for t in tables if t.stem == stem), key=lambda t: -t.index):
            if table.index < len(found):
                tag = found[table.index]
                classes = f"{tag[1]} {WIDE}" if tag[1] else WIDE
                html = f'{html[:tag.start()]}<table class="{classes}">{html[tag.end():]}'
    return html


def table_lines(markdown_tokens) -> list[int]:
    """The 0-based body line of each table in a document's Markdown, in order: pipe tables and
    ```table blocks (gridtable.py)."""
    return [token.map[0] if token.map else 0 for token in markdown_tokens
            if token.type == "table_open"
            or (token.type == "fence" and token.info.strip() == "table")]


def diagnostics(document: weasyprint.Document, issue: Issue, root) -> list[list]:
    """[file, line, "print", message] for each table wider than the type area."""
    by_stem = {doc.stem: doc for doc in issue.documents}
    found = []
    lines_of: dict[str, list[int]] = {}
    for table in wide_tables(document):
        doc = by_stem.get(table.stem)
        if doc is None:
            continue
        lines = lines_of.setdefault(table.stem, table_lines(parse(doc)))
        line = doc.body_line + (lines[table.index] if table.index < len(lines) else 0)
        width, area = table.width_px / PX_PER_MM, table.area_px / PX_PER_MM
        found.append([doc.path.resolve().relative_to(root).as_posix(), line, "print",
                      f"the table is {width:.0f} mm wide in print even set small with its "
                      f"headings wrapped, wider than the {area:.0f} mm of the type area: its "
                      f"right {width - area:.0f} mm is cut off at the page's edge; give it fewer "
                      "columns or split it"])
    return found
