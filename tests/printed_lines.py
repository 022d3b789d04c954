"""Lines of body text read back from a printed PDF with pdfplumber, for the typography tests.

A line is the characters of one column on one baseline. The column edges come from the page
itself: the running head's rule spans the type area, and the right column starts where its
unindented lines start, so nothing here knows the grid in advance.
"""
from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass

import pdfplumber

BODY_SIZE = 10.5  # pt; print.css sets the body text at 五号


@dataclass
class Line:
    page: int  # index in the PDF
    column: int  # 0 left, 1 right
    chars: list[dict]
    left: float  # the column's edges
    right: float

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]

    @property
    def top(self) -> float:
        return self.chars[0]["top"]


def body_lines(pdf: bytes, size: float = BODY_SIZE) -> list[Line]:
    """Every line of text set at `size` in the two-column body of each page, in reading order."""
    lines = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for index, page in enumerate(document.pages):
            area = _type_area(page)
            chars = [c for c in page.chars if abs(c["size"] - size) < 0.05 and c["text"].strip()]
            if area is None or not chars:
                continue
            left, right = area
            middle = (left + right) / 2
            rows: dict[tuple[int, float], list[dict]] = {}
            # by baseline (the text matrix), not by top: a fallback face has another ascent
            for char in sorted(chars, key=lambda c: (c["x0"] >= middle, -c["matrix"][5], c["x0"])):
                rows.setdefault((int(char["x0"] >= middle), -round(char["matrix"][5], 1)),
                                []).append(char)
            # the right column starts where most of its lines start (unindented lines)
            starts = Counter(round(row[0]["x0"], 1) for (column, _), row in rows.items() if column)
            right_start = starts.most_common(1)[0][0] if starts else middle
            width = right - right_start
            edges = {0: (left, left + width), 1: (right_start, right)}
            for (column, _), row in sorted(rows.items()):
                lines.append(Line(index, column, row, *edges[column]))
    return lines


def _type_area(page) -> tuple[float, float] | None:
    """Left and right of the type area: the running head's rule, the widest line or box drawn
    in the top margin (WeasyPrint draws the head's border as a filled path)."""
    rules = [r for r in page.rects + page.lines + page.curves
             if r["bottom"] < page.height * 0.2 and r["width"] > page.width * 0.5]
    if not rules:
        return None
    rule = max(rules, key=lambda r: r["width"])
    return rule["x0"], rule["x1"]


def paragraphs(lines: list[Line], indent_em: float = 2.0,
               size: float = BODY_SIZE) -> list[list[Line]]:
    """Body lines grouped into paragraphs: a paragraph starts with a line indented two ems."""
    groups: list[list[Line]] = []
    for line in lines:
        indented = abs(line.x0 - line.left - indent_em * size) < 1.5
        if indented or not groups:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def median_pitch(lines: list[Line]) -> float:
    gaps = [b["x0"] - a["x0"] for line in lines for a, b in zip(line.chars, line.chars[1:])]
    return statistics.median(gaps)
