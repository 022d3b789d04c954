"""What the print layout can take in bounded time and memory.

WeasyPrint's line breaking and table layout grow faster than the text: a 5 MB paragraph or a
100,000-link document runs for minutes and past a GiB, a 10,000-row table for about a minute.
A document beyond these limits is named (file and line) and its issue gets no PDF this time;
the web edition, which has no such cost, is still built. The blocks are read as Markdown reads
them (an attacker found each shortcut of a line-by-line count), and an issue's documents,
which are laid out together, are counted together too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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
# and the documents of one issue together (one layout): twice a document's
MAX_ISSUE_TEXT_LINES = 2 * MAX_TEXT_LINES
MAX_ISSUE_CELLS = 2 * MAX_TABLE_CELLS
# a paragraph holding a soft hyphen, a direction mark or right-to-left text is cut into lines
# by WeasyPrint's own call (printed/linebreak.py), which lays out all the text left for each
# line: 20,000 characters with a soft hyphen took 89 s
MAX_SLOW_PARAGRAPH = 4_000


# a link reference definition, `[label]: destination`: it prints nothing, and a block of them
# is not a paragraph (a document's 300 definitions in one block at its end are 20,000 characters)
REFERENCE_DEFINITION = re.compile(r" {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*\S")
# a line that ends the paragraph above it and starts a block of its own (CommonMark): a bullet
# item, an ordered item starting at 1, a heading, a quote; within a list, any item
INTERRUPTS = re.compile(r"(?:[-+*]|1[.)])[ \t]+\S|#{1,6}(?:[ \t]|$)|>")
LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])[ \t]+\S")
# the characters of right-to-left scripts and the explicit direction controls; with a soft
# hyphen, what printed/linebreak.py leaves to WeasyPrint's own line cutting
RIGHT_TO_LEFT_CHARACTERS = ("\u0590-\u08ff\u200e\u200f\u202a-\u202e\u2066-\u2069"
                            "\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff"
                            "\U0001e800-\U0001efff")
RIGHT_TO_LEFT = re.compile(f"[{RIGHT_TO_LEFT_CHARACTERS}]")
SLOW_TEXT = re.compile(f"[\xad{RIGHT_TO_LEFT_CHARACTERS}]")
# the `>` that put a line in quotes, one a level
QUOTE_MARKERS = re.compile(r"(?:>[ \t]?)+")
# a fence opening a code block or a ```table block: its marks and its info word
FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*([^`\s]*)")
# a table's delimiter row (GFM): `| --- | :-: |`, `-|-`; with a pipe, or it is a rule
DELIMITER_ROW = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?$")


@dataclass
class _Block:
    """The paragraph or table the scan is in."""
    start: int = 0  # its first line, in the body
    size: int = 0  # a paragraph's characters
    last: int = 0  # the characters of its last line (a table's header row, read as text)
    quoted: bool = False  # it stands in a quote: `>` lines continue it
    listed: bool = False  # it began as a list item: any item starts another
    slow: bool = False  # it holds text the line layout cannot cut from a prefix
    rows: int = 0  # a table's rows (a GFM table's delimiter row counted)
    gfm: bool = False  # a GFM table: its delimiter row draws nothing
    columns: int = 0  # the widest of its rows (GFM pads the others to the header's)


def problems(doc: Document) -> list[tuple[int, str]]:
    """(file line, what is too large) for each part of `doc` beyond the print limits. Blocks
    are cut as Markdown cuts them: a blank line holds only spaces and tabs (a line of U+3000
    continues the paragraph), a list item, heading or quote starts a block of its own where it
    can interrupt a paragraph (the lines of one quote continue its paragraph), a GFM table runs
    from its header row to the next blank line and a ```table block to its closing fence, each
    line a row (a short row padded to the widest); reference definitions, which only a block
    can begin with, print nothing and are not counted. Lines of text weigh one more for each
    quote they stand in, as the layout does."""
    return _scanned(doc).totals() + _links(doc)


def table_cells(body: str, body_line: int) -> tuple[int, int | None]:
    """The cells of a body's tables as Markdown reads them (a short row padded to the widest),
    and the file line the first table starts at (None: no table). Loading a document asks it
    where a table could be large (`content.py`): the web edition reads those cells too."""
    scan = _scan(body, body_line)
    return scan.cells, scan.first_table


def _scanned(doc: Document) -> _Scan:
    return _scan(doc.body_markdown, doc.body_line)


def _scan(body: str, body_line: int) -> _Scan:
    scan = _Scan(body_line)
    for index, line in enumerate(body.split("\n") + [""]):
        scan.line(index, line)
    return scan


def _links(doc: Document) -> list[tuple[int, str]]:
    html = doc.html + "".join(part.html for part in doc.parts)
    links = html.count("<a ") + html.count("<img ")
    if links <= MAX_LINKS:
        return []
    return [(doc.body_line, f"the document has {links:,} links and images, more than the "
             f"{MAX_LINKS:,} the print layout takes")]


class _Scan:
    """The limits' scan of a body, line by line (`problems`)."""

    def __init__(self, body_line: int):
        self.body_line = body_line
        self.found: list[tuple[int, str]] = []
        self.block = _Block()
        self.fence: str | None = None  # the open fence's marks, ``` or ~~~
        self.table_fence = False
        self.text_lines = 0  # weighed by depth
        self.cells = 0  # of the whole document
        self.header = ""  # the last line of text: a table's header row if a delimiter follows
        self.first_table: int | None = None  # the body line the first table starts at

    def line(self, index: int, line: str) -> None:
        text = line.strip(" \t")
        block = self.block
        if self.fence is not None:  # inside a fenced block: rows of a ```table, or code
            if text.startswith(self.fence) and not text.strip(self.fence[0]):
                self.fence = None
                if self.table_fence:
                    self._end_table()
            elif self.table_fence:
                if text:
                    self._row(index, text)
            else:  # a line of code is laid out as one unbreakable line: as long as a paragraph
                self.text_lines += 1
                if len(line) > MAX_PARAGRAPH:
                    self.found.append((self.body_line + index, f"a line of code has "
                                       f"{len(line):,} characters, more than the "
                                       f"{MAX_PARAGRAPH:,} the print layout takes"))
            return
        fence = FENCE.match(text)
        if fence:
            self._end_paragraph()
            self.fence, self.table_fence = fence[1][:3], fence[2] == "table"
            self.block = _Block(start=index + 1)
            return
        if text and "|" in text and DELIMITER_ROW.match(text) and (block.rows or block.size):
            if not block.rows:  # the line above, read as a paragraph's, was the header row
                header = block.size - block.last
                if header:
                    self.block = _Block(start=block.start, size=header, slow=block.slow)
                    self._end_paragraph()
                self.text_lines -= 1
                self.block = _Block(start=index - 1, rows=1, columns=_cells(self.header),
                                    gfm=True)
            self.block.rows += 1
            return
        if text and block.rows:
            self._row(index, text)
            return
        if block.rows:
            self._end_table()
            block = self.block
        markers = QUOTE_MARKERS.match(text)
        depth = markers[0].count(">") if markers else 0
        inner = text[markers.end():].strip(" \t") if markers else text
        if not inner:  # a blank line, or a quote's
            self._end_paragraph()
            return
        if block.size == 0 and REFERENCE_DEFINITION.match(line):
            return
        continues_quote = depth and block.quoted
        if block.size and not continues_quote and (
                INTERRUPTS.match(text) or (block.listed and LIST_ITEM.match(text))):
            self._end_paragraph()
            block = self.block
        if block.size == 0:
            block.start, block.listed, block.quoted = index, bool(LIST_ITEM.match(text)), \
                bool(depth)
        block.size, block.last = block.size + len(inner), len(inner)
        block.slow = block.slow or bool(SLOW_TEXT.search(inner))
        self.header = inner
        self.text_lines += 1 + depth + (len(line) - len(line.lstrip(" "))) // 4

    def _row(self, index: int, text: str) -> None:
        if len(text) > MAX_PARAGRAPH:
            self.found.append((self.body_line + index, f"a table row has {len(text):,} "
                               f"characters, more than the {MAX_PARAGRAPH:,} the print layout "
                               "takes"))
        if not self.block.rows:
            self.block.start = index
        self.block.rows += 1
        self.block.columns = max(self.block.columns, _cells(text))

    def _end_table(self) -> None:
        block, where = self.block, self.body_line + self.block.start
        cells = (block.rows - block.gfm) * block.columns
        self.cells += cells
        if self.first_table is None:
            self.first_table = where
        if block.rows > MAX_TABLE_ROWS:
            self.found.append((where, f"the table has {block.rows:,} rows, more than the "
                               f"{MAX_TABLE_ROWS:,} the print layout takes"))
        elif cells > MAX_TABLE_CELLS:
            self.found.append((where, f"the table has {cells:,} cells, more than the "
                               f"{MAX_TABLE_CELLS:,} the print layout takes"))
        self.block = _Block()

    def _end_paragraph(self) -> None:
        block = self.block
        limit = MAX_SLOW_PARAGRAPH if block.slow else MAX_PARAGRAPH
        if block.size > limit:
            self.found.append(_long_paragraph(self.body_line + block.start, block.size,
                                              block.slow))
        self.block = _Block()

    def totals(self) -> list[tuple[int, str]]:
        if self.fence is not None and self.table_fence:
            self._end_table()
        if self.text_lines > MAX_TEXT_LINES:
            self.found.append((self.body_line, f"the document has {self.text_lines:,} lines of "
                               "text outside its tables (paragraphs, list items, headings; a "
                               "quote's lines count once more for each level), more than the "
                               f"{MAX_TEXT_LINES:,} the print layout takes"))
        return self.found


def _long_paragraph(line: int, size: int, slow: bool = False) -> tuple[int, str]:
    if slow:
        return line, (f"the paragraph has {size:,} characters and a soft hyphen, a direction "
                      f"mark or right-to-left text, more than the {MAX_SLOW_PARAGRAPH:,} the "
                      "print layout takes with those")
    return line, (f"the paragraph has {size:,} characters, more than the {MAX_PARAGRAPH:,} the "
                  "print layout takes")


def _cells(row: str) -> int:
    """The cells of a table row: its unescaped pipes, less those at its ends, and one."""
    inner = row.strip(" \t")
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return inner.count("|") - inner.count("\\|") + 1


def issue_problems(issue: Issue) -> list[tuple[Document, int, str]]:
    """Each document's problems, and where the issue's documents together pass what one
    layout takes (three documents of 9,999 lines each: 83 s), at the document that does."""
    found, text_lines, cells = [], 0, 0
    for doc in issue.documents:
        scan = _scanned(doc)
        found += [(doc, line, message) for line, message in scan.totals() + _links(doc)]
        before = (text_lines, cells)
        text_lines, cells = text_lines + scan.text_lines, cells + scan.cells
        if text_lines > MAX_ISSUE_TEXT_LINES >= before[0]:
            found.append((doc, doc.body_line, f"with this document the issue has "
                          f"{text_lines:,} lines of text outside its tables, more than the "
                          f"{MAX_ISSUE_TEXT_LINES:,} one issue's layout takes"))
        if cells > MAX_ISSUE_CELLS >= before[1]:
            found.append((doc, doc.body_line, f"with this document the issue's tables have "
                          f"{cells:,} cells, more than the {MAX_ISSUE_CELLS:,} one issue's "
                          "layout takes"))
    return found
