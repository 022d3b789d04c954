"""The site's full-text search index: Pagefind over the built document pages, no server needed.

Pagefind's extended binary (PyPI `pagefind[extended]`) segments Chinese at indexing time, so a
reader's query for 河长 or 充电 matches words inside running text. Only document pages are
indexed, and only what their template marks (`data-pagefind-body` on the article; the 文件信息
table is `data-pagefind-ignore` but gives the filters year/section/issuer and the metadata 文号
and issue shown in the results). The index goes under `pagefind/` beside the pages; the search
page (`search/index.html`) and its script `assets/search.js` read it in the browser.

The indexer is the pagefind wheel's own binary, run as a command over the document pages written
to a temporary folder (it indexes on every core); it reads nothing from the network. Its bundle
is read back as bytes, so the index joins the other output files and is swapped in with them.
The index is made in two parts, because Pagefind cannot add to an index: the newest year's
documents (`pagefind/`, where editors work) and the earlier years' (`pagefind/archive/`, merged
into the first by the search page with Pagefind's `mergeIndex`, which searches it with the first
part's WebAssembly: a reader downloads its entry file, its metadata and the word chunks the
query needs from it, +3–16 % bytes a query at 1,500 documents). A build
with the stored memo keeps each part under the digest of the pages it indexed, so an edit in the
newest year indexes that year's pages again, not the archive's.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import reused, uptodate
from .content import DOC_NUMBER
from .errors import Report
from .memo import Cache, run_memoised
from .model import Site

BUNDLE = "pagefind"  # the output folder of the index, beside the pages
ARCHIVE = f"{BUNDLE}/archive"  # the earlier years' part, merged in the browser
# what the archive part needs beside its index, fragments and filters: the merged index is
# searched with the first part's script and WebAssembly
ARCHIVE_UNUSED = ("pagefind.js", "wasm.")
# Pagefind's ready-made UIs (pagefind-ui.js, -component-ui, -modular-ui, -highlight) and its web
# worker: the search page has its own script and searches on its own thread (assets/search.js),
# so they are not published (~440 KB less)
UNUSED = ("-ui.", "-highlight.", "-worker.")
INDEX_TIMEOUT = 3600  # seconds: far beyond any archive's indexing (12 s at 1,500 documents)


def index_files(site: Site, pages: dict[str, reused.Page], report: Report,
                cache: Cache | None = None) -> dict[str, reused.Page]:
    """The Pagefind bundles for the document pages among `pages`, keyed by output path: the
    newest year's in `pagefind/`, the earlier years' in `pagefind/archive/`. An indexer that
    cannot run is an error naming the reason (the last good site stays). Through `cache` (the
    stored memo), a part whose pages are all as last time gives back its last index."""
    documents = sorted({f"{doc.url}index.html" for issue in site.issues
                        for doc in issue.documents} & pages.keys())
    newest = f"{site.years[0]}/" if site.years else ""
    # a copy: the parts are the memo's values, which this build must not change
    files = dict(_part([p for p in documents if p.startswith(newest)], BUNDLE, site, pages,
                       report, cache))
    earlier = [p for p in documents if not p.startswith(newest)]
    if earlier:
        files.update(_part(earlier, ARCHIVE, site, pages, report, cache, ARCHIVE_UNUSED))
    return files


def has_archive(site: Site) -> bool:
    """Whether the index has an archive part (documents of more than one year)."""
    return len(site.years) > 1


def _part(documents: list[str], bundle: str, site: Site, pages: dict[str, reused.Page],
          report: Report, cache: Cache | None, unused: tuple[str, ...] = ()) -> dict:
    """One part of the index, under `bundle` (less the files named as `unused`), taken from
    `cache` when its pages are unchanged."""
    digest = hashlib.sha256(f"{_pagefind_version()}\0{site.config.language}\0{bundle}\0".encode())
    for path in documents:  # each page by its sha256: a page kept in the output is not read
        digest.update(f"{path}\0".encode())
        digest.update(reused.digest(pages[path]))

    def index(own: Report) -> dict[str, bytes]:
        files = _index({path: pages[path] for path in documents}, site.config.language, bundle,
                       own)
        return {path: data for path, data in files.items()
                if not path.rsplit("/", 1)[-1].startswith(unused)}

    # a part taken back is its files in the last output (`reused`), unless one was changed
    return run_memoised(cache, ("search index", digest.hexdigest()), index, report,
                        reused.usable)


def _pagefind_version() -> str:
    """Part of the stored index's key: another version of Pagefind may index otherwise."""
    # "?" when it is missing: the indexer then reports that it cannot run
    return uptodate.installed_version("pagefind") or "?"


def _index(pages: dict[str, reused.Page], language: str, bundle_path: str,
           report: Report) -> dict[str, bytes]:
    """Run Pagefind's own command over the pages put in a temporary folder one at a time
    (linked from the staging folder where they are written there): it indexes them on every
    core (12 s at 1,500 documents where its Python API, one page per request, took 160 s)."""
    import subprocess
    import tempfile

    from pagefind.service import get_executable

    with tempfile.TemporaryDirectory(prefix="gazette-search-") as folder:
        pages_dir, bundle = Path(folder) / "pages", Path(folder) / "bundle"
        for path, page in pages.items():
            target = pages_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            reused.place(page, str(target))
        try:
            binary = get_executable()
            if binary is None:
                raise FileNotFoundError("no pagefind binary")
            # one index for the whole site in the pages' own language (zh-CN → Chinese words)
            run = subprocess.run([str(binary), "--site", str(pages_dir), "--output-path",
                                  str(bundle), "--force-language", language.lower(), "--silent"],
                                 capture_output=True, text=True, timeout=INDEX_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            report.error(report.root / "site.yaml", 1, "search", f"the Pagefind indexer could "
                         f"not run ({exc}); is the pagefind[extended] package installed?")
            return {}
        if run.returncode != 0:
            said = (run.stderr or run.stdout).strip().splitlines()[-3:]
            report.error(report.root / "site.yaml", 1, "search", f"the Pagefind indexer failed "
                         f"(exit {run.returncode}: {' '.join(said) or 'no message'})")
            return {}
        return {f"{bundle_path}/{path.relative_to(bundle).as_posix()}": path.read_bytes()
                for path in sorted(bundle.rglob("*"))
                if path.is_file() and not any(part in path.name for part in UNUSED)}


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
