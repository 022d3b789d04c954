"""One shard file of the stored memo: its pickles, the long texts they refer to, and a sha256
over the pickles, written atomically and trusted only when the digest matches; each text is
checked against its own sha256 (in the pickles) when it is read.

    MAGIC  sha256-hex "\\n"  texts  pickles  the pickles' length (8 bytes, little-endian)

The entries are pickled in groups, one pickle each (`write` is given them grouped: by issue),
each with a memo of its own: the pickler holds every object it has written, and the tuple each
record reduces to, until its pickle ends — one pickle of the memo of 15,000 documents held
~150 MiB more while it was saved. A first pickle holds what several groups share.

The documents' texts (Markdown bodies, HTML) are written before the pickles as UTF-8 rather than
inside them: into the shard itself as the pickler meets them, the pickles into a temporary file
appended after (the texts are ~90 % of a shard: copying them was 0.4 s of saving the memo of
15,000 documents). Most are in such a file already: the build's spill (texts.py), which starts
with room for the header and knows each text's sha256. The shard is then the spill itself — the
header written into that room, the other texts and the pickles appended, the unnamed file linked
into place — and the build's texts are not written a second time (saving the memo of 15,000
documents 3.1 → 1.3-1.5 s). Pickling a str asks CPython for its UTF-8 form, which the str then
keeps for the rest of its life: saving the memo of 15,000 documents held a second copy of every
body and page in memory (+480 MiB, half the build's peak). Encoding them here makes a bytes object
that is written and dropped at once. A text used twice (a body is in the loaded document and
in the converted one) is written once and read back as one object. The long texts written apart
are those a key or a result holds in its tuples, lists and dicts, and every kept text and long
`Markup` wherever it is; a long text inside a record other than these (a 300-character title)
is pickled as it is.

A text the build keeps in a file (`texts.Text`) is copied from there into the shard (unless it
is in the spill that becomes the shard: then it stays where it is), and read back as a
`texts.Text` in the shard: a document's words are read only when a page, a data file
or a print layout must be made again from them. They are most of a shard (41 of 46 MB at 1,500
documents), so the shard's digest covers the pickles only: hashing every text on every load
took 0.04-0.10 s at 1,500 documents, for texts an edit mostly never reads. A kept text is
checked when it is read (`texts.DamagedText` if it changed: the CLI then builds again without
the memo); the other texts, decoded as the shard loads, are checked then.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path, PosixPath

from markupsafe import Markup

from .texts import Spill, Text, TextFile, write_at

MAGIC = b"gazette-memo-3\n"  # 3: the texts before the pickles
HEADER = len(MAGIC) + 65  # the magic, the digest's 64 hex digits and a newline
LONG_TEXT = 200  # characters: shorter texts stay in the pickle (their copies are small)


def write(folder: Path, groups: list[dict], common: tuple = (), spill: Spill | None = None
          ) -> None:
    """Write a shard holding the entries of `groups` (each {cache name: {key: result}}) into
    `folder` (a reader sees all of it or nothing); nothing is assembled in memory: the pickles
    go into the file through the digest. The `common` objects, which several groups' keys
    share (the configuration, the layouts' signature), are pickled once, first, and read back
    as one. With the build's `spill` (made with room for the header), the shard is the spill
    itself: its texts are already in place, only the others and the pickles are appended."""
    folder.mkdir(parents=True, exist_ok=True)
    shard = _ShardFile.of_spill(spill) if spill is not None else None
    if shard is None:
        shard = _ShardFile.new(folder)
    try:
        with tempfile.TemporaryFile(dir=folder) as pickles:
            pickler = _TextsApart(_Digesting(pickles), shard)
            # each record pickles through a new (class, values) tuple: millions of
            # short-lived containers, over which the collector would walk the heap again
            # and again
            with _collector_paused():
                pickler.dump(common)
                pickler.clear_memo()
                marks = {id(value): _Common(index) for index, value in enumerate(common)}
                for group in groups:
                    # (key, result) pairs: a dict of the marked keys would hash them again
                    pickler.dump({name: [(_marked_key(key, marks), _marked(result, marks))
                                         for key, result in entries.items()]
                                  for name, entries in group.items()})
                    pickler.clear_memo()  # what it held of this group is let go
            pickles.seek(0)
            while chunk := pickles.read(1 << 20):
                shard.write(chunk)
            length = pickles.tell().to_bytes(8, "little")
        pickler.digest.sha.update(length)
        shard.write(length)
        write_at(shard.descriptor, MAGIC + pickler.digest.sha.hexdigest().encode("ascii")
                 + b"\n", 0)
        # named by time so that shards load oldest first (a later result wins)
        shard.publish(folder / f"{time.time_ns():020d}-{os.getpid()}.memo")
    except BaseException:
        shard.abandon()
        raise


class _ShardFile:
    """The file a shard is written into, from `HEADER` on: a new temporary file renamed into
    place, or a build's spill, which already holds most of the texts and is linked into place
    (or copied, where the file system cannot link an unnamed file)."""

    def __init__(self, file: TextFile, end: int, own: dict[int, bytes],
                 temporary: Path | None, linkable: bool) -> None:
        self.file, self.descriptor, self.end = file, file.descriptor, end
        self.own = own  # offset → sha256 of the texts already in the file (a spill's)
        self.temporary, self.linkable = temporary, linkable

    @classmethod
    def new(cls, folder: Path) -> "_ShardFile":
        handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
        return cls(TextFile(os.fdopen(handle, "w+b")), HEADER, {}, Path(temporary), False)

    @classmethod
    def of_spill(cls, spill: Spill) -> "_ShardFile | None":
        if spill.reserve != HEADER:
            return None
        file, end, digests, linkable = spill.hand_over()
        return cls(file, end, digests, None, linkable) if file is not None else None

    def write(self, data: bytes) -> None:
        write_at(self.descriptor, data, self.end)
        self.end += len(data)

    def kept_place(self, text: Text) -> tuple | None:
        """Where a kept text already in this file stands in the shard, or None."""
        if text.file is not self.file:
            return None
        return "kept", text.offset - HEADER, text.length, self.own[text.offset]

    def publish(self, name: Path) -> None:
        if self.temporary is not None:
            self.file.stream.close()
            os.replace(self.temporary, name)
            return
        if self.linkable:
            try:  # linkat(AT_SYMLINK_FOLLOW) of the open unnamed file: CPython asks for it
                # only with a folder's descriptor (without, link(2), which follows nothing)
                folder = os.open(name.parent, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.link(f"/proc/self/fd/{self.descriptor}", name.name, dst_dir_fd=folder)
                finally:
                    os.close(folder)
                return
            except OSError:
                pass
        handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=name.parent)
        try:
            with os.fdopen(handle, "wb") as copy:
                offset = 0
                while chunk := os.pread(self.descriptor, 1 << 20, offset):
                    copy.write(chunk)
                    offset += len(chunk)
            os.replace(temporary, name)
        except BaseException:
            _unlink(temporary)
            raise

    def abandon(self) -> None:
        if self.temporary is not None:
            self.file.stream.close()
            _unlink(str(self.temporary))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def read(shard: Path) -> dict | None:
    """The entries of a shard whose pickles match its sha256 (and whose texts decoded now
    match theirs), else None. The pickles are read twice, never whole into memory: once
    through the digest, then into the unpickler (holding their bytes beside the objects they
    become doubled an edit's peak memory: +300 MB at 4,800 documents); the kept texts only
    when used. Shards are written once under a new name and never changed in place."""
    stream = open(shard, "rb")  # noqa: SIM115 — stays open while kept texts refer to it
    texts = None
    try:
        header = stream.read(HEADER)
        if not header.startswith(MAGIC) or len(header) < HEADER:
            return None
        end = stream.seek(0, os.SEEK_END)
        if end < HEADER + 8:
            return None
        stream.seek(end - 8)
        length = stream.read(8)
        pickles_at = end - 8 - int.from_bytes(length, "little")
        if pickles_at < HEADER:
            return None
        stream.seek(pickles_at)
        digest = hashlib.sha256()
        remaining = end - 8 - pickles_at
        while remaining:
            chunk = stream.read(min(1 << 20, remaining))
            if not chunk:
                return None
            digest.update(chunk)
            remaining -= len(chunk)
        digest.update(length)
        if digest.hexdigest() != header[len(MAGIC):HEADER - 1].decode("ascii", "replace"):
            return None
        stream.seek(pickles_at)
        entries: dict[str, dict] = {}
        # unpickling makes ~100,000 containers and no cycles: the collector would scan them
        # over and over as they come (40 % of loading the memo at 1,500 documents, measured)
        with _collector_paused():
            try:
                texts = _StoredTexts(stream, HEADER, pickles_at - HEADER)
                common = _TextsRead(stream, texts).load()
                while stream.tell() < end - 8:  # a reader per group, as each was written
                    for name, results in _TextsRead(stream, texts, common).load().items():
                        entries.setdefault(name, {}).update(results)
            except Exception:  # noqa: BLE001 — a matching digest over a bad pickle: damage
                texts = None
                return None
        return entries
    finally:
        if texts is None or texts.file is None:
            stream.close()


# What stands in a pickle for a text written apart and for a common object. The pickles name
# these two functions; a shard's reader gives its own in their place (`_TextsRead.find_class`).
def _stored(tag: str, offset: int, length: int, sha256: bytes):
    raise pickle.UnpicklingError("a stored text is read by a shard's reader")


def _common(index: int):
    raise pickle.UnpicklingError("a common object is read by a shard's reader")


def _path(text: str) -> PosixPath:
    """A document's or an issue's path read back: from its text in one piece, in half the
    time of its parts (1,886 paths, a fifth of unpickling the memo of 1,500 documents,
    profiled)."""
    return PosixPath(text)


class _Long:
    """A long non-ASCII str of a key or a result, to be written apart (`_marked`)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Common:
    """Where one of the shard's common objects stands in a key or a result (`_marked`)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _marked_key(key, marks: dict[int, _Common]):
    """A key with its common objects and long texts marked (`_marked`), among its own values:
    where `memostore` finds what several groups share."""
    if type(key) is not tuple:
        return _marked(key, marks)
    items = [marks.get(id(item)) or (_Long(item) if type(item) is str and _long(item) else item)
             for item in key]
    return key if all(new is old for new, old in zip(items, key)) else tuple(items)


def _marked(value, marks: dict[int, _Common]):
    """A result with its common objects and long texts marked, through its tuples, lists and
    dicts: the pickler asks about objects that are not plain str and tuples only
    (`reducer_override`), so these are marked before it sees them."""
    kind = type(value)
    if kind is str:
        return _Long(value) if _long(value) else value
    mark = marks.get(id(value))
    if mark is not None:
        return mark
    if kind is tuple or kind is list:
        items = [_marked(item, marks) for item in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        return tuple(items) if kind is tuple else items
    if kind is dict:
        return {_marked(key, marks): _marked(item, marks) for key, item in value.items()}
    return value


def _long(text: str) -> bool:
    # ASCII texts share their UTF-8 form with the str itself: nothing is copied for them
    return len(text) >= LONG_TEXT and not text.isascii()


class _TextsApart(pickle.Pickler):
    """Pickles into `digest`'s stream; each long non-ASCII text and each kept `Text` is written
    to the shard's file as UTF-8 instead (a kept text already in that file, the spill's, is
    not written again) and stands in the pickle as `_stored(kind, offset, length, sha256)`.

    `reducer_override`, not `persistent_id`: the pickler asks it only of objects that are not
    of a built-in kind and not already in its memo, where it asked `persistent_id` of every
    int, str and repeated reference: 509,502 calls, 40 % of saving the memo of 1,500
    documents (profiled)."""

    def __init__(self, digest: "_Digesting", shard: _ShardFile) -> None:
        super().__init__(digest, protocol=pickle.HIGHEST_PROTOCOL)
        self.digest, self.shard = digest, shard
        self.written: dict[int, tuple] = {}  # id of a text → where it is

    def reducer_override(self, obj):
        kind = type(obj)
        if kind is _Common:
            return _common, (obj.index,)
        if kind is Text:
            return _stored, self._place("kept", obj, obj)
        if kind is _Long:
            return _stored, self._place("text", obj.text, obj.text)
        if kind is Markup and _long(obj):
            return _stored, self._place("markup", obj, obj)
        if kind is PosixPath:  # by default its parts, which a new Path parses one by one
            return _path, (str(obj),)
        return NotImplemented

    def _place(self, tag: str, identity, text) -> tuple:
        place = self.written.get(id(identity))  # the texts live as long as the entries dumped
        if place is None:
            place = self.shard.kept_place(text) if tag == "kept" else None
        if place is None:
            data = text.read_bytes() if tag == "kept" else text.encode("utf-8", "surrogatepass")
            # a kept text of an earlier shard was just checked against its digest: it is kept
            digest = getattr(text, "sha256", None) or hashlib.sha256(data).digest()
            place = (tag, self.shard.end - HEADER, len(data), digest)
            self.shard.write(data)
        self.written[id(identity)] = place
        return place


class _TextsRead(pickle.Unpickler):
    """Unpickles one group of a shard; its texts are read through the shard's `_StoredTexts`,
    shared by the readers of all its groups."""

    def __init__(self, stream, texts: "_StoredTexts", common: tuple = ()) -> None:
        super().__init__(stream)
        self.texts, self.common = texts, common

    def find_class(self, module: str, name: str):
        # neither is a method of the reader: the unpickler's memo keeps what this returns, and
        # a reader in its own memo is a cycle that outlives the load (the whole group's memo
        # with it: +11 MiB at 1,500 documents until a collection, for good once frozen)
        if module == __name__ and name == "_stored":
            return self.texts
        if module == __name__ and name == "_common":
            return self.common.__getitem__
        return super().find_class(module, name)


class _StoredTexts:
    """The texts after a shard's pickles, each read when first met and then one object; a kept
    text stays there, as a `Text` in this shard (opened again: it outlives the load)."""

    def __init__(self, stream, texts_at: int, texts_length: int) -> None:
        self.stream, self.texts_at, self.texts_length = stream, texts_at, texts_length
        self.known: dict[tuple, str | Text] = {}
        self.file: TextFile | None = None  # once a text is met

    def __call__(self, tag: str, offset: int, length: int, sha256: bytes):
        place = (tag, offset, length)
        text = self.known.get(place)
        if text is None:
            if offset + length > self.texts_length:
                raise pickle.UnpicklingError("a text lies outside the shard")
            if self.file is None:
                self.file = TextFile(self.stream)  # read with pread: the unpickler's place stays
            if tag == "kept":  # checked when it is read
                text = Text(self.file, self.texts_at + offset, length, sha256)
            else:
                data = self.file.read_bytes(self.texts_at + offset, length)
                if hashlib.sha256(data).digest() != sha256:
                    raise pickle.UnpicklingError("a text does not match its digest")
                text = data.decode("utf-8", "surrogatepass")
                if tag == "markup":
                    text = Markup(text)
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
