"""Benchmark of gazette_build (`make bench`, or `python -m tools.bench [--quick]`).

What it measures, each figure the median of several runs (the count is printed with it):

- html:  cold web-edition build (`site.build(root, out, with_pdf=False, with_search=False)`) of
         a synthetic archive of 250 issues / 1,500 documents (tools/make_archive.py), in ms per
         document, next to the "minimal pipeline" floor (tools/floor.py) on the same archive, and
         their ratio; peak memory (ru_maxrss) of the build process. The search index is measured
         by tools/search_figures.py.
- memo:  in-process rebuilds with a `site.Memo()`: nothing changed, and one document's title
         edited (the edited page is checked to carry the new title).
- pdf:   the seed issue's PDF through `gazette_build.printed.layout.render_issue` (font checks, layout,
         document PDFs, cache store), cold (fresh process, fresh copy of the site without its
         .gazette-cache/), next to a raw WeasyPrint render of the same print HTML
         (`HTML(string=pdf.render_html(…), base_url=…).write_pdf()`), and their ratio.
- latency: `gazette serve --no-pdf` on the 1,500-document archive as its own process, one
         document page requested after another while a document is saved every 10 ms, then
         while a title is edited every 150 ms (a rebuild after each): p95 of the requests' times.
- pdf25: `gazette build` of a 25-issue archive with PDFs, serially (`--jobs 1`) and with
         `--jobs 2`, the speed-up, and the peak memory of each.
- preview: the live preview's `gazette_build.server.Preview`, driven without HTTP: `poll()`
         called every POLL_MS as the server's PeriodicCallback calls it. (a) One document's
         title edited in the 1,500-document archive: time from the poll that sees the save to
         the poll whose rebuild has written the pages (the edited page is checked), and the
         rebuild alone. (b) The seed site with PDFs: after one document's paragraph changes,
         time from the rebuild to the background worker's new PDF of the issue (a real layout,
         not a cache hit), next to the cold `pdf.render_issue` of the pdf part.
- rebuild: whole-process `gazette build --no-pdf` (start-up and imports included, timed from
         outside) on the 1,500-document archive: cold (no .gazette-cache/, no output), again
         with nothing changed (the build finds its output up to date:
         gazette_build/uptodate.py), after one title is edited in the middle of the archive,
         and after one is edited in its newest
         issue, where editors work (the stored memo at work; the search index's archive part
         is kept when only the newest year changed), and after a 勘误 of the middle document
         is added to the newest issue (the corrected page gets a notice the index leaves
         out: its part is kept); the last
         edited build's output is compared byte for byte with a cold build's (the search
         index by the pages it answers with, each page's text, metadata and filters: Pagefind
         names its chunks differently per run, and an edit in a group of years goes into the
         index's edits part). Once as published, search index included, and once with
         `--no-search`.
- floor: whole-process cold `gazette build --no-pdf --no-search` against `python -m
         tools.floor` at 1,500 documents and at `--big-issues` issues (default 2,500: 15,000
         documents), with the build's peak memory (ru_maxrss from wait4: its largest process;
         and the summed PSS of its process tree: the build converts documents in a forked
         worker per core beyond the first; from one more run of each side, the timed runs
         being left unsampled) and both sides' CPU time. Like for like: the
         floor makes no search index either; what the index costs is in the rebuild part.
- cachedpdf: whole-process `gazette build` of the seed with every PDF in the print cache:
         into a new output folder (every page written) and with nothing changed.
- browser: an editor's edit in Chromium (tools/edit_latency.py): `gazette serve` on the seed
         site with its PDF worker, 22 edits one second apart, each from the file's save to the
         new text painted in the open page; median, 95th percentile and worst.

Every cold measurement runs in its own child process (`python -m tools.bench --child KIND …`,
printed in the report) so no cache or import leaks between runs; paired measurements alternate
their order from run to run, and a ratio is the median of the per-run ratios (each run a
back-to-back pair, which cancels most of the drift of a shared machine; the ratio of the medians
is printed too). Times are taken *inside* the child with `time.perf_counter()`
around the build call only: interpreter start-up and module imports (gazette_build, jinja2,
markdown-it, yaml, and weasyprint for the PDF parts) are excluded, the same way for both sides
of each ratio. The CPU time of the same span (process_time) and the whole child's wall time are
reported too, for reference: on a shared machine the CPU time is the steadier figure.

The work folder (archives, site copies, outputs) is on /dev/shm when it is writable: on this
machine's ext4 the system time of writing and deleting the 1,774 output files grew from run to
run (0.13 s → 0.94 s in three runs of the floor), noise that has nothing to do with the
generator. `--tmp DIR` puts it elsewhere.

Memory: a child's own peak RSS (VmHWM, the whole process, imports included; from outside,
`ru_maxrss` when it exceeds the bench's own, which Linux passes on to a child across exec); for builds that start worker processes the largest worker (`RUSAGE_CHILDREN`) and
the peak of the process tree's summed PSS (sampled every 100 ms from /proc) are reported too.
"""
from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULT = "BENCH-RESULT "
PARTS = ("html", "memo", "pdf", "preview", "latency", "pdf25", "browser", "rebuild", "floor",
         "cachedpdf")
MIB = 1024 * 1024
CHILD_TIMEOUT = 1800


# ---- child side: one measurement in a fresh process; prints one JSON line -------------------

def _rusage() -> dict:
    own = _high_water() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"maxrss": own, "children_maxrss": workers}


def _high_water() -> int:
    """This process's peak RSS in bytes since it started its program (VmHWM). Not ru_maxrss:
    Linux starts a child's at the spawning process's own peak (it is kept across exec), so a
    child smaller than the bench read as large as the bench (a 24 MiB floor read 116 MiB)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _emit(result: dict) -> None:
    result.update(_rusage())
    sys.stdout.write(RESULT + json.dumps(result) + "\n")
    sys.stdout.flush()


def _child_html(site: str, out: str) -> dict:
    from gazette_build import site as gsite
    started, cpu = time.perf_counter(), time.process_time()
    # the pages against the floor; the search index is measured by tools/search_figures.py
    result = gsite.build(Path(site), out=Path(out), with_pdf=False, with_search=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    documents = sum(len(issue.documents) for issue in result.site.issues)
    return {"seconds": seconds, "cpu": cpu, "documents": documents, "pages": result.pages}


def _child_floor(site: str, out: str) -> dict:
    from tools.floor import floor_build
    started, cpu = time.perf_counter(), time.process_time()
    pages = floor_build(Path(site), Path(out))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "documents": pages, "pages": pages}


def _edited_document(root: Path, out: Path, newest: bool = False) -> tuple[Path, str, str, Path]:
    """The document in the middle of the archive (or, `newest`, the last of its newest issue,
    where editors work): its path, text, title line and built page."""
    sources = sorted((root / "content").glob("*/*/*.md"))
    path = sources[-1] if newest else sources[len(sources) // 2]
    text = path.read_bytes().decode("utf-8")
    title_line = next(line for line in text.split("\n") if line.startswith("title: "))
    relative = path.relative_to(root / "content")
    return path, text, title_line, out / relative.parent / path.stem / "index.html"


def _add_correction(issue: Path, run: int, number: str) -> None:
    """A 勘误 of the document numbered `number` added to the `issue` folder (its run-th): the
    page of the corrected document gets a notice that links to it."""
    name, listing = f"kanwu-{run}", issue / "issue.yaml"
    listed = listing.read_text(encoding="utf-8")
    date = next(line for line in listed.split("\n") if line.startswith("date: "))[6:]
    (issue / f"{name}.md").write_text(
        f"---\ntitle: 关于更正{number}的勘误（第{run}号）\nnumber: 市政办函〔{date[:4]}〕"
        f"{900 + run}号\ndate: {date}\nissuer: 晋中市人民政府办公室\ncorrects: {number}\n---\n\n"
        f"原文第{run + 2}段“方案”应为“实施方案”。\n", encoding="utf-8")
    listing.write_text(listed + f"  - {name}\n", encoding="utf-8")


def _child_memo(site: str, out: str, runs: str) -> dict:
    from gazette_build import site as gsite
    root, target, runs_ = Path(site), Path(out), int(runs)
    memo = gsite.Memo()

    def build():
        started = time.perf_counter()
        result = gsite.build(root, out=target, with_pdf=False, memo=memo)
        return time.perf_counter() - started, result

    first, _ = build()
    unchanged, unchanged_written = [], []
    for _ in range(runs_):
        seconds, result = build()
        unchanged.append(seconds)
        unchanged_written.append(len(result.written))
    # one document in the middle of the archive: its title changes on every run
    path, text, title_line, page = _edited_document(root, target)
    edited, edited_written, stale = [], [], 0
    try:
        for run in range(runs_):
            new_title = f"{title_line}（修订{run + 1}）"
            path.write_bytes(text.replace(title_line, new_title, 1).encode("utf-8"))
            seconds, result = build()
            edited.append(seconds)
            edited_written.append(len(result.written))
            stale += new_title[len("title: "):] not in page.read_text(encoding="utf-8")
    finally:
        path.write_bytes(text.encode("utf-8"))
    return {"first": first, "unchanged": unchanged, "unchanged_written": unchanged_written,
            "edited": edited, "edited_written": edited_written, "stale_pages": stale,
            "edited_file": path.relative_to(root / "content").as_posix()}


def _load_seed(site: str):
    from gazette_build import render, site as gsite
    from gazette_build.errors import Report
    root = Path(site)
    report = Report(root)
    loaded = gsite.load_site(root, report)
    env = render.make_env(loaded.config)
    return loaded, loaded.issues[0], env, report


def _child_pdf(site: str) -> dict:
    from gazette_build.printed import layout as pdf  # imports weasyprint before the clock starts, as rawpdf does
    loaded, issue, env, report = _load_seed(site)
    started, cpu = time.perf_counter(), time.process_time()
    printed = pdf.render_issue(loaded, issue, env, report)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if pdf.layout_count != 1:
        return {"error": "render_issue did not lay the issue out (a cache hit?): not a cold run"}
    return {"seconds": seconds, "cpu": cpu, "pages": printed.page_count, "bytes": len(printed.pdf),
            "document_pdfs": len(printed.document_pdfs),
            "document_bytes": sorted(len(data) for data in printed.document_pdfs.values())}


def _child_rawpdf(site: str) -> dict:
    from weasyprint import HTML
    from gazette_build.printed import layout as pdf
    loaded, issue, env, _ = _load_seed(site)
    html = pdf.render_html(loaded, issue, env, press=False)  # what render_issue lays out
    base_url = (loaded.config.root.resolve() / issue.path).parent.as_uri() + "/"
    started, cpu = time.perf_counter(), time.process_time()
    document = HTML(string=html, base_url=base_url).render()
    pdf_bytes = document.write_pdf()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "pages": len(document.pages), "bytes": len(pdf_bytes)}


def _child_cli(site: str, out: str, *extra: str) -> dict:
    from gazette_build import cli, pdf, site as gsite  # noqa: F401  (pdf imports weasyprint)
    started, before = time.perf_counter(), os.times()
    code = cli.main(["--site", site, "build", "--out", out, *extra])
    seconds, after = time.perf_counter() - started, os.times()
    cpu = sum(after[:4]) - sum(before[:4])  # user + system, this process and its workers
    pdfs = len(list(Path(out).rglob("*.pdf"))) if code == 0 else 0
    return {"seconds": seconds, "cpu": cpu, "code": code, "pdfs": pdfs}


def _poll_until_rebuilt(preview, timeout: float = 60.0) -> tuple[float, float]:
    """Call `preview.poll()` every POLL_MS, as the server's PeriodicCallback does, until it has
    rebuilt. Returns (seen, written): the clock when a poll saw the save (`preview.seen_at`)
    and right after the poll that returned True (the pages are written)."""
    from gazette_build.server import POLL_MS
    deadline = time.perf_counter() + timeout
    while not preview.poll():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no rebuild within {timeout:.0f} s of the save")
        time.sleep(POLL_MS / 1000)
    if preview.errors:
        raise RuntimeError("the rebuild failed: " + " / ".join(preview.errors[:3]))
    return preview.seen_at, time.perf_counter()


def _start(preview) -> None:
    """The preview's first build, as serve() starts it."""
    preview.snapshot = preview.sources()
    preview.rebuild()
    if preview.errors:
        raise RuntimeError("the first build failed: " + " / ".join(preview.errors[:3]))


def _wait_pdf(preview, timeout: float = 600.0) -> None:
    if not preview.pdf_arrived.wait(timeout):
        raise RuntimeError(f"no PDF from the preview's worker within {timeout:.0f} s")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time so far of running processes (from /proc/PID/stat)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            stat = Path(f"/proc/{pid}/stat").read_bytes()
            fields = stat[stat.rindex(b")") + 2:].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _child_preview(site: str, out: str, runs: str) -> dict:
    """One title edited, seen by the preview's poll and written by its rebuild."""
    from gazette_build.server import Preview
    root, target = Path(site), Path(out)
    preview = Preview(root, target, with_pdf=False)
    rebuilds, untimed = [], preview.rebuild

    def timed_rebuild():  # poll() calls self.rebuild(): the rebuild alone is timed here
        started = time.perf_counter()
        untimed()
        rebuilds.append(time.perf_counter() - started)

    preview.rebuild = timed_rebuild
    _start(preview)
    path, text, title_line, page = _edited_document(root, target)
    totals, stale = [], 0
    try:
        for run in range(int(runs)):
            new_title = f"{title_line}（预览修订{run + 1}）"
            path.write_bytes(text.replace(title_line, new_title, 1).encode("utf-8"))
            seen, written = _poll_until_rebuilt(preview)
            totals.append(written - seen)
            stale += new_title[len("title: "):] not in page.read_text(encoding="utf-8")
    finally:
        path.write_bytes(text.encode("utf-8"))
    return {"first": rebuilds[0], "seen_to_written": totals, "rebuild": rebuilds[1:],
            "stale_pages": stale, "edited_file": path.relative_to(root / "content").as_posix()}


def _child_preview_pdf(site: str, out: str, runs: str) -> dict:
    """The preview's background PDF refresh of the seed issue after one paragraph changed."""
    from gazette_build.printed.cache import CACHE_DIR
    from gazette_build.server import Preview
    root = Path(site)
    cache = root / CACHE_DIR / "print"
    preview = Preview(root, Path(out), with_pdf=True)
    path = text = None
    try:
        _start(preview)  # submits the issue's first layout to the worker
        started = time.perf_counter()
        _wait_pdf(preview)
        first = time.perf_counter() - started
        # the server's answer to a new PDF: the pages are rebuilt with its page numbers; this
        # poll also clears pdf_arrived, as each poll that rebuilds does before submitting a PDF
        if not preview.poll():
            raise RuntimeError("poll() did not rebuild after the first PDF arrived")
        workers = _tree(os.getpid())[1:]
        path = min((root / "content").glob("*/*/*.md"))
        text = path.read_bytes().decode("utf-8")
        body = text.split("\n---\n", 1)[1]
        paragraph = next(line for line in body.split("\n") if line.endswith("。"))
        refreshes, cpus = [], []
        for run in range(int(runs)):
            entries = sorted(cache.iterdir())
            sentence = f"本段为基准测试第{run + 1}次修改所加。"  # new text: a new layout
            path.write_bytes(text.replace(paragraph, paragraph + sentence, 1).encode("utf-8"))
            cpu = _cpu_seconds(workers)  # the worker is idle until the rebuild submits the issue
            _, t0 = _poll_until_rebuilt(preview)
            _wait_pdf(preview)
            t1 = time.perf_counter()
            refreshes.append(t1 - t0)
            cpus.append(_cpu_seconds(workers) - cpu)
            if sorted(cache.iterdir()) == entries:
                raise RuntimeError("the refreshed PDF came from the print cache, not a layout")
            if preview.stale_issue_urls():
                raise RuntimeError("the PDF that arrived is older than the text")
            preview.poll()  # the server's answer to the new PDF, as above
    finally:
        if path is not None:
            path.write_bytes(text.encode("utf-8"))
        preview.worker.shutdown()
    return {"first": first, "refresh": refreshes, "cpu": cpus,
            "edited_file": path.relative_to(root / "content").as_posix()}


def _child_latency(site: str, seconds: str) -> dict:
    """`gazette serve --no-pdf` on the archive as its own process; a client requests one
    document page after another while (a) a document is saved every 10 ms (a burst that never
    ends) and (b) a title is edited every 150 ms (a rebuild after each). Each request's time."""
    import http.client
    import socket

    root, phase_seconds = Path(site), float(seconds)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = root.parent / f"{root.name}-serve.log"  # a file: a full pipe would stall it
    server = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site", site, "serve",
                               "--no-pdf", "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=log_path.open("w"))
    path, text, title_line, page = _edited_document(root, root / ".gazette-preview")
    url = "/" + page.relative_to(root / ".gazette-preview").as_posix()

    def get() -> float:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", url)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {url}: {response.status}")
        finally:
            connection.close()
        return time.perf_counter() - started

    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                get()
                break
            except (OSError, RuntimeError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the preview did not start: " + log_path.read_text(
                        encoding="utf-8")[-300:]) from None
                time.sleep(0.2)
        phases = {}
        for name, interval in (("saves every 10 ms", 0.01), ("an edit every 150 ms", 0.15)):
            stop = threading.Event()

            def keep_saving(interval=interval, stop=stop):
                n = 0
                while not stop.is_set():
                    n += 1
                    path.write_text(text.replace(title_line, f"{title_line}（第{n}稿）", 1),
                                    encoding="utf-8")
                    time.sleep(interval)

            saver = threading.Thread(target=keep_saving)
            saver.start()
            latencies = []
            try:
                end = time.perf_counter() + phase_seconds
                while time.perf_counter() < end:
                    latencies.append(get())
            finally:
                stop.set()
                saver.join()
            phases[name] = latencies
            time.sleep(1.0)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log = log_path.read_text(encoding="utf-8")
    return {"phases": phases, "rebuilds": len(re.findall(r"rebuilt in \d+ ms", log)),
            "edited_file": path.relative_to(root / "content").as_posix()}


CHILDREN = {"html": _child_html, "floor": _child_floor, "memo": _child_memo, "pdf": _child_pdf,
            "rawpdf": _child_rawpdf, "cli": _child_cli, "preview": _child_preview,
            "preview-pdf": _child_preview_pdf, "latency": _child_latency}


def child_main(kind: str, args: list[str]) -> int:
    try:
        result = CHILDREN[kind](*args)
    except Exception as exc:  # reported by the parent as "failed", with the message
        import traceback
        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"}
    _emit(result)
    return 0


# ---- parent side ---------------------------------------------------------------------------

class TreeSampler:
    """Peak of the summed PSS (RSS if PSS is unreadable) of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.peak = max(self.peak, sum(_memory(p) for p in _tree(self.pid)))
            self._stop.wait(self.interval)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    stat = handle.read()
                ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _memory(pid: int) -> int:
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as handle:
                for line in handle:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path):
        self.args, self.work = args, work
        self.commands: dict[str, str] = {}
        self.rows: list[tuple[str, str, str]] = []
        self.cold_pdf: list[dict] | None = None  # the pdf part's cold render_issue results
        self._serial = 0

    def fresh(self, name: str) -> Path:
        self._serial += 1
        path = self.work / f"{name}-{self._serial}"
        shutil.rmtree(path, ignore_errors=True)
        return path

    def child(self, kind: str, *args: str, label: str | None = None, tree: bool = False) -> dict:
        """Run one measurement in a fresh process; return its result. `tree`: also sample the
        memory of the process tree (it costs the parent a little CPU while the child runs)."""
        command = [sys.executable, "-m", "tools.bench", "--child", kind, *map(str, args)]
        self.commands.setdefault(label or kind, shlex.join(command))
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.sync()  # flush earlier runs' writes outside the timed region
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        with TreeSampler(process.pid) if tree else contextlib.nullcontext() as sampler:
            out, err = process.communicate(timeout=CHILD_TIMEOUT)
        wall = time.perf_counter() - started
        lines = [line for line in out.splitlines() if line.startswith(RESULT)]
        if not lines:
            return {"error": f"exit {process.returncode}: {err.strip()[-800:]}", "wall": wall}
        result = json.loads(lines[-1][len(RESULT):])
        result.update(wall=wall, tree_peak=sampler.peak if sampler else 0)
        if "error" in result:
            result["error"] += f"\n{err.strip()[-800:]}"
        return result

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def row(self, what: str, value: str, aim: str = "") -> None:
        self.rows.append((what, value, aim))

    def cold(self, kind: str, site: Path, *args, **options) -> dict:
        """`child` on a fresh copy of `site` without its .gazette-cache/, removed afterwards."""
        copy = self.fresh(f"site-{kind}")
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".gazette-cache"))
        try:
            return self.child(kind, copy, *args, **options)
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    def failed(self, what: str, results: dict | list[dict]) -> bool:
        """Report the first failed child among `results` (its row says so); True if one did."""
        bad = [r for r in ([results] if isinstance(results, dict) else results) if "error" in r]
        if not bad:
            return False
        self.say(f"  {what}: failed ({bad[0]['error'].strip().splitlines()[0]})")
        if self.args.verbose:
            self.say("    " + bad[0]["error"].replace("\n", "\n    "))
        self.row(what, "failed", "")
        return True

    # -- parts ------------------------------------------------------------------------------

    def process(self, label: str, command: list[str], tree: bool = False) -> dict:
        """Run `command` as a whole process from the repository root: wall seconds from start to
        exit (start-up and imports included), its CPU seconds (its workers' included) and its
        peak memory (ru_maxrss: the largest single process of the tree); `tree`: also the peak
        of the tree's summed PSS, sampled every 100 ms (the build's conversion workers)."""
        self.commands.setdefault(label, shlex.join(command))
        os.sync()
        # the child's ru_maxrss starts at this process's own peak (kept across exec): at or
        # below it, the child's own peak is not known from it (the tree's sampled PSS is)
        spawner = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        with TreeSampler(process.pid) if tree else contextlib.nullcontext() as sampler:
            err = process.stderr.read()
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            return {"error": f"exit {process.returncode}: {err.decode()[-800:]}", "wall": wall}
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss": usage.ru_maxrss * 1024 if usage.ru_maxrss > spawner else 0,
                "tree_peak": sampler.peak if sampler else 0}

    def gazette(self, site: Path, out: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "gazette_build", "--site", str(site), "build",
                "--out", str(out), *extra]

    def part_rebuild(self, archive: Path, documents: int) -> None:
        """Fresh-process `gazette build --no-pdf`: cold (no .gazette-cache/, no output folder),
        nothing changed, one document's title edited; the edited build's output is compared
        with a cold one's. Twice: as published (the search index included: taken back from the stored memo when
        no page changed, made again after an edit) and with `--no-search`."""
        runs = self.args.runs or (3 if self.args.quick else 5)
        for extra, variant in (((), "search index included"), (("--no-search",), "--no-search")):
            self.say(f"\n[rebuild] whole-process gazette build --no-pdf {' '.join(extra)}, "
                     f"{documents} documents, {runs} rounds of (cold, nothing changed, one title "
                     "edited), median")
            self._rebuild_rounds(archive, runs, ("--no-pdf", *extra), variant)

    def _rebuild_rounds(self, archive: Path, runs: int, flags: tuple, variant: str) -> None:
        site, out = self.fresh("site-rebuild"), self.fresh("out-rebuild")
        shutil.copytree(archive, site, ignore=shutil.ignore_patterns(".gazette-cache"))
        path, text, title_line, _ = _edited_document(site, out)
        newest, newest_text, newest_title, _ = _edited_document(site, out, newest=True)
        corrected = next(line for line in text.split("\n") if line.startswith("number: "))[8:]
        results: dict[str, list[dict]] = {"cold": [], "unchanged": [], "edited": [],
                                          "edited newest": [], "correction": []}
        for run in range(runs):
            # cold: no stored results, and no last output either (a build into a folder that
            # holds the last search index starts each part from it: search/reuse.py)
            shutil.rmtree(site / ".gazette-cache", ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            results["cold"].append(self.process("cold build", self.gazette(site, out, *flags)))
            results["unchanged"].append(self.process("rebuild", self.gazette(site, out, *flags)))
            path.write_bytes(text.replace(title_line, f"{title_line}（修订{run}）").encode())
            results["edited"].append(self.process("rebuild", self.gazette(site, out, *flags)))
            newest.write_bytes(newest_text.replace(newest_title,
                                                   f"{newest_title}（修订{run}）").encode())
            results["edited newest"].append(self.process("rebuild",
                                                          self.gazette(site, out, *flags)))
            _add_correction(newest.parent, run, corrected)
            results["correction"].append(self.process("rebuild", self.gazette(site, out, *flags)))
        if any(self.failed(f"rebuild, {kind}", found) for kind, found in results.items()):
            return
        cold_out = self.fresh("out-rebuild-cold")
        shutil.rmtree(site / ".gazette-cache", ignore_errors=True)
        self.process("cold build", self.gazette(site, cold_out, *flags))
        # the index by what it answers with (Pagefind names its chunks differently per run)
        same = _tree_bytes(out, "pagefind") == _tree_bytes(cold_out, "pagefind")
        cold = _median(results["cold"], "wall")
        for kind, aim in (("unchanged", 0.5), ("edited", 0.8), ("edited newest", 0.8),
                          ("correction", 0.8)):
            wall = _median(results[kind], "wall")
            pair = statistics.median(r["wall"] / c["wall"]
                                     for r, c in zip(results[kind], results["cold"]))
            what = {"unchanged": "nothing changed", "edited": "one title edited (middle year)",
                    "edited newest": "one title edited (newest issue)",
                    "correction": "a 勘误 of the middle year's document added to the newest "
                                  "issue"}[kind]
            self.say(f"  {what}: {wall:.3f} s (CPU {_median(results[kind], 'cpu'):.3f} s), "
                     f"{pair:.2f}× the cold build's {cold:.3f} s   runs: "
                     f"{_list(r['wall'] for r in results[kind])}   aim ≤ {aim} s")
            self.row(f"fresh-process rebuild, {what} ({variant})", f"{wall:.3f} s",
                     _aim(wall <= aim, f"≤ {aim} s") + f"; cold {cold:.3f} s, {pair:.2f}×")
        self.say(f"  output of the edited rebuild byte-identical to a cold build: {same}")
        self.row(f"edited rebuild == cold build ({variant})", "yes" if same else "NO",
                 "byte for byte")

    def part_floor(self, archives: list[tuple[Path, int]]) -> None:
        """Cold `gazette build --no-pdf --no-search` against tools/floor.py, both as whole
        processes (the floor makes no search index either)."""
        runs = self.args.runs or (3 if self.args.quick else 5)
        for archive, documents in archives:
            self.say(f"\n[floor] whole-process cold gazette build --no-pdf --no-search vs "
                     f"python -m tools.floor, {documents} documents, {runs} runs each "
                     "(alternating), median")
            def run_one(kind: str, tree: bool) -> dict:
                out = self.fresh(f"out-{kind}")
                try:
                    if kind == "build":
                        shutil.rmtree(archive / ".gazette-cache", ignore_errors=True)
                        return self.process("cold build", self.gazette(
                            archive, out, "--no-pdf", "--no-search"), tree=tree)
                    return self.process("floor", [sys.executable, "-m", "tools.floor",
                                                  str(archive), str(out)], tree=tree)
                finally:
                    shutil.rmtree(out, ignore_errors=True)

            # the timed runs are not sampled: reading the tree's memory every 100 ms took
            # ~1.8 s of CPU during a 15,000-document build, from a build using both cores
            # (the one-process floor left it a core of its own) — ~1.5 s of the build's wall
            # time, measured. The peaks come from one more run of each, sampled.
            builds, floors = [], []
            for run in range(runs):
                for kind in ("build", "floor") if run % 2 == 0 else ("floor", "build"):
                    (builds if kind == "build" else floors).append(run_one(kind, tree=False))
            sampled = {kind: run_one(kind, tree=True) for kind in ("build", "floor")}
            if self.failed("cold build", builds + [sampled["build"]]) or \
                    self.failed("floor", floors + [sampled["floor"]]):
                continue
            b, f = _median(builds, "wall"), _median(floors, "wall")
            pair = statistics.median(x["wall"] / y["wall"] for x, y in zip(builds, floors))
            rss, tree = _median(builds, "maxrss"), sampled["build"]["tree_peak"]
            floor_peak = max(_median(floors, "maxrss"), sampled["floor"]["tree_peak"])
            # the build converts documents with a forked worker per core beyond the first
            # (fanout.py); the floor is one process: its CPU time is the like-for-like work
            cpu = statistics.median(x["cpu"] / y["cpu"] for x, y in zip(builds, floors))
            self.say(f"  build {b:.3f} s, floor {f:.3f} s: {pair:.2f}× (median of per-pair "
                     f"ratios)   aim ≤ 1.25×; CPU time {_median(builds, 'cpu'):.3f} s vs "
                     f"{_median(floors, 'cpu'):.3f} s: {cpu:.2f}×; peak memory {_largest(rss)} "
                     f"(largest process; tree's summed PSS {tree / MIB:.0f} MiB; floor "
                     f"{floor_peak / MIB:.0f} MiB)   aim ≤ 300 MiB")
            self.row(f"whole-process cold build / floor, {documents} docs", f"{pair:.2f}×",
                     _aim(pair <= 1.25, "≤ 1.25×") + f"; {b:.3f} s vs {f:.3f} s; CPU {cpu:.2f}×")
            # the aim holds for whichever is larger: one process, or the tree with its worker
            self.row(f"peak memory, cold build, {documents} docs", _largest(rss),
                     _aim(max(rss, tree) / MIB <= 300, "≤ 300 MiB")
                     + f"; tree (PSS) {tree / MIB:.0f} MiB")

    def part_cachedpdf(self, seed_site: Path) -> None:
        """`gazette build` of the seed with every PDF in the print cache, as a whole process:
        into a new output folder each time (every page written, every PDF taken from the cache),
        and again into the same folder with nothing changed (the build finds it up to date)."""
        runs = self.args.runs or (3 if self.args.quick else 7)
        self.say(f"\n[cachedpdf] whole-process gazette build of the seed, every PDF cached, "
                 f"{runs} runs each, median")
        site, out = self.fresh("site-cachedpdf"), self.fresh("out-cachedpdf")
        shutil.copytree(seed_site, site)
        warm = self.process("seed build", self.gazette(site, out, "--jobs", "1"))
        written, unchanged = [], []
        for _ in range(runs):
            elsewhere = self.fresh("out-cachedpdf-new")
            written.append(self.process("seed build", self.gazette(site, elsewhere)))
            shutil.rmtree(elsewhere, ignore_errors=True)
            unchanged.append(self.process("seed build", self.gazette(site, out)))
        if self.failed("seed build, PDFs cached", [warm, *written, *unchanged]):
            return
        for results, what in ((written, "into a new folder"), (unchanged, "nothing changed")):
            wall = _median(results, "wall")
            self.say(f"  {what}: {wall:.3f} s (CPU {_median(results, 'cpu'):.3f} s)   runs: "
                     f"{_list(r['wall'] for r in results)}   aim ≤ 0.3 s")
            self.row(f"seed build, every PDF cached, {what}", f"{wall:.3f} s",
                     _aim(wall <= 0.3, "≤ 0.3 s"))
        self.say(f"  (the first build, laying out: {warm['wall']:.1f} s)")

    def part_html(self, archive: Path, documents: int) -> None:
        runs = self.args.runs or (3 if self.args.quick else 7)
        self.say(f"\n[html] cold web-edition build vs floor, {documents} documents, "
                 f"{runs} runs each (alternating order), median")
        builds, floors = [], []
        for run in range(runs):
            order = ("html", "floor") if run % 2 == 0 else ("floor", "html")
            for kind in order:
                out = self.fresh(f"out-{kind}")
                result = self.child(kind, archive, out)
                (builds if kind == "html" else floors).append(result)
                shutil.rmtree(out, ignore_errors=True)
        if self.failed("cold gazette build --no-pdf", builds) or self.failed("cold floor", floors):
            return
        pages = builds[0]["pages"]
        b, f = _median(builds), _median(floors)
        b_cpu, f_cpu = _median(builds, "cpu"), _median(floors, "cpu")
        pair = statistics.median(x["seconds"] / y["seconds"] for x, y in zip(builds, floors))
        b_wall, f_wall = _median(builds, "wall"), _median(floors, "wall")
        rss, rss_max = _median(builds, "maxrss"), max(r["maxrss"] for r in builds)
        floor_rss = _median(floors, "maxrss")
        per = 1000 / documents
        self.say(f"  gazette build: {b * per:.3f} ms/page ({b:.3f} s; "
                 f"CPU {b_cpu * per:.3f} ms/page;"
                 f" {pages} HTML files incl. index/year/issue pages; whole child {b_wall:.2f} s)"
                 f"\n                 runs: {_list(r['seconds'] for r in builds)}")
        self.say(f"  floor:         {f * per:.3f} ms/page ({f:.3f} s; "
                 f"CPU {f_cpu * per:.3f} ms/page; "
                 f"whole child {f_wall:.2f} s)\n                 runs: "
                 f"{_list(r['seconds'] for r in floors)}")
        best = min(r["seconds"] for r in builds) / min(r["seconds"] for r in floors)
        cpu_pair = statistics.median(x["cpu"] / y["cpu"] for x, y in zip(builds, floors))
        self.say(f"  ratio build/floor: {pair:.2f}× (median of the per-run ratios, each run a "
                 f"back-to-back pair; ratio of the medians {b / f:.2f}×; best of each {best:.2f}×; "
                 f"CPU time {cpu_pair:.2f}×; whole child processes {b_wall / f_wall:.2f}×)   "
                 "aim ≤ 1.25×")
        self.say(f"  peak memory (ru_maxrss) of the build: {rss / MIB:.0f} MiB median, "
                 f"{rss_max / MIB:.0f} MiB max; floor {floor_rss / MIB:.0f} MiB   aim ≤ 300 MiB")
        self.row(f"cold build, {documents} docs", f"{b * per:.3f} ms/page",
                 f"CPU {b_cpu * per:.3f}")
        self.row("floor (same archive)", f"{f * per:.3f} ms/page", f"CPU {f_cpu * per:.3f}")
        self.row("build / floor", f"{pair:.2f}×", _aim(pair <= 1.25, "≤ 1.25×")
                 + f"; ratio of medians {b / f:.2f}×, CPU {cpu_pair:.2f}×")
        self.row("peak memory, cold build", f"{rss / MIB:.0f} MiB",
                 _aim(rss / MIB <= 300, "≤ 300 MiB"))

    def part_memo(self, archive: Path, documents: int) -> None:
        runs = self.args.runs or (3 if self.args.quick else 5)
        self.say(f"\n[memo] in-process rebuilds with site.Memo(), {documents} documents, "
                 f"{runs} runs each, median (one child process; first build with the memo not "
                 "counted)")
        # on a copy: the child edits a document
        result = self.cold("memo", archive, self.fresh("out-memo"), runs)
        if self.failed("rebuild, nothing changed", result):
            self.row("rebuild, one title edited", self.rows[-1][1], "")
            return
        unchanged = statistics.median(result["unchanged"])
        edited = statistics.median(result["edited"])
        self.say(f"  first build with an empty memo: {result['first']:.3f} s")
        self.say(f"  nothing changed: {unchanged:.3f} s   runs: {_list(result['unchanged'])}   "
                 f"files written: {_list(result['unchanged_written'], '{}')}   aim < 1.0 s")
        self.say(f"  one title edited ({result['edited_file']}): {edited:.3f} s   runs: "
                 f"{_list(result['edited'])}   files written: "
                 f"{_list(result['edited_written'], '{}')}   stale pages: {result['stale_pages']}")
        self.row("rebuild, nothing changed", f"{unchanged:.3f} s", _aim(unchanged < 1.0, "< 1.0 s"))
        self.row("rebuild, one title edited", f"{edited:.3f} s"
                 + (f" ({result['stale_pages']} STALE)" if result["stale_pages"] else ""), "")

    def part_pdf(self, seed_site: Path) -> None:
        runs = self.args.runs or (1 if self.args.quick else 3)
        self.say(f"\n[pdf] seed issue 2024年第1期: pdf.render_issue (cold: fresh process, fresh "
                 f"site copy without .gazette-cache/) vs raw WeasyPrint of the same print HTML, "
                 f"{runs} runs "
                 "each (alternating order), median")
        ours, raws = [], []
        for run in range(runs):
            for kind in ("pdf", "rawpdf") if run % 2 == 0 else ("rawpdf", "pdf"):
                (ours if kind == "pdf" else raws).append(self.cold(kind, seed_site))
        raw_ok = not self.failed("seed PDF, raw WeasyPrint", raws)
        if raw_ok:
            r = _median(raws)
            self.say(f"  raw WeasyPrint: {r:.2f} s, {raws[0]['pages']} pages, "
                     f"{raws[0]['bytes'] / 1024:.0f} KiB (HTML from pdf.render_html)   "
                     f"runs: {_list(x['seconds'] for x in raws)}")
            self.row("seed PDF, raw WeasyPrint", f"{r:.2f} s", "")
        if self.failed("seed PDF, pdf.render_issue", ours):
            return
        self.cold_pdf = ours
        o = _median(ours)
        self.say(f"  pdf.render_issue: {o:.2f} s, {ours[0]['pages']} pages, "
                 f"{ours[0]['bytes'] / 1024:.0f} KiB, {ours[0]['document_pdfs']} document PDFs   "
                 f"runs: {_list(x['seconds'] for x in ours)}")
        self.row("seed PDF, render_issue", f"{o:.2f} s", "")
        weights = ours[0]["document_bytes"]
        self.say(f"  weights: issue PDF {ours[0]['bytes'] / 1024:.0f} KiB"
                 + (f" (raw WeasyPrint {raws[0]['bytes'] / 1024:.0f} KiB)" if raw_ok else "")
                 + f"; document PDFs {', '.join(f'{w / 1024:.0f}' for w in weights)} KiB, together "
                 f"{sum(weights) / ours[0]['bytes']:.2f}× the issue PDF")
        self.row("seed PDF weights", f"issue {ours[0]['bytes'] / 1024:.0f} KiB, smallest document "
                 f"{weights[0] / 1024:.0f} KiB, documents {sum(weights) / ours[0]['bytes']:.2f}× issue",
                 _aim(weights[0] <= 150_000, "one-page notice ≤ 150 KB"))
        if raw_ok:
            pair = statistics.median(x["seconds"] / y["seconds"] for x, y in zip(ours, raws))
            cpu = statistics.median(x["cpu"] / y["cpu"] for x, y in zip(ours, raws))
            self.say(f"  ratio render_issue/raw: {pair:.2f}× (median of the per-run ratios; ratio "
                     f"of the medians {o / r:.2f}×; CPU time {cpu:.2f}×)   aim ≤ 1.15×")
            self.row("render_issue / raw", f"{pair:.2f}×", _aim(pair <= 1.15, "≤ 1.15×")
                     + f"; ratio of medians {o / r:.2f}×, CPU {cpu:.2f}×")

    def part_preview(self, archive: Path, documents: int, seed_site: Path) -> None:
        from gazette_build.server import POLL_MS, QUIET_MS
        edit_runs = max(5, self.args.runs or (5 if self.args.quick else 9))
        pdf_runs = max(3, self.args.runs or (3 if self.args.quick else 5))
        self.say(f"\n[preview] gazette_build.server.Preview driven without HTTP: poll() every "
                 f"{POLL_MS} ms, as the server's PeriodicCallback calls it; one child process "
                 "per measurement, its first build not counted")

        self.say(f"  (a) one document's title edited, {documents} documents, {edit_runs} runs, "
                 "median")
        result = self.cold("preview", archive, self.fresh("out-preview"), edit_runs)
        if not self.failed("preview: save seen → pages written", result):
            total, rebuild = statistics.median(result["seen_to_written"]), \
                statistics.median(result["rebuild"])
            stale = result["stale_pages"]
            self.say(f"  first build: {result['first']:.3f} s; edited {result['edited_file']}")
            self.say(f"  save seen → pages written: {total * 1000:.0f} ms   runs: "
                     f"{_list((x * 1000 for x in result['seen_to_written']), '{:.0f}')}   "
                     f"stale pages: {stale}   aim ≤ 150 ms")
            self.say(f"  of which the rebuild: {rebuild * 1000:.0f} ms   runs: "
                     f"{_list((x * 1000 for x in result['rebuild']), '{:.0f}')}; the rest, "
                     f"{(total - rebuild) * 1000:.0f} ms, is the {QUIET_MS} ms wait for quiet "
                     "and the scans of the sources")
            self.row("preview: save seen → pages written", f"{total * 1000:.0f} ms"
                     + (f" ({stale} STALE)" if stale else ""),
                     _aim(total <= 0.150 and not stale, "≤ 150 ms")
                     + f"; rebuild alone {rebuild * 1000:.0f} ms")

        self.say(f"  (b) background PDF refresh of the seed issue after one paragraph changed "
                 f"(a new layout, not a cache hit), {pdf_runs} runs, median; vs cold "
                 "pdf.render_issue")
        cold = self.cold_pdf
        if cold is None:  # the pdf part did not run: its cold measurement only
            cold = [self.cold("pdf", seed_site) for _ in range(self.args.runs or
                                                              (1 if self.args.quick else 3))]
            if self.failed("preview: PDF refresh / cold render", cold):
                return
            self.say(f"  cold pdf.render_issue: {_median(cold):.2f} s   runs: "
                     f"{_list(x['seconds'] for x in cold)}")
        result = self.cold("preview-pdf", seed_site, self.fresh("out-preview-pdf"), pdf_runs)
        if self.failed("preview: PDF refresh / cold render", result):
            return
        refresh, cpu = statistics.median(result["refresh"]), statistics.median(result["cpu"])
        c, c_cpu = _median(cold), _median(cold, "cpu")
        self.say(f"  first PDF (worker start-up included, not counted): {result['first']:.2f} s; "
                 f"edited {result['edited_file']}")
        self.say(f"  refresh (rebuild done → PDF arrived): {refresh:.2f} s   runs: "
                 f"{_list(result['refresh'], '{:.2f}')}   worker CPU {cpu:.2f} s")
        self.say(f"  ratio refresh/cold render_issue ({c:.2f} s, CPU {c_cpu:.2f} s): "
                 f"{refresh / c:.2f}× (ratio of the medians; CPU time {cpu / c_cpu:.2f}×)   "
                 "aim ≤ 1.2×")
        self.row("preview: PDF refresh", f"{refresh:.2f} s", f"worker CPU {cpu:.2f} s")
        self.row("PDF refresh / cold render", f"{refresh / c:.2f}×",
                 _aim(refresh / c <= 1.2, "≤ 1.2×") + f"; CPU {cpu / c_cpu:.2f}×")

    def part_latency(self, archive: Path, documents: int) -> None:
        seconds = 3 if self.args.quick else 8
        self.say(f"\n[latency] `gazette serve --no-pdf` as its own process on {documents} "
                 f"documents; one document page requested after another for {seconds} s while "
                 "(a) a document is saved every 10 ms, (b) a title is edited every 150 ms")
        result = self.cold("latency", archive, seconds)
        if self.failed("preview: request while rebuilding (p95)", result):
            return
        worst = 0.0
        for name, latencies in result["phases"].items():
            ordered = sorted(latencies)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            worst = max(worst, p95)
            self.say(f"  {name}: {len(ordered)} requests, median "
                     f"{statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
                     f"max {ordered[-1] * 1000:.1f} ms")
        self.say(f"  rebuilds during the run: {result['rebuilds']}; edited "
                 f"{result['edited_file']}")
        self.row("preview: request while rebuilding (p95)", f"{worst * 1000:.0f} ms",
                 _aim(worst <= 0.100, "≤ 100 ms"))

    def part_browser(self, seed_site: Path) -> None:
        edits = max(5, self.args.runs or (10 if self.args.quick else 22))
        self.say(f"\n[browser] `gazette serve` (PDF worker on) on the seed site; Chromium keeps a "
                 f"document page open; {edits} edits 1 s apart, each from the save to the new "
                 "text painted (tools/edit_latency.py)")
        command = [sys.executable, "-m", "tools.edit_latency", "--edits", str(edits),
                   "--site", str(self.fresh("site-browser"))]
        shutil.copytree(seed_site, command[-1], ignore=shutil.ignore_patterns(".gazette-cache"))
        self.commands.setdefault("browser", shlex.join(command))
        process = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                                 timeout=CHILD_TIMEOUT)
        if process.returncode != 0:
            self.failed("preview in Chromium: save → text on screen",
                        {"error": process.stderr.strip()[-800:] or f"exit {process.returncode}"})
            return
        result = json.loads(process.stdout.strip().splitlines()[-1])
        median, p95, worst = result["median_ms"], result["p95_ms"], result["max_ms"]
        self.say(f"  save → text on screen: median {median:.0f} ms, p95 {p95:.0f} ms, worst "
                 f"{worst:.0f} ms   runs: {_list(result['latencies_ms'], '{:.0f}')}   aim p95 "
                 "≤ 300 ms")
        self.row("preview in Chromium: save → text on screen (p95)", f"{p95:.0f} ms",
                 _aim(p95 <= 300, "≤ 300 ms") + f"; median {median:.0f} ms, worst {worst:.0f} ms")

    def part_pdf25(self, archive25: Path, issues: int) -> None:
        runs = self.args.runs or (1 if self.args.quick else 3)
        self.say(f"\n[pdf25] `gazette build` with PDFs, {issues} issues ({issues * 6} documents), "
                 f"--jobs 1 vs --jobs 2, {runs} runs each (alternating order), median; cold: "
                 "fresh process, fresh site copy without .gazette-cache/")
        serial, parallel = [], []
        for run in range(runs):
            for jobs in ("1", "2") if run % 2 == 0 else ("2", "1"):
                out = self.fresh("out25")
                result = self.cold("cli", archive25, out, "--jobs", jobs, tree=True,
                                   label=f"cli --jobs {jobs}")
                shutil.rmtree(out, ignore_errors=True)
                if result.get("code"):
                    result = {"error": f"gazette build exited {result['code']}"}
                (serial if jobs == "1" else parallel).append(result)
        if self.failed("PDFs, --jobs 1", serial) or self.failed("PDFs, --jobs 2", parallel):
            return
        s, p = _median(serial), _median(parallel)
        pair = statistics.median(x["seconds"] / y["seconds"] for x, y in zip(serial, parallel))
        for name, t, results in (("--jobs 1", s, serial), ("--jobs 2", p, parallel)):
            self.say(f"  {name}: {t:.1f} s, {results[0]['pdfs']} PDFs   runs: "
                     f"{_list([x['seconds'] for x in results], '{:.1f}')}   peak memory: process "
                     f"{_mib(results, 'maxrss')}, largest worker "
                     f"{_mib(results, 'children_maxrss')}, "
                     f"process tree (summed PSS) {_mib(results, 'tree_peak')}")
        self.say(f"  speed-up --jobs 2 over --jobs 1: {pair:.2f}× (median of the per-run ratios; "
                 f"ratio of the medians {s / p:.2f}×)   aim ≥ 1.7×")
        self.row(f"{issues} issues with PDFs, --jobs 1", f"{s:.1f} s",
                 f"tree {_mib(serial, 'tree_peak')}")
        self.row(f"{issues} issues with PDFs, --jobs 2", f"{p:.1f} s",
                 f"tree {_mib(parallel, 'tree_peak')}")
        self.row("speed-up --jobs 2", f"{pair:.2f}×", _aim(pair >= 1.7, "≥ 1.7×")
                 + f"; ratio of medians {s / p:.2f}×")


def _tree_bytes(folder: Path, index: str = "") -> dict:
    """Each file's bytes; under the top folder `index` (if given) what the search index holds
    (`_indexed_pages`): Pagefind names its chunks differently from one indexing to the next,
    and an edited rebuild keeps a group of years' bundle with its edited pages in a part of
    their own (gazette_build/search/edits.py)."""
    files = {p.relative_to(folder): p for p in folder.rglob("*") if p.is_file()}
    tree = {path: p.read_bytes() for path, p in files.items()
            if not index or path.parts[0] != index}
    if index:
        tree[index] = _indexed_pages(folder / index)
    return tree


def _indexed_pages(index: Path) -> dict:
    """Each page the index answers with, by URL: its fragment (text, metadata, filters), one
    per page, less those that parts.json lists as superseded."""
    import gzip
    import json

    parts = index / "archive/parts.json"
    listed = json.loads(parts.read_bytes()) if parts.exists() else []
    superseded = {name for entry in listed if isinstance(entry, dict)
                  for name in entry.get("superseded", [])}
    pages: dict[str, list] = {}
    for fragment in sorted(index.rglob("fragment/*.pf_fragment")):
        if fragment.name.split(".")[0] in superseded:
            continue
        data = json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd"):])
        pages.setdefault(data["url"], [])
        if data not in pages[data["url"]]:
            pages[data["url"]].append(data)
    return pages


def _list(values, fmt: str = "{:.3f}") -> str:
    return "[" + ", ".join(fmt.format(v) for v in values) + "]"


def _median(results: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in results)


def _mib(results: list[dict], key: str) -> str:
    return f"{statistics.median(r.get(key, 0) for r in results) / MIB:.0f} MiB"


def _largest(maxrss: float) -> str:
    return f"{maxrss / MIB:.0f} MiB" if maxrss else "below the bench's own peak"


def _aim(ok: bool, aim: str) -> str:
    return f"aim {aim}: {'ok' if ok else 'MISSED'}"


def _git_describe() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "gazette_build", "layouts",
                                "assets", "tools"], cwd=REPO, text=True,
                               capture_output=True).stdout.strip()
        return sha + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _default_tmp() -> Path | None:
    """/dev/shm when it is writable and roomy (containers often give it 64 MiB), else None."""
    shm = Path("/dev/shm")
    try:
        roomy = shutil.disk_usage(shm).free >= 2 * 1024 * MIB
    except OSError:
        return None
    return shm if roomy and os.access(shm, os.W_OK) else None


def _fs_type(path: Path) -> str:
    """The file system type of `path` from /proc/mounts (longest matching mount point)."""
    best, kind = "", "unknown file system"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and str(path).startswith(fields[1]) and len(fields[1]) > len(best):
                best, kind = fields[1], fields[2]
    return kind


def _seed_site(target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("content", "layouts", "assets"):
        shutil.copytree(REPO / name, target / name)
    shutil.copyfile(REPO / "site.yaml", target / "site.yaml")
    return target


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1], argv[2:])
    parser = argparse.ArgumentParser(prog="python -m tools.bench",
                                     description="Benchmark gazette_build (see the module doc).")
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs: 3 for the HTML parts, 1 for the PDF parts, "
                        "5 edits and 3 PDF refreshes for preview")
    parser.add_argument("--runs", type=int, help="runs per measurement (overrides the defaults: "
                        "7 for html, 5 for memo, 3 for pdf/pdf25; preview: 9 edits, "
                        "5 PDF refreshes, at least 5 and 3)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)} (default: all)")
    parser.add_argument("--issues", type=int, default=250,
                        help="archive size for html/memo/preview")
    parser.add_argument("--big-issues", type=int, default=2500,
                        help="the second archive of the floor part (0: none)")
    parser.add_argument("--pdf-issues", type=int, default=25, help="archive size for pdf25")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--tmp", type=Path, default=_default_tmp(),
                        help="where the temporary work folder goes (default: /dev/shm when it "
                        "is writable with 2 GiB free, else the system's; a disk file system adds "
                        "noise that grows from run to run)")
    parser.add_argument("--verbose", action="store_true", help="show child tracebacks")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")

    from tools.make_archive import make_archive

    command = shlex.join(getattr(sys, "orig_argv", [sys.executable, "-m", "tools.bench", *argv]))
    started = time.perf_counter()
    print(f"gazette_build benchmark — command: {command}  (cwd {REPO})")
    print(f"commit {_git_describe()}; Python {platform.python_version()}; "
          f"{os.cpu_count()} CPUs; {platform.platform()}; "
          f"{'--quick' if args.quick else 'full'} mode; parts: {','.join(parts)}; load average "
          f"at start {os.getloadavg()[0]:.2f} (other work on the machine skews the timings)")
    print("timing: the rebuild, floor and cachedpdf parts time whole processes from outside "
          "(start-up and imports included); the html, memo, pdf and preview parts time the "
          "build call inside a fresh child process; figures are medians over the runs shown")
    # as installed: pip writes the package's bytecode at install time, so a user's process
    # never compiles it; without this, a run after an edit of the code (or with
    # PYTHONDONTWRITEBYTECODE set) would time the compiler too
    compileall.compile_dir(str(REPO / "gazette_build"), quiet=1)
    compileall.compile_dir(str(REPO / "tools"), quiet=1)
    print("bytecode: gazette_build/ and tools/ compiled before timing (as an installed package)")
    with contextlib.ExitStack() as stack:
        if args.keep:
            work = args.keep.resolve()
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="gazette-bench-", dir=args.tmp)))
        print(f"work folder: {work} ({_fs_type(work)}); archives, sites and outputs live there")
        bench = Bench(args, work)
        if {"html", "memo", "preview", "latency", "rebuild", "floor"} & set(parts):
            t = time.perf_counter()
            archive = make_archive(work / f"archive-{args.issues}", args.issues)
            documents = len(list((archive / "content").glob("*/*/*.md")))
            print(f"archive: {args.issues} issues, {documents} documents "
                  f"(tools/make_archive.py, {time.perf_counter() - t:.1f} s)")
            if "html" in parts:
                bench.part_html(archive, documents)
            if "memo" in parts:
                bench.part_memo(archive, documents)
            if "latency" in parts:
                bench.part_latency(archive, documents)
            if "rebuild" in parts:
                bench.part_rebuild(archive, documents)
            if "floor" in parts:
                sizes = [(archive, documents)]
                if args.big_issues:
                    big = make_archive(work / f"archive-{args.big_issues}", args.big_issues)
                    sizes.append((big, len(list((big / "content").glob("*/*/*.md")))))
                bench.part_floor(sizes)
        if {"pdf", "preview", "browser", "cachedpdf"} & set(parts):
            seed_site = _seed_site(work / "seed-site")
            if "cachedpdf" in parts:
                bench.part_cachedpdf(seed_site)
            if "pdf" in parts:
                bench.part_pdf(seed_site)
            if "preview" in parts:
                bench.part_preview(archive, documents, seed_site)
            if "browser" in parts:
                bench.part_browser(seed_site)
        if "pdf25" in parts:
            archive25 = make_archive(work / f"archive-{args.pdf_issues}", args.pdf_issues)
            bench.part_pdf25(archive25, args.pdf_issues)

        gone = "" if args.keep else "; the paths were temporary"
        print(f"\nchild commands (run from the repository root{gone}):")
        for label, child_command in bench.commands.items():
            print(f"  {label}: {child_command}")
        print(f"\nsummary — {command}   (total bench time {time.perf_counter() - started:.0f} s)")
        width = max((len(r[0]) for r in bench.rows), default=10)
        value_width = max((len(r[1]) for r in bench.rows), default=10)
        for what, value, aim in bench.rows:
            print(f"  {what:<{width}}  {value:>{value_width}}  {aim}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
