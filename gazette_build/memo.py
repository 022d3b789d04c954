"""Memoisation of build stages by their inputs, so the preview server's rebuilds redo only what
changed while running exactly the pipeline of a full build.

A `Cache` maps a stage's complete inputs (file bytes, configuration, template signature…) to its
result. Each build reads through it; `sweep()` after the build drops the entries no longer used,
so a long preview session does not accumulate every past version of every file.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Hashable, TypeVar

from .errors import Report
from .sourcedigests import SourceDigests

if TYPE_CHECKING:
    from .texts import Spill

T = TypeVar("T")


_ABSENT = object()
# bytes: a source file larger is hashed in blocks and read again only if it must be parsed (a
# document may hold 10 MB: one larger is refused by its size, never read)
LARGEST_KEPT = 16 << 20


class Cache:
    """Results keyed by inputs; entries not used since the last sweep are dropped by `sweep`."""

    def __init__(self) -> None:
        self._previous: dict[Hashable, object] = {}
        self._current: dict[Hashable, object] = {}
        self.hits = 0
        self.misses = 0
        self.fresh: list[Hashable] = []  # keys computed since the last sweep (memostore saves them)
        self.replaced: set[Hashable] = set()  # keys `put` since: what was kept for them is dead

    def get(self, key: Hashable, compute: Callable[[], T],
            usable: Callable[[T], bool] | None = None) -> T:
        """The result for `key`, computed on a miss; a kept result that `usable` refuses (a
        page whose file in the last output was changed since) is computed again."""
        # a key is a tuple, hashed anew by each dict operation: three at most (there were four)
        value = self._current.get(key, _ABSENT)
        if value is _ABSENT:
            value = self._previous.pop(key, _ABSENT)
            if value is _ABSENT:
                self.misses += 1
                value = self._current[key] = compute()
                self.fresh.append(key)
                return value
            self._current[key] = value
        if usable is not None and not usable(value):  # type: ignore[arg-type]
            self.misses += 1
            value = self._current[key] = compute()
            self.fresh.append(key)
        else:
            self.hits += 1
        return value  # type: ignore[return-value]

    def peek(self, key: Hashable) -> object | None:
        """The result kept for `key` (None for none), not counted as used: a result about to
        be replaced (`put`) must not keep its stored shard alive."""
        value = self._current.get(key, _ABSENT)
        return self._previous.get(key) if value is _ABSENT else value

    def put(self, key: Hashable, value: object) -> None:
        """Keep `value` for `key` from this build on, in place of what was kept before (the
        stored memo's later shard wins when loaded)."""
        self._previous.pop(key, None)
        self._current[key] = value
        self.fresh.append(key)
        self.replaced.add(key)

    def __contains__(self, key: Hashable) -> bool:
        """Whether `get(key, …)` would find a result (without counting it as used)."""
        return key in self._current or key in self._previous

    def sweep(self) -> None:
        self._previous, self._current = self._current, {}
        self.fresh = []
        self.replaced = set()

    def preload(self, entries: dict) -> None:
        """Results an earlier process computed (memostore): the next build finds them."""
        self._previous.update(entries)

    def used(self) -> dict:
        """The entries the build under way has asked for."""
        return self._current

    def unused(self) -> int:
        """How many entries kept from before the build under way it has not asked for."""
        return len(self._previous)


@dataclass
class Memo:
    """The caches a long-lived process (the preview server) keeps between builds."""

    documents: Cache = field(default_factory=Cache)  # file digests … → loaded + converted document
    pages: Cache = field(default_factory=Cache)  # page inputs → HTML
    written: dict[str, bytes] = field(default_factory=dict)  # what is in the output folder now
    # path → ((mtime_ns, size, inode), bytes, sha256): an unchanged file is not read or hashed
    # again by the next build of this process (the preview's); a memo that lives for one build
    # (memostore's) keeps none: its keys hold the digests, and the bytes can go once read
    sources: dict[str, tuple[tuple[int, int, int], bytes, bytes]] = field(default_factory=dict)
    keep_sources: bool = True
    shared: Cache = field(default_factory=Cache)  # a value → the equal value seen first
    # (configuration, layouts' contents) → the Jinja environment: its compiled templates are
    # kept between rebuilds (compiling them was ~3/4 of an edit's rebuild at the seed's size)
    environments: Cache = field(default_factory=Cache)

    read_now: set = field(default_factory=set)  # paths read by the build under way
    digests: SourceDigests | None = None  # sha256 of the files, kept between processes
    # where the stored memo's build keeps the documents' texts (texts.py); None: in memory
    spill: Spill | None = None

    def read(self, path: str) -> tuple[Callable[[], bytes], bytes]:
        """A source file's sha256 and a function giving its bytes: the memo's keys hold the
        digest, not the bytes (at 15,000 documents the sources' bytes were ~180 MiB held for
        the whole build and a sixth of the stored memo). With `digests` (the CLI's), a file
        unchanged since the last build is not even read unless a result must be computed."""
        if self.digests is not None:
            digest = self.digests.of(path)
            self.read_now.add(path)
            return (lambda: self.digests.load_bytes(path, digest)), digest
        stat = os.stat(path)
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        known = self.sources.get(path)
        if known is None or known[0] != signature:
            if stat.st_size > LARGEST_KEPT:  # hashed in blocks, read again if it must be
                with open(path, "rb") as stream:
                    digest = hashlib.file_digest(stream, "sha256").digest()
                self.read_now.add(path)
                return (lambda: Path(path).read_bytes()), digest
            data = Path(path).read_bytes()
            known = (signature, data, hashlib.sha256(data).digest())
            if self.keep_sources:
                self.sources[path] = known
        self.read_now.add(path)
        return (lambda data=known[1]: data), known[2]

    def same(self, value: T) -> T:
        """The equal value of an earlier build, if any: keys holding it then compare by
        identity, which is what makes a rebuild's thousands of lookups cheap."""
        return self.shared.get(value, lambda: value)

    def sweep(self) -> None:
        for cache in (self.documents, self.pages, self.shared, self.environments):
            cache.sweep()
        self.sources = {path: self.sources[path] for path in self.read_now}  # drop deleted files
        self.read_now = set()


def run_memoised(cache: Cache | None, key: Hashable, compute: Callable[[Report], T],
                 report: Report, usable: Callable[[object], bool] | None = None) -> T:
    """Run one step through `cache`: its diagnostics are kept with its result and replayed into
    `report` on a hit, so a memoised build reports exactly what a fresh one does."""
    def step() -> tuple[T, list]:
        own = Report(report.root)
        return compute(own), own.diagnostics

    value, diagnostics = cache.get(key, step, usable) if cache is not None else step()
    report.diagnostics.extend(diagnostics)
    return value
