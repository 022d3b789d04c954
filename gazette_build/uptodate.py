"""Whether the output folder already holds what a build would write now, so that `gazette build`
with nothing changed ends in a fraction of a second, before the renderer is even imported.

After a complete build the CLI `record`s `.gazette-cache/built/<options>.json` (one record per
set of options, so builds into two folders keep both): the build's options, a
sha256 over everything the output depends on, and the output folder as written (each file's
size, modification time and inode). The next build `matches` it first:

- the inputs by their contents (each file's sha256, read again only for the files saved since
  the last build: `sourcedigests`): site.yaml, every file under content/, layouts/ and assets/,
  this program's own source, the installed packages (names and versions), and — when the build
  prints or indexes — the font folders' modification times (fontconfig's own test for a font
  added or removed) and the Pagefind indexer;
- the output by a walk of the folder: the same files with the same size, time and inode, nothing
  added, nothing missing (a file changed or removed by hand means a full build), reached by the
  same path (a link on it pointed at another folder means a full build).

Anything unreadable, another option, or a build that signs its PDFs (a signature is made with the
key at hand, whose passphrase must be checked) means a full build. The inputs are hashed before
the build and again after it: a file saved while it ran leaves no record, so its change is
never taken as built.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from .sourcedigests import SourceDigests

RECORDS = Path(".gazette-cache") / "built"
FORMAT = 2  # 2: each input file counted by its sha256
SOURCES = ("site.yaml", "content", "layouts", "assets")
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def options(*, out: Path | None, with_pdf: bool, with_search: bool, press: bool) -> dict:
    """The build options that change the output (not --jobs or --cluster: where PDFs are laid
    out changes nothing in them)."""
    return {"out": str(out) if out else None, "pdf": with_pdf, "search": with_search,
            "press": press}


def inputs_digest(root: Path, chosen: dict, sources: SourceDigests | None = None) -> str | None:
    """sha256 over everything the output of a build with `chosen` options depends on; None when
    something cannot be read (then no build is taken as current). Each file counts by its own
    sha256, which `sources` gives without reading the files unchanged since it last did."""
    sources = sources or SourceDigests(root)
    digest = hashlib.sha256(json.dumps([FORMAT, chosen], sort_keys=True).encode())
    try:
        for name in SOURCES:
            for relative, path in _files(root / name, name):
                digest.update(f"{relative}\0".encode())
                digest.update(sources.of(path))
        digest.update(package_digest().encode())
        digest.update("\0".join(installed_packages()).encode())
        if chosen["pdf"]:
            digest.update(repr(_font_folders()).encode())
        if chosen["search"]:
            binary = os.environ.get("PAGEFIND_BINARY_PATH", "")
            digest.update(f"\0{binary}\0{_signature(binary) if binary else ''}".encode())
    except (OSError, UnicodeError):
        return None
    return digest.hexdigest()


@lru_cache(maxsize=1)
def package_digest() -> str:
    """sha256 over this package's source files (their paths and bytes): results made by another
    version of the code are never taken as current (here and in the stored memo)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for relative, path in _files(package, ""):
        if relative.endswith(".py"):
            digest.update(relative.encode() + b"\0")
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def matches(root: Path, chosen: dict, inputs: str | None) -> dict | None:
    """The record of the last build when it was made from these inputs with these options and
    its output folder is exactly as it left it, else None."""
    if inputs is None:
        return None
    try:
        record = json.loads(record_path(root, chosen).read_text(encoding="utf-8"))
        if record.get("format") != FORMAT or record.get("options") != chosen \
                or record.get("inputs") != inputs:
            return None
        target = Path(record["target"])
        # a link on the output path pointed elsewhere since: that folder was not built
        if Path(record["written"]).resolve() != target or \
                output_listing(target) != record["output"]:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return record


def record(root: Path, chosen: dict, inputs: str | None, written: Path, summary: dict,
           sources: SourceDigests | None = None) -> None:
    """Keep what this build wrote to `written` (the output path as given, before links are
    resolved), if its inputs are still those it started from; `summary` (counts and the
    warnings' lines) is what the CLI says again when nothing has changed."""
    path = record_path(root, chosen)
    try:
        path.unlink(missing_ok=True)  # the output has changed: the old record no longer holds
        if sources is not None:
            sources.recheck()  # each file opened again: one saved during the build is seen
        if inputs is None or inputs_digest(root, chosen, sources) != inputs:
            return
        target = written.resolve()
        data = {"format": FORMAT, "options": chosen, "inputs": inputs, "written": str(written),
                "target": str(target), "output": output_listing(target), "summary": summary}
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".built-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(data, ensure_ascii=False))  # dump() writes in pieces: slow
        os.replace(temporary, path)
    except OSError:  # no record costs the next build its shortcut, nothing else
        pass


def drop(root: Path, chosen: dict) -> None:
    """Drop the record of a build with `chosen` options (it said less than the build did)."""
    try:
        record_path(root, chosen).unlink(missing_ok=True)
    except OSError:
        pass


def forget(root: Path) -> None:
    """Drop every record (a build that signs leaves none)."""
    shutil.rmtree(root / RECORDS, ignore_errors=True)


def record_path(root: Path, chosen: dict) -> Path:
    name = hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()[:16]
    return root / RECORDS / f"{name}.json"


def output_listing(folder: Path) -> dict[str, list[int]]:
    """{relative path: [size, mtime_ns, inode]} of every file under `folder`, but for a build's
    staging folder inside it (an output that is a mount point: swap.py): the old site it holds
    is being deleted while the output is recorded, and one an interrupted build left is removed
    by the next build, changed or not (`swap.recover`)."""
    from .swap import INNER_STAGING

    listing: dict[str, list[int]] = {}
    pending = [(os.fspath(folder), "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if not prefix and entry.name.startswith(INNER_STAGING):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    stat = entry.stat(follow_symlinks=False)
                    listing[prefix + entry.name] = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    return listing


def _files(folder: Path, prefix: str) -> list[tuple[str, str]]:
    """(relative path, path) of every file under `folder` (or `folder` itself), sorted."""
    if not os.path.isdir(folder):
        return [(prefix, os.fspath(folder))] if os.path.exists(folder) else []
    found = []
    for directory, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if name != "__pycache__"]
        relative = os.path.relpath(directory, folder)
        for name in names:
            inner = name if relative == "." else f"{relative}/{name}"
            found.append((f"{prefix}/{inner}" if prefix else inner, os.path.join(directory, name)))
    return sorted(found)


def installed_packages() -> list[str]:
    """The names of the installed distributions' metadata folders (name and version), from the
    folders Python imports from: an upgraded library may render otherwise."""
    names = []
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            names.extend(name for name in os.listdir(entry)
                         if name.endswith((".dist-info", ".egg-info")))
    return sorted(names)


def installed_version(distribution: str) -> str | None:
    """A distribution's version, None when it is not installed. Read from the name of its
    metadata folder (name-version.dist-info): importlib.metadata, and the email package it
    reads metadata with, took ~15 ms of a build that only wanted a version for a cache key;
    it is asked only for a distribution installed without such a folder."""
    prefix = distribution.replace("-", "_").lower() + "-"
    for folder in installed_packages():
        if folder.lower().startswith(prefix) and folder.endswith(".dist-info"):
            return folder[len(prefix):-len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _font_folders() -> list[tuple[str, int]]:
    """(folder, mtime_ns) of every font folder: adding or removing a font changes its folder's
    time, which is how fontconfig itself knows its cache is stale."""
    found = []
    for top in FONT_FOLDERS:
        top = os.path.expanduser(top)
        for directory, _, _ in os.walk(top):
            found.append((directory, os.stat(directory).st_mtime_ns))
    return sorted(found)


def _signature(path: str) -> tuple[int, int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns, stat.st_ino
