"""Tables with merged cells, which GFM pipe tables cannot hold: a fenced ```table block.

Rows are pipe rows as in GFM. A cell holding only `<` belongs to the cell on its left (colspan),
a cell holding only `^` to the cell above (rowspan); `\\<` and `\\^` are the characters
themselves. Rows above a `|---|` line are header rows; without one every row is a body row:

    ```table
    | 县（区、市） | 充电桩 | <      | 合计 |
    | ^            | 公共   | 专用   | ^    |
    |---|---|---|---|
    | 榆次区       | 10     | 2      | 12   |
    ```

The web page and the print edition get the same `<table>` with rowspan/colspan; cells are inline
Markdown (raw HTML shown as text, as everywhere else). Problems (a `<` with nothing on its left,
a `^` with nothing above) are returned for the audit to report; the cell is then shown as text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

SEPARATOR_CELL = re.compile(r"^:?-+:?$")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@dataclass
class Cell:
    """One visible cell: its text, where it starts and how far it spans."""

    text: str
    row: int
    column: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Grid:
    """The parsed table: visible cells by row, how many rows are header rows, problems."""

    rows: list[list[Cell]]
    header_rows: int
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line in block, message)


def split_row(line: str) -> list[str]:
    """The cells of one `| a | b |` line, with `\\|` kept as a literal bar."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip().replace("\\|", "|") for cell in UNESCAPED_PIPE.split(text)]


def parse(source: str) -> Grid:
    """Parse the block's text into visible cells with their spans."""
    rows_text: list[tuple[int, list[str]]] = []
    header_rows = 0
    for number, line in enumerate(source.split("\n"), start=1):
        if not line.strip():
            continue
        cells = split_row(line)
        if all(SEPARATOR_CELL.match(cell) for cell in cells) and not header_rows:
            header_rows = len(rows_text)
            continue
        rows_text.append((number, cells))
    width = max((len(cells) for _, cells in rows_text), default=0)
    grid = Grid([], header_rows)
    owner: dict[tuple[int, int], Cell] = {}  # every grid position → the visible cell covering it
    for r, (line, cells) in enumerate(rows_text):
        cells = cells + [""] * (width - len(cells))
        visible: list[Cell] = []
        for c, text in enumerate(cells):
            if text == "<" and (r, c - 1) in owner:
                target = owner[(r, c - 1)]
                target.colspan = max(target.colspan, c - target.column + 1)
                owner[(r, c)] = target
                continue
            same_part = (r < header_rows) == (r - 1 < header_rows)  # never thead into tbody
            if text == "^" and (r - 1, c) in owner and same_part:
                target = owner[(r - 1, c)]
                target.rowspan = max(target.rowspan, r - target.row + 1)
                owner[(r, c)] = target
                continue
            if text in ("<", "^"):
                where = "on its left" if text == "<" else "above it in the same part of the table"
                grid.problems.append((line, f"table cell '{text}' (row {r + 1}, column {c + 1}) "
                                            f"has no cell {where} to merge with; shown as text"))
            cell = Cell(text.replace("\\<", "<").replace("\\^", "^"), r, c)
            owner[(r, c)] = cell
            visible.append(cell)
        grid.rows.append(visible)
    return grid


def render(grid: Grid, inline: Callable[[str], str]) -> str:
    """The table as HTML (the same wrapper as GFM tables get); `inline` renders cell Markdown."""
    out = ['<div class="table-wrap"><table class="merged">\n']
    for r, row in enumerate(grid.rows):
        if r == 0 and grid.header_rows:
            out.append("<thead>\n")
        if r == grid.header_rows:
            out.append("<tbody>\n")
        header = r < grid.header_rows
        out.append("<tr>\n")
        for cell in row:
            tag = "th" if header else "td"
            attrs = ' scope="col"' if header and cell.colspan == 1 else \
                ' scope="colgroup"' if header else ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            out.append(f"<{tag}{attrs}>{inline(cell.text)}</{tag}>\n")
        out.append("</tr>\n")
        if r == grid.header_rows - 1:
            out.append("</thead>\n")
    if len(grid.rows) > grid.header_rows:
        out.append("</tbody>\n")
    out.append("</table></div>\n")
    return "".join(out)


def text_rows(grid: Grid) -> list[list[str]]:
    """The visible cells' texts by row (for audits and tests)."""
    return [[cell.text for cell in row] for row in grid.rows]


def escape_cell(text: str) -> str:
    """A cell's text written so that it reads back as itself (bars, lone merge marks)."""
    text = text.replace("|", "\\|")
    return "\\" + text if text in ("<", "^") else text


__all__ = ["Cell", "Grid", "escape_cell", "parse", "render", "split_row", "text_rows"]
