"""A document's long texts (its Markdown body, its HTML) kept in a file, not in memory.

Held as strings, the bodies and HTML of 15,000 documents were 300 MiB for the whole of a build,
though each is needed only a moment: to render its own page, make its data files, lay out its
issue. The CLI's build therefore writes each text into a file as soon as it is made — its spill,
an unnamed file that goes with the process unless the memo's save makes it a shard, or the
stored memo's shard it was read from — and the document holds a `Text`: where it is.
`held(doc)` gives the document with its texts as strings again, one document (or one issue) at
a time.

Its headings and parts (what its own page and its issue's print layout show besides the HTML)
are kept there too, pickled together as one text: read back from the stored memo as records
they were ~22,000 objects at 1,500 documents (14 headings a document; unpickled alone, 45 ms of
the ~0.25 s of loading it), for what an edit's rebuild reads of one document only.

A build without a stored memo (the preview, `gazette check`, the tests' builds) keeps strings
throughout: `held` then gives the document itself.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from .model import Document, Issue


class TextFile:
    """An open file texts are read from. It stays readable when its name is gone: a shard
    removed by a build running beside this one, or the spill, which has none until the memo's
    save links it into place."""

    def __init__(self, stream) -> None:
        self.stream = stream  # kept open as long as a Text refers to it
        self.descriptor = stream.fileno()

    def read_bytes(self, offset: int, length: int) -> bytes:
        data = os.pread(self.descriptor, length, offset)
        if len(data) != length:
            raise OSError(f"a kept text ends early ({len(data)} of {length} bytes)")
        return data


class DamagedText(Exception):
    """A kept text of the stored memo whose bytes no longer match their sha256: the build
    drops the memo and starts again without it (cli.py)."""

    def __init__(self, file: TextFile) -> None:
        self.path = getattr(file.stream, "name", "?")
        super().__init__(f"{self.path}: a kept text does not match its digest")


@dataclass(frozen=True, slots=True, eq=False)
class Text:
    """A text in a `TextFile`: its UTF-8 bytes at `offset`; with `sha256` (a text of a memo
    shard, memoshard.py), they are checked against it each time they are read."""

    file: TextFile
    offset: int
    length: int
    sha256: bytes | None = None

    def read(self) -> str:
        return self.read_bytes().decode("utf-8", "surrogatepass")

    def read_bytes(self) -> bytes:
        if self.sha256 is None:
            return self.file.read_bytes(self.offset, self.length)
        try:
            data = self.file.read_bytes(self.offset, self.length)
        except OSError:  # the shard was cut short since it was loaded
            raise DamagedText(self.file) from None
        if hashlib.sha256(data).digest() != self.sha256:
            raise DamagedText(self.file)
        return data

    def __reduce__(self):
        # only the stored memo's shards carry a Text out of its process (memoshard copies its
        # bytes); anything else must be given held documents
        raise TypeError("a kept text is read (texts.held) before it leaves its process")


class Placed(NamedTuple):
    """A text written into the build's spill by any of its processes: where it is and its
    sha256. A conversion worker sends this back instead of the text (`placed`), and the build's
    own process takes it as a `Text` (`spilled`)."""

    offset: int
    length: int
    sha256: bytes


class Spill:
    """The build's own file of texts: appended to as documents are loaded and converted, by
    this process and by the workers forked from it (fanout.py), each under a record lock on
    the file.

    It starts with `reserve` bytes of room and keeps each text's sha256, so that the stored
    memo's save can make the file itself its new shard (memoshard.write: the header written
    into that room, the pickles appended), instead of copying every text into another file:
    at 15,000 documents the texts are ~400 MB, and writing them again was the largest part of
    the save. `hand_over` gives the file to the shard; texts kept after it go to a new file.

    A worker writes the texts it made itself and sends back only where they are (`place`):
    sent through the pool's pipe, a chunk's HTML (~0.5 MB) kept the worker waiting for this
    process to read it (1.2 s of the worker's 18 s at 15,000 documents), and this process
    decoded, encoded and hashed it again."""

    def __init__(self, folder: Path, reserve: int = 0) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.reserve = folder, reserve
        self._open()

    def _open(self) -> None:
        # unnamed from the start: a killed build leaves nothing. O_TMPFILE without O_EXCL, so
        # that the save can give it a name (tempfile's own can never be linked)
        try:
            stream = os.fdopen(os.open(self.folder, os.O_TMPFILE | os.O_RDWR, 0o600), "w+b")
            self.linkable = True
        except (AttributeError, OSError):  # not Linux, or a file system without it
            stream = tempfile.TemporaryFile(dir=self.folder)
            self.linkable = False
        os.ftruncate(stream.fileno(), self.reserve)  # texts are appended after the room
        # a file system without record locks (NFS without its lock daemon: ENOLCK) fails here,
        # where the caller keeps the texts in memory instead, not at the first text kept
        fcntl.lockf(stream.fileno(), fcntl.LOCK_EX)
        fcntl.lockf(stream.fileno(), fcntl.LOCK_UN)
        self.file: TextFile | None = TextFile(stream)
        self.owner = os.getpid()  # the process that adopts what the others place
        self.digests: dict[int, bytes] = {}  # a text's offset → its sha256

    def keep(self, text: str | Text | Placed) -> str | Text:
        if isinstance(text, Placed):
            return self.adopt(text)
        if not isinstance(text, str) or not text:
            return text
        return self.keep_bytes(text.encode("utf-8", "surrogatepass"))

    def keep_bytes(self, data: bytes) -> Text:
        return self.adopt(self.place(data))

    def place(self, data: bytes) -> Placed:
        """Append `data` (in any process of the build, from one thread of it: a record lock
        excludes other processes, not the threads of its own): the file's size is where it
        goes, taken and extended under the lock. Texts placed by a worker whose results are
        lost (it died; its chunk is done again) stay in the file, unreferenced."""
        if self.file is None:  # handed over to a shard
            if os.getpid() != self.owner:  # a new file here would be one the owner never sees
                raise RuntimeError("a text placed in a spill handed over to the memo's shard")
            self._open()
        digest = hashlib.sha256(data).digest()
        descriptor = self.file.descriptor
        fcntl.lockf(descriptor, fcntl.LOCK_EX)
        try:
            offset = os.fstat(descriptor).st_size
            write_at(descriptor, data, offset)
        finally:
            fcntl.lockf(descriptor, fcntl.LOCK_UN)
        return Placed(offset, len(data), digest)

    def adopt(self, placed: Placed) -> Text:
        """In the build's own process: a text placed in this file, as the documents hold it."""
        assert self.file is not None, "adopted after the hand-over"
        self.digests[placed.offset] = placed.sha256
        return Text(self.file, placed.offset, placed.length)

    def hand_over(self) -> tuple[TextFile | None, int, dict[int, bytes], bool]:
        """The file, where its texts end, their digests and whether it can be linked into
        place; this spill no longer writes into it (no worker is left to write either)."""
        end = os.fstat(self.file.descriptor).st_size if self.file is not None else 0
        handed = (self.file, end, self.digests, self.linkable)
        self.file, self.digests = None, {}
        return handed


def write_at(descriptor: int, data: bytes, offset: int) -> None:
    """All of `data` at `offset` (pwrite may write less: a file system filling up)."""
    view = memoryview(data)
    while view:
        written = os.pwrite(descriptor, view, offset)
        if written <= 0:
            raise OSError(28, "No space left on device")
        view, offset = view[written:], offset + written


def placed(doc: Document | None, spill: Spill | None) -> Document | None:
    """`doc` with its body and HTML written into `spill`, and its headings and parts there as
    one pickled text, each standing as a `Placed` (in any process: a worker sends this back)."""
    if spill is None or doc is None:
        return doc

    def place(text):
        return spill.place(text.encode("utf-8", "surrogatepass")) \
            if isinstance(text, str) and text else text
    return replace(doc, body_markdown=place(doc.body_markdown), html=place(doc.html),
                   headings=(), parts=_detail(doc, spill.place))


def spilled(doc: Document | None, spill: Spill | None) -> Document | None:
    """`doc` as the build keeps it, in its own process: its texts in `spill`, each a `Text`
    (those `placed` already, by a worker or here, taken as they are; unchanged without a
    spill, or without a document: one that did not load)."""
    if spill is None or doc is None:
        return doc
    detail = _detail(doc, spill.keep_bytes)
    return replace(doc, body_markdown=spill.keep(doc.body_markdown), html=spill.keep(doc.html),
                   headings=(), parts=spill.keep(detail) if isinstance(detail, Placed) else detail)


def _detail(doc: Document, write):
    """What stands in `parts`: the headings and parts pickled together as one text given to
    `write`, or what is there already (kept or placed, or nothing to keep)."""
    if isinstance(doc.parts, (Placed, Text)) or not (doc.headings or doc.parts):
        return doc.parts
    return write(pickle.dumps((doc.headings, doc.parts), pickle.HIGHEST_PROTOCOL))


def held(doc: Document) -> Document:
    """`doc` with its texts as strings, its headings and parts as records, read back from
    where they were kept."""
    body, html, parts = doc.body_markdown, doc.html, doc.parts
    if not (isinstance(body, Text) or isinstance(html, Text) or isinstance(parts, Text)):
        return doc
    headings = doc.headings
    if isinstance(parts, Text):  # checked against its sha256 when read from a shard
        headings, parts = pickle.loads(parts.read_bytes())
    return replace(doc, body_markdown=_read(body), html=_read(html), headings=headings,
                   parts=parts)


def held_issue(issue: Issue) -> Issue:
    """The issue with every document held (for its print layout)."""
    return replace(issue, sections=tuple(
        replace(section, documents=tuple(held(doc) for doc in section.documents))
        for section in issue.sections))


def _read(text: str | Text) -> str:
    return text.read() if isinstance(text, Text) else text
