"""Discover issue folders and load `issue.yaml` and the documents' front-matter and bodies."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import fanout, markdown, textcheck, texts
from .errors import Report
from .memo import Memo, run_memoised
from .frontmatter import decode_text, split, too_large, yaml_too_large
from .model import Document, SiteConfig, compared_number
from .yamlschema import Field, load_mapping, validate

ISSUE_FIELDS = (
    Field("year", "int", True),
    Field("number", "int", True),
    Field("total", "int", True),
    Field("date", "date", True),
    Field("documents", "str-list"),
    Field("printed_pages", "mapping"),
    Field("published", "date"),
)
DOCUMENT_FIELDS = (
    Field("title", "str", True),
    Field("number", "str", True),
    Field("date", "date", True),
    Field("issuer", "str", True),
    Field("section", "str"),
    Field("disclosure", "str"),
    Field("notes", "str-list"),
    Field("title_lines", "str-list"),
    # 政务公开 metadata (conventions §5.3), shown in the information box when given
    Field("keywords", "str-list"),      # 主题词
    Field("index_number", "str"),       # 索引号 after the organisation code: 2024-00012
    Field("topic", "str"),              # 主题分类, e.g. 综合政务\政务公开
    Field("validity", "str"),           # 有效性, e.g. 现行有效
    Field("status", "str"),
    Field("corrects", "str"),
    Field("repealed_by", "str"),
    Field("amended_by", "str-list"),
)
# 有效性 a document may carry (conventions §5.3); the relations name other documents by 文号
STATUSES = ("现行有效", "已修改", "已废止", "已失效", "部分有效")
RELATIONS = ("corrects", "repealed_by", "amended_by")
YEAR_DIR = re.compile(r"^\d{4}$")
ISSUE_DIR = re.compile(r"^\d{2}$")
STEM = re.compile(r"^[a-z0-9][a-z0-9-]*$")
INDEX_NUMBER = re.compile(r"^\d{4}-\d{5}$")  # year - 5-digit serial (目录系统实施指引)
# 发文字号: 机关代字〔年份〕序号号 (GB/T 9704 §7.2.5)
# a serial of at most six digits: a real one has three or four, and a longer one is read as
# an int (Python refuses 4,300 digits and more: a traceback)
DOC_NUMBER = re.compile(r"^(?P<code>[\u4e00-\u9fff]+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d{0,5})号$")
LONG_SERIAL = re.compile(r"^(?P<start>[\u4e00-\u9fff]+〔\d{4}〕)(?P<serial>\d{7,})号$")
WRONG_BRACKETS = re.compile(r"^(?P<code>[\u4e00-\u9fff]+)\s*[\[【（(［〔](?P<year>\d{4})[\]】）)］〕]\s*"
                            r"(?P<serial>\d{1,6})\s*号$")


# what word processors and editors leave beside a file while it is open or being saved (Word/WPS
# `~$x.md`, LibreOffice `.~lock.x#`, vim `.x.swp`, Emacs `x~` and `.#x`): never content
TEMPORARY = re.compile(r"^~\$|^\.~lock\.|^\.#|\.sw[a-p]$|~$")
# names the output derives from a document's stem, the longest first: the preview's temporary
# copy of its PDF `.<stem>.pdf.tmp`; each must fit the file system's limit on one name
LONGEST_DERIVED_NAME = ".{stem}.pdf.tmp"
# the bytes a document file may hold: the longest of the seed is 30 KB, a regulation with its
# tables ~200 KB. The work grows with the size (a 9 MB document of text builds; a table of 5
# MB takes 9 s and 580 MB to convert): this bounds it at about twice that
MAX_DOCUMENT_BYTES = 10 << 20
# markdown-it holds ~1.7 KB for each table cell it reads, and pads a short row to the header's
# columns: a 1.2 MB table of 600,000 cells took 1 GB (3 MB a MemoryError), ten tables of 100
# columns with rows of one word (21 KB) 806 MB. A statistics table of 500 rows of 20 has 10,000
MAX_CELLS = 50_000


def is_temporary(name: str) -> bool:
    return TEMPORARY.search(name) is not None


@dataclass(frozen=True, slots=True)
class IssueSource:
    """An issue folder as read from disk, before its documents are grouped into sections."""

    folder: Path
    yaml_path: Path
    year: int
    number: int
    total: int
    date: dt.date
    total_line: int
    documents: tuple[Document, ...]
    printed_pages: tuple[tuple[str, int, int], ...] = ()  # (stem, page as printed, line)
    published: dt.date | None = None  # the issue is frozen from then on (record.frozen)


def discover_issue_folders(config: SiteConfig, report: Report) -> list[Path]:
    """Return `content/<year>/<NN>/` folders in sorted order; report misnamed folders."""
    content = config.content_dir
    if not content.is_dir():
        report.error(content, 1, "content", "the content folder is missing")
        return []
    folders = []
    # only a link leads out of the site: without one on the way, a folder of an inside content
    # folder is inside (a realpath per issue folder was a twentieth of an edit's rebuild)
    content_inside = _is_inside(content, config.root)
    for year_dir in sorted(p for p in content.iterdir() if not p.name.startswith(".")):
        if not year_dir.is_dir():
            continue
        if not YEAR_DIR.match(year_dir.name):
            report.error(year_dir, 1, "folder", "expected content/<year>/<NN>/ with a 4-digit year")
            continue
        for issue_dir in sorted(p for p in year_dir.iterdir() if not p.name.startswith(".")):
            if not issue_dir.is_dir():
                continue
            linked = not content_inside or os.path.islink(year_dir) or os.path.islink(issue_dir)
            if linked and not _is_inside(issue_dir, config.root):
                report.error(issue_dir, 1, "folder", f"is a link to {issue_dir.resolve()}, "
                             "outside the site folder; move the issue into content/")
                continue
            if ISSUE_DIR.match(issue_dir.name):
                folders.append(issue_dir)
            else:
                report.error(issue_dir, 1, "folder",
                             "expected an issue folder named with two digits, e.g. content/2024/01/")
    return folders


@dataclass(frozen=True, slots=True)
class _Planned:
    """A document an issue folder lists, before it is parsed: what its memo key holds."""

    path: str
    data: Callable[[], bytes]  # its bytes, read when it must be parsed
    digest: bytes | None
    issue: dict  # the issue's values (the 成文日期 check)
    key: tuple


@dataclass(frozen=True, slots=True)
class _IssuePlan:
    """An issue folder with its issue.yaml read and its documents named."""

    folder: Path
    yaml_path: Path
    values: dict
    lines: dict
    stems: list[str]
    documents: tuple[_Planned, ...]


def load_issues(folders: list[Path], config: SiteConfig, report: Report,
                memo: Memo | None = None, jobs: int = 1) -> list[IssueSource]:
    """Load the issue folders: each one's issue.yaml and every document it lists, in order.

    `memo` (the preview's, or the stored one) maps each file's bytes and what they depend on to
    what loading them gave, so an unchanged file is not parsed again. The documents it does not
    hold are parsed by `jobs` processes (fanout.py): at 15,000 documents their front-matter
    was 8 s of the cold build, in one process while the other core waited."""
    plans = [plan for plan in (_plan_issue(folder, config, report, memo) for folder in folders)
             if plan is not None]
    cache = memo.documents if memo else None
    spill = memo.spill if memo else None
    missing = [doc for plan in plans for doc in plan.documents
               if cache is None or doc.key not in cache]
    made: dict[int, tuple[Document | None, list]] = {}

    def parse(doc: _Planned) -> tuple[Document | None, list]:
        own = Report(report.root)
        # a file too large is not read: a gigabyte's bytes would be held to say so
        loaded = None if _too_large(Path(doc.path), os.stat(doc.path).st_size, own) else \
            load_document(Path(doc.path), doc.data(), doc.issue, config, own, doc.digest)
        return texts.placed(loaded, spill), own.diagnostics  # the body written by this process

    def put_away(index: int, result: tuple[Document | None, list]) -> None:
        loaded, diagnostics = result  # the body is kept in the build's spill from here on
        made[id(missing[index])] = texts.spilled(loaded, spill), diagnostics

    fanout.share(missing, parse, put_away, jobs)

    def made_now(doc: _Planned, own: Report) -> Document | None:
        loaded, diagnostics = made[id(doc)]
        own.diagnostics.extend(diagnostics)
        return loaded

    sources = []
    for plan in plans:
        documents = (run_memoised(cache, doc.key, lambda own, doc=doc: made_now(doc, own), report)
                     for doc in plan.documents)
        values = plan.values
        sources.append(IssueSource(
            plan.folder, plan.yaml_path, values["year"], values["number"], values["total"],
            values["date"], plan.lines["total"], tuple(doc for doc in documents if doc),
            _printed_pages(plan.yaml_path, plan.lines, plan.stems, report),
            values.get("published")))
    return sources


def _plan_issue(folder: Path, config: SiteConfig, report: Report,
                memo: Memo | None) -> _IssuePlan | None:
    """An issue folder's issue.yaml read and checked, and its documents named with their memo
    keys; None when the issue cannot be loaded."""
    yaml_path = folder / "issue.yaml"
    if not yaml_path.is_file():
        report.error(yaml_path, 1, "issue.yaml", "missing: every issue folder needs an issue.yaml")
        return None
    if os.path.islink(yaml_path) and not _is_inside(yaml_path, report.root):  # (folder: inside)
        report.error(yaml_path, 1, "issue.yaml", f"is a link to {yaml_path.resolve()}, outside "
                     "the site folder; copy the file into the issue folder instead")
        return None
    if yaml_too_large(yaml_path, os.stat(yaml_path).st_size, report):
        return None
    # (their bytes when needed, their digest for the memo's keys); without a memo no key is made
    read = memo.read if memo else (lambda name: (lambda: Path(name).read_bytes(), None))
    cache = memo.documents if memo else None
    data, digest = read(str(yaml_path))
    meta = run_memoised(cache, (str(yaml_path), digest),
                        lambda own: _issue_meta(folder, yaml_path, data(), own), report)
    if meta is None:
        return None
    values, lines = meta
    stems = _document_stems(folder, yaml_path, lines, values.get("documents"), report)
    if not stems and not values.get("documents"):  # a listed one that is missing is reported
        report.error(yaml_path, 1, "documents", "the issue has no documents; add them, or "
                     "remove the folder until it has some")
    documents = []
    base = str(folder)
    for stem in stems:
        path = os.path.join(base, f"{stem}.md")  # a Path only for those parsed (`load_issues`)
        data, digest = read(path)
        # the key holds everything loading depends on: the bytes (by their sha256), the issue's
        # values (the 成文日期 check) and the configuration (sections)
        key = (path, digest, values["year"], values["number"], values["date"], config)
        documents.append(_Planned(path, data, digest, values, key))
    return _IssuePlan(folder, yaml_path, values, lines, stems, tuple(documents))


def _issue_meta(folder: Path, yaml_path: Path, data: bytes,
                report: Report) -> tuple[dict, dict] | None:
    """Validate issue.yaml: (values, {field: line, "documents items": (lines…)}) or None."""
    text = decode_text(data, yaml_path, report)
    entries = load_mapping(text, yaml_path, 1, report) if text is not None else None
    if entries is None:
        return None
    values = validate(entries, ISSUE_FIELDS, yaml_path, 1, report)
    if not {"year", "number", "total", "date"} <= values.keys():
        return None
    if values["year"] != int(folder.parent.name):
        report.error(yaml_path, entries["year"].line, "year",
                     f"{values['year']} does not match the folder {folder.parent.name}")
    if values["number"] != int(folder.name):
        report.error(yaml_path, entries["number"].line, "number",
                     f"{values['number']} does not match the folder {folder.name}")
    if values.get("published") and values["published"] < values["date"]:
        report.error(yaml_path, entries["published"].line, "published",
                     f"{values['published']} is before the issue's 编印 date {values['date']}; "
                     "an issue is published once it is printed")
    lines = {key: entry.line for key, entry in entries.items()}
    if "documents" in entries:
        lines["documents items"] = entries["documents"].children or ()
    if isinstance(entries.get("printed_pages") and entries["printed_pages"].children, dict):
        lines["printed_pages items"] = {stem: (entry.value, entry.line) for stem, entry
                                        in entries["printed_pages"].children.items()}
    return values, lines


def _printed_pages(yaml_path: Path, lines: dict, stems: list[str],
                   report: Report) -> tuple[tuple[str, int, int], ...]:
    """issue.yaml `printed_pages`: the page each document starts on in an issue printed
    elsewhere (stem: page), cited by the web edition instead of this build's layout."""
    recorded = []
    for stem, (page, line) in lines.get("printed_pages items", {}).items():
        if stem not in stems:
            report.error(yaml_path, line, "printed_pages", f"{stem} is not a document of this issue")
        elif not isinstance(page, int) or isinstance(page, bool) or page < 1:
            report.error(yaml_path, line, "printed_pages",
                         f"{stem}: expected the page number it starts on, got {page!r}")
        else:
            recorded.append((stem, page, line))
    return tuple(recorded)


def _document_stems(folder: Path, yaml_path: Path, lines: dict, listed, report: Report) -> list[str]:
    present = []
    # os.scandir: the entries know whether they are links or files without more system calls
    # (the preview lists every issue folder on every rebuild)
    entries = sorted((e for e in os.scandir(folder) if e.name.endswith(".md")),
                     key=lambda e: e.name)
    name_max = _name_max(folder)
    for entry in entries:
        if entry.name.startswith(".") or is_temporary(entry.name):
            continue
        stem = entry.name[:-3]  # strings: a Path per document is made only to report it
        if entry.is_symlink() and not _is_inside(entry.path, report.root):
            path = Path(entry.path)
            report.error(path, 1, "file", f"is a link to {path.resolve()}, outside the site "
                         "folder; copy the file into the issue folder instead")
            continue
        if not entry.is_file():
            report.error(Path(entry.path), 1, "file",
                         "is not a file (a folder, or a link to nothing)")
            continue
        if not STEM.match(stem):
            report.error(Path(entry.path), 1, "file name",
                         "use lower-case ASCII letters, digits and '-' (the name is the page URL)")
        derived = LONGEST_DERIVED_NAME.format(stem=stem)
        if len(os.fsencode(derived)) > name_max:
            longest = name_max - len(os.fsencode(derived)) + len(os.fsencode(stem))
            report.error(Path(entry.path), 1, "file name", f"is too long: the output names it "
                         f"gives ({derived[:12]}…) exceed the file system's limit of {name_max} "
                         f"bytes per name; shorten the name before .md to at most {longest} "
                         "characters")
        present.append(stem)
    if listed is None:
        return present
    item_lines = lines["documents items"]
    for index, stem in enumerate(listed):
        if stem not in present:
            where = item_lines[index] if index < len(item_lines) else lines["documents"]
            report.error(yaml_path, where, "documents", f"lists {stem}, but {stem}.md does not exist")
    for stem in present:
        if stem not in listed:
            report.error(yaml_path, lines["documents"], "documents",
                         f"{stem}.md is in the folder but not listed; add it or remove the file")
    ordered: list[str] = []
    for index, stem in enumerate(listed):
        if stem in ordered:
            where = item_lines[index] if index < len(item_lines) else lines["documents"]
            report.error(yaml_path, where, "documents", f"lists {stem} twice")
        elif stem in present:
            ordered.append(stem)
    return ordered


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _is_inside(path: Path | str, root: Path) -> bool:
    # strings, not Path.resolve (pathlib's objects were a tenth of an edit's rebuild at 1,500
    # documents); asked only where a link may lead out
    return os.path.realpath(path).startswith(os.path.join(os.path.realpath(root), ""))


def _too_many_cells(body: str, body_line: int, path: Path, report: Report) -> bool:
    """Whether the body's tables hold more cells than a document may (reported), before
    markdown-it makes a token of each. Counted as Markdown reads them (print/limits.py) only
    where the widest row of `|` times the lines could pass the limit: a line-by-line scan of
    every document would be a pass over every line in Python, for nothing."""
    if "|" not in body:
        return False
    lines = body.split("\n")
    if (max(line.count("|") for line in lines) + 1) * len(lines) <= MAX_CELLS:
        return False
    from .printed.limits import table_cells

    cells, first = table_cells(body, body_line)
    if cells <= MAX_CELLS:
        return False
    report.error(path, first or body_line, "body", f"the document's tables have {cells:,} "
                 f"cells (a short row counts as wide as the widest), more than the "
                 f"{MAX_CELLS:,} a document may hold (reading them would take "
                 f"~{cells * 1.7 / 1024:,.0f} MB); split the document or its tables")
    return True


def _too_large(path: Path, size: int, report: Report) -> bool:
    """Whether a document of `size` bytes is more than one may hold (an error, located)."""
    return too_large(path, size, MAX_DOCUMENT_BYTES, "a document may hold (a long regulation "
                     "with its tables is ~200 KB): split it into documents", report)


def load_document(path: Path, data: bytes, issue: dict, config: SiteConfig,
                  report: Report, digest: bytes | None = None) -> Document | None:
    """Load one document from its file's bytes (`digest`: their sha256, when known); report
    every front-matter problem with its line."""
    if _too_large(path, len(data), report):
        return None
    text = decode_text(data, path, report)
    parts = split(text, path, report) if text is not None else None
    if parts is None:
        return None
    values = validate(parts.entries, DOCUMENT_FIELDS, path, 1, report)
    if not {"title", "number", "date", "issuer"} <= values.keys():
        return None
    line_of = {key: entry.line for key, entry in parts.entries.items()}
    number_ok = _check_number(values["number"], values["date"], path, line_of["number"], report)
    if values["date"] > issue["date"]:
        report.error(path, line_of["date"], "date",
                     f"成文日期 {values['date']} is later than the issue's 编印 date {issue['date']}")
    section = _section_of(values, line_of, config, path, report)
    textcheck.check_body(parts.body, path, parts.body_line, report)
    if "index_number" in values and not INDEX_NUMBER.match(values["index_number"]):
        report.error(path, line_of["index_number"], "index_number",
                     f"'{values['index_number']}' must be the year and a 5-digit serial, e.g. "
                     "2024-00012 (the 索引号 is the organisation code of site.yaml, '/', this)")
        return None
    if not parts.body.strip():
        report.error(path, parts.body_line, "body", "the document has no text after the front-matter")
    if _too_many_cells(parts.body, parts.body_line, path, report):
        return None
    if section is None or not number_ok:
        return None
    title_lines = _title_lines(values, line_of, path, report)
    notes = values.get("notes", ())
    note_lines = (parts.entries["notes"].children or ()) if notes else ()
    if len(note_lines) != len(notes):  # `notes: text` rather than a list
        note_lines = (line_of["notes"],) * len(notes)
    notes = tuple(zip(note_lines, notes))
    status = values.get("status")
    if status is not None and status not in STATUSES:
        report.error(path, line_of["status"], "status",
                     f"'{status}' is not a 有效性; write one of {'、'.join(STATUSES)}")
    # `status` (issue 11) and `validity` (the 政务公开 box) both say the 有效性: one value
    validity = status or values.get("validity")
    if status and values.get("validity") not in (None, status):
        report.error(path, line_of["validity"], "validity", f"says {values['validity']} but "
                     f"status says {status}; keep one of the two")
    relations = tuple(_relations(values, parts.entries, line_of))
    return Document(
        stem=path.stem, path=path, title=values["title"], number=values["number"],
        date=values["date"], issuer=values["issuer"], section=section,
        disclosure=values.get("disclosure"), notes=notes, title_lines=title_lines,
        body_markdown=parts.body, source_digest=digest or hashlib.sha256(data).digest(),
        image_sources=markdown.image_sources(parts.body),
        body_line=parts.body_line, number_line=line_of["number"], year=issue["year"],
        issue_number=issue["number"], keywords=tuple(values.get("keywords", ())),
        index_number=values.get("index_number"), topic=values.get("topic"),
        validity=validity, relations=relations)


def _relations(values: dict, entries: dict, line_of: dict):
    """(field, 文号, line) for each document the front-matter names: the line of each list
    item when `amended_by` is a list."""
    for name in RELATIONS:
        value = values.get(name)
        if value is None:
            continue
        numbers = (value,) if isinstance(value, str) else value
        lines = entries[name].children if isinstance(value, tuple) else None
        if not lines or len(lines) != len(numbers):
            lines = (line_of[name],) * len(numbers)
        yield from ((name, number, line) for number, line in zip(numbers, lines))


def _title_lines(values: dict, line_of: dict, path: Path, report: Report) -> tuple[str, ...]:
    """The editor's line breaks of the printed title: lines that give the title when joined."""
    lines = tuple(values.get("title_lines", ()))
    if not lines:
        return ()
    line = line_of["title_lines"]
    if any(not text.strip() for text in lines):
        report.error(path, line, "title_lines", "a line is empty; list the title's lines, each "
                     "with its text")
        return ()
    if "".join(lines) != values["title"]:
        report.error(path, line, "title_lines", f"the lines give '{''.join(lines)}', not the "
                     f"title '{values['title']}'; split the title itself, adding nothing")
        return ()
    return lines


def _check_number(number: str, date: dt.date, path: Path, line: int, report: Report) -> bool:
    match = DOC_NUMBER.match(compared_number(number))  # full-width digits are digits
    if match is None:
        wrong = WRONG_BRACKETS.match(number)
        if wrong:
            fixed = f"{wrong['code']}〔{wrong['year']}〕{int(wrong['serial'])}号"
            report.error(path, line, "number",
                         f"'{number}' must put the year in 六角括号 〔〕: write '{fixed}'")
        else:
            long_serial = LONG_SERIAL.match(compared_number(number))
            if long_serial:
                report.error(path, line, "number", f"'{long_serial['start']}"
                             f"{long_serial['serial'][:6]}…号' has a serial of "
                             f"{len(long_serial['serial']):,} digits; a 文号's has at most six")
            else:
                report.error(path, line, "number",
                             f"'{number}' is not a 文号 of the form 市政发〔2024〕1号")
        return False
    if int(match["year"]) > date.year:
        report.error(path, line, "number",
                     f"the year {match['year']} in '{number}' is after the 成文日期 {date}")
        return False
    return True


def _section_of(values: dict, line_of: dict, config: SiteConfig, path: Path,
                report: Report) -> str | None:
    names = [spec.name for spec in config.sections]
    if "section" in values:
        if values["section"] not in names:
            report.error(path, line_of["section"], "section",
                         f"'{values['section']}' is not a section of site.yaml ({'、'.join(names)})")
            return None
        return values["section"]
    for spec in config.sections:
        if values["issuer"] in spec.issuers:
            return spec.name
    report.error(path, line_of["issuer"], "issuer",
                 f"{values['issuer']} belongs to no section in site.yaml; add it to a section's "
                 "issuers or give the document a 'section'")
    return None
