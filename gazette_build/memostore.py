"""The build memo kept on disk (`.gazette-cache/memo/`), so a build in a fresh process redoes
only what changed since the last one, as the preview does within its own process.

It is the preview's `Memo` itself, saved and loaded: the keys hold the stages' complete inputs
(file bytes, the configuration, the layouts' contents), so a result read back is exactly what
computing it again would give. What the keys cannot see — this program's own code and the
libraries it renders with — names the folder the entries live in: another version never reads
them.

The memo is saved as a log of shards: a build appends one shard holding only what it computed,
and rewrites the whole memo into a single shard only when dead entries (results no build uses
any more) outweigh live ones. Each shard starts with the sha256 of its payload; a shard whose
bytes do not match is dropped with a warning and its entries are computed again.

The shards are pickles. They are read only from the site's own `.gazette-cache/`, written by
this program: whoever can write there can also change the content and the layouts.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import Report
from . import reused
from .memo import Memo
from .uptodate import installed_packages, package_digest

FOLDER = Path(".gazette-cache") / "memo"
MAGIC = b"gazette-memo\n"
MAX_SHARDS = 16  # beyond this, loading pays for too many files: the next save compacts
# libraries whose output ends up in the stored results
LIBRARIES = ("jinja2", "markdown-it-py", "pyyaml", "markupsafe")


@lru_cache(maxsize=1)
def code_version() -> str:
    """sha256 over this package's source files and the versions of the libraries it renders
    with: stored results of another version are never read."""
    digest = hashlib.sha256(package_digest().encode())
    # their metadata folders' names (name-version.dist-info), not importlib.metadata: importing
    # it (and the email package it reads metadata with) cost every build ~15 ms
    wanted = {name.replace("-", "_").lower() for name in LIBRARIES}
    for folder in installed_packages():
        if folder.split("-", 1)[0].lower() in wanted:
            digest.update(f"{folder}\0".encode())
    return digest.hexdigest()


@dataclass
class StoredMemo:
    """A `Memo` loaded from a site's `.gazette-cache/memo/<code version>/`; `save` after a build."""

    folder: Path
    memo: Memo = field(default_factory=lambda: Memo(keep_sources=False))  # lives for one build
    shards: dict[Path, dict[str, list]] = field(default_factory=dict)  # shard → its keys by cache

    @property
    def caches(self) -> dict:
        return {"documents": self.memo.documents, "pages": self.memo.pages,
                "shared": self.memo.shared}

    def save(self, written: dict | None = None, output: Path | None = None) -> None:
        """Keep what this build used: its new results in a shard of their own, or everything in
        one shard when the stored shards hold more dead entries than live ones. The pages among
        the `written` files (output path → bytes) are kept as their files in `output`."""
        used = {name: cache.used() for name, cache in self.caches.items()}
        if written is not None and output is not None:
            used["pages"] = reused.refer(used["pages"], written, output)
        live = dead = 0
        for shard, keys in list(self.shards.items()):
            alive = sum(key in used[name] for name, names in keys.items() for key in names)
            if not alive:
                _unlink(shard)
                del self.shards[shard]
            live, dead = live + alive, dead + sum(map(len, keys.values())) - alive
        fresh = {name: {key: used[name][key] for key in cache.fresh if key in used[name]}
                 for name, cache in self.caches.items()}
        if dead > live or len(self.shards) >= MAX_SHARDS:
            _write_shard(self.folder, used)
            for shard in self.shards:
                _unlink(shard)
        elif any(fresh.values()):
            _write_shard(self.folder, fresh)
        for cache in self.caches.values():
            cache.sweep()


def load(root: Path, report: Report) -> StoredMemo:
    """The memo stored for this code version (an empty one when there is none); a damaged
    shard is reported, deleted and its entries left to be computed again."""
    base = root / FOLDER
    folder = base / code_version()
    if base.is_dir():  # other versions' memos are never read again
        for other in base.iterdir():
            if other != folder:
                shutil.rmtree(other, ignore_errors=True)
    stored = StoredMemo(folder)
    for shard in sorted(folder.glob("*.memo")) if folder.is_dir() else ():
        try:
            payload = _verified(shard)
        except OSError:  # removed by a build running beside this one
            continue
        if payload is None:
            report.warn(shard, 1, "cache", "damaged (its digest does not match its contents); "
                        "dropped, its results are computed again")
            _unlink(shard)
            continue
        stored.shards[shard] = {}
        for name, entries in payload.items():
            stored.caches[name].preload(entries)
            stored.shards[shard][name] = list(entries)
    return stored


def _verified(shard: Path) -> dict | None:
    """The payload of a shard whose sha256 matches, else None. The file is read twice, never
    whole into memory: once through the digest, then into the unpickler (holding its bytes
    beside the objects they become doubled an edit's peak memory: +300 MB at 4,800
    documents). Shards are written once under a new name and never changed in place."""
    header_end = len(MAGIC) + 65
    with open(shard, "rb") as stream:
        header = stream.read(header_end)
        if not header.startswith(MAGIC) or len(header) < header_end:
            return None
        digest = hashlib.sha256()
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
        if digest.hexdigest() != header[len(MAGIC):header_end - 1].decode("ascii", "replace"):
            return None
        stream.seek(header_end)
        # unpickling makes ~100,000 containers and no cycles: the collector would scan them
        # over and over as they come (40 % of loading the memo at 1,500 documents, measured)
        collecting = gc.isenabled()
        gc.disable()
        try:
            return pickle.load(stream)
        except Exception:  # noqa: BLE001 — a matching digest over a bad pickle: still damage
            return None
        finally:
            if collecting:
                gc.enable()


def _write_shard(folder: Path, entries: dict) -> None:
    """Write a shard atomically (a reader sees all of it or nothing), pickled straight into the
    file through the digest rather than into one more copy of everything in memory."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(MAGIC + b"0" * 64 + b"\n")  # the digest goes here once known
            digesting = _Digesting(stream)
            # each record pickles through a new (class, values) tuple: millions of short-lived
            # containers, over which the collector would walk the whole heap again and again
            collecting = gc.isenabled()
            gc.disable()
            try:
                pickle.dump(entries, digesting, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                if collecting:
                    gc.enable()
            stream.seek(len(MAGIC))
            stream.write(digesting.sha.hexdigest().encode("ascii"))
        # named by time so that shards load oldest first (a later result wins)
        os.replace(temporary, folder / f"{time.time_ns():020d}-{os.getpid()}.memo")
    except BaseException:
        _unlink(Path(temporary))
        raise


class _Digesting:
    """A write-only stream that hashes what passes through it."""

    def __init__(self, stream) -> None:
        self.stream, self.sha = stream, hashlib.sha256()

    def write(self, data) -> int:
        self.sha.update(data)
        return self.stream.write(data)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
