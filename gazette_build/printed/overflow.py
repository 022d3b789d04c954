"""Tables wider than what they stand in: set tighter, and named by file and line when still too wide.

A table's columns are at least as wide as their headings (print.css keeps a heading on one
line, so that 序号 does not shrink to one character beside a long text column), so a table of
many columns came out wider than the page: WeasyPrint drew it past the margin and the paper
cut it, without a word — fifteen quarterly columns of a statistics table lost their last ten.
A table in a list item or a quote stands in one column and ran over the other.

After the issue's layout, each table of a document's article (`data-stem`) drawn past the box
it stands in (the type area, or a column) is found from the boxes (`wide_tables`) and given a
class in the print HTML (`marked`): `wide` first — print.css sets it a size smaller with
headings that wrap and numbers kept whole —, then, where that is still too wide, `tightest`,
which lets numbers wrap too; the issue is laid out again after each. A table still too wide is a
warning naming its file and line, found from the document's Markdown, where tables are the only
way a `<table>` gets into a page (raw HTML is off), in the order they are printed.
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
STEPS = ("wide", "tightest")  # the classes print.css sets a table tighter by, in turn
TABLE_TAG = re.compile(r'<table(?: class="([^"]*)")?>')


@dataclass(frozen=True)
class WideTable:
    stem: str
    index: int  # 0-based, among the document's tables in the order they are printed
    width_px: float
    excess_px: float  # how far it runs past the box it stands in
    area_px: float  # the width of that box


def wide_tables(document: weasyprint.Document) -> list[WideTable]:
    """Every table of a document's article drawn past the box it stands in, once."""
    from weasyprint.formatting_structure import boxes

    # stem → {id of a table's element: its index}: a table crossing pages is one element
    indexes: dict[str, dict[int, int]] = {}
    found: dict[tuple[str, int], WideTable] = {}

    def walk(box, stem: str | None, area: tuple[float, float]) -> None:
        element = getattr(box, "element", None)
        if element is not None and element.get("data-stem"):
            stem = element.get("data-stem")
        if stem is not None and isinstance(box, boxes.TableBox):
            tables = indexes.setdefault(stem, {})
            index = tables.setdefault(id(element), len(tables))
            left = box.border_box_x()
            right = left + box.border_width()
            excess = max(right - area[1], area[0] - left)
            known = found.get((stem, index))
            if excess > TOLERANCE_PX and (known is None or excess > known.excess_px):
                found[stem, index] = WideTable(stem, index, right - left, excess,
                                               area[1] - area[0])
            return  # a table's own cells are its own business
        if isinstance(box, boxes.BlockContainerBox) and not box.is_table_wrapper:
            area = (box.content_box_x(), box.content_box_x() + box.width)
        for child in getattr(box, "children", ()):
            walk(child, stem, area)

    for page in document.pages:
        page_box = page._page_box
        left = page_box.content_box_x()
        walk(page_box, None, (left, left + page_box.width))
    return list(found.values())


def marked(html: str, tables: list[WideTable], step: str) -> str:
    """The print HTML with each of `tables` given the class `step` (and the steps before it):
    the `index`-th `<table>` after its document's article starts."""
    wanted = STEPS[:STEPS.index(step) + 1]
    for stem in {table.stem for table in tables}:
        start = html.find(f'<article class="document" data-stem="{stem}">')
        if start < 0:
            continue
        found = list(TABLE_TAG.finditer(html, start, html.find("</article>", start)))
        for table in sorted((t for t in tables if t.stem == stem), key=lambda t: -t.index):
            if table.index < len(found):
                tag = found[table.index]
                classes = (tag[1] or "").split()
                classes += [name for name in wanted if name not in classes]
                html = f'{html[:tag.start()]}<table class="{" ".join(classes)}">' \
                       f'{html[tag.end():]}'
    return html


def table_lines(markdown_tokens) -> list[int]:
    """The 0-based body line of each table in a document's Markdown, in order: pipe tables and
    ```table blocks (gridtable.py)."""
    return [token.map[0] if token.map else 0 for token in markdown_tokens
            if token.type == "table_open"
            or (token.type == "fence" and token.info.strip() == "table")]


def diagnostics(tables: list[WideTable], issue: Issue, root) -> list[list]:
    """[file, line, "print", message] for each of `tables`, still too wide after the last
    layout."""
    by_stem = {doc.stem: doc for doc in issue.documents}
    found = []
    lines_of: dict[str, list[int]] = {}
    for table in tables:
        doc = by_stem.get(table.stem)
        if doc is None:
            continue
        lines = lines_of.setdefault(table.stem, table_lines(parse(doc)))
        line = doc.body_line + (lines[table.index] if table.index < len(lines) else 0)
        width, excess = table.width_px / PX_PER_MM, table.excess_px / PX_PER_MM
        area = table.area_px / PX_PER_MM
        found.append([doc.path.resolve().relative_to(root).as_posix(), line, "print",
                      f"the table is {width:.0f} mm wide in print even set small with its "
                      f"headings and numbers wrapped: it runs {excess:.0f} mm past the "
                      f"{area:.0f} mm it stands in (the type area, or a column), over what is "
                      "beside it or off the page; give it fewer columns or split it"])
    return found
