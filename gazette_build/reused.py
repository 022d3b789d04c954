"""Pages that the stored memo finds in the last build's output instead of keeping their bytes.

A page whose inputs are unchanged is, byte for byte, the file the last build wrote. Keeping those
bytes in `.gazette-cache/memo/` made every build load them again (41 of the 88 MB stored at
1,500 documents), and write them again. The memo keeps an `InOutput` instead: where the file is,
its sha256, and the size, modification time and inode it had once written. A build that finds
one links that file into its new site (no bytes read or written, and the file keeps its time,
so a host synchronised by time and size uploads only what changed); a file changed, replaced or
removed since (its size, time or inode differ) is not trusted, and its page is rendered again.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from . import rasters
from .model import reduce_by_fields


class ChangedOutput(OSError):
    """A page's file in the last output no longer holds the bytes it was written with."""


@dataclass(frozen=True, slots=True)
class InOutput:
    """A page as a past build wrote it: the file at `path` holds its bytes."""

    __reduce__ = reduce_by_fields

    path: str
    sha256: bytes
    size: int
    mtime_ns: int
    inode: int

    def intact(self) -> bool:
        """The file is as written: same size, time and inode (a file edited in place gets a new
        time, one replaced a new inode)."""
        return self.intact_at(self.path)

    def intact_at(self, path: str) -> bool:
        """`path` is this file as written (a link to it: the same inode)."""
        try:
            stat = os.stat(path)
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns, stat.st_ino) == \
            (self.size, self.mtime_ns, self.inode)

    def read(self) -> bytes:
        return _read_verified(self.path, self.sha256)


@dataclass(frozen=True, slots=True)
class Staged:
    """A page written into the staging folder of the build under way (`writer.Staging.put`):
    the build holds where it is, not its bytes."""

    __reduce__ = reduce_by_fields

    relative: str  # its output path
    folder: str  # the staging folder
    sha256: bytes
    # its file's size, modification time and inode as written (None: not known), which the
    # swap into place keeps: the memo records the published file without a stat() of its own
    # (40,000 of them at 15,000 documents: recording the files took 0.83 s, 0.28 s since)
    written: tuple[int, int, int] | None = None

    @property
    def path(self) -> str:
        return os.path.join(self.folder, self.relative)

    def read(self) -> bytes:
        return _read_verified(self.path, self.sha256)


def _read_verified(path: str, sha256: bytes) -> bytes:
    with open(path, "rb") as stream:
        data = stream.read()
    if hashlib.sha256(data).digest() != sha256:
        raise ChangedOutput(f"{path} changed while the build ran; run it again")
    return data


# what the page stages hand on: the bytes, or where they already are
Page = bytes | InOutput | Staged
MISSING = object()  # a published file that is not there any more


def usable(value) -> bool:
    """Whether a result from the memo can be published as it is: every page file it holds
    (a page, or the files of a search index part with its diagnostics) is as written."""
    if isinstance(value, InOutput):
        return value.intact()
    if isinstance(value, tuple):
        return all(map(usable, value))
    if isinstance(value, dict):
        return all(map(usable, value.values()))
    return True


def as_published(path: str, data: bytes, cache, put) -> Page:
    """Put `data`, a file made afresh by this build, at `path` of the staging folder (`put`):
    linked from the file the last build published there when that holds the same bytes (an
    `InOutput`, kept as a page is: the file keeps its time and inode), else written. An issue's
    and the site's JSON (spliced from the records every build), the stylesheets and scripts,
    the PDFs from the print cache were otherwise new files every build, which a host
    synchronised by time and size uploads again. Kept in the memo's `cache` of pages by path
    and sha256; what is returned (`Staged`) is what the memo holds until it is saved."""
    key = ("published", path, hashlib.sha256(data).digest())
    page = cache.get(key, lambda: put(path, data),
                     checked if path.lower().endswith(CHECKED_TYPES) else usable)
    return put(path, page) if isinstance(page, InOutput) else page


# the files of the last output read and checked before they are linked: the PDFs (the
# gazette's record) and the images, few and large
CHECKED_TYPES = (".pdf", ".svg", *rasters.TYPES)


def checked(value) -> bool:
    """`usable`, and for a file of the last output its bytes read and checked against their
    digest (a PDF damaged in place with its size and time kept was linked into every later
    build, the print cache's verified bytes beside it). A page or a data file is known by its
    size, time and inode alone: reading and hashing the 4,057 files of an output of 1,500
    documents takes 76 ms (in the process, on tmpfs), where an edit's rebuild takes 0.55 s."""
    if not usable(value):
        return False
    if isinstance(value, InOutput):
        try:
            value.read()  # checked against its sha256
        except OSError:  # ChangedOutput among them
            return False
    return True


def content(page: Page) -> bytes:
    """A page's bytes, read back from its file (verified) if it was written."""
    return page if isinstance(page, bytes) else page.read()


def digest(page: Page) -> bytes:
    return hashlib.sha256(page).digest() if isinstance(page, bytes) else page.sha256


def place(page: Page, target: str, replaced: str | None = None) -> tuple[int, int, int] | None:
    """Put `page` at `target` (a new file); return the file's size, modification time and
    inode where they are known without asking again (None for a copy). A page of this build's
    staging folder, or of the folder the new site replaces (`replaced`), is linked from there
    — checked again once linked: another build may have replaced that file since it was looked
    up. Any other (a page of another output folder, which must not share files with this one)
    is copied, checked against its sha256 and keeping its time, as where a link cannot be
    made."""
    if isinstance(page, Staged) or (replaced is not None and isinstance(page, InOutput)
                                    and page.path.startswith(os.path.join(replaced, ""))):
        try:
            os.link(page.path, target)
        except FileNotFoundError:
            raise ChangedOutput(f"{page.path} was removed while the build ran; run it again")
        except OSError:  # another file system, too many links: copied below
            pass
        else:
            if isinstance(page, Staged):
                return page.written
            if page.intact_at(target):
                return page.size, page.mtime_ns, page.inode
            os.unlink(target)
    if isinstance(page, bytes):
        with open(target, "wb") as stream:
            stream.write(page)
            stream.flush()
            stat = os.fstat(stream.fileno())  # closing changes none of the three
        return stat.st_size, stat.st_mtime_ns, stat.st_ino
    data = page.read()
    with open(target, "wb") as stream:
        stream.write(data)
    # a copy of a file written before has its time, as `cp -p` gives: a host synchronised by
    # time and size takes only what changed, whichever output folder it is copied to
    written = page.mtime_ns if isinstance(page, InOutput) else os.stat(page.path).st_mtime_ns
    os.utime(target, ns=(written, written))
    return None


def refer(pages: dict, written: dict[str, Page], folder: Path) -> dict:
    """`pages` (memo key → page) with every page written by this build (staged, or among the
    `written` files: output path → page) replaced by where it now is in `folder`, the published
    output; other values are kept as they are. A page taken back from an earlier output keeps
    pointing there while that file is intact: a build into another `--out` copies it from
    there, and a build into the first folder links it again."""
    where = {id(page): path for path, page in written.items() if isinstance(page, bytes)}
    base = os.fspath(folder)
    made: dict[int, InOutput] = {}  # one per page written, however many results hold it

    def located(value):
        """`value` with the files in it replaced by where they are published (MISSING: one is
        not there, and the memo forgets the result). Files come alone (a page), in a dict (a
        search index part, a document's tables) or in a tuple (a result with diagnostics)."""
        path = value.relative if isinstance(value, Staged) else \
            where.get(id(value)) if isinstance(value, bytes) else None
        if isinstance(value, Staged) and value.written is not None:
            # as written into the staging folder, which the swap put in place whole (a file
            # changed since gets a new time: the next build finds it not intact); the page and
            # the search index's record of it (search/indexing.py) share one, pickled once
            if id(value) not in made:
                made[id(value)] = InOutput(os.path.join(base, path), value.sha256, *value.written)
            return made[id(value)]
        if path is not None:
            file = os.path.join(base, path)
            try:
                stat = os.stat(file)
            except OSError:
                return MISSING
            return InOutput(file, digest(value), stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if isinstance(value, dict) and value:
            files = {name: located(item) for name, item in value.items()}
            return MISSING if MISSING in files.values() else files
        if isinstance(value, tuple) and value:
            items = tuple(located(item) for item in value)
            return MISSING if MISSING in items else items
        return value

    kept = {}
    for key, page in pages.items():
        page = located(page)
        if page is not MISSING:
            kept[key] = page
    return kept
