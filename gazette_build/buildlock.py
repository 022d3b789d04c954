"""One build of a site at a time.

Two `gazette build`s of one site at once each put a complete site in place, but the record of
one's output (`uptodate`) could list the other's: a `--no-search` build's site swapped in while
a build with the index listed its output, that record said the site without an index was the
one with it, and every later build found "nothing changed". A build holds a lock on the site's
`content/` folder from its start to its end (its forked helpers with it): a folder is not
replaced by an editor's save or a `git pull` as a file is, and the lock writes nothing into the
site (a build refused at once leaves it as it was). A second build says so and waits for the
first to end. Where the file system has no locks (NFS without its lock service) the build runs
without. The preview has a lock of its own, on the site folder (`preview_guard`): it builds into
its own folder, from its own memo.
"""
from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import Callable


class BuildLock:
    """Held until `close`."""

    def __init__(self, folder: int) -> None:
        self.folder = folder

    def close(self) -> None:
        os.close(self.folder)  # the lock goes with it


def hold(root: Path, say: Callable[[str], None]) -> BuildLock | None:
    """The build lock of the site in `root`, taken (after waiting, if another build holds it);
    None where there is no `content/` to lock (the build then says so) or no lock to take."""
    try:
        folder = os.open(root / "content", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
            os.close(folder)
            return None
        say("gazette: another build of this site is running; waiting for its end")
        fcntl.flock(folder, fcntl.LOCK_EX)
    return BuildLock(folder)
