"""The sha256 of each source file, remembered between builds by the file's size, modification
time and inode (`.gazette-cache/built/sources.json`), so that a build reads and hashes only the
files saved since the last one — as git's index does for `git status`.

A digest is trusted only for a file whose time is at least `RACY_NS` older than the moment it
was hashed: a file saved again within the same tick of a coarse clock (two seconds on FAT) could
otherwise keep its size and time with other bytes. Such "racy" files, and any file whose size,
time or inode differ, are read and hashed again.

Whoever builds reads a file's bytes through `load`, which checks them against the digest the
build's keys were made from: a file saved between the two is an error, never a result kept under
the other version's digest.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

TABLE = Path(".gazette-cache") / "built" / "sources.json"
FORMAT = 3  # 2: the change time is part of a file's signature; 3: the table's own digest
RACY_NS = 2_000_000_000


class SourceChanged(OSError):
    """A source file was saved while the build was reading it."""


class SourceDigests:
    """path → sha256 of a site's source files, from the last builds' table where it holds."""

    def __init__(self, root: Path, known: dict[str, list] | None = None) -> None:
        self.root = root
        # path → [size, mtime_ns, ctime_ns, inode, hashed at (ns), sha256 hex]
        self.known: dict[str, list] = known or {}
        self.changed = False
        self.opened: set[str] = set()  # the paths this process checked (opened)
        self.hashed: set[str] = set()  # those of them it hashed (`known` updated)
        # the paths checked for this build and found unchanged: not opened again until `recheck`
        # (a file saved since is caught when it is read: `load_bytes`)
        self.vouched: set[str] = set()
        self.damaged = False  # the table did not match its digest: every file is hashed again

    @classmethod
    def load(cls, root: Path) -> "SourceDigests":
        """The table, trusted only if its text matches the SHA-256 on its first line: damage
        (a digit changed made a build fail, "saved while the build read it"; an older digest
        put back had it publish the file's older text, which the memo answers for) is caught.
        Whoever rewrites the table with its checksum is not: the checksum guards against
        damage, not against someone who can write the site folder anyway."""
        try:
            stored = (root / TABLE).read_bytes()
        except OSError:
            return cls(root)  # no table (or an unreadable one): every file is hashed
        digest, _, text = stored.partition(b"\n")
        if hashlib.sha256(text).hexdigest().encode() != digest:
            table = cls(root)
            table.damaged = not stored.startswith(b"{")  # a table of an older format is not
            return table
        try:
            data = json.loads(text)
            files = data["files"] if data.get("format") == FORMAT else {}
            # entries of another shape are dropped: those files are hashed
            return cls(root, {path: entry for path, entry in files.items() if _valid(entry)})
        except (ValueError, AttributeError, KeyError, TypeError):
            return cls(root)

    def of(self, path: str) -> bytes:
        """The sha256 of the file at `path`, read only when its table entry does not hold. The
        file is opened and its open handle asked for size and times: a network file system
        checks them again on open, where a plain stat() may answer from its cache."""
        if path in self.vouched:
            return bytes.fromhex(self.known[path][5])
        with open(path, "rb") as stream:
            # counted as checked once opened: a file that could not be (unreadable) was
            # vouched for, and the next build asked the table for a digest it never had
            self.opened.add(path)
            stat = os.fstat(stream.fileno())
            signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
            entry = self.known.get(path)
            # the change time too: copies that keep a file's time (cp -p, touch -r, rsync -t)
            # cannot set it
            if entry is not None and entry[:4] == signature \
                    and stat.st_mtime_ns < entry[4] - RACY_NS:
                return bytes.fromhex(entry[5])
            hashed_at = time.time_ns()
            # read in blocks: a file of gigabytes is hashed without being held
            digest = hashlib.file_digest(stream, "sha256").digest()
        self.known[path] = [*signature, hashed_at, digest.hex()]
        self.changed = True
        self.hashed.add(path)
        return digest

    def vouch(self) -> None:
        """The files this process found unchanged are not opened again (`of`) until `recheck`:
        one saved since is built as it was, and the build after sees it (the inputs are taken
        again before the output is recorded). Those found changed are opened again when asked
        for: being edited, they may have been saved again since."""
        self.vouched = self.opened - self.hashed

    def recheck(self) -> None:
        """Every file is opened again when asked for (the inputs taken again after a build)."""
        self.vouched = set()

    def load_bytes(self, path: str, digest: bytes) -> bytes:
        """The file's bytes, which must be those `digest` was taken from; if they are not, the
        file's entry is dropped from the table at once, so that the next build hashes it."""
        with open(path, "rb") as stream:
            data = stream.read()
        if hashlib.sha256(data).digest() != digest:
            self.known.pop(path, None)  # kept now, though the build fails: never trusted again
            self.vouched.discard(path)
            self.changed = True
            self.save()
            raise SourceChanged(f"{os.path.relpath(path, self.root)} was saved while the build "
                                "read it; run the build again")
        return data

    def save(self) -> None:
        """Keep the table for the next build (entries of files that no longer exist dropped);
        a table that cannot be written costs the next build some reading, nothing else."""
        if not self.changed:
            return
        path = self.root / TABLE
        # a file this process opened was there a moment ago: only the others are looked for
        seen = self.opened | self.vouched
        kept = {name: entry for name, entry in self.known.items()
                if name in seen or os.path.exists(name)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".sources-", dir=path.parent)
            text = json.dumps({"format": FORMAT, "files": kept}).encode("utf-8")
            with os.fdopen(handle, "wb") as stream:
                stream.write(hashlib.sha256(text).hexdigest().encode() + b"\n" + text)
            os.replace(temporary, path)
        except OSError:
            pass
        self.changed = False


_SHA256_HEX = re.compile("[0-9a-f]{64}")


def _valid(entry) -> bool:
    # a regular expression, not a test per character (231,000 of them in an edit's rebuild at
    # 1,500 documents, 2 % of its time under the profiler)
    return isinstance(entry, list) and len(entry) == 6 and \
        all(type(value) is int for value in entry[:5]) and type(entry[5]) is str and \
        _SHA256_HEX.fullmatch(entry[5]) is not None
