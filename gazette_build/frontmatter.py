"""Split a document file into its YAML front-matter and its Markdown body, keeping line numbers."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import Report
from .yamlschema import Entry, load_mapping

# the bytes a site.yaml or an issue.yaml may hold: a few settings and a list of documents
MAX_YAML_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class SplitDocument:
    """The front-matter entries, the body text and the file line on which the body starts."""

    entries: dict[str, Entry]
    body: str
    body_line: int


def split(text: str, path: Path, report: Report) -> SplitDocument | None:
    """Separate `---` front-matter from the body; report and return None when it is malformed."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        report.error(path, 1, "front-matter",
                     "the file must start with a '---' line opening the YAML front-matter")
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            closing = index
            break
    else:
        report.error(path, 1, "front-matter",
                     "the front-matter opened on line 1 is never closed by a '---' line")
        return None
    entries = load_mapping("\n".join(lines[1:closing]), path, 2, report)
    if entries is None:
        return None
    return SplitDocument(entries, "\n".join(lines[closing + 1:]), closing + 2)


def read_text(path: Path, report: Report) -> str | None:
    """Read a UTF-8 settings file (site.yaml; BOM and CRLF accepted); report other encodings
    by name, and a file too large for one before it is read."""
    with open(path, "rb") as stream:
        if yaml_too_large(path, os.fstat(stream.fileno()).st_size, report):
            return None
        data = stream.read()
    return decode_text(data, path, report)


def yaml_too_large(path: Path, size: int, report: Report) -> bool:
    """Whether a site.yaml or issue.yaml of `size` bytes is more than one may hold (an error,
    located): they hold a few settings and a list of documents, ~1 KB, and YAML holds a file
    whole in memory, and more, to read it."""
    return too_large(path, size, MAX_YAML_BYTES, f"a {path.name} may hold (~1 KB is usual): "
                     "is it the right file?", report)


def too_large(path: Path, size: int, most: int, holds: str, report: Report) -> bool:
    """Whether a source of `size` bytes is more than the `most` it may hold: then an error at
    its first line saying what one `holds`."""
    if size <= most:
        return False
    report.error(path, 1, "size", f"the file is {size:,} bytes, more than the {most:,} "
                 f"({most >> 20} MB) {holds}")
    return True


def decode_text(data: bytes, path: Path, report: Report) -> str | None:
    """Decode a source's bytes as UTF-8 (BOM and CRLF accepted silently).

    Windows editors often save GBK: such a file is read as GB18030 with a warning when that is
    safe (it decodes strictly and holds Chinese text, no control characters); any other
    encoding is refused, named where it can be recognised."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    wide = _wide_encoding(data) if b"\x00" in data else None
    if wide is not None:  # UTF-8 too, when it is ASCII and zeros: YAML then says "U+0000"
        report.error(path, 1, "encoding", f"the file is {wide}; save it as UTF-8")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        text = _gbk_text(data)
        if text is None:
            report.error(path, line, "encoding",
                         "the file is not UTF-8 and not readable as GBK; save it as UTF-8")
            return None
        report.warn(path, line, "encoding",
                    "the file is GBK, not UTF-8; it was read as GBK — save it as UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32, by its byte-order mark, or without one where zeros are a quarter of
    the bytes or more (Chinese in UTF-16 has few, but then it does not decode as UTF-8 either)."""
    for mark, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                       (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(mark):
            return name
    if data.count(b"\x00") * 4 >= len(data):
        return "UTF-16 or UTF-32 without a byte-order mark (a zero byte in every few)"
    return None


def _gbk_text(data: bytes) -> str | None:
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    has_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    has_controls = any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text)
    return text if has_chinese and not has_controls else None
