"""`gazette verify --issue 2024/01`: recompute a published issue's record from the repository
(its sources' hashes, then its PDFs laid out afresh) and compare with what publication
recorded. Layout is reproducible, so anyone holding the repository can check the record."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import BuildFailed, Report, sorted_diagnostics
from . import frozen

ISSUE_KEY = re.compile(r"^(\d{4})/(\d{1,2})$")


def verify_issue(root: Path, key: str) -> tuple[list[str], bool]:
    """Lines saying what was checked and what differs, and whether all matches the record."""
    match = ISSUE_KEY.match(key.strip().strip("/"))
    if match is None:
        return [f"{key}: expected an issue as YYYY/NN, e.g. 2024/01"], False
    folder = root / "content" / match[1] / f"{int(match[2]):02d}"
    name = folder.relative_to(root).as_posix()
    if not folder.is_dir():
        return [f"{name}: no such issue folder"], False
    if not (frozen.record_dir(folder) / frozen.MANIFEST).is_file():
        return [f"{name}: FAILED: the issue has no record ({frozen.RECORD_DIR}/); the first build "
                "after `published:` is set in its issue.yaml writes it"], False
    report = Report(root)
    count = frozen.check_sources(folder, root, report)
    if report.errors:
        return [f"{name}: FAILED: the sources differ from the published issue",
                *map(str, sorted_diagnostics(report.errors))], False
    lines = [f"{name}: sources: {count} files as published"]
    outputs = _lay_out(root, folder, lines)
    if outputs is None:
        return lines, False
    check = frozen.check_outputs(folder, outputs)
    if check.differing or check.missing:
        lines.append(f"{name}: FAILED: the PDFs laid out now differ from the published ones")
        lines += [f"  differs: {path}" for path in check.differing]
        lines += [f"  not laid out: {path}" for path in check.missing]
        return lines, False
    lines.append(f"{name}: outputs: {check.checked} PDFs laid out again, byte-identical to the "
                 "published ones (unsigned bytes)")
    return lines, True


def _lay_out(root: Path, folder: Path, lines: list[str]) -> dict[str, bytes] | None:
    """The issue's PDFs laid out afresh (not from the print cache), by output path."""
    from .. import render, site as build
    from ..printed import layout

    report = Report(root)
    try:
        site = build.load_site(root, report)
        issue = next(issue for issue in site.issues if issue.path.parent == folder)
        env = render.make_env(site.config)
        printed = build._guarded(site, report, lambda: layout.render_issue(
            site, issue, env, report, fresh=True))
        report.check()
    except BuildFailed as failure:
        lines.append(f"{folder.relative_to(root).as_posix()}: FAILED: the site does not build")
        lines += [str(d) for d in failure.diagnostics if not d.is_warning]
        return None
    return build.pdf_files(site, issue, printed)
