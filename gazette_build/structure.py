"""Assemble loaded issue folders into the archive and check what spans documents and issues:
one 文号 per document in the whole archive, one folder per issue, an unbroken 总第N期 sequence."""
from __future__ import annotations

from .content import IssueSource
from .errors import Report
from .model import Issue, Section, Site, SiteConfig, compared_number


def assemble(config: SiteConfig, sources: list[IssueSource], report: Report) -> Site:
    """Group each issue's documents into the configured sections; issues newest first."""
    _check_numbers(sources, report)
    _check_totals(sources, report)
    issues = []
    for source in sources:
        sections = []
        for spec in config.sections:
            docs = tuple(doc for doc in source.documents if doc.section == spec.name)
            if docs:
                sections.append(Section(spec.name, docs))
        issues.append(Issue(source.year, source.number, source.total, source.date,
                            source.yaml_path, tuple(sections), source.printed_pages,
                            source.published))
    issues.sort(key=lambda issue: (issue.year, issue.number), reverse=True)
    return Site(config, tuple(issues))


def _check_numbers(sources: list[IssueSource], report: Report) -> None:
    first_seen = {}
    for source in sources:
        for doc in source.documents:
            number = compared_number(doc.number)
            if number in first_seen:
                report.error(doc.path, doc.number_line, "number", f"{doc.number} is already "
                             f"the 文号 of {report.relative(first_seen[number])}")
            else:
                first_seen[number] = doc.path


def _check_totals(sources: list[IssueSource], report: Report) -> None:
    ordered = sorted(sources, key=lambda s: (s.year, s.number))
    for previous, current in zip(ordered, ordered[1:]):
        where = report.relative(previous.yaml_path)
        if current.total <= previous.total:
            report.error(current.yaml_path, current.total_line, "total",
                         f"总第{current.total}期 does not follow 总第{previous.total}期 of {where}")
        elif current.year == previous.year and \
                current.total - previous.total != current.number - previous.number:
            expected = previous.total + current.number - previous.number
            report.error(current.yaml_path, current.total_line, "total",
                         f"总第{current.total}期 breaks the sequence: after 总第{previous.total}期 "
                         f"({where}) this issue should be 总第{expected}期")
