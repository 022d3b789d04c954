"""Write a recognised 公文 as a document of the archive: front-matter, Markdown body, images.

The file is named as the shipped content names its files: the 文号's 机关代字 in pinyin, its year
and serial (市政办发〔2024〕11号 → shizhengbanfa-2024-11.md). Pictures are saved beside it as
<stem>-<n>.<ext>, the extension that of the picture type their bytes show; a part that is no
picture is not saved. Text is escaped so that it reads back as itself (a line starting with `#`
or `1. ` stays text); tables without merged cells are GFM pipe tables, the others ```table
blocks.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

from .. import gridtable
from ..markdown import IMAGE_TYPES
from .package import LINE_ENDINGS, Table
from .recognise import DOC_NUMBER, Block, Draft

LINE_ENDING = re.compile(f"[{LINE_ENDINGS}]")
INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<]|&(?=#?\w+;))")
LINE_START_SPECIAL = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|\d{1,9}(?=[.)](\s|$))|=+\s*$|"
                                r"-+\s*$|`{3,}|~{3,}|\|)")


def stem_for(number: str) -> str:
    """市政办发〔2024〕11号 → shizhengbanfa-2024-11."""
    match = DOC_NUMBER.match(number)
    code = "".join(lazy_pinyin(match["code"], style=Style.NORMAL, errors="ignore")).lower()
    code = re.sub(r"[^a-z0-9]", "", code) or "wen"
    return f"{code}-{match['year']}-{int(match['serial'])}"


def escape(text: str) -> str:
    """Markdown that shows `text` as it is, on one line: recognise.py joins a paragraph's lines
    (a space here too, should one come through, so that nothing after it starts a block)."""
    text = INLINE_SPECIAL.sub(r"\\\1", LINE_ENDING.sub(" ", text))
    match = LINE_START_SPECIAL.match(text)
    if match and match[1][0].isdigit():  # "1. text" would start a list: "1\. text"
        text = text[:len(match[1])] + "\\" + text[len(match[1]):]
    elif match:
        text = "\\" + text
    return text


def _yaml_value(value: str) -> str:
    """A scalar written plain when YAML reads it back as the same string, else double-quoted."""
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except (yaml.YAMLError, RecursionError):  # a title of 3,000 `[` nests as deep as PyYAML can
        pass
    return json.dumps(value, ensure_ascii=False)


def front_matter(draft: Draft) -> str:
    lines = ["---", f"title: {_yaml_value(draft.title)}", f"number: {_yaml_value(draft.number)}",
             f"date: {draft.date.isoformat()}", f"issuer: {_yaml_value(draft.issuer)}"]
    if draft.disclosure:
        lines.append(f"disclosure: {_yaml_value(draft.disclosure)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def cell_text(cell) -> str:
    return " ".join(t for t in (" ".join(p.text.replace("\n", " ").split())
                                for p in cell.paragraphs) if t)


def table_markdown(table: Table) -> str:
    """A pipe table, or a ```table block when cells are merged (gridtable.py's syntax)."""
    grid: list[list[str]] = []
    merged = False
    open_above: dict[int, bool] = {}  # column → a vMerge run is open above
    for row in table.rows:
        cells: list[str] = []
        for cell in row:
            column = len(cells)
            if cell.merge == "continue" and open_above.get(column):
                cells.append("^")
                merged = True
            else:
                cells.append(gridtable.escape_cell(escape(cell_text(cell))))
            for extra in range(1, cell.span):
                cells.append("<")
                merged = True
            for c in range(column, column + cell.span):
                open_above[c] = cell.merge in ("restart", "continue")
        grid.append(cells)
    width = max((len(r) for r in grid), default=0)
    grid = [r + [""] * (width - len(r)) for r in grid]
    header_rows = max(table.header_rows, 1)
    # a header cell merged downwards takes the rows it spans into the header
    while merged and header_rows < len(grid) - 1 and "^" in grid[header_rows]:
        header_rows += 1
    separator = "|" + "|".join("---" for _ in range(width)) + "|"
    rows = ["| " + " | ".join(r) + " |" for r in grid]
    if not merged:
        return "\n".join([rows[0], separator, *rows[1:]])
    return "\n".join(["```table", *rows[:header_rows], separator, *rows[header_rows:], "```"])


def body_markdown(blocks: list[Block], images: dict[str, str],
                  descriptions: dict[str, str]) -> list[str]:
    out = []
    for block in blocks:
        if block.kind == "heading":
            out.append("#" * (block.level + 1) + " " + escape(block.text))
        elif block.kind == "paragraph":
            out.append(escape(block.text))
        elif block.kind == "bullet":
            out.append("- " + escape(block.text))
        elif block.kind == "image" and block.text in images:
            out.append(f"![{escape(descriptions.get(block.text, '图'))}]({images[block.text]})")
        elif block.kind == "table":
            out.append(table_markdown(block.table))
    return out


# the first bytes of each picture type → the extension it is saved with. A part's name in the
# package is the sender's word only: media/image1.md holding a gazette document was saved as
# <stem>-1.md, and the next build published it as a document of the issue
PICTURES = [(re.compile(magic, re.S), extension) for magic, extension in (
    (rb"\x89PNG\r\n\x1a\n", ".png"), (rb"\xff\xd8\xff", ".jpg"), (rb"GIF8[79]a", ".gif"),
    (rb"RIFF.{4}WEBP", ".webp"), (rb"BM", ".bmp"), (rb"\x01\x00\x00\x00.{36} EMF", ".emf"),
    (rb"\xd7\xcd\xc6\x9a|[\x01\x02]\x00\x09\x00\x00[\x01\x03]", ".wmf"),  # placeable or not
    (rb"II\*\x00|MM\x00\*", ".tif"))]
MAGIC_SPAN = 64  # bytes read to tell those apart
# an SVG part (a hand-made package, or an office suite that embeds it without Word's PNG
# fallback): its root element after any declaration, comments and doctype; the build publishes
# it only as svgclean leaves it. Its comments may be long (an editor's metadata, a licence):
# looked for in the first MiB. Every repetition is possessive: the two runs of comments could
# share them, and 16,000 short comments before no root took 14 s trying each way to split them
# (possessive: 1 MiB of them in ~10 ms; 5 MB of one unclosed comment 0.7 s)
SVG = re.compile(
    rb"(?:\xef\xbb\xbf)?+\s*+(?:<\?xml[^>]*+>\s*+)?+(?:<!--(?:[^-]|-(?!->))*+-->\s*+)*+"
    rb"(?:<!DOCTYPE[^>\[]*+(?:\[[^\]]*+\])?+\s*+>\s*+)?+(?:<!--(?:[^-]|-(?!->))*+-->\s*+)*+"
    rb"<(?:[\w.-]+:)?+svg[\s>]")
SVG_SPAN = 1 << 20
PICTURE_NAMES = "PNG, JPEG, GIF, WebP, BMP, EMF, WMF, TIFF or SVG"


def picture_type(data: bytes) -> str | None:
    """The extension of the picture type `data` starts as, or None when it is no picture."""
    head = data[:MAGIC_SPAN]
    found = next((extension for magic, extension in PICTURES if magic.match(head)), None)
    return found or (".svg" if SVG.match(data[:SVG_SPAN]) else None)


def image_names(draft: Draft, stem: str, data: dict[str, bytes]
                ) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """Package part → file name beside the document, for every picture the text shows; and
    (paragraph, message) for each part that is missing or no picture (it is not saved) and
    each picture the web edition does not show (it is saved, not placed)."""
    names: dict[str, str] = {}
    problems: list[tuple[int, str]] = []
    seen = set()
    for block in draft.body + [b for p in draft.parts for b in p.blocks]:
        part = block.text
        if block.kind != "image" or part in seen:
            continue
        seen.add(part)
        where = f"paragraph {block.number}"
        extension = picture_type(data[part]) if part in data else None
        if extension:
            names[part] = f"{stem}-{len(names) + 1}{extension}"
            if not names[part].endswith(IMAGE_TYPES):
                problems.append((block.number, f"{where}: {names[part]} is a picture format the "
                                 "web edition does not show (BMP, EMF, WMF, TIFF); it is saved "
                                 "but not placed — save it as PNG and link it"))
        elif part in data:
            problems.append((block.number, f"{where}: {part} is not a picture: its bytes are not "
                             f"{PICTURE_NAMES}; it is not imported"))
        else:
            problems.append((block.number, f"{where}: the picture {part} is missing from the "
                             "Word file"))
    return names, problems


def document_text(draft: Draft, images: dict[str, str], descriptions: dict[str, str]) -> str:
    """The document file: front-matter, the notice's body, then each part under its `#`; the
    pictures the web edition shows are placed."""
    images = {part: name for part, name in images.items() if name.endswith(IMAGE_TYPES)}
    chunks = body_markdown(draft.body, images, descriptions)
    for part in draft.parts:
        chunks.append("# " + escape(part.title))
        chunks.extend(body_markdown(part.blocks, images, descriptions))
    return front_matter(draft) + "\n" + "\n\n".join(chunks) + "\n"


def replace_file(path: Path, data: bytes) -> None:
    """Write `path` whole, by a new file renamed over it: a link of that name is replaced, never
    written through (to a file outside the site, or of a published issue)."""
    temporary = path.with_name(f".{path.name}.import")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def add_to_issue(issue_yaml: Path, stem: str) -> bool:
    """List the stem in issue.yaml's `documents` when it has that list (block style);
    False when it needs a hand edit (a flow-style list)."""
    text = issue_yaml.read_text(encoding="utf-8")
    lines = text.split("\n")
    key = next((i for i, line in enumerate(lines) if re.match(r"^documents\s*:", line)), None)
    if key is None:
        return True  # no list: documents are taken in file-name order
    if lines[key].split(":", 1)[1].strip() not in ("", "[]"):
        return False
    if lines[key].split(":", 1)[1].strip() == "[]":
        lines[key] = "documents:"
    last = key
    for i in range(key + 1, len(lines)):
        if re.match(r"^\s+-\s", lines[i]):
            if lines[i].split("-", 1)[1].strip() == stem:
                return True
            last = i
        elif lines[i].strip() and not lines[i].lstrip().startswith("#"):
            break
    lines.insert(last + 1, f"  - {stem}")
    replace_file(issue_yaml, "\n".join(lines).encode("utf-8"))
    return True
