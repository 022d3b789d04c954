"""Table cells as a typesetter sets them, for the web page and print alike.

- Numeric columns (every body cell a number: 1000, 3.64, 12%, 2,871) get `class="num"` on
  their head and cells, so that the stylesheets right-align them; a first column counting 1, 2,
  3 … (序号) gets `class="seq"` instead: it is a numbering, centred, not a quantity.
- A cell that lists unit names (市水利局 市财政局, or 太谷区、祁县) wraps each name with its
  separator in `<span class="unit">`, so that lines break between names, never inside one
  (市水/利局); the stylesheets keep a unit's span on one line. Names are split at 、 and spaces
  outside brackets (榆次区（市城区、晋中开发区） is one name).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it is imported by whoever parses; a build from the memo never does
    from markdown_it.token import Token

NUMBER = re.compile(r"^[-−+]?\d{1,3}(,\d{3})*(\.\d+)?%?$|^[-−+]?\d+(\.\d+)?%?$")
# a cell with a sentence's punctuation is prose, not a list of names
PROSE = re.compile(r"[，。；：！？,;:!?]")
NAME_MAX_CHARS = 16
OPENING, CLOSING = "（(〔【《“", "）)〕】》”"
BRACKET = re.compile("[" + re.escape(OPENING + CLOSING) + "]")
SEPARATOR = re.compile("(?<=、)|[ \u3000]")  # after each 、 (kept with its name), at spaces


def mark(tokens: list[Token]) -> None:
    """Mark numeric columns and unit-name lists in every table of the token stream."""
    start = None
    for i, token in enumerate(tokens):
        if token.type == "table_open":
            start = i
        elif token.type == "table_close" and start is not None:
            _mark_table(tokens[start:i + 1])
            start = None


def _mark_table(tokens: list[Token]) -> None:
    rows: list[list[tuple[Token, Token]]] = []  # (cell open token, inline) per row
    in_body = False
    for i, token in enumerate(tokens):
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            rows[-1].append((token, tokens[i + 1]))
        elif token.type == "inline" and in_body:
            _wrap_units(token)
    if len(rows) < 2:
        return
    head, body = rows[0], rows[1:]
    for column in range(len(head)):
        cells = [row[column][1].content.strip() for row in body if column < len(row)]
        filled = [cell for cell in cells if cell]
        if not filled:
            continue
        if column == 0 and filled == [str(n) for n in range(1, len(filled) + 1)]:
            kind = "seq"
        elif all(NUMBER.match(cell) for cell in filled):
            kind = "num"
        else:
            continue
        for row in rows:
            if column < len(row):
                _add_class(row[column][0], kind)


def _add_class(token: Token, name: str) -> None:
    existing = token.attrGet("class")
    token.attrSet("class", f"{existing} {name}" if existing else name)


def unit_names(text: str) -> list[str] | None:
    """The names of a list of units, each with the separator after it, or None when the text
    is prose or a single long phrase."""
    if not text or PROSE.search(text) or NUMBER.match(text):
        return None
    if BRACKET.search(text):
        names, current, depth = [], "", 0
        for char in text:
            depth += (char in OPENING) - (char in CLOSING)
            if depth == 0 and char in "、 \u3000":
                names.append(current + (char if char == "、" else ""))
                current = ""
                continue
            current += char
        names.append(current)
    else:  # most cells: the same cut without walking the text a character at a time
        names = SEPARATOR.split(text)
    names = [name for name in names if name.strip()]
    if not names or any(len(name.rstrip("、")) > NAME_MAX_CHARS for name in names):
        return None
    return names


def _wrap_units(inline: Token) -> None:
    children = inline.children or []
    if len(children) != 1 or children[0].type != "text":
        return  # emphasis, links or images in the cell: leave it as written
    names = unit_names(children[0].content.strip())
    if names is None:
        return
    # one token of ready HTML for the cell, as markdown-it would render a text token per name
    # between the spans (a token per piece was a third of marking a table's cells)
    html = []
    for index, name in enumerate(names):
        if index and not names[index - 1].endswith("、"):
            html.append(" ")
        html.append(f'<span class="unit">{_escaped(name)}</span>')
    inline.children = [type(inline)("html_inline", "", 0, content="".join(html))]


def _escaped(text: str) -> str:
    """A text as markdown-it renders a text token (its `escapeHtml`: no single quotes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")
