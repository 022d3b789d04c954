"""One build of a site at a time.

Two `gazette build`s of one site at once each put a complete site in place, but the record of
one's output (`uptodate`) could list the other's: a `--no-search` build's site swapped in while
a build with the index listed its output, that record said the site without an index was the
one with it, and every later build found "nothing changed". A build holds the lock in
`.gazette-cache/build.lock` from its start to its end (its forked helpers with it); a second
build says which process holds it and waits for its end. The preview has a lock of its own
(`preview_guard`): it builds into its own folder, from its own memo.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Callable, TextIO

LOCK = Path(".gazette-cache") / "build.lock"


def hold(root: Path, say: Callable[[str], None]) -> TextIO | None:
    """The build lock of the site in `root`, taken (after waiting, if another build holds it)
    and held while the returned file is open; None for a site where it cannot be written (a
    read-only folder: nothing of it to share)."""
    path = root / LOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        say(f"gazette: another build of this site is running ({holder}); waiting for its end")
        fcntl.flock(handle, fcntl.LOCK_EX)
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle
