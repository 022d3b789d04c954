"""Put a new folder in place of an old one with no window in which neither is there.

On Linux `renameat2(RENAME_EXCHANGE)` swaps two paths in one step: at every instant the output
path holds the old complete site or the new one. Where the call is missing (another system, a
file system that does not support it) the fallback is two renames — old aside, new in — whose
short gap an interrupted build can leave open; `recover` closes it on the next build by putting
the set-aside copy back. Folders a build leaves beside the output carry its process id, so the
next build removes those of processes that are gone and never those of one still running.
"""
from __future__ import annotations

import ctypes
import errno
import os
import shutil
from functools import lru_cache
from pathlib import Path

# left in every output folder: only such a folder is replaced (here, not in writer: the CLI's
# nothing-changed path needs it without importing the content stages)
MARKER = ".gazette-output"
MARKER_TEXT = b"This folder is written by gazette build and replaced whole by the next build.\n"
INNER_STAGING = ".gazette-staging-"  # inside an output folder that cannot be renamed
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@lru_cache(maxsize=1)
def _renameat2():
    """libc's renameat2, looked up on first use among the symbols the process has loaded (not
    through ctypes.util.find_library, which runs ldconfig: ~6 ms of every build's start)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a libc older than glibc 2.28
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False when this system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                 _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # no support here: fall back
        return False
    raise OSError(code, os.strerror(code), str(second))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def owner_pid(name: str, prefix: str) -> int | None:
    """The process id in a left-over's name `<prefix><pid>[-…]`, or None if it has none."""
    digits = name[len(prefix):].split("-", 1)[0]
    return int(digits) if name.startswith(prefix) and digits.isdigit() else None


def abandoned(folder: Path, prefix: str) -> list[Path]:
    """Entries of `folder` named `<prefix><pid>…` whose process no longer runs, oldest first."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        pid = owner_pid(entry.name, prefix)
        if pid is not None and pid != os.getpid() and not process_alive(pid):
            found.append(Path(entry.path))
    return sorted(found, key=lambda path: path.lstat().st_mtime_ns)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


SEARCH = "search"  # the search indexer's folder beside the output: `beside(output, SEARCH)`


def beside(output_dir: Path, kind: str) -> Path:
    """This process's folder of `kind` beside the output folder (.public.search-<pid>)."""
    return output_dir.with_name(f".{output_dir.name}.{kind}-{os.getpid()}")


def recover(output_dir: Path, marker: str) -> Path | None:
    """Put back the site an interrupted build set aside when the output path is missing (only
    a folder holding `marker`, the output's own mark), and remove what interrupted builds left
    beside the output and inside it; return the restored path, if any."""
    parent, name = output_dir.parent, output_dir.name
    restored = None
    old_copies = abandoned(parent, f".{name}.old-")
    if not output_dir.exists() and not output_dir.is_symlink() and old_copies:
        newest = old_copies.pop()
        if (newest / marker).exists():
            newest.rename(output_dir)
            restored = output_dir
    for left_over in (old_copies + abandoned(parent, f".{name}.staging-")
                      + abandoned(parent, f".{name}.{SEARCH}-")
                      + abandoned(output_dir, INNER_STAGING)):
        remove(left_over)
    return restored
