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

Where the stored memo holds no last bundle for the part (a build after `.gazette-cache/` was
removed, or after an upgrade of gazette, whose new code reads no result of the old), the part
as published in the output folder is given instead, each file read first: only one that holds
what its name says (its SHA-1, as Pagefind writes it, begins with the name) is given.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import zlib
from pathlib import Path

from .. import reused

# the folders of the files Pagefind names after their contents
NAMED_BY_CONTENT = ("fragment/", "index/", "filter/")
ENTRY = "pagefind-entry.json"
META_MARK = b"pagefind_dcd"  # what Pagefind writes before the payload of each compressed file
MAX_PAYLOAD = 64 << 20  # bytes: a published file inflating to more is not one of Pagefind's


def seed(output: Path, bundle: str, last: dict[str, reused.Page] | None,
         published: Path | None) -> set[str]:
    """Put into the folder `output` the files of the part's last bundle (under the output path
    `bundle`) that Pagefind names after their contents: those the stored memo holds (`last`:
    output path → file), else those published in the output folder `published`; return their
    paths relative to `output`."""
    if last:
        return _from_memo(last, bundle, output)
    if published is not None:
        return _from_published(published / bundle, output)
    return set()


def _from_memo(last: dict[str, reused.Page], prefix: str, output: Path) -> set[str]:
    """The memo's files of the last bundle (their paths under `prefix`/); a file that is not
    as it was written is left out (Pagefind writes it)."""
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
            _discard(target)
            continue
        given.add(relative)
    return given


def _from_published(folder: Path, output: Path) -> set[str]:
    """The files of the bundle published in `folder`, each linked (or copied) and then read:
    one that does not hold what its name says is taken away again."""
    given = set()
    for kind in NAMED_BY_CONTENT:
        try:  # files only: a link there could lead anywhere (a device, a file outside)
            with os.scandir(folder / kind) as entries:
                names = sorted(entry.name for entry in entries
                               if entry.is_file(follow_symlinks=False))
        except OSError:  # no such part published
            continue
        (output / kind).mkdir(parents=True, exist_ok=True)
        for name in names:
            target = output / kind / name
            try:
                try:
                    os.link(folder / kind / name, target)
                except OSError:  # another file system, too many links (a link put there
                    # since is copied as a link, which the check below does not open)
                    shutil.copyfile(folder / kind / name, target, follow_symlinks=False)
                if _holds_its_name(target):  # read once linked: the file Pagefind will find
                    given.add(kind + name)
                    continue
            except OSError:
                pass
            _discard(target)
    return given


def _discard(target: Path) -> None:
    """A file given that Pagefind must not find: it writes its own."""
    try:
        os.unlink(target)
    except OSError:
        pass


def _holds_its_name(path: Path) -> bool:
    """Whether the file at `path` is what Pagefind names it: gzip of its mark and a payload
    whose SHA-1, written as Pagefind writes it (each byte in hex without a leading zero),
    begins with the hex digits after the name's language (`zh-cn_3fa90c1.pf_fragment`)."""
    stem = path.name.split(".pf_", 1)[0]
    digits = stem.rpartition("_")[2]
    if len(digits) < 7:
        return False
    inflate = zlib.decompressobj(wbits=31)  # gzip
    try:  # not through a link put there since the folder was read
        with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as stream:
            data = inflate.decompress(stream.read(MAX_PAYLOAD), MAX_PAYLOAD)
    except zlib.error:
        return False
    if inflate.unconsumed_tail or not inflate.eof or not data.startswith(META_MARK):
        return False  # larger than any file Pagefind writes, or cut short
    digest = hashlib.sha1(data[len(META_MARK):]).digest()
    return "".join(format(byte, "x") for byte in digest).startswith(digits)


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
