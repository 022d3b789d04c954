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

from pathlib import Path

from .. import frontmatter
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
    """The 文号 in a document file's front-matter, read as the build reads it; None without."""
    quiet = Report(document.parent)  # what is wrong with the file is the build's to say
    text = frontmatter.read_text(document, quiet)
    split = frontmatter.split(text, document, quiet) if text is not None else None
    entry = split.entries.get("number") if split else None
    return str(entry.value) if entry else None


def _holder_of(number: str, issue_dir: Path, besides: Path) -> Path | None:
    """The document of the issue other than `besides` whose 文号 is `number`, if any."""
    wanted = compared_number(number)
    return next((document for document in sorted(issue_dir.glob("*.md"))
                 if document != besides and not document.name.startswith("~$")
                 and compared_number(_number_of(document) or "") == wanted), None)


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
    stem = write.stem_for(draft.number)
    target = issue_dir / f"{stem}.md"
    holder = _holder_of(draft.number, issue_dir, besides=target)
    if holder is not None:  # the office renamed the file: an import beside it would make the
        # issue hold the 文号 twice, which the next build refuses
        if not replace:
            report.error(path, 1, "import", f"{report.relative(holder)} is already "
                         f"{draft.number}; remove it or import with --replace, which replaces "
                         "that file")
            return None
        target, stem = holder, holder.stem
    held = _number_of(target) if target.exists() else draft.number
    if compared_number(held or "") != compared_number(draft.number):
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
    if target.exists() and not replace:
        report.error(path, 1, "import", f"{report.relative(target)} already exists; remove it "
                     "or import with --replace")
        return None
    images, problems = write.image_names(draft, stem, word.images)
    for number, message in problems:
        report.warn(path, number, "image", message)
    text = write.document_text(draft, images, word.descriptions)
    for part, name in images.items():
        (issue_dir / name).write_bytes(word.images[part])
    target.write_text(text, encoding="utf-8")
    issue_yaml = issue_dir / "issue.yaml"
    if issue_yaml.is_file() and not write.add_to_issue(issue_yaml, stem):
        report.warn(issue_yaml, 1, "documents", f"add {stem} to the documents list by hand")
    return target
