"""Machine-readable descriptions in the pages' heads: schema.org JSON-LD (`Legislation` for a
document, `PublicationIssue` for an issue) and the plain-text description of a document that
the 政府网站发展指引 `Description` tag and Dublin Core share."""
from __future__ import annotations

import html
import re

from .model import Document, Issue, SiteConfig

TAG = re.compile(r"<[^>]+>")
PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S)
DESCRIPTION_LENGTH = 120  # characters: what a result list shows of a page
# 有效性 as editors write it → schema.org LegalForceStatus
LEGAL_FORCE = {"现行有效": "InForce", "有效": "InForce", "已废止": "NotInForce",
               "已失效": "NotInForce", "失效": "NotInForce", "废止": "NotInForce",
               "部分有效": "PartiallyInForce"}


def description(doc: Document) -> str:
    """The first paragraph of the text after the addressees line (主送机关), shortened."""
    paragraphs = []
    for match in PARAGRAPH.finditer(doc.html):  # the first two are enough
        text = " ".join(html.unescape(TAG.sub("", match[1])).split())
        if text:
            paragraphs.append(text)
        if len(paragraphs) == 2:
            break
    if len(paragraphs) > 1 and paragraphs[0].endswith("："):
        paragraphs = paragraphs[1:]
    text = paragraphs[0] if paragraphs else doc.title
    return text if len(text) <= DESCRIPTION_LENGTH else text[:DESCRIPTION_LENGTH - 1] + "…"


def keywords(doc: Document) -> list[str]:
    """主题词 from the front-matter, else what a reader would search the document by."""
    return list(doc.keywords) or [doc.section, doc.issuer, doc.number]


def periodical(config: SiteConfig) -> dict:
    return {"@type": "Periodical", "name": config.title, "url": config.base_url,
            "publisher": _organisation(config.publisher)}


def legislation(config: SiteConfig, issue, doc: Document, print_info, summary: str) -> dict:
    """schema.org Legislation for a document page; `issue` is the page's IssueHeader and
    `print_info` its render.PrintInfo (None without a print edition). Also typed Article so
    that pageStart/pageEnd (the printed pages) are properties of its type."""
    url = config.base_url + doc.url
    data = {
        "@context": "https://schema.org",
        "@type": ["Legislation", "Article"],
        "@id": url,
        "url": url,
        "name": doc.title,
        "headline": doc.title,
        "legislationIdentifier": doc.number,
        "legislationDate": doc.date.isoformat(),
        "datePublished": issue.date.isoformat(),
        "legislationPassedBy": _organisation(doc.issuer),
        "author": _organisation(doc.issuer),
        "publisher": _organisation(config.publisher),
        "inLanguage": config.language,
        "keywords": keywords(doc),
        "description": summary,
        "articleSection": doc.section,
        "isPartOf": issue_reference(config, issue),
    }
    if doc.validity in LEGAL_FORCE:
        data["legislationLegalForce"] = f"https://schema.org/{LEGAL_FORCE[doc.validity]}"
    if print_info is not None:
        data["pageStart"] = print_info.page
        data["pageEnd"] = print_info.last_page
        data["pagination"] = (f"{print_info.page}-{print_info.last_page}"
                              if print_info.last_page != print_info.page else str(print_info.page))
        if print_info.document_pdf:
            data["encoding"] = _pdf(url + print_info.document_pdf, print_info.document_pdf_size,
                                    print_info.page_count)
    return data


def issue_reference(config: SiteConfig, issue) -> dict:
    return {"@type": "PublicationIssue", "@id": config.base_url + issue.url,
            "url": config.base_url + issue.url, "name": f"{config.title}{issue.label}",
            "issueNumber": str(issue.number), "alternateName": f"总第{issue.total}期",
            "datePublished": issue.date.isoformat(), "isPartOf": periodical(config)}


def publication_issue(config: SiteConfig, issue: Issue, pdf_url: str | None,
                      pdf_facts: tuple[int, int] | None, page_of: dict[str, int]) -> dict:
    """schema.org PublicationIssue for an issue page, its documents as parts."""
    data = {"@context": "https://schema.org", **issue_reference(config, issue),
            "publisher": _organisation(config.publisher), "inLanguage": config.language}
    if pdf_facts is not None and pdf_url is not None:
        data["pageStart"] = 1
        data["pageEnd"] = pdf_facts[1]
        data["encoding"] = _pdf(config.base_url + issue.url + pdf_url, *pdf_facts)
    parts = []
    for doc in issue.documents:
        part = {"@type": ["Legislation", "Article"], "@id": config.base_url + doc.url,
                "name": doc.title, "legislationIdentifier": doc.number}
        if doc.anchor in page_of:
            part["pageStart"] = page_of[doc.anchor]
        parts.append(part)
    data["hasPart"] = parts
    return data


def _organisation(name: str) -> dict:
    return {"@type": "GovernmentOrganization", "name": name}


def _pdf(url: str, size: int, pages: int) -> dict:
    return {"@type": "MediaObject", "encodingFormat": "application/pdf", "contentUrl": url,
            "contentSize": f"{size} B", "description": f"{pages}页"}
