"""Split a document file into its YAML front-matter and its Markdown body, keeping line numbers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import Report
from .yamlschema import Entry, load_mapping


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
    """Read a UTF-8 source file (BOM and CRLF accepted); report other encodings by name."""
    return decode_text(path.read_bytes(), path, report)


def decode_text(data: bytes, path: Path, report: Report) -> str | None:
    """Decode a source's bytes as UTF-8 (BOM and CRLF accepted); report other encodings."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            guess = "GBK/GB18030"
        except UnicodeDecodeError:
            guess = "an unknown encoding"
        report.error(path, line, "encoding",
                     f"the file is not UTF-8 (it looks like {guess}); save it as UTF-8")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")
