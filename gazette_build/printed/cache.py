"""The print cache in `<site>/.gazette-cache/`: an unchanged issue is not laid out again.

An entry is keyed by a sha256 over everything its layout depends on that is known before
layout: the print HTML (all content and configuration pass through the template), the font
files, the output options and the WeasyPrint version. Files WeasyPrint fetches while laying
out (print.css, images) are only known afterwards, so the entry records their hashes and a
lookup rejects it when any of them changed, as make does with a dependency file.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = ".gazette-cache"
FORMAT = 3  # bump when the layout of an entry changes


@dataclass(frozen=True, slots=True)
class Entry:
    """What one layout of an issue produced."""

    pdf: bytes
    press_pdf: bytes | None
    page_count: int
    page_of: dict[str, int]
    document_pages: dict[str, tuple[int, int]]  # printed first and last page by stem
    document_pdfs: dict[str, bytes]
    # the site files read during layout: {path relative to the site folder: sha256}
    dependencies: dict[str, str]
    # warnings WeasyPrint gave during layout, replayed on a hit: [path, line, field, message]
    diagnostics: list[list]


def digest(value) -> str:
    """sha256 of a JSON-serialisable value (str, numbers, lists, dicts)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return digest_bytes(path.read_bytes())
    except OSError:
        return None


def load(root: Path, issue_key: str, key: str) -> Entry | None:
    """The entry stored under `key` if its dependencies are unchanged, else None."""
    folder = _folder(root, issue_key, key)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            return None
        for name, sha in meta["dependencies"].items():
            if file_digest(root / name) != sha:
                return None
        press = folder / "press.pdf"
        return Entry(
            pdf=(folder / "issue.pdf").read_bytes(),
            press_pdf=press.read_bytes() if press.exists() else None,
            page_count=meta["page_count"],
            page_of=meta["page_of"],
            document_pages={stem: tuple(pages) for stem, pages in meta["document_pages"].items()},
            document_pdfs={stem: (folder / "documents" / f"{stem}.pdf").read_bytes()
                           for stem in meta["documents"]},
            dependencies=meta["dependencies"],
            diagnostics=meta["diagnostics"],
        )
    except (OSError, ValueError, KeyError):
        return None  # a missing or damaged entry is simply laid out again


def store(root: Path, issue_key: str, key: str, entry: Entry) -> None:
    """Write the entry atomically and drop older entries of the same issue."""
    base = root / CACHE_DIR / "print"
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=base))
    (staging / "documents").mkdir()
    (staging / "issue.pdf").write_bytes(entry.pdf)
    if entry.press_pdf is not None:
        (staging / "press.pdf").write_bytes(entry.press_pdf)
    for stem, data in entry.document_pdfs.items():
        (staging / "documents" / f"{stem}.pdf").write_bytes(data)
    meta = {"format": FORMAT, "page_count": entry.page_count, "page_of": entry.page_of,
            "document_pages": entry.document_pages,
            "documents": sorted(entry.document_pdfs), "dependencies": entry.dependencies,
            "diagnostics": entry.diagnostics}
    # meta.json last: an entry without it is incomplete and never read
    (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    for old in base.glob(f"{issue_key}-*"):
        shutil.rmtree(old, ignore_errors=True)
    os.replace(staging, _folder(root, issue_key, key))


def _folder(root: Path, issue_key: str, key: str) -> Path:
    return root / CACHE_DIR / "print" / f"{issue_key}-{key[:32]}"
