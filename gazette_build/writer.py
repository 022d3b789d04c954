"""The only module that writes the output folder.

`Staging` builds the whole site in a staging folder beside the output and swaps it in, so a
reader (or a failed build) never sees a half-written site; `write_site` does it for a dict of
files. `sync_site` updates a folder in place,
writing only files whose bytes changed: the preview server uses it so rebuilds stay cheap.
"""
from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path, PurePosixPath

from . import reused, swap
from .content import is_temporary
from .errors import Report


def collect_assets(assets_dir: Path, report: Report) -> dict[str, bytes]:
    """Every file under assets/ (dotfiles skipped), keyed by its output path; a link to a file
    outside the site folder is not published."""
    files: dict[str, bytes] = {}
    if assets_dir.is_dir():
        for path in sorted(assets_dir.rglob("*")):
            relative = path.relative_to(assets_dir)
            if not path.is_file() or any(part.startswith(".") for part in relative.parts) \
                    or is_temporary(path.name):
                continue
            if not path.resolve().is_relative_to(report.root.resolve()):
                report.warn(path, 1, "assets", f"is a link to {path.resolve()}, outside the site "
                            "folder; it is not published")
                continue
            files[f"assets/{relative.as_posix()}"] = path.read_bytes()
    return files


def safe_target(output_dir: Path, relative: str) -> Path:
    """The file path for an output path; refuse paths that would leave the output folder."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"refusing to write outside the output folder: {relative}")
    return output_dir.joinpath(*pure.parts)


MARKER, MARKER_TEXT = swap.MARKER, swap.MARKER_TEXT


def output_problem(root: Path, output_dir: Path) -> str | None:
    """Why `output_dir` must not receive the site (it would be replaced whole), or None."""
    root, target = root.resolve(), output_dir.resolve()
    if target == root or root.is_relative_to(target):
        return "is the site folder or contains it; choose a folder of its own, e.g. public"
    # the sources, and gazette's own folders (a build clears what its caches do not hold:
    # `--out .gazette-cache` was reported written and was gone)
    for source in ("content", "layouts", "assets", "site.yaml", ".git", ".gazette-cache",
                   ".gazette-preview"):
        if target == root / source or target.is_relative_to(root / source):
            return f"lies in the site's {source}; choose a folder of its own, e.g. public"
    if target.exists() and not target.is_dir():
        return "is a file, not a folder"
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        return ("holds files that gazette did not write; empty it or choose another folder "
                "(it would be replaced whole)")
    return None


def write_site(files: dict[str, reused.Page], output_dir: Path) -> None:
    """Write `files` into a fresh staging folder, then swap it in place of `output_dir` with no
    window (`Staging`)."""
    staging = Staging(output_dir)
    try:
        staging.write(files)
        staging.publish()
    finally:
        staging.discard()


class Staging:
    """A new site written file by file beside the output folder, then put in its place whole
    (`publish`) with no window (`swap`); `discard` removes what is left (the old site, or the
    new one when the build failed). Pages can be written as they are rendered (`put`), so a
    build does not hold every page's bytes at once. A symbolic link to the output folder stays
    a link: its target is swapped. An output folder that cannot be renamed (a mount point) has
    its contents swapped instead, from a staging folder inside it."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir = output_dir.resolve()
        swap.recover(output_dir, MARKER)
        self.inside = os.path.ismount(output_dir)
        self.inner = output_dir / f"{swap.INNER_STAGING}{os.getpid()}"  # for a mount point
        self.folder = (self.inner if self.inside else
                       output_dir.with_name(f".{output_dir.name}.staging-{os.getpid()}"))
        self.retired = output_dir.with_name(f".{output_dir.name}.old-{os.getpid()}")
        shutil.rmtree(self.folder, ignore_errors=True)
        self._base = os.fspath(self.folder)
        self._replaced = os.fspath(output_dir)  # pages kept from there are linked, not copied
        self._made: set[str] = set()

    def put(self, relative: str, page: reused.Page) -> reused.Page:
        """Write one file now; what is handed on is where it is (`reused.Staged`)."""
        target = self._target(relative)
        written = reused.place(page, target, self._replaced)
        return reused.Staged(relative, self._base, reused.digest(page), written)

    def write(self, files: dict[str, reused.Page]) -> None:
        """Write every file not yet written; a page kept from the last output is linked from
        there. Plain strings and os calls, not pathlib: at 4,000 files a build with nothing
        changed spent a third of its writing in Path objects."""
        for relative, data in files.items():
            if isinstance(data, reused.Staged) and data.folder == self._base:
                continue
            reused.place(data, self._target(relative), self._replaced)

    def publish(self) -> None:
        if self.inside:
            _swap_contents(self.folder, self.output_dir)
            return
        os.makedirs(self._base, exist_ok=True)  # a site of no files is still a site
        try:
            _replace(self.folder, self.output_dir, self.retired)
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise
            # a mount point os.path.ismount did not see: its contents are swapped instead
            shutil.rmtree(self.inner, ignore_errors=True)
            shutil.copytree(self.folder, self.inner, copy_function=_link_or_copy)
            _swap_contents(self.inner, self.output_dir)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.retired, ignore_errors=True)
        shutil.rmtree(self.inner, ignore_errors=True)

    def _target(self, relative: str) -> str:
        if ".." in relative or relative.startswith("/") or not relative:
            safe_target(self.folder, relative)  # raises for a path that would leave the folder
        target = os.path.join(self._base, relative)
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        return target


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _replace(staging: Path, output_dir: Path, retired: Path) -> None:
    """Put `staging` at `output_dir`; the old site, if any, ends at `staging` or `retired`."""
    if not output_dir.exists():
        staging.rename(output_dir)
    elif not swap.exchange(staging, output_dir):
        # no atomic exchange here: two renames; `swap.recover` closes the gap if interrupted
        output_dir.rename(retired)
        try:
            staging.rename(output_dir)
        except OSError:
            retired.rename(output_dir)  # put the last good site back
            raise


def _swap_contents(staging: Path, output_dir: Path) -> None:
    """Replace what `output_dir` holds by what `staging` (a folder inside it) holds, entry by
    entry, for a folder that cannot be renamed: each top-level file or folder is exchanged
    whole, so none is ever missing or half-written."""
    os.makedirs(staging, exist_ok=True)
    new_names = set(os.listdir(staging))
    for name in sorted(new_names):
        current = output_dir / name
        if not (current.exists() or current.is_symlink()):
            (staging / name).rename(current)
        elif not swap.exchange(staging / name, current):
            swap.remove(current)
            (staging / name).rename(current)
    for name in os.listdir(output_dir):  # what the new site no longer has
        if name not in new_names and not name.startswith(swap.INNER_STAGING):
            swap.remove(output_dir / name)


def sync_site(files: dict[str, bytes], output_dir: Path, written: dict[str, bytes]) -> list[str]:
    """Make `output_dir` hold exactly `files`, touching only what changed; return changed paths.

    `written` is what this process last put there (updated in place): comparing with it spares
    reading the whole folder back, so the folder must be this process's alone."""
    changed = []
    for relative, data in files.items():
        if written.get(relative) == data:
            continue
        target = safe_target(output_dir, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)  # readers see the old file or the new one, never half
        written[relative] = data
        changed.append(relative)
    for relative in [r for r in written if r not in files]:
        target = safe_target(output_dir, relative)
        target.unlink(missing_ok=True)
        del written[relative]
        changed.append(relative)
        for parent in target.parents:  # remove folders the deletion left empty
            if parent == output_dir or any(parent.iterdir()):
                break
            parent.rmdir()
    return changed
