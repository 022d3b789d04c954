"""Memoisation of build stages by their inputs, so the preview server's rebuilds redo only what
changed while running exactly the pipeline of a full build.

A `Cache` maps a stage's complete inputs (file bytes, configuration, template signature…) to its
result. Each build reads through it; `sweep()` after the build drops the entries no longer used,
so a long preview session does not accumulate every past version of every file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, TypeVar

from .errors import Report

T = TypeVar("T")


class Cache:
    """Results keyed by inputs; entries not used since the last sweep are dropped by `sweep`."""

    def __init__(self) -> None:
        self._previous: dict[Hashable, object] = {}
        self._current: dict[Hashable, object] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key in self._current:
            self.hits += 1
            return self._current[key]  # type: ignore[return-value]
        if key in self._previous:
            self.hits += 1
            value = self._previous.pop(key)
        else:
            self.misses += 1
            value = compute()
        self._current[key] = value
        return value  # type: ignore[return-value]

    def sweep(self) -> None:
        self._previous, self._current = self._current, {}


@dataclass
class Memo:
    """The caches a long-lived process (the preview server) keeps between builds."""

    documents: Cache = field(default_factory=Cache)  # file bytes … → loaded + converted document
    pages: Cache = field(default_factory=Cache)  # page inputs → HTML
    written: dict[str, bytes] = field(default_factory=dict)  # what is in the output folder now

    def sweep(self) -> None:
        self.documents.sweep()
        self.pages.sweep()


def run_memoised(cache: Cache | None, key: Hashable, compute: Callable[[Report], T],
                 report: Report) -> T:
    """Run one step through `cache`: its diagnostics are kept with its result and replayed into
    `report` on a hit, so a memoised build reports exactly what a fresh one does."""
    def step() -> tuple[T, list]:
        own = Report(report.root)
        return compute(own), own.diagnostics

    value, diagnostics = cache.get(key, step) if cache is not None else step()
    report.diagnostics.extend(diagnostics)
    return value
