"""The documents by 文号 for the search page: a 文号 typed there is looked up exactly, in a small
file per year of the 文号, not through the full-text index."""
from __future__ import annotations

import json

from ..content import DOC_NUMBER
from ..model import Site

NUMBERS = "search/numbers"  # 文号 → document, one small file per 文号 year


def number_files(site: Site) -> dict[str, bytes]:
    """The documents by 文号, one JSON file per year of the 文号 (search/numbers/2012.json):
    a 文号 typed on the search page is looked up there, exactly and for a few KB, instead of
    through the full-text index (whose words for 市政办发〔2012〕45号 are spread over most of it)."""
    years: dict[str, dict[str, dict]] = {}
    for issue in site.issues:
        for doc in issue.documents:
            match = DOC_NUMBER.match(doc.number)
            if match:
                years.setdefault(match["year"], {})[doc.number] = {
                    "url": doc.url, "title": doc.title,
                    "issue": f"{site.config.title}{issue.label}（总第{issue.total}期）",
                    "year": str(issue.year), "section": doc.section, "issuer": doc.issuer}
    return {f"{NUMBERS}/{year}.json": json.dumps(entries, ensure_ascii=False, sort_keys=True,
                                                  separators=(",", ":")).encode("utf-8")
            for year, entries in sorted(years.items())}
