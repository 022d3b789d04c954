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
MAX_LINKS = 5_000  # links and images in one document


# a link reference definition, `[label]: destination`: it prints nothing, and a block of them
# is not a paragraph (a document's 300 definitions in one block at its end are 20,000 characters)
REFERENCE_DEFINITION = re.compile(r" {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*\S")
# a table's delimiter row (GFM): `| --- | :-: |`, `-|-`; with a pipe, or it is a rule
DELIMITER_ROW = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?$")


def problems(doc: Document) -> list[tuple[int, str]]:
    """(file line, what is too large) for each part of `doc` beyond the print limits. Blocks
    are cut as Markdown cuts them: a blank line holds only spaces and tabs (a line of U+3000
    continues the paragraph), and a table runs from its header row to the next blank line,
    each line a row, with a leading `|` or not; reference definitions, which only a block can
    begin with, print nothing and are not counted."""
    found = []
    lines = doc.body_markdown.split("\n")
    start, size, rows, row_start, in_table, last = 0, 0, 0, 0, False, 0
    for index, line in enumerate(lines + [""]):
        text = line.strip(" \t")
        if len(text) > MAX_PARAGRAPH and (rows or in_table or text.startswith("|")):
            found.append((doc.body_line + index, f"a table row has {len(text):,} characters, "
                          f"more than the {MAX_PARAGRAPH:,} the print layout takes"))
        if text and "|" in text and DELIMITER_ROW.match(text) and (rows or size):
            if not rows:  # the line above, read as a paragraph's, was the header row
                if size - last > MAX_PARAGRAPH:  # the paragraph above the table
                    found.append((doc.body_line + start, f"the paragraph has "
                                  f"{size - last:,} characters, more than the "
                                  f"{MAX_PARAGRAPH:,} the print layout takes"))
                rows, row_start, size = 1, index - 1, 0
            rows, in_table = rows + 1, True
            continue
        if text and (in_table or text.startswith("|")):  # a ```table block's rows lead with |
            if not rows:
                row_start = index
            rows += 1
            continue
        if rows > MAX_TABLE_ROWS:
            found.append((doc.body_line + row_start, f"the table has {rows:,} rows, more than "
                          f"the {MAX_TABLE_ROWS:,} the print layout takes"))
        rows, in_table = 0, False
        if text:
            if size == 0 and REFERENCE_DEFINITION.match(line):
                continue
            if size == 0:
                start = index
            size, last = size + len(text), len(text)
            continue
        if size > MAX_PARAGRAPH:
            found.append((doc.body_line + start, f"the paragraph has {size:,} characters, more "
                          f"than the {MAX_PARAGRAPH:,} the print layout takes"))
        size = 0
    html = doc.html + "".join(part.html for part in doc.parts)
    links = html.count("<a ") + html.count("<img ")
    if links > MAX_LINKS:
        found.append((doc.body_line, f"the document has {links:,} links and images, more than "
                      f"the {MAX_LINKS:,} the print layout takes"))
    return found


def issue_problems(issue: Issue) -> list[tuple[Document, int, str]]:
    return [(doc, line, message) for doc in issue.documents for line, message in problems(doc)]
