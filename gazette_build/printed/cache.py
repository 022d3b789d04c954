"""The print cache in `<site>/.gazette-cache/`: an unchanged issue is not laid out again.

An entry is keyed by a sha256 over everything its layout depends on that is known before
layout: the print HTML (all content and configuration pass through the template), the font
files, the output options and the WeasyPrint version. Files WeasyPrint fetches while laying
out (print.css, images) are only known afterwards, so the entry records their hashes and a
lookup rejects it when any of them changed, as make does with a dependency file. Every stored
file's SHA-256 is recorded too, and `meta.json` holds the entry's whole key and the SHA-256 of
its own other fields (its page numbers and list of documents are published as they are): an
entry damaged on disk, or another layout's put in its place, is dropped with a warning, never
published.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import swap

CACHE_DIR = ".gazette-cache"
FORMAT = 6  # bump when the layout of an entry changes (5: meta.json's own digest; 6: its key)
STAGING = ".staging-"  # an entry being written: .staging-<pid>-<random>


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


class Damaged(Exception):
    """A stored entry whose files do not match the digests recorded when it was stored."""


def load(root: Path, issue_key: str, key: str,
         warn: Callable[[Path, str], None] | None = None) -> Entry | None:
    """The entry stored under `key` if it is intact and its dependencies are unchanged, else
    None. A damaged entry (a file truncated, altered or missing) is removed and `warn` is told
    why: its PDFs are never published."""
    folder = _folder(root, issue_key, key)
    if not folder.is_dir():
        return None
    try:
        entry = _read(root, folder, key)
    except (Damaged, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if warn is not None:
            warn(folder, f"the cached layout is damaged ({exc}); it was dropped and the "
                 "issue is laid out again")
        return None
    if entry is None:
        return None
    for name, sha in entry.dependencies.items():
        if file_digest(root / name) != sha:
            return None
    return entry


def _read(root: Path, folder: Path, key: str) -> Entry | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Damaged("meta.json is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Damaged("meta.json is not readable") from None
    if not isinstance(meta, dict):
        raise Damaged("meta.json is not an entry's")
    if meta.get("format") != FORMAT:
        return None  # an entry of another version: laid out again, nothing wrong with it
    if meta.pop("digest", None) != digest(meta):
        raise Damaged("meta.json does not match its SHA-256")
    if meta.get("key") != key:  # another layout's entry renamed or copied here: not this one's
        raise Damaged("it was stored under another key")
    files = {}
    for name, sha in meta["files"].items():
        try:
            data = (folder / name).read_bytes()
        except FileNotFoundError:
            raise Damaged(f"{name} is missing") from None
        if digest_bytes(data) != sha:
            raise Damaged(f"{name} does not match its SHA-256")
        files[name] = data
    return Entry(
        pdf=files["issue.pdf"],
        press_pdf=files.get("press.pdf"),
        page_count=meta["page_count"],
        page_of=meta["page_of"],
        document_pages={stem: tuple(pages) for stem, pages in meta["document_pages"].items()},
        document_pdfs={stem: files[f"documents/{stem}.pdf"] for stem in meta["documents"]},
        dependencies=meta["dependencies"],
        diagnostics=meta["diagnostics"],
    )


def store(root: Path, issue_key: str, key: str, entry: Entry) -> None:
    """Write the entry atomically, with the SHA-256 of every file, and drop older entries of
    the same issue and what interrupted builds left."""
    base = root / CACHE_DIR / "print"
    base.mkdir(parents=True, exist_ok=True)
    remove_abandoned(root)
    import tempfile  # here: a build that finds nothing changed removes left-overs, stores none

    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=base))
    try:
        files = {"issue.pdf": entry.pdf}
        if entry.press_pdf is not None:
            files["press.pdf"] = entry.press_pdf
        files.update({f"documents/{stem}.pdf": data for stem, data in entry.document_pdfs.items()})
        (staging / "documents").mkdir()
        for name, data in files.items():
            (staging / name).write_bytes(data)
        meta = {"format": FORMAT, "key": key, "page_count": entry.page_count,
                "page_of": entry.page_of,
                "document_pages": entry.document_pages,
                "documents": sorted(entry.document_pdfs), "dependencies": entry.dependencies,
                "diagnostics": entry.diagnostics,
                "files": {name: digest_bytes(data) for name, data in sorted(files.items())}}
        meta["digest"] = digest(meta)
        # meta.json last: an entry without it is incomplete
        (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1),
                                           encoding="utf-8")
        for old in base.glob(f"{issue_key}-*"):
            shutil.rmtree(old, ignore_errors=True)
        os.replace(staging, _folder(root, issue_key, key))
    except BaseException:  # a full disk, an interruption: leave nothing half-written
        shutil.rmtree(staging, ignore_errors=True)
        raise


def remove_abandoned(root: Path) -> None:
    """Remove the entries that builds killed while storing them left half-written (each build
    does, whether it lays an issue out or not, and even one that fails)."""
    for left_over in swap.abandoned(root / CACHE_DIR / "print", STAGING):
        swap.remove(left_over)


def _folder(root: Path, issue_key: str, key: str) -> Path:
    return root / CACHE_DIR / "print" / f"{issue_key}-{key[:32]}"
