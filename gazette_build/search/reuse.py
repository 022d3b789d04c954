"""What Pagefind need not compress again: a part of the index made anew starts from its last bundle.

Pagefind names every file of a bundle but its entry and scripts after a digest of what the
file holds (a page's fragment, a chunk of the word index, a filter), and does not write a file
whose name is already in its output folder ("immutable" files, `pagefind/src/output/mod.rs`):
that is how it reuses its own last output when it is run again over a site. Compressing those
files, at gzip's strongest level, one after the other, is most of writing a bundle: for a
group of years at 1,500 documents (576 pages), 1.4 s of the 2.4 s the indexer took after one
title was edited, where the unchanged pages' fragments are 575 of its 576 fragments.

So a part indexed again finds its last bundle's named files in the folder Pagefind writes it to
(`seed`, linked from the published site or copied, checked like every reused file: a file
changed since it was written is not given), and Pagefind writes only what changed: the edited
page's fragment and the word chunks that hold its words. The files the new bundle does not use
(that page's old fragment, the old chunks) are then left out (`named`): the bundle's metadata
(`pagefind.<hash>.pf_meta`, named in `pagefind-entry.json`) lists every fragment, chunk and
filter file it reads. A name is the first 7 hex digits of the digest (longer where two files
of one bundle would share it), so a changed file could find an old one under its name: about
one chance in 500,000 per changed page for a part of 576 pages, the chance Pagefind itself
takes when it is run over its last output.
"""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from .. import reused

# the folders of the files Pagefind names after their contents
NAMED_BY_CONTENT = ("fragment/", "index/", "filter/")
ENTRY = "pagefind-entry.json"
META_MARK = b"pagefind_dcd"  # what Pagefind writes before its CBOR in each compressed file


def seed(last: dict[str, reused.Page], prefix: str, output: Path) -> set[str]:
    """Put into the folder `output` the files of the last bundle (`last`: output path → file,
    its paths under `prefix`/) that Pagefind names after their contents; return their paths
    relative to `output`. A file that is not as it was written is left out (Pagefind writes it)."""
    given = set()
    for path, page in last.items():
        relative = path[len(prefix) + 1:] if path.startswith(f"{prefix}/") else None
        if relative is None or not relative.startswith(NAMED_BY_CONTENT):
            continue
        target = output / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            reused.place(page, str(target), os.sep)
        except OSError:  # removed or changed in the published site since (ChangedOutput)
            try:
                os.unlink(target)
            except OSError:
                pass
            continue
        given.add(relative)
    return given


def named(output: Path) -> set[str]:
    """The paths (relative to `output`) of the fragment, chunk and filter files that the bundle
    written in `output` reads; ValueError where its entry or metadata cannot be read."""
    try:
        entry = json.loads((output / ENTRY).read_bytes())
        metas = [language["hash"] for language in entry["languages"].values()]
        found: set[str] = set()
        for meta in metas:
            data = gzip.decompress((output / f"pagefind.{meta}.pf_meta").read_bytes())
            if not data.startswith(META_MARK):
                raise ValueError(f"no {META_MARK.decode()} mark")
            _strings(data, len(META_MARK), found)
    except (OSError, KeyError, TypeError, AttributeError, IndexError, EOFError, RecursionError,
            gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise ValueError(f"unreadable bundle metadata ({exc})") from None
    return {f"{folder}{name}.pf_{folder[:-1]}" for folder in NAMED_BY_CONTENT
            for name in found}


def _strings(data: bytes, at: int, found: set[str]) -> int:
    """Collect into `found` the text strings of the CBOR item at `at` in `data` (Pagefind's
    metadata: arrays of the pages', chunks' and filters' names and numbers, minicbor's
    definite lengths); return where the item ends."""
    head = data[at]
    kind, size = head >> 5, head & 0x1F
    at += 1
    if size >= 24:
        if size > 27:  # an indefinite length or a reserved value: not what minicbor writes
            raise ValueError(f"CBOR head {head:#x} at {at - 1}")
        width = 1 << (size - 24)
        size = int.from_bytes(data[at:at + width], "big")
        at += width
    if kind == 2:  # bytes
        return at + size
    if kind == 3:  # text
        found.add(data[at:at + size].decode("utf-8"))
        return at + size
    if kind in (4, 5):  # an array, a map (two items per entry)
        for _ in range(size * (2 if kind == 5 else 1)):
            at = _strings(data, at, found)
        return at
    if kind == 6:  # a tag: the item it tags
        return _strings(data, at, found)
    return at  # a number, a simple value or float (its bytes were read as the size)
