"""The only module that writes the output folder.

`write_site` builds the whole site in a staging folder beside the output and swaps it in, so a
reader (or a failed build) never sees a half-written site. `sync_site` updates a folder in place,
writing only files whose bytes changed: the preview server uses it so rebuilds stay cheap.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath


def collect_assets(assets_dir: Path) -> dict[str, bytes]:
    """Every file under assets/ (dotfiles skipped), keyed by its output path."""
    files: dict[str, bytes] = {}
    if assets_dir.is_dir():
        for path in sorted(assets_dir.rglob("*")):
            relative = path.relative_to(assets_dir)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                files[f"assets/{relative.as_posix()}"] = path.read_bytes()
    return files


def safe_target(output_dir: Path, relative: str) -> Path:
    """The file path for an output path; refuse paths that would leave the output folder."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"refusing to write outside the output folder: {relative}")
    return output_dir.joinpath(*pure.parts)


def write_site(files: dict[str, bytes], output_dir: Path) -> None:
    """Write `files` into a fresh staging folder, then swap it in place of `output_dir`."""
    staging = output_dir.with_name(f".{output_dir.name}.staging-{os.getpid()}")
    retired = output_dir.with_name(f".{output_dir.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for relative, data in files.items():
            target = safe_target(staging, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if output_dir.exists():
            output_dir.rename(retired)
        staging.rename(output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)


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
