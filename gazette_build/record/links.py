"""Link documents to the documents their front-matter names by 文号: a 勘误 (`corrects`) to what
it corrects and back, a repealed or amended document (`repealed_by`, `amended_by`) to the
document that did it and back. A correction must stand in a later issue than what it corrects;
a 文号 the archive does not hold is a warning (the document may predate the archive).

A 勘误 may name an issue and page instead (`corrects: 2024年第1期第7页`): it links to that page
of the issue's PDF, and the issue's page lists it."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from ..errors import Report
from ..model import DocRef, Document, Issue, Links, Site, compared_number

# the status each relation implies for the document it names, for a consistency warning
IMPLIED_STATUS = {"repealed_by": "已废止", "amended_by": "已修改"}
# an issue's number has two digits (its folder's name), a page at most five; longer ones are
# no reference to a page (and are not read as ints: a traceback past 4,300 digits)
PAGE_REFERENCE = re.compile(r"^(?P<year>\d{4})年第(?P<number>\d{1,2})期第(?P<page>\d{1,5})页$")


def link_documents(site: Site, report: Report) -> Site:
    """The site with every document's `links` filled in; problems reported with their lines."""
    by_number = {compared_number(doc.number): (doc, issue)
                 for issue in site.issues for doc in issue.documents}
    by_label = {issue.label: issue for issue in site.issues}
    if not any(doc.relations for doc, _ in by_number.values()):
        return site  # the common case: nothing to link, nothing rebuilt
    forward: dict[str, dict] = defaultdict(dict)
    backward: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    inverse = {"corrects": "corrected_by", "repealed_by": "repeals", "amended_by": "amends"}
    issue_corrections: dict[str, list[DocRef]] = defaultdict(list)
    for doc, issue in by_number.values():
        for field_name, number, line in doc.relations:
            page = PAGE_REFERENCE.match(number) if field_name == "corrects" else None
            if page:
                ref = _page_ref(page, doc, issue, by_label, line, report)
                if ref is not None and ref.url:
                    issue_corrections[ref.issue_label].append(_ref(doc, issue))
                forward[doc.number][field_name] = ref
                continue
            target = by_number.get(compared_number(number))
            if compared_number(number) == compared_number(doc.number):
                report.error(doc.path, line, field_name, f"names the document itself ({number})")
                continue
            if target is None:
                report.warn(doc.path, line, field_name, f"{number} is not in the archive; "
                            "it is shown without a link")
                ref = DocRef(number)
            else:
                ref = _ref(*target)
                _check_order(field_name, doc, issue, target, line, report)
                backward[target[0].number][inverse[field_name]].append(_ref(doc, issue))
            if field_name == "amended_by":
                forward[doc.number].setdefault(field_name, []).append(ref)
            else:
                forward[doc.number][field_name] = ref
        _check_status(doc, report)
    issues = []
    for issue in site.issues:
        sections = []
        for section in issue.sections:
            docs = tuple(_with_links(doc, forward.get(doc.number, {}),
                                     backward.get(doc.number, {}))
                         for doc in section.documents)
            sections.append(replace(section, documents=docs))
        issues.append(replace(issue, sections=tuple(sections),
                              corrected_by=tuple(issue_corrections.get(issue.label, ()))))
    return replace(site, issues=tuple(issues))


def _page_ref(page: re.Match, doc: Document, issue: Issue, by_label: dict[str, Issue],
              line: int, report: Report) -> DocRef | None:
    """`corrects: 2024年第1期第7页`: a link to that page of an earlier issue in the archive."""
    label = f"{page['year']}年第{int(page['number'])}期"
    text = f"{label}第{int(page['page'])}页"
    target = by_label.get(label)
    if target is None:
        report.warn(doc.path, line, "corrects", f"{label} is not in the archive; "
                    "it is shown without a link")
        return DocRef(text)
    if (issue.year, issue.number) <= (target.year, target.number):
        report.error(doc.path, line, "corrects", f"a 勘误 must be published in a later issue "
                     f"than what it corrects; this document is in {issue.label}")
        return None
    return DocRef(text, url=target.url, issue_label=label, page=int(page["page"]))


def _ref(doc: Document, issue: Issue) -> DocRef:
    return DocRef(doc.number, doc.title, doc.url, issue.label)


def _with_links(doc: Document, forward: dict, backward: dict) -> Document:
    if not forward and not backward:
        return doc
    links = Links(corrects=forward.get("corrects"),
                  corrected_by=tuple(backward.get("corrected_by", ())),
                  repealed_by=forward.get("repealed_by"),
                  amended_by=tuple(forward.get("amended_by", ())),
                  repeals=tuple(backward.get("repeals", ())),
                  amends=tuple(backward.get("amends", ())))
    return replace(doc, links=links)


def _check_order(field_name: str, doc: Document, issue: Issue, target: tuple[Document, Issue],
                 line: int, report: Report) -> None:
    """A 勘误 is published after what it corrects: in a later issue."""
    if field_name != "corrects":
        return
    corrected, corrected_issue = target
    if (issue.year, issue.number) <= (corrected_issue.year, corrected_issue.number):
        report.error(doc.path, line, field_name,
                     f"a 勘误 must be published in a later issue than what it corrects; "
                     f"{corrected.number} is in {corrected_issue.label}, this document in "
                     f"{issue.label}")


def _check_status(doc: Document, report: Report) -> None:
    """`repealed_by` without 已废止 (or `amended_by` without 已修改/已废止) says two things."""
    for field_name, _, line in doc.relations:
        implied = IMPLIED_STATUS.get(field_name)
        if implied and doc.validity != implied and not (implied == "已修改" and doc.validity == "已废止"):
            report.warn(doc.path, line, field_name, f"the document names a document that "
                        f"{'repealed' if implied == '已废止' else 'amended'} it, but its status is "
                        f"{doc.validity or 'not given'}; write status: {implied}")
            return


def relations_record(base_url: str, doc: Document) -> dict:
    """The document's links for its JSON record (docs/data.schema.json `relations`)."""
    def ref(value: DocRef | None) -> dict | None:
        if value is None:
            return None
        return {"number": value.number, "title": value.title,
                "url": base_url + value.url if value.url else None,
                "issue": value.issue_label, "page": value.page}

    links = doc.links
    return {"corrects": ref(links.corrects),
            "corrected_by": [ref(r) for r in links.corrected_by],
            "repealed_by": ref(links.repealed_by),
            "amended_by": [ref(r) for r in links.amended_by],
            "repeals": [ref(r) for r in links.repeals],
            "amends": [ref(r) for r in links.amends]}
