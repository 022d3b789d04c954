"""The build, as a table of contents: config → discover → load → assemble → convert → print →
render → write. Each stage takes a value and returns one; problems gate at the end of a stage."""
from __future__ import annotations

import gc
import hashlib
import pickle
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

import jinja2
from jinja2.sandbox import SecurityError

from . import (audit, config as config_stage, content, data, earlyfiles, fanout, feeds, finding,
               interruption, linkcheck, markdown, memostore, numbering, render, reused, structure,
               rasters, svgclean, swap, texts, writer)
from .errors import BuildFailed, Diagnostic, Report, sorted_diagnostics
from .memo import Cache, Memo, run_memoised
from .model import Document, Issue, PrintedIssue, Site, SiteConfig
from .printed import cache as print_cache
from .record import frozen, links, signing
from .search import indexing as search_index, numbers as search_numbers, parts as search_parts
from .sourcedigests import SourceDigests

if TYPE_CHECKING:  # the futures module is imported only by builds that lay PDFs out
    from concurrent.futures import Future

    from .earlyfiles import EarlyFiles


T = TypeVar("T")


@dataclass
class BuildResult:
    """What a build did, for the CLI's summary line and for tests."""

    site: Site
    warnings: list[Diagnostic]
    pages: int = 0
    pdfs: int = 0
    seconds: float = 0.0
    printed: dict[str, PrintedIssue] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # output paths whose bytes changed


def load_site(root: Path, report: Report, memo: Memo | None = None,
              config: SiteConfig | None = None, jobs: int = 1,
              early: EarlyFiles | None = None) -> Site:
    """Read, validate, assemble and convert the whole archive; raise BuildFailed on errors.
    `jobs`: processes parsing and converting the documents (more than one only for the CLI's
    one-shot commands: they fork workers, which a process holding threads must not)."""
    # `config` is given by build(), which reads it first to put back an interrupted build's site
    if config is None and memo is not None and (root / "site.yaml").is_file():
        # an unchanged site.yaml is not parsed again: it was a third of an edit's rebuild
        site_yaml = root / "site.yaml"
        config = run_memoised(memo.documents, ("site.yaml", memo.read(str(site_yaml))[1]),
                              lambda own: config_stage.load_config(root, own), report)
        report.check()
        assert config is not None
    elif config is None:
        config = load_config(root, report)
    if memo is not None:
        config = memo.same(config)
    folders = content.discover_issue_folders(config, report)
    for folder in folders:  # a published issue's sources are frozen
        frozen.check_sources(folder, config.root, report)
    sources = content.load_issues(folders, config, report, memo, jobs)
    report.check()
    site = structure.assemble(config, sources, report)
    report.check()
    site = convert_site(site, report, memo, jobs, early)
    site = links.link_documents(site, report)
    report.check()
    return site


def load_config(root: Path, report: Report) -> SiteConfig:
    config = config_stage.load_config(root, report)
    report.check()
    assert config is not None
    return config


def convert_site(site: Site, report: Report, memo: Memo | None = None, jobs: int = 1,
                 early: EarlyFiles | None = None) -> Site:
    """Markdown → HTML for every document, with the editorial audits on the same tokens; with
    the stored memo's `spill`, each document's texts are kept there as soon as it is made.
    The documents not in the memo are converted by `jobs` processes (fanout.py), each one's
    page and data files made and written at once with `early` (earlyfiles.py)."""
    content_dir = site.config.content_dir
    spill = memo.spill if memo is not None else None
    cache = memo.documents if memo is not None else None

    def conversion(key: tuple) -> tuple[tuple, list]:
        """What converting adds to a document, and what it reported: picklable, small."""
        _, loaded, images = key
        own = Report(report.root)
        doc = texts.held(loaded)
        tokens = numbering.restructure(doc, markdown.parse(doc), own)
        audit.audit_document(doc, tokens, content_dir, own)
        converted = markdown.convert(doc, tokens, content_dir)
        # what the HTML is made of: the source and the images (a page's key compares this)
        made_of = hashlib.sha256(doc.source_digest + repr(images).encode()
                                 + repr(converted.read_images).encode()).digest()
        added = (converted.html, converted.headings, converted.parts, converted.images, made_of,
                 converted.read_images)
        files = early.make(with_conversion(doc, added)) if early is not None else None
        if spill is not None:  # written by the process that made them: only where they are
            kept = texts.placed(with_conversion(loaded, added), spill)  # travels back
            added = (kept.html, kept.headings, kept.parts, *added[3:])
        return (added, files), own.diagnostics

    def with_conversion(loaded: Document, added: tuple) -> Document:
        html, headings, parts, images, made_of, read_images = added
        return replace(loaded, html=html, headings=headings, parts=parts, images=images,
                       source_digest=made_of, read_images=read_images)

    made: dict[tuple, tuple[Document, list]] = {}

    def put_away(key: tuple, result: tuple[tuple, list]) -> None:
        (added, files), diagnostics = result
        doc = with_conversion(key[1], added)
        if early is not None:
            early.keep(doc, files)
        made[key] = texts.spilled(doc, spill), diagnostics
        if early is not None:
            early.kept(made[key][0])

    keys = [("converted", doc, markdown.image_states(doc))
            for issue in site.issues for doc in issue.documents]

    def usable(kept: tuple[Document, list]) -> bool:  # its images as it read them
        return markdown.images_unchanged(kept[0])

    missing = [key for key in dict.fromkeys(keys)
               if cache is None or key not in cache or not usable(cache.peek(key))]
    if early is not None:
        early.plan(site, {key[1].url for key in missing})
    fanout.share(missing, conversion, lambda index, result: put_away(missing[index], result),
                 jobs)

    def made_now(key: tuple, own: Report) -> Document:
        doc, diagnostics = made[key]
        own.diagnostics.extend(diagnostics)
        return doc

    documents = iter(run_memoised(cache, key, lambda own: made_now(key, own), report, usable)
                     for key in keys)
    issues = []
    for issue in site.issues:
        sections = []
        for section in issue.sections:
            docs = tuple(next(documents) for _ in section.documents)
            sections.append(replace(section, documents=docs))
        issues.append(replace(issue, sections=tuple(sections)))
    report.check()
    return replace(site, issues=tuple(issues))


@contextmanager
def _fewer_collections():
    """Loading and rendering allocate millions of short-lived objects (Markdown tokens) and few
    cycles; the default collector thresholds make it scan them over and over (~6% of a cold
    build at 1,500 documents, measured). Collect less often there, and while the site's files
    are made and the memo saved — not while printing: WeasyPrint's layout makes cycles, and
    memory grows by hundreds of MiB without them freed."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def build(root: Path, *, out: Path | None = None, with_pdf: bool = True, write: bool = True,
          memo: Memo | None = None, printed: dict[str, PrintedIssue] | None = None,
          jobs: int = 1, progress: Callable[[str], None] | None = None,
          press: bool = False, stored: bool = False, cluster: str | None = None,
          with_search: bool = True, sources: SourceDigests | None = None,
          loaded: Callable[[], None] | None = None,
          published: Callable[[BuildResult, Callable | None], None] | None = None
          ) -> BuildResult:
    """Build the site in `root` into `out` (default from site.yaml); nothing is written on error.

    With a `memo` (the preview server's), unchanged documents and pages are taken from it and
    only files whose bytes changed are written; the result is the same as without, less the
    search index. `printed` gives print editions laid out elsewhere (the preview's background
    worker) instead of laying them out here. `stored`: the same memo kept on disk between
    processes (memostore), so that a build with nothing changed redoes nothing. `with_search`
    writes the search index (pagefind/, search/numbers/); a preview build never does.
    `sources`: the files' digests the CLI took to see whether anything changed, reused.
    `loaded` is called when what the build holds to its end is in memory: the stored memo,
    then the archive (the CLI's one-shot process takes them out of the collector's sight).
    `published` is called once the new site is in place, when the stored memo was loaded and
    what is left is saving it: with the result, and the function deleting the old site where
    the save writes only what changed (it must call it: the CLI, in a child beside the save),
    None where it saves the whole memo (the old site is deleted here); the CLI records the
    output then, beside the save."""
    started = time.perf_counter()
    report = Report(root)
    config = load_config(root, report)
    if write and memo is None:  # an interrupted build's set-aside site is put back even if
        swap.recover((out or config.output_dir).resolve(), writer.MARKER)  # this one fails
        print_cache.remove_abandoned(root)  # and what it left half-stored is removed
    target = (out or config.output_dir).resolve()
    # --out is checked like site.yaml's output: before the long work, never the wrong folder
    problem = writer.output_problem(root, target) if out and write and memo is None else None
    if problem:
        report.error(target, 1, "output", f"{target} {problem}")
        report.check()
    # Pagefind loads its dictionary on the other core while this one reads (at 1,500 documents
    # ~0.2 s of an edit's rebuild when it started with the pages); the preview never indexes
    indexer = search_index.start_indexer(config.language, target if write else None) \
        if with_search and memo is None else None
    store: memostore.StoredMemo | None = None
    staging: writer.Staging | None = None
    indexing: search_index.Indexing | None = None
    try:
        # unpickled, the memo is objects by the hundred thousand: the collector would walk them
        # (~20 ms at 1,500 documents) before `loaded` takes them out of its sight
        with _fewer_collections():
            store = memostore.load(root, report) if stored and memo is None else None
            if loaded is not None:
                loaded()
        if store is not None:  # the CLI's digests of the files: those unchanged are not read again
            store.memo.digests = sources
        caches = store.memo if store is not None else memo
        env = memo.environments.get((config, render.templates_signature(config)),
                                    lambda: render.make_env(config)) if memo else \
            render.make_env(config)
        # a new site is written as it is made, into a staging folder put in place at the end
        staging = writer.Staging(target) if write and memo is None else None
        # without PDFs, nothing on a document's page or in its record waits for the print
        # stage: they are made as soon as the document is converted, by the process converting it
        early = earlyfiles.EarlyFiles(env, staging.put) \
            if staging is not None and not with_pdf and not press else None
        with _fewer_collections():
            site = load_site(root, report, caches, config, jobs, early)
        if loaded is not None:
            loaded()
        if press:  # --press: the press copies too, whatever site.yaml says
            site = replace(site, config=replace(site.config, press=True))
        # the key is opened before the long work: a wrong passphrase fails at once
        seal = _open_seal(site, report) if with_pdf and write and memo is None else None
        # print before HTML: the web pages cite the printed page numbers
        if printed is None:
            printed = print_issues(site, env, report, jobs, progress, cluster) if with_pdf else {}
        interruption.check()  # a swallowed Ctrl-C stops the build here too, not only at the end
        def index(pages: dict) -> None:
            """The search index's parts whose pages changed are indexed from now on, beside
            the making of the other files."""
            nonlocal indexing
            indexing = search_index.start(site, pages, report, indexer,
                                          store.memo.pages if store is not None else None,
                                          target if write else None)
        # links are checked by `gazette check` (check_links below), not here: reading every
        # link of 1,500 pages would cost the build ~5% (measured), for the same answer each time
        with _fewer_collections():  # after printing: pages and files make few cycles
            files, pages = site_files(site, env, printed, report, caches,
                                      staging.put if staging is not None else None, early,
                                      # the preview leaves it out: its rebuilds must stay fast
                                      index if with_search and memo is None else None)
        searched: dict = {}
        written: dict = {}  # the files written while the indexer ran (path → as written)
        if indexing is not None:
            files.update(search_numbers.number_files(site))
            search_parts.warn_indexed_notices(site, report)
            # the other files are written while the indexer runs: it takes longer than all of
            # them (an edit's part 0.28 s, this process's pages, data and feeds 0.17 s)
            if staging is not None and seal is None:
                written = _as_published(files, {}, store.memo.pages, staging.put) \
                    if store is not None else dict(files)
                staging.write(written)
            searched = indexing.finish()
            indexer.release()
            files.update(searched)
            report.check()
        if seal is not None:  # at write time: the print cache keeps the unsigned bytes
            files = signing.sign_files(files, seal, f"{site.config.publisher}发布",
                                       site.config.signing, site.config.root, report)
            report.check()
            files.update(signing.published_files(site, env, seal))
        elif progress and with_pdf and write and memo is None:
            progress("the PDFs are unsigned (no signing key in site.yaml)")
        records = _published_records(site, printed, report) if write and memo is None else {}
        changed, made = list(files), files

        def result() -> BuildResult:
            return BuildResult(site, sorted_diagnostics(report.warnings), len(pages),
                               sum(1 for p in files if p.endswith(".pdf")),
                               time.perf_counter() - started, printed, changed)
        if write and memo is not None:
            changed = writer.sync_site(files, target, memo.written)
            memo.sweep()
        elif staging is not None:
            rest = {path: data for path, data in files.items() if path not in written}
            if store is not None:
                rest = _as_published(rest, searched, store.memo.pages, staging.put)
            staging.write(rest)
            interruption.check()  # a Ctrl-C whose KeyboardInterrupt a finaliser swallowed
            staging.publish()
            # not before an issue's record is written into content/; the old site is deleted
            # by a child only where the memo's save writes what changed: beside the save of a
            # whole memo, a forked child would keep the pages the save copies (their reference
            # counts change), +120 MiB of the process tree at 15,000 documents
            if published is not None and store is not None and not records:
                published(result(), staging.discard if store.shards else None)
                if store.shards:
                    staging = None  # the old site is `published`'s to delete
    finally:
        if indexer is not None:
            indexer.close()  # still running where the build failed: it is stopped
        if staging is not None:
            staging.discard()  # the old site, or this one if it failed
    if store is not None:
        try:  # the files as made: other results may hold the same bytes (a feed, an index part)
            with _fewer_collections():  # it makes an InOutput per page: 40,000 at 15,000 documents
                store.save(made if write else None, target)
        except (OSError, pickle.PicklingError) as exc:  # no stored memo costs speed, not the build
            report.warn(root / memostore.FOLDER, 1, "cache", "could not keep this build's "
                        f"results ({getattr(exc, 'strerror', None) or exc})")
        except texts.DamagedText as exc:  # met copying the kept texts: none of it is kept
            memostore.forget(root)
            report.warn(Path(exc.path), 1, "cache", "damaged (a text does not match its "
                        "digest); the stored results are dropped, the next build computes them")
    if progress and write and with_pdf:  # a build that prints is long enough to narrate
        progress(f"wrote {len(files)} files ({len(pages)} pages)")
    for issue, outputs in records.items():  # after the site is written: a failed build records nothing
        frozen.record(issue.path.parent, site.config.root, issue.published.isoformat(), outputs)
        if progress:
            progress(f"{issue.label} is published: its record is in "
                     f"{report.relative(frozen.record_dir(issue.path.parent))}/ (commit it)")
    return result()


def _as_published(files: dict, searched: dict, cache, put) -> dict:
    """`files` with each one made as bytes put in the staging folder, linked from the last
    output where its bytes are those published there (`reused.as_published`). Not the search
    index's: Pagefind names some files differently on each run, and a file of an old run met
    again would keep that run's stored results alive (its unchanged parts are linked already)."""
    return {path: reused.as_published(path, page, cache, put)
            if isinstance(page, bytes) and path not in searched else page
            for path, page in files.items()}


def publish_images(site: Site, report: Report, cache: Cache | None = None) -> dict[str, bytes]:
    """The images the documents show, by output path (the content tree is mirrored in the
    output); SVGs without their active content (`svgclean`), a refused one left out. What
    reading an image found is kept in `cache` under its bytes' digest (cleaning a 240 KB map
    takes ~40 ms: every build would pay it for every SVG)."""
    def read(kind: str, data: bytes, compute: Callable[[], T]) -> T:
        if cache is None:
            return compute()
        return cache.get((kind, hashlib.sha256(data).digest()), compute)

    files = {}
    for image in dict.fromkeys(i for issue in site.issues for doc in issue.documents
                               for i in doc.images):
        path = site.config.content_dir / image
        data = path.read_bytes()
        if len(data) > site.config.image_limit_kb * 1024:
            report.warn(path, 1, "image", f"the image is {len(data) / 1024:,.0f} KB, above the "
                        f"{site.config.image_limit_kb:,} KB of site.yaml's image_limit_kb: every "
                        "reader downloads it and each PDF of its issue embeds it; make it smaller")
        if not image.lower().endswith(".svg"):
            if not rasters.is_raster(data[:rasters.HEAD]):  # changed since it was converted
                report.warn(path, 1, "image", f"{rasters.why_not_raster(Path(image).suffix)}; "
                            "it is not published")
                continue
            size = read("raster size", data, lambda: rasters.pixels(data))
            if rasters.too_large(size):
                report.warn(path, 1, "image", rasters.why_too_large(size))
        else:
            data, removed = read("svg cleaned", data, lambda: svgclean.clean(data))
            if data is None:
                report.warn(path, 1, "image", f"the SVG is refused: {removed[0]}")
                continue
            if removed:
                report.warn(path, 1, "image", "active content removed from the SVG before "
                            f"publishing (it would run with the gazette's origin): "
                            f"{'; '.join(dict.fromkeys(removed))}")
        files[image] = data
    return files


def _published_records(site: Site, printed: dict[str, PrintedIssue],
                       report: Report) -> dict[Issue, dict[str, bytes]]:
    """The unsigned PDFs of each published issue that has no record yet; a recorded issue
    whose PDFs come out different now is warned about (layout, stylesheet or fonts changed)."""
    records = {}
    for issue in site.issues:
        if issue.key not in printed:
            continue
        outputs = pdf_files(site, issue, printed[issue.key])
        check = frozen.check_outputs(issue.path.parent, outputs)
        if check is None and issue.published:
            records[issue] = outputs
        elif check is not None and (check.differing or check.missing):
            report.warn(frozen.record_dir(issue.path.parent) / frozen.OUTPUTS, 1, "published",
                        f"the PDFs of {issue.label} laid out now differ from the published ones "
                        f"({', '.join(check.differing + check.missing)}): the layout, stylesheet "
                        "or fonts changed since publication")
    return records


def _open_seal(site: Site, report: Report):
    if site.config.signing is None:
        return None
    seal = signing.open_key(site.config.signing, site.config.root / "site.yaml", report)
    report.check()
    return seal


def site_files(site: Site, env: jinja2.Environment, printed: dict[str, PrintedIssue],
               report: Report, memo: Memo | None = None,
               put: Callable[[str, bytes], reused.Page] | None = None,
               early: EarlyFiles | None = None,
               rendered: Callable[[dict], None] | None = None) -> tuple[dict, dict]:
    """Every file of the built site, keyed by output path, and the HTML pages among them; with
    `put`, each page is written (staged) as soon as it is rendered and not held; `early`: the
    documents' pages and data files written as the documents were converted; `rendered` is
    given the pages as soon as they are all rendered (the search index starts from them)."""
    with _fewer_collections():
        pages = render_site(site, env, printed, report, memo, put, early)
    if rendered is not None:
        rendered(pages)
    files = {writer.MARKER: writer.MARKER_TEXT, **pages}
    cache = memo.pages if memo is not None else None
    files.update(data.data_files(site, printed, cache, put, early))
    listed = [path for path, _, _ in finding.INDEX_PAGES] + ["search/index.html"]
    files.update(feeds.crawler_files(site, listed, cache))
    files.update(writer.collect_assets(site.config.assets_dir, report))
    files.update(publish_images(site, report, cache))
    for issue in site.issues:
        if issue.key in printed:
            files.update(pdf_files(site, issue, printed[issue.key]))
    return files, pages


def check_links(root: Path, site: Site, report: Report) -> None:
    """`gazette check`: the web edition rendered in memory (without the PDFs, which only a
    build lays out) and its internal links and anchors checked; nothing is written."""
    env = render.make_env(site.config)
    files, _ = site_files(site, env, {}, report)
    linkcheck.check_links(files, site.config.output_dir, site.config.base_url, report)


def print_issues(site: Site, env: jinja2.Environment, report: Report, jobs: int = 1,
                 progress: Callable[[str], None] | None = None,
                 cluster: str | None = None) -> dict[str, PrintedIssue]:
    """Every issue's print edition: unchanged issues from the cache, the others laid out, in
    `jobs` worker processes when more than one issue needs it (layout is CPU-bound), or on the
    Dask cluster at `cluster`."""
    # WeasyPrint is heavy to import: only builds that lay out an issue pay for it
    from .printed import layout

    printed: dict[str, PrintedIssue] = {}
    to_lay_out = []
    for issue in site.issues:
        lookup = Report(report.root)  # its warnings count only if the cache answers
        held = texts.held_issue(issue)  # its documents' texts, for this issue's moment
        hit = _guarded(site, report, lambda: layout.render_issue(site, held, env, lookup,
                                                              only_cached=True))
        if hit is not None:
            report.diagnostics.extend(lookup.diagnostics)
            printed[issue.key] = hit
        elif not report.errors:
            # a damaged cache entry was dropped: say so, it is laid out again
            report.diagnostics.extend(d for d in lookup.diagnostics if d.field == "cache")
            to_lay_out.append(issue)  # not `held`: read again when laid out, one at a time
    report.check()
    if not to_lay_out:  # every issue from the cache: no executor, nor its imports (~25 ms)
        return printed
    from .printed import executors

    where = (f" on the cluster {cluster}" if cluster else
             f" in {jobs} processes" if jobs > 1 and len(to_lay_out) > 1 else "")
    say = progress or (lambda message: None)
    say(f"laying out {len(to_lay_out)} of {len(site.issues)} issues{where}")
    with executors.layout_executor(jobs, cluster, len(to_lay_out)) as executor:
        if executor is None:
            outcomes = ((print_one(site, texts.held_issue(issue), env, report), [])
                        for issue in to_lay_out)
        else:
            outcomes = _results([_submitted(executor, Site(site.config,
                                                           (texts.held_issue(issue),)))
                                 for issue in to_lay_out], to_lay_out, report)
        for count, (issue, (result, diagnostics)) in enumerate(zip(to_lay_out, outcomes), 1):
            report.diagnostics.extend(diagnostics)
            if result is not None:
                printed[issue.key] = result
            say(f"[{count}/{len(to_lay_out)}] {issue.label} "
                f"{'laid out' if result is not None else 'not laid out'}")
    report.check()
    return printed


def print_one(site: Site, issue: Issue, env: jinja2.Environment,
              report: Report) -> PrintedIssue | None:
    """One issue's print edition; a template error becomes a diagnostic with its line."""
    from .printed import layout

    return _guarded(site, report, lambda: layout.render_issue(site, issue, env, report))


def _submitted(executor, site: Site) -> Future:
    """The job laying out the one issue of `site`; a worker lost while the jobs are still
    being handed out (the pool then refuses new ones) fails this job like those under way."""
    from concurrent.futures import Future

    from .printed import executors

    try:
        return executor.submit(_print_one, site)
    except executors.lost_worker_errors() as exc:
        failed: Future = Future()
        failed.set_exception(exc)
        return failed


def _results(jobs: list[Future], issues: list[Issue], report: Report):
    """The jobs' (result, diagnostics) in order; a worker that died is an error of its issue
    (the build stops at the stage's gate), not a traceback."""
    from .printed import executors

    for issue, job in zip(issues, jobs):
        try:
            yield job.result()
        except executors.lost_worker_errors() as exc:
            # one lost worker breaks the pool: every issue not yet done is lost with it
            report.error(issue.path, 1, "print", f"{issue.label} was not laid out: a layout "
                         f"worker stopped (killed, or out of memory) and the others with it: "
                         f"{exc}")
            yield None, []


def _print_one(site: Site) -> tuple[PrintedIssue | None, list]:
    """Lay out the one issue of `site` in a worker process; diagnostics travel back as data."""
    report = Report(site.config.root)
    result = print_one(site, site.issues[0], render.make_env(site.config), report)
    return result, report.diagnostics


def _guarded(site: Site, report: Report, step: Callable[[], T]) -> T | None:
    """Run a step that renders layouts; a broken layout becomes a diagnostic naming it."""
    try:
        return step()
    except jinja2.TemplateError as exc:
        _template_error(exc, site, report)
    except UnicodeDecodeError as exc:
        _undecodable_layouts(site.config.layouts_dir, report, exc)
    except RecursionError:
        report.error(site.config.layouts_dir, 1, "template",
                     "the layouts include or extend each other endlessly")
    except render.EXPRESSION_ERRORS as exc:
        if _layout_frame(exc, site.config.layouts_dir) is None:
            raise  # not a layout's: this code's own fault
        _template_error(exc, site, report)
    return None


def _undecodable_layouts(folder: Path, report: Report, exc: UnicodeDecodeError) -> None:
    """Each layout that is not UTF-8, at the line of its first byte that is not (Jinja's
    error names neither)."""
    found = False
    for path in sorted(folder.rglob("*")):
        try:
            data = path.read_bytes()
        except OSError:  # a folder, an unreadable file: not a layout Jinja read
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            report.error(path, data[:error.start].count(b"\n") + 1, "template",
                         f"the layout is not UTF-8 (byte 0x{data[error.start]:02x} is not "
                         "UTF-8); save it as UTF-8")
            found = True
    if not found:  # a layout shipped with gazette, or one changed since
        report.error(folder, 1, "template", f"a layout is not UTF-8 ({exc})")


def pdf_files(site: Site, issue, printed: PrintedIssue) -> dict[str, bytes]:
    """The issue PDF and the per-document PDFs, keyed by output path."""
    files = {f"{issue.url}{render.pdf_name(site.config, issue)}": printed.pdf}
    for doc in issue.documents:
        if doc.stem in printed.document_pdfs:
            files[f"{doc.url}{doc.stem}.pdf"] = printed.document_pdfs[doc.stem]
    if printed.press_pdf:
        files[f"{issue.url}{render.pdf_name(site.config, issue)[:-4]}-press.pdf"] = printed.press_pdf
    return files


def render_site(site: Site, env: jinja2.Environment, printed: dict[str, PrintedIssue],
                report: Report, memo: Memo | None = None,
                put: Callable[[str, bytes], reused.Page] | None = None,
                early: EarlyFiles | None = None) -> dict[str, reused.Page]:
    pages = _guarded(site, report, lambda: render.render_pages(
        site, env, printed, memo.pages if memo else None, put, early))
    report.check()
    return pages


def _template_error(exc: Exception, site: Site, report: Report) -> None:
    """Name the template and line of a Jinja error, whether raised while parsing or rendering,
    or of an error a layout's expression raised (`{{ 1/0 }}`: "division by zero")."""
    layouts = site.config.layouts_dir
    name, line = getattr(exc, "name", None), getattr(exc, "lineno", None)
    if name is None or line is None:
        name, line = _layout_frame(exc, layouts) or (None, None)
    if isinstance(exc, SecurityError):  # the sandbox (render.make_env) refused it
        message = (f"{str(exc).rstrip('.')}: a layout reads the site's, issues' and documents' "
                   "fields, not Python's own objects")
    elif isinstance(exc, jinja2.TemplateError):
        message = exc.message or str(exc)
    else:
        message = f"{exc} ({type(exc).__name__}, in an expression of the layout)"
    report.error(layouts / (name or "?"), line or 1, "template", message)


def _layout_frame(exc: Exception, layouts: Path) -> tuple[str, int] | None:
    """(the layout, its line) where `exc` was raised, the innermost one; None where no layout
    of the site's folder was rendering."""
    for frame, frame_line in reversed(list(traceback.walk_tb(exc.__traceback__))):
        filename = frame.f_code.co_filename
        if filename.startswith(str(layouts)):
            return Path(filename).relative_to(layouts).as_posix(), frame_line
    return None


__all__ = ["BuildFailed", "BuildResult", "Memo", "build", "load_site"]
