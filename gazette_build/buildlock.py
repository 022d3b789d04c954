"""One build of a site at a time.

Two `gazette build`s of one site at once each put a complete site in place, but the record of
one's output (`uptodate`) could list the other's: a `--no-search` build's site swapped in while
a build with the index listed its output, that record said the site without an index was the
one with it, and every later build found "nothing changed". A build holds a lock on the site's
`site.yaml` from its start to its end (its forked helpers with it), which writes nothing into
the site (a build refused at once leaves it as it was); a second build says so and waits for
the first to end. The preview has a lock of its own, on the site folder (`preview_guard`): it
builds into its own folder, from its own memo.
"""
from __future__ import annotations

import fcntl
from pathlib import Path
from typing import BinaryIO, Callable


def hold(root: Path, say: Callable[[str], None]) -> BinaryIO | None:
    """The build lock of the site in `root`, taken (after waiting, if another build holds it)
    and held while the returned file is open; None where there is no `site.yaml` to lock (the
    build then says that it is missing)."""
    try:
        handle = open(root / "site.yaml", "rb")
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        say("gazette: another build of this site is running; waiting for its end")
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle
