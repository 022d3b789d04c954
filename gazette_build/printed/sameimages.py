"""One image in the PDF for each picture, however many files hold it: the print HTML's images
with the same bytes are given one address.

WeasyPrint stores an image once per address (its id is a digest of the URL), so the same seal
or chart under two names — as `gazette import` writes it, once per document that shows it —
went into an issue's PDF twice, and into each document's PDF cut from it. Each `<img>` whose
file is in `content/` is given the address of the first image of the issue with the same
bytes, before the layout (the print cache's key holds the HTML, so the mapping is in it).
This runs for every issue of every build with PDFs, laid out or taken from the cache: only
files of the same size as another of the issue's are read (the others cannot be the same).
"""
from __future__ import annotations

import hashlib
import html as htmlcode
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

IMAGE_SOURCE = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def shared(html: str, page_dir: Path, content_dir: Path) -> str:
    """`html` with every `<img>` of a file in `content_dir` that holds the same bytes as an
    earlier one pointed at the earlier one; `page_dir` is the folder the addresses are
    relative to (the layout's base URL)."""
    if "<img" not in html:
        return html
    base = page_dir.as_uri() + "/"
    content_dir = content_dir.resolve()
    files = {match[2]: _local(urljoin(base, htmlcode.unescape(match[2])), content_dir)
             for match in IMAGE_SOURCE.finditer(html)}
    sizes: dict[int, set[Path]] = {}
    for path in filter(None, files.values()):
        sizes.setdefault(_size(path), set()).add(path)
    alike = {path for size, paths in sizes.items() if size >= 0 and len(paths) > 1
             for path in paths}
    if not alike:
        return html
    digests = {path: _digest(path) for path in alike}
    first: dict[str, str] = {}  # sha256 → the first address written with those bytes

    def one_address(match: re.Match) -> str:
        path = files[match[2]]
        if digests.get(path) is None:
            return match[0]
        return f"{match[1]}{first.setdefault(digests[path], match[2])}{match[3]}"

    return IMAGE_SOURCE.sub(one_address, html)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since: the fetcher names it
        return -1


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _local(url: str, content_dir: Path) -> Path | None:
    """The file in `content_dir` a `file:` URL names, or None."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(url2pathname(parts.path))
    try:
        path = path.resolve()
    except (OSError, RuntimeError):
        return None
    return path if path.is_relative_to(content_dir) and path.is_file() else None
