"""`gazette import`: the offices' Word files (.docx) become documents of an issue folder.

Read top-down: package.py reads the .docx parts (paragraphs, tables, images, what cannot be
placed), numbering.py resolves Word's automatic numbering to the labels Word shows, recognise.py
finds the 公文's parts (文号, title, body, signature block, attachments), write.py writes the
Markdown document, its images and the issue.yaml entry. Problems are diagnostics naming the Word
file and its paragraph (`file.docx:12: field: paragraph 12 “…”: message`); a file with errors
writes nothing. A published issue takes no import at all, and `--replace` replaces only the
document of the same 文号, under whatever name the office gave its file.
"""
from __future__ import annotations

import os
from pathlib import Path

from .. import frontmatter
from ..content import MAX_DOCUMENT_BYTES, is_temporary
from ..errors import Report
from ..model import compared_number
from ..record import frozen
from . import package, recognise, write


def import_documents(paths: list[Path], issue_dir: Path, report: Report,
                     replace: bool = False) -> list[Path]:
    """Import each Word file into `issue_dir`; return the Markdown files written."""
    if _is_published(issue_dir, report):
        return []
    written = []
    for path in paths:
        target = import_one(path, issue_dir, report, replace)
        if target is not None:
            written.append(target)
    return written


def _is_published(issue_dir: Path, report: Report) -> bool:
    """Refuse a published issue before anything is written: it is frozen (record/frozen.py),
    and an import that overwrote or added a document of it was refused only by the next build."""
    issue_yaml = issue_dir / "issue.yaml"
    lines = issue_yaml.read_text(encoding="utf-8", errors="replace").split("\n") \
        if issue_yaml.is_file() else []
    line = next((number for number, text in enumerate(lines, start=1)
                 if (key := frozen.KEY_LINE.match(text)) and key[1] == "published"), None)
    if line is None and not frozen.is_recorded(issue_dir):
        return False
    report.error(issue_yaml, line or 1, "published", f"{frozen.issue_label(issue_dir)} is "
                 "published and frozen: nothing is imported into it — a new document belongs to "
                 "a later issue, and a published document changes only by a 勘误 "
                 "(`corrects: 文号`) in a later issue")
    return True


def _number_of(document: Path) -> str | None:
    """The 文号 in a document file's front-matter, read as the build reads it; None without
    (or when the file cannot be read)."""
    quiet = Report(document.parent)  # what is wrong with the file is the build's to say
    try:
        text = frontmatter.read_text(document, quiet)
    except OSError:
        return None
    split = frontmatter.split(text, document, quiet) if text is not None else None
    entry = split.entries.get("number") if split else None
    return str(entry.value) if entry else None


def _documents(issue_dir: Path, root: Path) -> list[Path]:
    """The issue's document files as the build takes them (*.md, neither hidden nor an
    editor's temporary file) that are regular files of a size a document may have, or links to
    one inside the site folder: a folder, a pipe or a link to a device named *.md is never
    opened."""
    found = []
    inside = os.path.join(os.path.realpath(root), "")
    for entry in os.scandir(issue_dir):
        name = entry.name
        if not name.endswith(".md") or name.startswith(".") or is_temporary(name):
            continue
        try:
            if entry.is_symlink() and not os.path.realpath(entry.path).startswith(inside):
                continue
            if entry.is_file() and entry.stat().st_size <= MAX_DOCUMENT_BYTES:
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


def _holders(number: str, issue_dir: Path, root: Path) -> list[Path]:
    """The documents of the issue whose 文号 is `number` (in NFKC form)."""
    wanted = compared_number(number)
    return [document for document in _documents(issue_dir, root)
            if compared_number(_number_of(document) or "") == wanted]


def import_one(path: Path, issue_dir: Path, report: Report, replace: bool = False) -> Path | None:
    try:
        word = package.read(path)
    except package.DocxError as exc:
        report.error(path, 1, "docx", f"{path.name} {exc}")
        return None
    draft = recognise.recognise(word)
    for number, field_name, message in draft.warnings:
        report.warn(path, number, field_name, message)
    for number, field_name, message in draft.errors:
        report.error(path, number, field_name, message)
    if draft.errors:
        return None
    standard = issue_dir / f"{write.stem_for(draft.number)}.md"
    holders = _holders(draft.number, issue_dir, report.root)
    if len(holders) > 1:
        report.error(path, 1, "import", f"{' and '.join(report.relative(h) for h in holders)} "
                     f"all hold {draft.number} already, which the build refuses: keep one of "
                     "them, then import again")
        return None
    # the office may have renamed the file: it is replaced under its own name
    target = holders[0] if holders else standard
    stem = target.stem
    if os.path.lexists(target) and (os.path.islink(target) or not target.is_file()):
        report.error(path, 1, "import", f"{report.relative(target)} is not a file of the "
                     "issue (a link, a folder or a pipe): the import writes only the issue's "
                     "own files; remove it, then import again")
        return None
    if holders and not replace:
        report.error(path, 1, "import", f"{report.relative(target)} already exists; remove it "
                     "or import with --replace" if target == standard else
                     f"{report.relative(target)} is already {draft.number}; remove it or "
                     "import with --replace, which replaces that file")
        return None
    if not holders and target.exists():
        held = _number_of(target)
        # the file name is the 文号's pinyin, so 市政办发 and 市政半发 (a homophone an input
        # method offers) share one. Most likely one of the two is mistyped: the office checks it
        # rather than find one document replaced by another or a second under a made-up name,
        # neither of which a published issue could take back but by a 勘误
        report.error(path, 1, "import", f"{report.relative(target)} is "
                     f"{held or 'a document without a 文号'}, not {draft.number}, whose file name "
                     f"would be the same; check the 文号 of {path.name} (a homophone the input "
                     "method offered?) — if both are right, rename that file (and its entry in "
                     "issue.yaml) and import again")
        return None
    images, problems = write.image_names(draft, stem, word.images)
    for number, message in problems:
        report.warn(path, number, "image", message)
    text = write.document_text(draft, images, word.descriptions)
    for part, name in images.items():
        write.replace_file(issue_dir / name, word.images[part])
    write.replace_file(target, text.encode("utf-8"))
    issue_yaml = issue_dir / "issue.yaml"
    if issue_yaml.is_file() and not write.add_to_issue(issue_yaml, stem):
        report.warn(issue_yaml, 1, "documents", f"add {stem} to the documents list by hand")
    return target
