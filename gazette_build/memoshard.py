"""One shard file of the stored memo: its pickles, the long texts they refer to, and a sha256
over both, written atomically and trusted only when the digest matches.

    MAGIC  sha256-hex "\\n"  pickles  texts  the pickles' length (8 bytes, little-endian)

The entries are pickled in groups, one pickle each (`write` is given them grouped: by issue),
each with a memo of its own: the pickler holds every object it has written, and the tuple each
record reduces to, until its pickle ends — one pickle of the memo of 15,000 documents held
~150 MiB more while it was saved. A first pickle holds what several groups share.

The documents' texts (Markdown bodies, HTML) are written after the pickles as UTF-8 rather than
inside it. Pickling a str asks CPython for its UTF-8 form, which the str then keeps for the
rest of its life: saving the memo of 15,000 documents held a second copy of every body and
page in memory (+480 MiB, half the build's peak). Encoding them here makes a bytes object
that is written and dropped at once. A text used twice (a body is in the loaded document and
in the converted one) is written once and read back as one object.

A text the build keeps in a file (`texts.Text`) is copied from there into the shard, and read
back as a `texts.Text` in the shard: a document's words are read only when a page, a data file
or a print layout must be made again from them.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path

from .model import SiteConfig
from .texts import Text, TextFile

MAGIC = b"gazette-memo\n"
HEADER = len(MAGIC) + 65  # the magic, the digest's 64 hex digits and a newline
LONG_TEXT = 200  # characters: shorter texts stay in the pickle (their copies are small)


def write(folder: Path, groups: list[dict], common: tuple = ()) -> None:
    """Write a shard holding the entries of `groups` (each {cache name: {key: result}}) into
    `folder` (a reader sees all of it or nothing); nothing is assembled in memory: the pickles
    go into the file through the digest. The `common` objects, which several groups share (the
    configuration, the layouts' signature), are pickled once, first, and read back as one."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w+b") as stream:
            stream.write(MAGIC + b"0" * 64 + b"\n")  # the digest goes here once known
            texts = tempfile.TemporaryFile(dir=folder)
            with texts:
                pickler = _TextsApart(_Digesting(stream), texts)
                # each record pickles through a new (class, values) tuple: millions of
                # short-lived containers, over which the collector would walk the heap again
                # and again
                with _collector_paused():
                    pickler.dump(common)
                    pickler.clear_memo()
                    pickler.common = {id(value): index for index, value in enumerate(common)}
                    for group in groups:
                        pickler.dump(group)
                        pickler.clear_memo()  # what it held of this group is let go
                pickle_length = stream.tell() - HEADER
                texts.seek(0)
                while chunk := texts.read(1 << 20):
                    pickler.digest.write(chunk)
            pickler.digest.write(pickle_length.to_bytes(8, "little"))
            stream.seek(len(MAGIC))
            stream.write(pickler.digest.sha.hexdigest().encode("ascii"))
        # named by time so that shards load oldest first (a later result wins)
        os.replace(temporary, folder / f"{time.time_ns():020d}-{os.getpid()}.memo")
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read(shard: Path) -> dict | None:
    """The entries of a shard whose sha256 matches, else None. The file is read twice, never
    whole into memory: once through the digest, then into the unpickler (holding its bytes
    beside the objects they become doubled an edit's peak memory: +300 MB at 4,800
    documents). Shards are written once under a new name and never changed in place."""
    stream = open(shard, "rb")  # noqa: SIM115 — stays open while kept texts refer to it
    reader = None
    try:
        header = stream.read(HEADER)
        if not header.startswith(MAGIC) or len(header) < HEADER:
            return None
        digest = hashlib.sha256()
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
        if digest.hexdigest() != header[len(MAGIC):HEADER - 1].decode("ascii", "replace"):
            return None
        end = stream.tell()
        if end < HEADER + 8:
            return None
        stream.seek(end - 8)
        texts_at = HEADER + int.from_bytes(stream.read(8), "little")
        stream.seek(HEADER)
        entries: dict[str, dict] = {}
        # unpickling makes ~100,000 containers and no cycles: the collector would scan them
        # over and over as they come (40 % of loading the memo at 1,500 documents, measured)
        with _collector_paused():
            try:
                reader = _TextsRead(stream, texts_at, end - 8 - texts_at)
                reader.common = reader.load()
                while stream.tell() < texts_at:  # a reader per group, as each was written
                    reader = _TextsRead(stream, texts_at, end - 8 - texts_at, reader)
                    for name, results in reader.load().items():
                        entries.setdefault(name, {}).update(results)
            except Exception:  # noqa: BLE001 — a matching digest over a bad pickle: damage
                reader = None
                return None
        return entries
    finally:
        if reader is None or reader.file is None:
            stream.close()


class _TextsApart(pickle.Pickler):
    """Pickles into `stream`; each long non-ASCII str and each kept `Text` is written to
    `texts` as UTF-8 instead and stands in the pickle as (kind, offset, length) there."""

    def __init__(self, digest: "_Digesting", texts) -> None:
        super().__init__(digest, protocol=pickle.HIGHEST_PROTOCOL)
        self.digest, self.texts = digest, texts
        self.written: dict[int, tuple] = {}  # id of a text → where it is
        self.offset = 0
        self.common: dict[int, int] = {}  # id of a common object → its place among them

    def persistent_id(self, obj):
        kind = type(obj)
        if kind is tuple or kind is SiteConfig:
            index = self.common.get(id(obj))
            return None if index is None else ("common", index)
        if kind is Text:
            tag = "kept"
        # ASCII texts share their UTF-8 form with the str itself: nothing is copied for them
        elif kind is not str or len(obj) < LONG_TEXT or obj.isascii():
            return None
        else:
            tag = "text"
        place = self.written.get(id(obj))  # the texts live as long as the entries dumped
        if place is None:
            data = obj.read_bytes() if tag == "kept" else obj.encode("utf-8", "surrogatepass")
            self.texts.write(data)
            place = self.written[id(obj)] = (tag, self.offset, len(data))
            self.offset += len(data)
        return place


class _TextsRead(pickle.Unpickler):
    """Unpickles a shard, reading each text from the texts after the pickle when first met; a
    kept text stays there, as a `Text` in this shard (opened again: it outlives this read)."""

    def __init__(self, stream, texts_at: int, texts_length: int,
                 previous: "_TextsRead | None" = None) -> None:
        super().__init__(stream)
        self.stream, self.texts_at, self.texts_length = stream, texts_at, texts_length
        # the texts met by the reader of the group before: one object each, across groups
        self.known: dict[tuple, str | Text] = previous.known if previous else {}
        self.file: TextFile | None = previous.file if previous else None  # once a text is met
        self.common: tuple = previous.common if previous else ()

    def persistent_load(self, place):
        if place[0] == "common":
            return self.common[place[1]]
        text = self.known.get(place)
        if text is None:
            tag, offset, length = place
            if offset + length > self.texts_length:
                raise pickle.UnpicklingError("a text lies outside the shard")
            if self.file is None:
                self.file = TextFile(self.stream)  # read with pread: the unpickler's place stays
            if tag == "kept":
                text = Text(self.file, self.texts_at + offset, length)
            else:
                text = self.file.read_bytes(self.texts_at + offset, length).decode(
                    "utf-8", "surrogatepass")
            self.known[place] = text
        return text


class _Digesting:
    """A write-only stream that hashes what passes through it."""

    def __init__(self, stream) -> None:
        self.stream, self.sha = stream, hashlib.sha256()

    def write(self, data) -> int:
        self.sha.update(data)
        return self.stream.write(data)


class _collector_paused:
    """The cyclic garbage collector off for a block (and back on after, if it was)."""

    def __enter__(self):
        self.was_on = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_on:
            gc.enable()
