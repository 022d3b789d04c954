"""`gazette serve`: the live preview editors keep open while they write.

One livereload server serves the preview's own output folder (never `public/`), guarded by
`preview_guard` (its own address and origin only, one preview per site). A thread of its own
polls the sources every POLL_MS; a burst of saves gives one rebuild (the rebuild waits until
QUIET_MS pass without a change), run through the same pipeline as `gazette build` with the memo
that makes it incremental; requests never wait for it. A failed rebuild keeps the last good pages and shows its messages on top of
every page and in the terminal; fixing the file recovers on its own. PDFs are laid out by a
worker process that keeps WeasyPrint and the fonts loaded; the page reload never waits for it,
and pages say when their PDF is older than their text.
"""
from __future__ import annotations

import hashlib
import html
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.netutil import bind_sockets
from tornado.web import HTTPError

from . import preview_guard
from .textcheck import for_terminal

from . import inplace
from .errors import BuildFailed, Report
from .memo import Memo
from .model import PrintedIssue, Site
from .notices import warnings_banner
from .site import build, load_site

POLL_MS = 50  # how often the sources are scanned (~7 ms at 1,500 documents)
QUIET_MS = 25  # a burst of saves is one that leaves no 25 ms quiet between saves
CHECKED_A_POLL = 64  # files of the preview folder looked for at each poll (`_output_lost`)
REQUEST_S = 10  # the longest a connection may take to send a request, or stay idle after one
MAX_WAIT_S = 2.0
WATCHED = ("content", "layouts", "assets", "site.yaml")
PREVIEW_DIR = ".gazette-preview"


class Preview:
    """The state of one preview session: memo, last errors, the PDFs and their freshness."""

    def __init__(self, root: Path, out: Path, with_pdf: bool):
        self.root, self.out = root, out
        self.memo = Memo()
        self.errors: list[str] = []
        self.warnings: list[str] = []  # of the last build, shown on the pages they concern
        self.pdf_warnings: dict[str, list[str]] = {}  # what the last good layout of an issue said
        self.snapshot: dict[str, tuple[int, int, int] | None] = {}
        self.changed: set[str] = set()  # the files changed since the browser was last told
        self.seen_at = 0.0  # when the last change was seen (the bench measures from it)
        self._next_checked = 0  # where `_output_lost` looks next among the files written
        self.rebuilds = 0
        self.printed: dict[str, PrintedIssue] = {}  # the newest PDF of each issue
        self.printed_version: dict[str, tuple] = {}  # the inputs each PDF was made from
        self.printed_said: dict[str, list[str]] = {}  # what each PDF's layout said
        # the inputs each issue's last layout gave no PDF for (a print limit, a broken print
        # layout): the same inputs would give none again, so they are not laid out again
        self.refused_version: dict[str, tuple] = {}
        self.wanted_version: dict[str, tuple] = {}  # the inputs the text has now
        self.in_flight: set[str] = set()
        self.pdf_errors: dict[str, list[str]] = {}  # what the last layout of an issue said
        self.pdf_arrived = threading.Event()
        self.reloaded = threading.Event()  # set by the watching thread after a rebuild
        self.loop = None  # the server's IOLoop, once serving
        self.worker = _pdf_worker() if with_pdf else None

    # -- watching ------------------------------------------------------------------------------
    def sources(self) -> dict[str, tuple[int, int, int] | None]:
        """(modification time, size, change time) of every watched file: the change time
        catches a permission given back (chmod), which neither of the others does; None for
        a name that cannot be looked at (a link in a loop): the build names it."""
        found = {}
        for name in WATCHED:
            top = os.path.join(self.root, name)
            if os.path.isfile(top):
                found[top] = _state(top)
            # os.walk rather than Path.rglob: this runs every poll (~6 ms at 1,500 documents)
            for folder, _, names in os.walk(top):
                for file_name in names:
                    path = os.path.join(folder, file_name)
                    try:
                        found[path] = _state(path)
                    except FileNotFoundError:  # removed between listing and looking
                        continue
        return found

    def poll(self) -> bool:
        """Called every POLL_MS; True when a rebuild happened and the browser should reload."""
        if self.out.is_symlink():  # put in its place: the pages would be written, and files
            self.out.unlink()  # served, wherever it leads
            _say(f"{self.out} was replaced by a link; it is made a folder again")
        if self._output_lost():  # removed under us (make clean): write every page again
            self.out.mkdir(parents=True, exist_ok=True)
            self.memo.written.clear()
            _say(f"{self.out} or files in it were removed; writing the pages again")
            self.rebuild()
            return True
        current = self.sources()
        if current != self.snapshot:
            # a save is seen: wait until QUIET_MS pass without another, so that a burst of
            # saves (an editor's "save all", a write then a rename) gives one rebuild
            self.seen_at = time.perf_counter()
            give_up = self.seen_at + MAX_WAIT_S  # a file written without pause still builds
            while current != self.snapshot and time.perf_counter() < give_up:
                self.changed |= {p for p in current.keys() | self.snapshot.keys()
                                 if current.get(p) != self.snapshot.get(p)}
                self.snapshot = current
                time.sleep(QUIET_MS / 1000)
                current = self.sources()
            self.rebuild()
            return True
        if self.pdf_arrived.is_set():
            self.pdf_arrived.clear()
            self.rebuild()
            return True
        return False

    def _output_lost(self) -> bool:
        """Whether the preview folder is gone, or some of what it wrote there: a folder
        emptied (`rm -rf .gazette-preview/*`) or a `make clean` during a rebuild (which leaves
        the files written since) stayed 404 until a restart. The home page is looked for at
        every poll, the other files `CHECKED_A_POLL` at a time, in turn (all 4,036 at 1,500
        documents within about 3 s; 40,000 at 15,000 within 30 s)."""
        if not self.out.is_dir():
            return True
        names = tuple(self.memo.written)
        if not names:
            return False
        start = self._next_checked % len(names)
        self._next_checked = start + CHECKED_A_POLL
        looked_for = list(names[start:start + CHECKED_A_POLL])
        if "index.html" in self.memo.written:
            looked_for.append("index.html")
        return not all(os.path.lexists(os.path.join(self.out, name)) for name in looked_for)

    # -- off the request loop -------------------------------------------------------------------
    def watch_in_background(self) -> None:
        """Poll and rebuild in a thread of their own: a rebuild or a burst of saves never holds
        up the requests (the loop only learns that pages changed, through `reloaded`)."""
        def watch():
            while True:
                started = time.perf_counter()
                try:
                    if self.poll():
                        self.reloaded.set()
                except Exception:  # a bug must not end the watching: say it and go on
                    _say("gazette: internal error while watching:\n" + traceback.format_exc())
                time.sleep(max(0.0, POLL_MS / 1000 - (time.perf_counter() - started)))

        threading.Thread(target=watch, name="gazette-watch", daemon=True).start()

    # -- building ------------------------------------------------------------------------------
    def rebuild(self) -> None:
        started = time.perf_counter()
        try:
            result = build(self.root, out=self.out, with_pdf=False, memo=self.memo,
                           printed=dict(self.printed))
        except BuildFailed as failure:
            self.errors = [str(d) for d in failure.diagnostics if not d.is_warning]
            self.warnings = [str(d) for d in failure.diagnostics if d.is_warning]
            _say("rebuild failed; still serving the last good pages:\n" + "\n".join(self.errors))
            return
        except OSError as exc:  # a file that cannot be read, a link in a loop: as the CLI says
            self.errors = [f"gazette: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")]
            _say("rebuild failed; still serving the last good pages:\n" + "\n".join(self.errors))
            return
        except Exception:  # a bug must not end the preview: show it like a content error
            self.errors = ["gazette: internal error while building:"] + \
                traceback.format_exc().splitlines()
            _say("\n".join(self.errors))
            return
        self.rebuilds += 1
        self.errors = []
        self.warnings = [str(d) for d in result.warnings]
        for warning in result.warnings:
            _say(str(warning))
        _say(f"rebuilt in {(time.perf_counter() - started) * 1000:.0f} ms, "
             f"{len(result.written)} files written")
        self.run_on_loop(self.schedule_pdfs, result.site)  # the PDF state lives on the loop

    def schedule_pdfs(self, site: Site) -> None:
        if self.worker is None:
            return
        content = os.path.join(self.root, "content")
        signature = (site.config, tuple(sorted(
            (p, s) for p, s in self.snapshot.items() if not p.startswith(content))))
        for issue in site.issues:
            # documents carry their images' paths, not their bytes: the snapshot has those
            images = tuple(self.snapshot.get(os.path.join(content, image))
                           for doc in issue.documents for image in doc.images)
            # the inputs themselves, compared by equality: a hash may leave fields out
            # (a document's hash skips its body) and two inputs may share one
            self.wanted_version[issue.key] = (issue, images, signature)
            self._submit(issue.key)

    def _submit(self, key: str) -> None:
        version = self.wanted_version[key]
        if self.printed_version.get(key) == version:  # an edit undone: that PDF is the text's
            if self.pdf_errors.get(key):
                self.pdf_errors[key] = []
                self.pdf_warnings[key] = self.printed_said.get(key, [])
                self.pdf_arrived.set()  # the pages lose the banner of the refused layout
            return
        if key in self.in_flight or self.refused_version.get(key) == version:
            return  # each refused layout set off a rebuild that asked for it again: 500 a second
        try:
            future = self.worker.submit(print_in_worker, str(self.root), key)
        except BrokenProcessPool:  # the worker died (out of memory, a crash): start another
            _say("the PDF worker stopped; starting a new one")
            self.worker = _pdf_worker()
            future = self.worker.submit(print_in_worker, str(self.root), key)
        self.in_flight.add(key)
        # the result is handled on the server's loop, where pages are served and rebuilds run,
        # so the state the pages show never changes in the middle of a request
        future.add_done_callback(
            lambda f: self.run_on_loop(self._pdf_done, key, version, f))

    def run_on_loop(self, function, *args) -> None:
        if self.loop is None:  # driven without a server (the benchmark)
            function(*args)
        else:
            self.loop.add_callback(function, *args)

    def _pdf_done(self, key: str, version: tuple, future: Future) -> None:
        self.in_flight.discard(key)
        try:
            printed, messages = future.result()
        except BrokenProcessPool:  # the worker died while laying out: start another, again
            _say("the PDF worker stopped; starting a new one")
            self.worker = _pdf_worker()
            self._submit(key)
            return
        except Exception as exc:  # e.g. a result that cannot travel back: keep the old PDF
            printed, messages = None, [f"the PDF worker failed: {exc}"]
        for message in messages:
            _say(message)
        self.pdf_errors[key] = [] if printed else messages
        self.pdf_warnings[key] = messages if printed else []
        if printed is None:
            self.refused_version[key] = version
            self.pdf_arrived.set()  # show the messages
            return
        self.printed[key] = printed
        self.printed_version[key] = version
        self.printed_said[key] = messages
        _say(f"PDF of {key} ready")
        self.pdf_arrived.set()
        if self.wanted_version.get(key) != version:
            self._submit(key)  # the text changed while it was being laid out

    def stale_issue_urls(self) -> list[str]:
        """URL prefixes of the issues whose PDF is older than their text."""
        return ["/" + key.replace("-", "/") + "/" for key, version in self.wanted_version.items()
                if self.printed_version.get(key) != version]

    # -- what the pages show -------------------------------------------------------------------
    def banner(self, url_path: str) -> bytes:
        parts = []
        errors = self.errors + [line for lines in self.pdf_errors.values() for line in lines]
        if errors:
            lines = "\n".join(html.escape(line) for line in errors)
            parts.append('<div id="gazette-errors" style="position:sticky;top:0;z-index:99;'
                         'background:#fff0f0;color:#900;border:2px solid #c00;padding:.8em;'
                         'font:14px/1.5 monospace;white-space:pre-wrap">'
                         f'<strong>重建失败，仍显示上次成功的页面 (rebuild failed):</strong>\n{lines}</div>')
        pdf_warnings = [m for lines in self.pdf_warnings.values() for m in lines]
        parts.append(warnings_banner(self.warnings + pdf_warnings, url_path))
        if self.worker and any(url_path.startswith(p) for p in self.stale_issue_urls()):
            parts.append('<div id="gazette-pdf-stale" style="background:#fff8dc;padding:.5em;'
                         'font:14px sans-serif">印刷版 PDF 正在更新，页码可能不是最新的。'
                         'The PDF is older than the text; page numbers may change.</div>')
        return "".join(parts).encode("utf-8")


def _more_open_files() -> None:
    """The soft limit of open files raised towards the hard one (at most 65,536): at 1,024 (a
    common default) a thousand idle connections left none for a rebuild ("Too many open files:
    site.yaml")."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65_536 if hard == resource.RLIM_INFINITY else min(hard, 65_536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):  # not allowed here: the limit stays
            pass


# the worker process's own memo: it re-reads only the documents that changed between layouts
_WORKER_MEMO = Memo()


def _pdf_worker() -> ProcessPoolExecutor:
    # spawn, not fork: the server process holds threads (tornado, the executor's own)
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_start)


def _worker_start() -> None:
    """In the PDF worker: Ctrl-C in the terminal reaches the whole process group, but only the
    server decides to stop (it ends the worker). (A lower priority was tried: on a shared
    machine the worker then starved behind everything else.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# -- stopping: SIGTERM and Ctrl-C end the loop; serve() then ends the worker ------------------

def _stop_on_signals(loop: IOLoop) -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.asyncio_loop.add_signal_handler(number, loop.stop)


def _stop_worker(worker: ProcessPoolExecutor) -> None:
    """End the PDF worker now, even in the middle of a layout (its result is not wanted)."""
    for process in list(getattr(worker, "_processes", {}).values()):
        process.terminate()
    worker.shutdown(wait=True, cancel_futures=True)


def _state(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise
    except OSError:  # a link in a loop (ELOOP), a name too long: every poll failed on it
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ctime_ns


def print_in_worker(root: str, issue_key: str) -> tuple[PrintedIssue | None, list[str]]:
    """Lay out one issue's PDF in the worker process (WeasyPrint stays loaded between calls);
    return it with the messages of the layout (template errors with their line)."""
    from . import render
    from .site import print_one

    report = Report(Path(root))
    try:
        site = load_site(Path(root), report, _WORKER_MEMO)
        issue = next(i for i in site.issues if i.key == issue_key)
        printed = print_one(site, issue, render.make_env(site.config), report)
        _WORKER_MEMO.sweep()
    except BuildFailed:
        printed = None
    except StopIteration:
        return None, [f"issue {issue_key} no longer exists"]
    return printed, [str(d) for d in report.diagnostics]


class PreviewFileHandler(preview_guard.LocalOnly, StaticFileHandler):
    """Serves the preview folder; HTML pages get the error and stale-PDF banners."""

    preview: Preview

    def parse_url_path(self, url_path: str) -> str:
        if "\x00" in url_path:  # no file name holds it: say so rather than fail on it
            raise HTTPError(400, reason="NUL in the path")
        return super().parse_url_path(url_path)

    @classmethod
    def _page(cls, abspath: str) -> bytes:
        with open(abspath, "rb") as handle:
            data = handle.read()
        url = "/" + Path(abspath).relative_to(cls.preview.out).as_posix()
        banner = cls.preview.banner(url)
        data = preview_guard.relax_policy(data, "%s:%d" % preview_guard.LocalOnly.listen,
                                          (inplace.SCRIPT,))
        data = data.replace(b"</head>", inplace.SCRIPT + b"</head>", 1)
        return data.replace(b"<main", banner + b"<main", 1) if banner else data

    def _made(self) -> bytes:
        """The HTML page as this request sends it, made once: its etag, its length and its
        body were made apart, and a rebuild in the other thread could change the page or its
        banner in between (the body then longer than its Content-Length: the connection
        dropped, with a traceback). The body is this page: the class's `get_content` is
        shadowed, for this request, by one that sends it."""
        made = getattr(self, "_made_page", None)
        if made is None:
            made = self._made_page = self._page(self.absolute_path)
            self.get_content = lambda abspath, start=None, end=None: [made[start:end]]
        return made

    def compute_etag(self):
        if self.absolute_path.endswith(".html"):  # not the class's cache of file versions:
            return f'"{hashlib.sha256(self._made()).hexdigest()}"'  # a page changes in place
        return super().compute_etag()

    def get_content_size(self):
        if self.absolute_path.endswith(".html"):
            return len(self._made())
        return super().get_content_size()


class PreviewWatcher(Watcher):
    """livereload's watcher, replaced: tells the browsers to reload after each rebuild of the
    watching thread (`Preview.watch_in_background`)."""

    def __init__(self, preview: Preview):
        super().__init__()
        self.preview = preview

    def start(self, callback) -> bool:
        PeriodicCallback(callback, POLL_MS).start()
        return True

    def examine(self):
        if self._changes:
            return self._changes.pop()
        if self.preview.reloaded.is_set():  # the watching thread rebuilt: reload the pages
            self.preview.reloaded.clear()
            # content edits swap the open page's body in place; the rest reloads it
            changed, self.preview.changed = self.preview.changed, set()
            self.filepath = inplace.reload_path(changed, str(self.preview.root))
            # '__livereload__' bypasses livereload's 3-second reload suppression
            return "__livereload__", None
        return None, None


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000, with_pdf: bool = True) -> int:
    """Build into the preview folder and serve it with live reload until interrupted."""
    try:
        lock = preview_guard.take_lock(root)
    except preview_guard.AlreadyServing as holder:
        _say(f"gazette: this site is already being previewed ({holder}); stop that "
             f"gazette serve first, or open its address in the browser")
        return 1
    out = root / PREVIEW_DIR
    if out.is_symlink():  # a link left in its place: removed, never written through
        out.unlink()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    preview = Preview(root, out, with_pdf)
    preview.loop = IOLoop.current()  # the loop the pages are served from
    _stop_on_signals(preview.loop)
    preview.snapshot = preview.sources()
    preview.rebuild()
    if not (out / "index.html").exists():  # nothing built yet: a page to carry the errors
        (out / "index.html").write_text(
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>gazette</title>'
            '</head><body><main><p>尚无可预览的页面。</p></main></body></html>', encoding="utf-8")
    PreviewFileHandler.preview = preview
    LiveReloadHandler.watcher = PreviewWatcher(preview)
    LiveReloadHandler.live_css = True
    # bound first: with --port 0 the system picks the port, which the Host check, the reload
    # script and the message must name
    sockets = bind_sockets(port, host)
    port = sockets[0].getsockname()[1]
    _more_open_files()
    # a request's headers must come within REQUEST_S: a thousand connections sending a
    # header line every 10 s held every file descriptor, and the preview answered no one
    HTTPServer(preview_guard.application(PreviewFileHandler, str(out), (host, port)),
               idle_connection_timeout=REQUEST_S, body_timeout=REQUEST_S).add_sockets(sockets)
    preview.watch_in_background()
    _say(f"previewing {root} at http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        LiveReloadHandler.watcher._changes.append(("__livereload__", 0))
        LiveReloadHandler.start_tasks()
        preview.loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        if preview.worker:
            _stop_worker(preview.worker)
        lock.close()
    _say("stopped")
    return 0


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {for_terminal(message)}", file=sys.stderr, flush=True)
