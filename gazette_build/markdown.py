"""Markdown → HTML for document bodies: the notice text, then the parts after its signature.

Content is data: raw HTML is shown as text and unsafe links (javascript:, data:, …) are not
made links (markdown-it-py's link validation). Headings get stable ids shared by the web page and
the print edition; each `# …` heading starts a part (embedded document or 附件).
"""
from __future__ import annotations

import os
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from . import cells, gridtable, rasters, textcheck
from .model import Document, Heading, Part

if TYPE_CHECKING:  # imported when a document is parsed: a build from the memo never does (~0.05 s)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# possessive: a heading of 附件 and a long run of spaces must not be tried split every way
ATTACHMENT = re.compile(r"^(?P<label>附件\s*+\d*+)\s*+[：:]\s*+(?P<title>.+)$")
URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")


IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
# image sources as written: inline `![alt](src …)` (alt text with one level of brackets) and
# reference definitions `[id]: src`. Every repetition stops at a bracket or a line end, so that
# no attempt runs past the next `[`: linear even on a paragraph of `![![![…` or `[\n[\n…`
IMAGE_SOURCE = re.compile(r"!\[(?:[^\[\]]|\[[^\[\]]*\])*+\]\(\s*+<?([^)\s>]+)"
                          r"|^[ \t]*+\[[^\[\]\n]+\]:[ \t]*+\n?[ \t]*+<?(\S+?)>?[ \t]*$",
                          re.MULTILINE)


def _image_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return ".jpg" if suffix == ".jpeg" else suffix


def image_problem(src: str, doc: Document, content_dir: Path) -> str | None:
    """Why an image reference cannot be shown, or None: images are image files inside
    content/, never fetched from elsewhere (file:, http:, a path leading out of the folder)."""
    if URL_SCHEME.match(src):
        return f"image {src} is not a file inside the site folder; it is not fetched or shown"
    name = unquote(src)
    if not name.lower().endswith(IMAGE_TYPES):
        return f"image {src} is not an image file ({', '.join(IMAGE_TYPES)}); it is not shown"
    for char, (is_error, why) in textcheck.suspicious(name).items():
        if is_error:  # a name published as the file's: it would be shown reordered, say
            return f"image {src}: its name holds {textcheck.describe(char)}, which {why}; " \
                "it is not shown"
    try:
        target = (doc.path.parent / name).resolve()
        if not target.is_relative_to(content_dir.resolve()):
            return f"image {src} leads outside the content folder; it is not shown"
        # the file is published under the name its link leads to: that name must be of the
        # same type (an `x.svg` leading to a page would be published as that page, uncleaned)
        if _image_type(target.name) != _image_type(name):
            return f"image {src} is a link to {target.name}, which is not a " \
                f"{Path(name).suffix.lower()} file; it is not shown"
        if not target.is_file():
            return f"image {src} does not exist"
        suffix = Path(name).suffix.lower()
        if suffix in rasters.TYPES:
            with open(target, "rb") as stream:
                if not rasters.is_raster(stream.read(rasters.HEAD)):
                    return f"image {src}: {rasters.why_not_raster(suffix)}; it is not shown"
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system
        return f"image {src} is not a usable file name"
    return None


def image_sources(body: str) -> tuple[str, ...]:
    """The image sources a Markdown body names, as written (read once, when it is loaded)."""
    if "![" not in body:
        return ()
    return tuple(match[1] or match[2] for match in IMAGE_SOURCE.finditer(body))


def image_states(doc: Document) -> tuple:
    """What a document's conversion depends on outside its own text, as far as the sources
    read from its body when it was loaded tell (`image_sources`): their `file_states`."""
    return file_states(doc.path.parent, doc.image_sources)


def file_states(folder: Path, sources: tuple[str, ...]) -> tuple:
    """The files `sources` name from `folder`, each as (source, the file it leads to through
    any links, its modification time, size and inode), or (source, None) when missing: a link
    retargeted to a file of the same time and size, or replaced by its target, changes it."""
    states = []
    for src in sources:
        try:
            path = folder / unquote(src)
            stat = path.stat()
            states.append((src, os.path.realpath(path), stat.st_mtime_ns, stat.st_size,
                           stat.st_ino))
        except (OSError, ValueError):
            states.append((src, None))
    return tuple(states)


def images_unchanged(doc: Document) -> bool:
    """Whether the files the converted document's images name are as its conversion read them
    (the sources read when it was loaded, by a regular expression, can miss one that markdown-it
    reads: `印章(1).png`, `<印章 1.png>`, an entity in the name)."""
    return file_states(doc.path.parent, tuple(state[0] for state in doc.read_images)) == \
        doc.read_images



@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    # wide tables are wrapped so that they scroll sideways on phones instead of breaking the page;
    # the wrapper is a named, focusable region so that a keyboard can scroll it too
    def table_open(renderer, tokens, idx, options, env):
        return ('<div class="table-wrap" tabindex="0" role="region" aria-label="表格（可滚动）">'
                + renderer.renderToken(tokens, idx, options, env))

    def table_close(renderer, tokens, idx, options, env):
        return renderer.renderToken(tokens, idx, options, env) + "</div>\n"

    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    md.core.ruler.at("inline", _bounded_inline)

    # ```table blocks: tables with merged cells (gridtable.py); other fences stay code blocks
    from markdown_it.common.utils import escapeHtml

    default_fence = md.renderer.rules["fence"]

    def fence(renderer, tokens, idx, options, env):
        if tokens[idx].info.strip() == "table":
            # its cells are read one by one here, each a parse of its own: past the document's
            # marks (`_bounded_inline`), as text
            inline = escapeHtml if tokens[idx].meta.get("plain") else md.renderInline
            return gridtable.render(gridtable.parse(tokens[idx].content), inline)
        return default_fence(tokens, idx, options, env)

    md.add_render_rule("fence", fence)
    md.block.tokenize = _noting_depth(md.block.tokenize)
    return md


# a line that starts a block of its own rather than continue a paragraph lazily (CommonMark):
# a list item, a quote, a heading, a fence, a thematic break
STARTS_BLOCK = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)|>|#{1,6}(?:[ \t]|$)|```|~~~"
                          r"|(?:[-*_][ \t]*){3,}$")


def _noting_depth(tokenize):
    """markdown-it's block tokenizer, noting in the parse's env each line it leaves out for
    nesting deeper than `maxNesting` (lists in lists, quotes in quotes), for the audit to warn
    at. There markdown-it ends the nested block at `end_line`: for a quote that is the quote's
    end, but for a list item the end of the document — everything after a list nested too
    deep was gone from both editions. A list item's block left out ends instead where its
    lines do: those indented as far as its text, and the lines that continue its paragraphs
    lazily; each line is looked at once."""
    def noting(state, start_line: int, end_line: int) -> None:
        if state.level >= state.md.options.maxNesting:
            line = state.skipEmptyLines(start_line)
            if line < end_line and state.sCount[line] >= state.blkIndent:
                state.env.setdefault("too_deep", []).append(line)
                state.line = _item_end(state, line, end_line) \
                    if state.parentType == "list" else end_line
                return
        tokenize(state, start_line, end_line)
    return noting


def _item_end(state, line: int, end_line: int) -> int:
    """The first line after the list item's block that starts at `line`."""
    in_text = False  # the line above is text that a lazy line may continue
    while line < end_line:
        if state.isEmpty(line):
            in_text = False
        elif state.sCount[line] >= state.blkIndent:
            in_text = True
        else:
            start = state.bMarks[line] + state.tShift[line]
            if not in_text or STARTS_BLOCK.match(state.src, start, state.eMarks[line]):
                break
        line += 1
    return line
    return noting


# markdown-it's link, image and emphasis rules scan ahead from every '[', '*', … for a closing
# mark: a paragraph of 400 KB of `![` takes minutes. A paragraph whose marks × length pass this
# budget (a 10 KB paragraph may hold 2,000 marks) is shown as plain text; the audit says where.
MARKUP_BUDGET = 20_000_000
# and the document's paragraphs together: 5 MB of `![` cut into 4,000-character paragraphs,
# each within the budget, took `check` 74 s (plain text of that size: 0.4 s); 1.6 s since. A
# paragraph of at most 256 characters (most are) is not counted: its cost is at most 65,536,
# and its marks need not be found (a cold build at 1,500 documents, counting the longer ones:
# 1.01x the build before, side by side)
DOCUMENT_MARKUP_BUDGET = 200_000_000
COUNTED_FROM = 256
MARKS = re.compile(r"[\[\]*_`<>!]")
# and however short the paragraphs, each mark costs markdown-it ~25 µs (plain text ~0.2 µs a
# character): 1 MB of `![` in paragraphs of 256 characters took 20 s. A document holding more
# marks than this (a real one holds hundreds) has its paragraphs past them shown as text
MAX_DOCUMENT_MARKS = 100_000


def _bounded_inline(state) -> None:
    """markdown-it's core `inline` rule, with the budgets above; a line the block tokenizer
    left out for its depth is noted on the last token (`meta["too_deep"]`) for the audit."""
    if "too_deep" in state.env and state.tokens:
        state.tokens[-1].meta["too_deep"] = state.env["too_deep"]
    spent = 0
    # the marks are counted paragraph by paragraph only in a document that holds too many
    marks_left = MAX_DOCUMENT_MARKS if len(state.src) > MAX_DOCUMENT_MARKS and \
        sum(map(state.src.count, "[]*_`<>!")) > MAX_DOCUMENT_MARKS else None
    for token in state.tokens:
        if token.type == "fence" and marks_left is not None and token.info.strip() == "table":
            marks = len(MARKS.findall(token.content))  # a grid table's cells, read at render
            if marks > marks_left:
                token.meta["plain"] = True
                marks_left = 0
            else:
                marks_left -= marks
            continue
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        source = token.content
        counted = len(source) > COUNTED_FROM
        marks = len(MARKS.findall(source)) if counted or marks_left is not None else 0
        cost = marks * len(source) if counted else 0
        if cost > MARKUP_BUDGET or (cost and spent + cost > DOCUMENT_MARKUP_BUDGET) or \
                (marks_left is not None and marks > marks_left):
            token.meta["plain"] = True
            token.children.append(type(token)("text", "", 0, content=source))
            if marks_left is not None:  # the document's marks are spent: what follows is text
                marks_left = 0
        else:
            spent += cost
            if marks_left is not None:
                marks_left -= marks
            state.md.inline.parse(source, state.md, state.env, token.children)


def parse(doc: Document) -> list[Token]:
    """The markdown-it token stream of a document body (shared by conversion and audits)."""
    return _parser().parse(doc.body_markdown)


def convert(doc: Document, tokens: list[Token], content_dir: Path) -> Document:
    """Return the document with its notice HTML, headings, parts and images filled in."""
    images, tried = _resolve_images(tokens, doc, content_dir) if "![" in doc.body_markdown \
        else ((), ())
    segments = _split_at_parts(tokens)
    main_tokens = segments[0][1]
    html, headings = _render(main_tokens, doc.anchor, level_shift=0, mark_addressees=True)
    parts = []
    attachment_count = 0
    for index, (title_token, segment) in enumerate(segments[1:], start=1):
        title = title_token.content.strip() if title_token else ""
        match = ATTACHMENT.match(title)
        anchor = f"{doc.anchor}-p{index}"
        part_html, part_headings = _render(segment, anchor, level_shift=1, mark_addressees=False)
        if match:
            attachment_count += 1
            label = re.sub(r"\s+", "", match["label"])
            parts.append(Part("attachment", label, match["title"].strip(), anchor, part_html,
                              part_headings))
        else:
            parts.append(Part("embedded", "", title, anchor, part_html, part_headings))
    return replace(doc, html=html, headings=headings, parts=tuple(parts), images=images,
                   read_images=file_states(doc.path.parent, tried))


def _resolve_images(tokens: list[Token], doc: Document,
                    content_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Point each image at its copy in the output (the content tree is mirrored there); an
    image that cannot be shown becomes its alt text (the audit says why). (The images shown,
    every image source the body names.)"""
    images, tried = [], []
    for token in tokens:
        for i, child in enumerate(token.children or ()):
            if child.type != "image":
                continue
            src = str(child.attrGet("src") or "")
            tried.append(src)
            if image_problem(src, doc, content_dir):
                token.children[i] = type(child)("text", "", 0, content=child.content)
                continue
            mirrored = (doc.path.parent / unquote(src)).resolve().relative_to(
                content_dir.resolve()).as_posix()
            child.attrSet("src", "../../../" + mirrored)  # pages live at <year>/<NN>/<stem>/
            images.append(mirrored)
    return tuple(images), tuple(dict.fromkeys(tried))


def _split_at_parts(tokens: list[Token]) -> list[tuple[Token | None, list[Token]]]:
    """Cut the stream at each `# …` heading: [(None, notice), (title inline, part tokens), …]."""
    segments: list[tuple[Token | None, list[Token]]] = [(None, [])]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.tag == "h1" and token.level == 0:
            segments.append((tokens[i + 1], []))
            i += 3  # heading_open, inline, heading_close
            continue
        segments[-1][1].append(token)
        i += 1
    return segments


def _render(tokens: list[Token], anchor: str, level_shift: int,
            mark_addressees: bool) -> tuple[str, tuple[Heading, ...]]:
    headings = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1]) - 1  # ## → level 1 (一、), ### → 2 (（一）), #### → 3
            token.tag = f"h{min(level + 1 + level_shift, 6)}"
            tokens[i + 2].tag = token.tag
            heading_id = f"{anchor}-h{len(headings) + 1}"
            token.attrSet("id", heading_id)
            token.attrSet("class", f"level{level}")
            headings.append(Heading(level, tokens[i + 1].content.strip(), heading_id))
        elif token.type == "th_open":
            token.attrSet("scope", "col")
    if mark_addressees:
        _mark_addressees(tokens)
    cells.mark(tokens)
    md = _parser()
    return md.renderer.render(tokens, md.options, {}), tuple(headings)


def _mark_addressees(tokens: list[Token]) -> None:
    """The first paragraph, when it ends with '：', is the 主送机关 line: no first-line indent."""
    if len(tokens) > 1 and tokens[0].type == "paragraph_open" and \
            tokens[1].content.rstrip().endswith("："):
        tokens[0].attrSet("class", "addressees")
