"""Frozen published issues. `published: 2024-03-06` in issue.yaml makes the next build record
the issue in `content/<year>/<NN>/.published/`, kept in the repository:

- `manifest-sha256.txt`: SHA-256 of every source file of the issue as published, in the
  manifest format of BagIt (RFC 8493) and of `sha256sum -c`, paths from the site folder;
- `outputs-sha256.txt`: SHA-256 of the issue's PDFs as laid out (unsigned bytes: layout is
  reproducible, signatures are not), paths from the output folder;
- `lines.json`: a short hash of each line of each text source, so that a change is located
  at its line without keeping a second copy of the text.

It is not a whole BagIt bag: a bag keeps its payload under data/, which would duplicate the
archive. From then on every build refuses a change to the issue's sources, naming the file and
line, except the allowed corrections: a document's `status`, `repealed_by` and `amended_by`
lines may change (a 勘误 itself is a new document in a later issue)."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Report

RECORD_DIR = ".published"
MANIFEST = "manifest-sha256.txt"
OUTPUTS = "outputs-sha256.txt"
LINES = "lines.json"
# front-matter fields that may change after publication: they say how a document stands
# now, not what was published
ALLOWED_FIELDS = ("status", "repealed_by", "amended_by")
KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:")
ADVICE = "publish a 勘误 in a later issue instead (only status, repealed_by and amended_by may change)"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_files(folder: Path) -> list[Path]:
    """Every file of the issue folder, its record and dotfiles aside, in a stable order."""
    return sorted(path for path in folder.rglob("*") if path.is_file()
                  and not any(part.startswith(".") for part in path.relative_to(folder).parts))


def frozen_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the lines publication freezes: all but the allowed front-matter
    fields (with their list items)."""
    lines = text.split("\n")
    end = _front_matter_end(lines)
    kept, skipping = [], False
    for index, line in enumerate(lines):
        if 0 < index < end:
            key = KEY_LINE.match(line)
            if key:
                skipping = key[1] in ALLOWED_FIELDS
            elif line[:1] not in (" ", "\t", "-", "") and not line.startswith("#"):
                skipping = False
            if skipping:
                continue
        kept.append((index + 1, line))
    return kept


def _front_matter_end(lines: list[str]) -> int:
    if not lines or lines[0].strip() != "---":
        return 0
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return index
    return 0


def _line_hash(line: str) -> str:
    return sha256(line.rstrip("\r").encode())[:16]


def record_dir(folder: Path) -> Path:
    return folder / RECORD_DIR


def is_recorded(folder: Path) -> bool:
    """Whether the issue has its record: a build has frozen it."""
    return (record_dir(folder) / MANIFEST).is_file()


def issue_label(folder: Path) -> str:
    return f"{folder.parent.name}年第{int(folder.name)}期"


def record(folder: Path, root: Path, published: str, outputs: dict[str, bytes]) -> None:
    """Write the issue's record (manifest of sources, of outputs, line hashes)."""
    target = record_dir(folder)
    target.mkdir(exist_ok=True)
    sources = source_files(folder)
    manifest = "".join(f"{sha256(path.read_bytes())}  {path.relative_to(root).as_posix()}\n"
                       for path in sources)
    lines = {path.relative_to(root).as_posix(): [_line_hash(line) for _, line in
                                                 frozen_lines(text)]
             for path in sources if (text := _text(path)) is not None}
    (target / MANIFEST).write_text(manifest, encoding="utf-8")
    (target / OUTPUTS).write_text(_outputs_manifest(outputs), encoding="utf-8")
    (target / LINES).write_text(json.dumps({"published": published, "lines": lines},
                                           ensure_ascii=False, indent=0) + "\n",
                                encoding="utf-8")


def _outputs_manifest(outputs: dict[str, bytes]) -> str:
    return "".join(f"{sha256(data)}  {path}\n" for path, data in sorted(outputs.items()))


def _text(path: Path) -> str | None:
    if path.suffix not in (".md", ".yaml", ".yml", ".txt"):
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def _read_manifest(path: Path) -> dict[str, str]:
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            entries[name] = digest
    return entries


def check_sources(folder: Path, root: Path, report: Report) -> int:
    """Report every change to a recorded issue's sources, at its file and line; return the
    number of files checked (0 when the issue has no record)."""
    target = record_dir(folder)
    if not is_recorded(folder):
        return 0
    label = issue_label(folder)
    try:
        manifest = _read_manifest(target / MANIFEST)
        recorded = json.loads((target / LINES).read_text(encoding="utf-8"))
        lines, published = recorded["lines"], recorded["published"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.error(target / LINES, 1, "published", f"the record of {label} is damaged "
                     f"({exc}); restore it from the repository")
        return 0
    frozen = f"{label} was published on {published} and is frozen"
    present = {path.relative_to(root).as_posix(): path for path in source_files(folder)}
    for name, path in present.items():
        if name not in manifest:
            report.error(path, 1, "published", f"{frozen}: this file was not in the published "
                         "issue; a new document belongs to a later issue")
            continue
        data = path.read_bytes()
        if sha256(data) == manifest[name]:
            continue
        text = _text(path)
        if text is None or name not in lines:
            report.error(path, 1, "published", f"{frozen}: the file differs from the "
                         f"published one; {ADVICE}")
            continue
        changed = _first_change(frozen_lines(text), lines[name])
        if changed is not None:
            report.error(path, changed, "published", f"{frozen}: line {changed} differs from "
                         f"the published text; {ADVICE}")
    issue_yaml = folder / "issue.yaml"
    for name in manifest:
        if name not in present:
            report.error(issue_yaml, 1, "published", f"{frozen}: {name} was removed from it; "
                         "restore the file")
    return len(manifest)


def _first_change(current: list[tuple[int, str]], recorded: list[str]) -> int | None:
    """The line number (in the current file) of the first frozen line that differs from the
    record, or None when the frozen lines are all as published."""
    for (number, line), digest in zip(current, recorded):
        if _line_hash(line) != digest:
            return number
    if len(current) > len(recorded):
        return current[len(recorded)][0]
    if len(current) < len(recorded):  # lines removed at the end: name the last line left
        return current[-1][0] if current else 1
    return None


@dataclass(frozen=True)
class OutputCheck:
    """How the PDFs laid out now compare with those recorded at publication."""

    checked: int
    differing: tuple[str, ...]
    missing: tuple[str, ...]


def check_outputs(folder: Path, outputs: dict[str, bytes]) -> OutputCheck | None:
    """Compare freshly laid-out PDFs with the record; None when the issue has no record."""
    path = record_dir(folder) / OUTPUTS
    if not path.is_file():
        return None
    recorded = _read_manifest(path)
    differing = tuple(name for name, data in sorted(outputs.items())
                      if name in recorded and sha256(data) != recorded[name])
    missing = tuple(name for name in recorded if name not in outputs)
    return OutputCheck(len(recorded), differing, missing)
