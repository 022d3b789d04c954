"""Editorial checks that warn without failing the build: known errors of the printed source that
stay as printed (the editors' `notes`), and table totals that do not add up."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from . import gridtable
from .errors import Report
from .markdown import image_problem
from .model import Document

if TYPE_CHECKING:  # markdown-it is imported by whoever parses; a build from the memo never does
    from markdown_it.token import Token

TOTAL_WORDS = ("合计", "总计", "小计")
# blocks nested too deeply, paragraphs shown as text: the first named one by one, then counted
NAMED_ONE_BY_ONE = 5
# a tag ends before the next '<': each attempt stops there, linear on a paragraph of `<a<a<a…`
RAW_HTML = re.compile(r"<\s*+/?\s*+[a-zA-Z][^<>]*>")
UNSAFE_LINK = re.compile(r"\]\(\s*(javascript|vbscript|data|file):", re.IGNORECASE)
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def audit_document(doc: Document, tokens: list[Token], content_dir: Path,
                   report: Report) -> None:
    """Report the document's notes, markup that is shown as text or dropped rather than run,
    and every table sum that disagrees with its parts."""
    for line, note in doc.notes:
        report.warn(doc.path, line, "notes", note)
    _check_parts(doc, tokens, report)
    too_deep = tokens[-1].meta.get("too_deep", []) if tokens else []
    for line in too_deep[:NAMED_ONE_BY_ONE]:
        report.warn(doc.path, doc.body_line + line, "body", "lists or quotes nest here deeper "
                    "than Markdown reads (lists in lists, quotes in quotes): from this line "
                    "the block is not shown, on the web or in print; nest less deeply")
    if len(too_deep) > NAMED_ONE_BY_ONE:
        report.warn(doc.path, doc.body_line + too_deep[NAMED_ONE_BY_ONE], "body",
                    f"and {len(too_deep) - NAMED_ONE_BY_ONE:,} more blocks from here on nest "
                    "too deeply to be shown")
    # paragraphs and grid tables shown as text (`markdown._bounded_inline`); a document of at
    # most 4,000 characters passes no budget, its tokens are not walked
    plain = [token for token in tokens if token.type in ("inline", "fence")
             and token.meta.get("plain")] if len(doc.body_markdown) > 4_000 else []
    for token in plain[:NAMED_ONE_BY_ONE]:
        what = "table" if token.type == "fence" else "paragraph"
        report.warn(doc.path, doc.body_line + (token.map[0] if token.map else 0), "body",
                    f"the {what} ({len(token.content):,} characters) holds too many link, "
                    "image or emphasis marks (for its length, or with the document's "
                    "others) to read in bounded time; it is shown as plain text: split it "
                    "or remove the marks")
    if len(plain) > NAMED_ONE_BY_ONE:
        token = plain[NAMED_ONE_BY_ONE]
        report.warn(doc.path, doc.body_line + (token.map[0] if token.map else 0), "body",
                    f"and {len(plain) - NAMED_ONE_BY_ONE:,} more paragraphs from here on are "
                    "shown as plain text, for the same reason")
    text = doc.body_markdown
    # each walk over the tokens is skipped when the source cannot hold what it looks for
    if "<" in text or "](" in text or "![" in text:
        _check_markup(doc, tokens, content_dir, report)
    if "|" not in text:
        return
    if "```table" in text:
        _check_merged_tables(doc, tokens, report)
    for header, rows in _tables(tokens):
        _check_row_totals(doc, header, rows, report)
        _check_column_totals(doc, header, rows, report)


def _check_merged_tables(doc: Document, tokens: list[Token], report: Report) -> None:
    """A merge mark (`<`, `^`) of a ```table block with nothing to merge with is shown as text."""
    for token in tokens:
        if token.type == "fence" and token.info.strip() == "table":
            for offset, message in gridtable.parse(token.content).problems:
                # the block's rows start on the line after the fence (blank lines not counted)
                report.warn(doc.path, doc.body_line + (token.map[0] if token.map else 0) + offset,
                            "body", message)


def _check_parts(doc: Document, tokens: list[Token], report: Report) -> None:
    """`# …` headings start the parts after the signature: each needs a title, and the notice
    itself must come first."""
    parts = [(i, t) for i, t in enumerate(tokens)
             if t.type == "heading_open" and t.tag == "h1" and t.level == 0]
    for index, token in parts:
        line = doc.body_line + (token.map[0] if token.map else 0)
        title = tokens[index + 1].content.strip()
        if not title or re.fullmatch(r"附件\s*+\d*+\s*+[：:]?", title):
            report.warn(doc.path, line, "body", f"the part heading '# {title}' has no title; "
                        "write '# 附件：<title of the attachment>' or the embedded document's title")
    if parts and parts[0][0] == 0:
        report.warn(doc.path, doc.body_line + (parts[0][1].map[0] if parts[0][1].map else 0),
                    "body", "the body starts with a '#' part: the notice's own text, which comes "
                    "before the signature, is missing")


def _check_markup(doc: Document, tokens: list[Token], content_dir: Path, report: Report) -> None:
    for token in tokens:
        if token.type != "inline":
            continue
        line = doc.body_line + (token.map[0] if token.map else 0)
        if RAW_HTML.search(token.content):
            report.warn(doc.path, line, "body", "raw HTML is not allowed in documents; "
                        f"it is shown as text: {RAW_HTML.search(token.content).group(0)[:60]}")
        if UNSAFE_LINK.search(token.content):
            report.warn(doc.path, line, "body",
                        "a javascript:, data: or file: link or image is not made a link or fetched; "
                        "it is shown as text")
        for child in token.children or ():
            if child.type == "image":
                problem = image_problem(str(child.attrGet("src") or ""), doc, content_dir)
                if problem:
                    report.warn(doc.path, line, "body", problem)


def _tables(tokens: list[Token]) -> list[tuple[list[str], list[tuple[int, list[str]]]]]:
    """Each table as (header cells, [(source line offset, cells), …])."""
    tables = []
    row: list[str] | None = None
    for token in tokens:
        if token.type == "table_open":
            tables.append(([], []))
        elif token.type == "tr_open":
            row = []
            line = token.map[0] if token.map else 0
        elif token.type == "inline" and row is not None:
            row.append(token.content.strip())
        elif token.type == "tr_close" and row is not None:
            header, rows = tables[-1]
            if not header:
                header.extend(row)
            else:
                rows.append((line, row))
            row = None
    return tables


def _value(cell: str) -> Decimal | None:
    cell = cell.replace(",", "")
    if not NUMBER.match(cell):
        return None
    try:
        return Decimal(cell)
    except InvalidOperation:
        return None


def _check_row_totals(doc, header, rows, report) -> None:
    if not header or not any(word in header[-1] for word in TOTAL_WORDS):
        return
    for line, cells in rows:
        values = [_value(c) for c in cells[1:]]
        if len(values) < 3 or any(v is None for v in values):
            continue
        parts, total = values[:-1], values[-1]
        if sum(parts) != total:
            report.warn(doc.path, doc.body_line + line, "table",
                        f"row {cells[0]}: {' + '.join(cells[1:-1])} = {sum(parts)}, but "
                        f"{header[-1]} says {cells[-1]} (kept as printed; check the source)")


def _check_column_totals(doc, header, rows, report) -> None:
    totals = [(line, cells) for line, cells in rows if cells and cells[0] in TOTAL_WORDS]
    if len(totals) != 1:
        return
    total_line, total_cells = totals[0]
    body = [cells for line, cells in rows if line < total_line]
    for col in range(1, len(total_cells)):
        total = _value(total_cells[col])
        values = [_value(cells[col]) if col < len(cells) else None for cells in body]
        if total is None or not values or any(v is None for v in values):
            continue
        if sum(values) != total:
            name = header[col] if col < len(header) else f"column {col + 1}"
            report.warn(doc.path, doc.body_line + total_line, "table",
                        f"column {name}: the rows add up to {sum(values)}, but {total_cells[0]} "
                        f"says {total_cells[col]} (kept as printed; check the source)")
