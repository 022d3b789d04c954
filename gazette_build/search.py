"""The site's full-text search index: Pagefind over the built document pages, no server needed.

Pagefind's extended binary (PyPI `pagefind[extended]`) segments Chinese at indexing time, so a
reader's query for 河长 or 充电 matches words inside running text. Only document pages are
indexed, and only what their template marks (`data-pagefind-body` on the article; the 文件信息
table is `data-pagefind-ignore` but gives the filters year/section/issuer and the metadata 文号
and issue shown in the results). The index goes under `pagefind/` beside the pages; the search
page (`search/index.html`) and its script `assets/search.js` read it in the browser.

The indexer runs as a subprocess of the pagefind wheel's own binary and reads nothing from the
network. Its output is written to a temporary folder and read back as bytes, so the index joins
the other output files and is swapped in with them (the in-memory `get_files` can deadlock on
large indexes, as the package itself warns).
"""
from __future__ import annotations

import asyncio
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .content import DOC_NUMBER
from .errors import Report
from .model import Site

BUNDLE = "pagefind"  # the output folder of the index, beside the pages
# Pagefind's ready-made UIs (pagefind-ui.js, -component-ui, -modular-ui, -highlight) and its web
# worker: the search page has its own script and searches on its own thread (assets/search.js),
# so they are not published (~440 KB less)
UNUSED = ("-ui.", "-highlight.", "-worker.")


def index_files(site: Site, pages: dict[str, bytes], report: Report) -> dict[str, bytes]:
    """The Pagefind bundle for the document pages among `pages`, keyed by output path; an
    indexer that cannot run is an error naming the reason (the last good site stays)."""
    documents = {f"{doc.url}index.html" for issue in site.issues for doc in issue.documents}
    html = {path: pages[path].decode("utf-8") for path in sorted(documents) if path in pages}
    try:
        # in a thread of its own: the caller's thread may already run an event loop (a test's
        # browser driver, a server), where asyncio.run is refused
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, _index(html, site.config.language)).result()
    except (FileNotFoundError, OSError, AssertionError, RuntimeError) as exc:
        report.error(site.config.root / "site.yaml", 1, "search",
                     f"the Pagefind indexer failed ({exc}); is the pagefind[extended] package "
                     "installed?")
        return {}


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


async def _index(pages: dict[str, str], language: str) -> dict[str, bytes]:
    from pagefind.index import IndexConfig, PagefindIndex

    # one index for the whole site in the pages' own language (zh-CN → Chinese segmentation)
    index = PagefindIndex(IndexConfig(force_language=language.lower()))
    await index._start()
    try:
        for path, content in pages.items():
            await index.add_html_file(content=content, source_path=path)
        with tempfile.TemporaryDirectory(prefix="gazette-search-") as folder:
            await index.write_files(output_path=folder)
            root = Path(folder)
            return {f"{BUNDLE}/{path.relative_to(root).as_posix()}": path.read_bytes()
                    for path in sorted(root.rglob("*"))
                    if path.is_file() and not any(part in path.name for part in UNUSED)}
    finally:
        await index._service.close()
