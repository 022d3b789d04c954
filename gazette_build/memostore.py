"""The build memo kept on disk (`.gazette-cache/memo/`), so a build in a fresh process redoes
only what changed since the last one, as the preview does within its own process.

It is the preview's `Memo` itself, saved and loaded: the keys hold the stages' complete inputs
(file bytes, the configuration, the layouts' contents), so a result read back is exactly what
computing it again would give. What the keys cannot see — this program's own code and the
libraries it renders with — names the folder the entries live in: another version never reads
them.

The memo is saved as a log of shards: a build appends one shard holding only what it computed,
and rewrites the whole memo into a single shard only when dead entries (results no build uses
any more) outweigh live ones. Each shard (`memoshard`) starts with the sha256 of its pickles,
and each text in it carries its own: a shard whose pickles do not match is dropped with a
warning and its entries are computed again; a text that does not match when it is read stops
the build, which drops the memo and starts again (cli.py).

The shards are pickles. They are read only from the site's own `.gazette-cache/`, written by
this program: whoever can write there can also change the content and the layouts.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import Report
from . import memoshard, reused, texts
from .memo import Memo
from .model import Document, Issue, PageSignature, SiteConfig
from .uptodate import installed_packages, package_digest

FOLDER = Path(".gazette-cache") / "memo"
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
        # the stored entries this build did not ask for are those still waiting in the caches;
        # a shard holding none it asked for goes (each shard asked until one key is found: a
        # count of every key hashed them all again, 6,600 at 1,500 documents)
        dead = sum(cache.unused() for cache in self.caches.values())
        replaced = {name: cache.replaced for name, cache in self.caches.items()}
        for shard, keys in list(self.shards.items()):  # (a result `put` anew lives in the new one)
            if not any(key in used[name] and key not in replaced[name]
                       for name, names in keys.items() for key in names):
                _unlink(shard)
                del self.shards[shard]
                dead -= sum(map(len, keys.values()))
        live = sum(len(names) for keys in self.shards.values() for names in keys.values()) - dead
        if dead > live or len(self.shards) >= MAX_SHARDS:
            memoshard.write(self.folder, *_by_issue(self._placed(used, written, output)),
                            spill=self.memo.spill)
            for shard in self.shards:
                _unlink(shard)
        else:
            fresh = {name: _present(used[name], cache.fresh)
                     for name, cache in self.caches.items()}
            if any(fresh.values()):
                memoshard.write(self.folder, *_by_issue(self._placed(fresh, written, output)),
                                spill=self.memo.spill)
        for cache in self.caches.values():
            cache.sweep()

    @staticmethod
    def _placed(entries: dict, written: dict | None, output: Path | None) -> dict:
        """`entries` with the pages written by this build kept as their published files (only
        those of the entries to be saved: the others were stored so already)."""
        if written is None or output is None:
            return entries
        return {**entries, "pages": reused.refer(entries["pages"], written, output)}


def _present(entries: dict, keys: list) -> dict:
    """{key: result} of `keys` that `entries` holds, each key hashed once."""
    found = {}
    for key in keys:
        result = entries.get(key, _ABSENT)
        if result is not _ABSENT:
            found[key] = result
    return found


_ABSENT = object()


def _by_issue(entries: dict[str, dict]) -> tuple[list[dict[str, dict]], tuple]:
    """`entries` ({cache name: {key: result}}) in groups by the issue folder each key names
    (its source file, its document or its issue), the site-wide ones last: a shard pickles
    each group apart (memoshard), and what one issue's results share stays within it. With
    them, what the keys of several groups hold (the configuration, the layouts' signature)."""
    groups: dict[str, dict[str, dict]] = {}
    seen: dict[int, tuple[object, str]] = {}  # id of a key's value → (it, the first group)
    common: dict[int, object] = {}
    for name, results in entries.items():
        for key, result in results.items():
            folder = _issue_folder(key)
            groups.setdefault(folder, {}).setdefault(name, {})[key] = result
            for value in key if isinstance(key, tuple) else ():
                if isinstance(value, (tuple, SiteConfig, PageSignature)):
                    first = seen.setdefault(id(value), (value, folder))
                    if first[1] != folder:
                        common[id(value)] = value
    site_wide = groups.pop("", None)
    return list(groups.values()) + ([site_wide] if site_wide else []), tuple(common.values())


def _issue_folder(key) -> str:
    """The issue folder a memo key names: a source file's path (its first value), or the
    first document or issue among its values or theirs; "" for none."""
    if isinstance(key, tuple) and key and isinstance(key[0], str) and key[0].endswith(
            (".md", "issue.yaml")):
        return os.path.dirname(key[0])
    for value in key if isinstance(key, tuple) else ():
        for item in (value, *(value if isinstance(value, tuple) else ())):
            if isinstance(item, (Document, Issue)):
                return os.path.dirname(item.path)  # not Path.parent: a new Path each time
    return ""


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
    try:  # the documents' texts wait there, not in memory, while the build runs (texts.py)
        stored.memo.spill = texts.Spill(base.parent, reserve=memoshard.HEADER)
    except OSError:  # a site folder that cannot be written to: they are held in memory
        pass
    for shard in sorted(folder.glob("*.memo")) if folder.is_dir() else ():
        try:
            payload = memoshard.read(shard)
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


def forget(root: Path) -> None:
    """Drop the stored memo of every version (one of its texts was found damaged)."""
    shutil.rmtree(root / FOLDER, ignore_errors=True)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
