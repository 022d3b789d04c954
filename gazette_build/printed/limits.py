"""What the print layout can take in bounded time and memory.

WeasyPrint's line breaking and table layout grow faster than the text: a 5 MB paragraph or a
100,000-link document runs for minutes and past a GiB, a 10,000-row table for about a minute.
A document beyond these limits is named (file and line) and its issue gets no PDF this time;
the web edition, which has no such cost, is still built.
"""
from __future__ import annotations

import re

from ..model import Document, Issue

MAX_PARAGRAPH = 20_000  # characters in one paragraph (a real one rarely passes 2,000)
MAX_TABLE_ROWS = 2_000
# cells in one table: the layout takes ~1.25 ms and ~25 KB a cell (a table of 1,999 rows of
# 60 columns: 97 s and 2.5 GB); a statistics table of 500 rows of 20 columns has 10,000
MAX_TABLE_CELLS = 20_000
MAX_LINKS = 5_000  # links and images in one document
# lines of text outside tables (each can be a paragraph, a list item or a heading): in two
# columns the layout grows faster than their number (8,000 short paragraphs 12 s, 16,000 31 s,
# 32,000 83 s); a real document has a few hundred
MAX_TEXT_LINES = 10_000


# a link reference definition, `[label]: destination`: it prints nothing, and a block of them
# is not a paragraph (a document's 300 definitions in one block at its end are 20,000 characters)
REFERENCE_DEFINITION = re.compile(r" {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*\S")
# a line that ends the paragraph above it and starts a block of its own (CommonMark): a bullet
# item, an ordered item starting at 1, a heading, a quote; within a list, any item
INTERRUPTS = re.compile(r"(?:[-+*]|1[.)])[ \t]+\S|#{1,6}(?:[ \t]|$)|>")
LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])[ \t]+\S")
# a table's delimiter row (GFM): `| --- | :-: |`, `-|-`; with a pipe, or it is a rule
DELIMITER_ROW = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?$")


def problems(doc: Document) -> list[tuple[int, str]]:
    """(file line, what is too large) for each part of `doc` beyond the print limits. Blocks
    are cut as Markdown cuts them: a blank line holds only spaces and tabs (a line of U+3000
    continues the paragraph), a list item, heading or quote starts a block of its own where
    it can interrupt a paragraph, and a table runs from its header row to the next blank line,
    each line a row, with a leading `|` or not; reference definitions, which only a block can
    begin with, print nothing and are not counted."""
    found = []
    lines = doc.body_markdown.split("\n")
    start, size, rows, row_start, in_table, last, text_lines = 0, 0, 0, 0, False, 0, 0
    cells, in_list = 0, False
    for index, line in enumerate(lines + [""]):
        text = line.strip(" \t")
        if len(text) > MAX_PARAGRAPH and (rows or in_table or text.startswith("|")):
            found.append((doc.body_line + index, f"a table row has {len(text):,} characters, "
                          f"more than the {MAX_PARAGRAPH:,} the print layout takes"))
        if text and "|" in text and DELIMITER_ROW.match(text) and (rows or size):
            if not rows:  # the line above, read as a paragraph's, was the header row
                if size - last > MAX_PARAGRAPH:  # the paragraph above the table
                    found.append(_long_paragraph(doc.body_line + start, size - last))
                rows, row_start, size = 1, index - 1, 0
                text_lines, cells = text_lines - 1, _cells(lines[index - 1])
            rows, in_table = rows + 1, True
            continue
        if text and (in_table or text.startswith("|")):  # a ```table block's rows lead with |
            if not rows:
                row_start = index
            rows, cells = rows + 1, cells + _cells(text)
            continue
        if rows > MAX_TABLE_ROWS:
            found.append((doc.body_line + row_start, f"the table has {rows:,} rows, more than "
                          f"the {MAX_TABLE_ROWS:,} the print layout takes"))
        elif cells > MAX_TABLE_CELLS:
            found.append((doc.body_line + row_start, f"the table has {cells:,} cells, more than "
                          f"the {MAX_TABLE_CELLS:,} the print layout takes"))
        rows, in_table, cells = 0, False, 0
        if text:
            if size == 0 and REFERENCE_DEFINITION.match(line):
                continue
            if size and (INTERRUPTS.match(text) or (in_list and LIST_ITEM.match(text))):
                if size > MAX_PARAGRAPH:
                    found.append(_long_paragraph(doc.body_line + start, size))
                size = 0
            if size == 0:
                start, in_list = index, bool(LIST_ITEM.match(text))
            size, last, text_lines = size + len(text), len(text), text_lines + 1
            continue
        if size > MAX_PARAGRAPH:
            found.append(_long_paragraph(doc.body_line + start, size))
        size = 0
    if text_lines > MAX_TEXT_LINES:
        found.append((doc.body_line, f"the document has {text_lines:,} lines of text outside "
                      f"its tables (paragraphs, list items, headings), more than the "
                      f"{MAX_TEXT_LINES:,} the print layout takes"))
    html = doc.html + "".join(part.html for part in doc.parts)
    links = html.count("<a ") + html.count("<img ")
    if links > MAX_LINKS:
        found.append((doc.body_line, f"the document has {links:,} links and images, more than "
                      f"the {MAX_LINKS:,} the print layout takes"))
    return found


def _long_paragraph(line: int, size: int) -> tuple[int, str]:
    return line, (f"the paragraph has {size:,} characters, more than the {MAX_PARAGRAPH:,} the "
                  "print layout takes")


def _cells(row: str) -> int:
    """The cells of a table row: its unescaped pipes, less those at its ends, and one."""
    inner = row.strip(" \t")
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return inner.count("|") - inner.count("\\|") + 1


def issue_problems(issue: Issue) -> list[tuple[Document, int, str]]:
    return [(doc, line, message) for doc in issue.documents for line, message in problems(doc)]
