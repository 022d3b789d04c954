"""Benchmark of gazette_build (`make bench`, or `python -m tools.bench [--quick]`).

What it measures, each figure the median of several runs (the count is printed with it):

- html:  cold web-edition build (`site.build(root, out, with_pdf=False)`) of a synthetic archive of
         250 issues / 1,500 documents (tools/make_archive.py), in ms per document, next to the
         "minimal pipeline" floor (tools/floor.py) on the same archive, and their ratio; peak
         memory (ru_maxrss) of the build process.
- memo:  in-process rebuilds with a `site.Memo()`: nothing changed, and one document's title
         edited (the edited page is checked to carry the new title).
- pdf:   the seed issue's PDF through `gazette_build.pdf.render_issue` (font checks, layout,
         document PDFs, cache store), cold (fresh process, fresh copy of the site without its
         .gazette-cache/), next to a raw WeasyPrint render of the same print HTML
         (`HTML(string=pdf.render_html(…), base_url=…).write_pdf()`), and their ratio.
- pdf25: `gazette build` of a 25-issue archive with PDFs, serially (`--jobs 1`) and with
         `--jobs 2`, the speed-up, and the peak memory of each.

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

Memory: `ru_maxrss` is the child's own `getrusage(RUSAGE_SELF)` (the whole process, imports
included); for builds that start worker processes the largest worker (`RUSAGE_CHILDREN`) and
the peak of the process tree's summed PSS (sampled every 100 ms from /proc) are reported too.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
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
PARTS = ("html", "memo", "pdf", "pdf25")
MIB = 1024 * 1024
CHILD_TIMEOUT = 1800


# ---- child side: one measurement in a fresh process; prints one JSON line -------------------

def _rusage() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"maxrss": own, "children_maxrss": workers}


def _emit(result: dict) -> None:
    result.update(_rusage())
    sys.stdout.write(RESULT + json.dumps(result) + "\n")
    sys.stdout.flush()


def _child_html(site: str, out: str) -> dict:
    from gazette_build import site as gsite
    started, cpu = time.perf_counter(), time.process_time()
    result = gsite.build(Path(site), out=Path(out), with_pdf=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    documents = sum(len(issue.documents) for issue in result.site.issues)
    return {"seconds": seconds, "cpu": cpu, "documents": documents, "pages": result.pages}


def _child_floor(site: str, out: str) -> dict:
    from tools.floor import floor_build
    started, cpu = time.perf_counter(), time.process_time()
    pages = floor_build(Path(site), Path(out))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "documents": pages, "pages": pages}


def _child_memo(site: str, out: str, runs: str) -> dict:
    from gazette_build import site as gsite
    if not hasattr(gsite, "Memo"):
        return {"unavailable": "gazette_build.site has no Memo"}
    root, target, runs_ = Path(site), Path(out), int(runs)
    memo = gsite.Memo()

    def build():
        started = time.perf_counter()
        result = gsite.build(root, out=target, with_pdf=False, memo=memo)
        return time.perf_counter() - started, result

    try:
        first, _ = build()
    except TypeError as exc:  # build() without the memo parameter
        return {"unavailable": f"site.build(memo=…): {exc}"}
    unchanged, unchanged_written = [], []
    for _ in range(runs_):
        seconds, result = build()
        unchanged.append(seconds)
        unchanged_written.append(len(getattr(result, "written", ()) or ()))
    # one document in the middle of the archive: its title changes on every run
    sources = sorted((root / "content").glob("*/*/*.md"))
    path = sources[len(sources) // 2]
    original = path.read_bytes()
    text = original.decode("utf-8")
    title_line = next(line for line in text.split("\n") if line.startswith("title: "))
    relative = path.relative_to(root / "content")
    page = target / relative.parent / path.stem / "index.html"
    edited, edited_written, stale = [], [], 0
    try:
        for run in range(runs_):
            new_title = f"{title_line}（修订{run + 1}）"
            path.write_bytes(text.replace(title_line, new_title, 1).encode("utf-8"))
            seconds, result = build()
            edited.append(seconds)
            edited_written.append(len(getattr(result, "written", ()) or ()))
            stale += new_title[len("title: "):] not in page.read_text(encoding="utf-8")
    finally:
        path.write_bytes(original)
    return {"first": first, "unchanged": unchanged, "unchanged_written": unchanged_written,
            "edited": edited, "edited_written": edited_written, "stale_pages": stale,
            "edited_file": relative.as_posix()}


def _load_seed(site: str):
    from gazette_build import render, site as gsite
    from gazette_build.errors import Report
    root = Path(site)
    report = Report(root)
    loaded = gsite.load_site(root, report)
    env = render.make_env(loaded.config)
    return loaded, loaded.issues[0], env, report


def _print_html(loaded, issue, env) -> tuple[str, str, str]:
    """(print HTML, base_url, where it came from) of an issue, as pdf.render_issue makes them."""
    issue_dir = (loaded.config.root.resolve() / issue.path).parent.as_uri() + "/"
    try:
        from gazette_build import pdf
        return pdf.render_html(loaded, issue, env, press=False), issue_dir, "pdf.render_html"
    except (ImportError, AttributeError):
        pass
    # no pdf.py yet: the template with the context its header documents
    from gazette_build.render import cn_date
    fonts = {role: ", ".join(f'"{f}"' for f in getattr(loaded.config.fonts, role))
             for role in ("title", "body", "heading1", "heading2", "heading3", "page_number")}
    html = env.get_template("print/issue.html").render(
        config=loaded.config, issue=issue, fonts=fonts, cn_date=cn_date,
        stylesheet=(loaded.config.assets_dir / "print.css").as_uri())
    return html, issue_dir, "bench's rendering of layouts/print/issue.html"


def _child_pdf(site: str) -> dict:
    try:
        from gazette_build import pdf
    except ImportError as exc:
        return {"unavailable": f"gazette_build.pdf: {exc}"}
    if not hasattr(pdf, "render_issue"):
        return {"unavailable": "gazette_build.pdf has no render_issue"}
    import weasyprint  # noqa: F401  (imported before the clock starts, as in the raw render)
    loaded, issue, env, report = _load_seed(site)
    started, cpu = time.perf_counter(), time.process_time()
    printed = pdf.render_issue(loaded, issue, env, report)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if getattr(pdf, "layout_count", 1) != 1:
        return {"error": "render_issue did not lay the issue out (a cache hit?): not a cold run"}
    return {"seconds": seconds, "cpu": cpu, "pages": printed.page_count, "bytes": len(printed.pdf),
            "document_pdfs": len(printed.document_pdfs)}


def _child_rawpdf(site: str) -> dict:
    from weasyprint import HTML
    loaded, issue, env, _ = _load_seed(site)
    html, base_url, how = _print_html(loaded, issue, env)
    started, cpu = time.perf_counter(), time.process_time()
    document = HTML(string=html, base_url=base_url).render()
    pdf_bytes = document.write_pdf()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "pages": len(document.pages), "bytes": len(pdf_bytes),
            "html_from": how}


def _child_cli(site: str, out: str, *extra: str) -> dict:
    from gazette_build import cli, site as gsite  # noqa: F401
    with contextlib.suppress(ImportError):
        from gazette_build import pdf  # noqa: F401  (imports weasyprint)
    started, before = time.perf_counter(), os.times()
    code = cli.main(["--site", site, "build", "--out", out, *extra])
    seconds, after = time.perf_counter() - started, os.times()
    cpu = sum(after[:4]) - sum(before[:4])  # user + system, this process and its workers
    pdfs = len(list(Path(out).rglob("*.pdf"))) if code == 0 else 0
    return {"seconds": seconds, "cpu": cpu, "code": code, "pdfs": pdfs}


CHILDREN = {"html": _child_html, "floor": _child_floor, "memo": _child_memo, "pdf": _child_pdf,
            "rawpdf": _child_rawpdf, "cli": _child_cli}


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

    def unavailable(self, what: str, result: dict) -> bool:
        reason = result.get("unavailable") or result.get("error")
        if reason:
            state = "not available yet" if "unavailable" in result else "failed"
            self.say(f"  {what}: {state} ({reason.strip().splitlines()[0]})")
            if "error" in result and self.args.verbose:
                self.say("    " + result["error"].replace("\n", "\n    "))
            self.row(what, state, "")
            return True
        return False

    # -- parts ------------------------------------------------------------------------------

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
        for name, results in (("gazette build --no-pdf", builds), ("floor", floors)):
            bad = [r for r in results if "seconds" not in r]
            if bad:
                self.unavailable(f"cold {name}", bad[0])
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
        work = self.fresh("memo-site")
        shutil.copytree(archive, work)  # the child edits a document: keep the archive intact
        result = self.child("memo", work, self.fresh("out-memo"), runs)
        shutil.rmtree(work, ignore_errors=True)
        if self.unavailable("rebuild, nothing changed", result):
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
            order = ("pdf", "rawpdf") if run % 2 == 0 else ("rawpdf", "pdf")
            for kind in order:
                copy = self.fresh(f"seed-{kind}")
                shutil.copytree(seed_site, copy, ignore=shutil.ignore_patterns(".gazette-cache"))
                (ours if kind == "pdf" else raws).append(self.child(kind, copy))
                shutil.rmtree(copy, ignore_errors=True)
        raw_ok = all("seconds" in r for r in raws)
        if raw_ok:
            r = statistics.median(x["seconds"] for x in raws)
            self.say(f"  raw WeasyPrint: {r:.2f} s, {raws[0]['pages']} pages, "
                     f"{raws[0]['bytes'] / 1024:.0f} KiB (HTML from {raws[0]['html_from']})   "
                     f"runs: {_list(x['seconds'] for x in raws)}")
            self.row("seed PDF, raw WeasyPrint", f"{r:.2f} s", "")
        else:
            failed = next(x for x in raws if "seconds" not in x)
            self.unavailable("seed PDF, raw WeasyPrint", failed)
        bad = [x for x in ours if "seconds" not in x]
        if bad:
            self.unavailable("seed PDF, pdf.render_issue", bad[0])
            return
        o = statistics.median(x["seconds"] for x in ours)
        self.say(f"  pdf.render_issue: {o:.2f} s, {ours[0]['pages']} pages, "
                 f"{ours[0]['bytes'] / 1024:.0f} KiB, {ours[0]['document_pdfs']} document PDFs   "
                 f"runs: {_list(x['seconds'] for x in ours)}")
        self.row("seed PDF, render_issue", f"{o:.2f} s", "")
        if raw_ok:
            pair = statistics.median(x["seconds"] / y["seconds"] for x, y in zip(ours, raws))
            cpu = statistics.median(x["cpu"] / y["cpu"] for x, y in zip(ours, raws))
            self.say(f"  ratio render_issue/raw: {pair:.2f}× (median of the per-run ratios; ratio "
                     f"of the medians {o / r:.2f}×; CPU time {cpu:.2f}×)   aim ≤ 1.15×")
            self.row("render_issue / raw", f"{pair:.2f}×", _aim(pair <= 1.15, "≤ 1.15×")
                     + f"; ratio of medians {o / r:.2f}×, CPU {cpu:.2f}×")

    def part_pdf25(self, archive25: Path, issues: int) -> None:
        runs = self.args.runs or (1 if self.args.quick else 3)
        self.say(f"\n[pdf25] `gazette build` with PDFs, {issues} issues ({issues * 6} documents), "
                 f"--jobs 1 vs --jobs 2, {runs} runs each (alternating order), median; cold: "
                 "fresh process, fresh site copy without .gazette-cache/")
        has_jobs = _cli_has_jobs()
        modes = ("1", "2") if has_jobs else ("1",)
        if not has_jobs:
            self.say("  (`gazette build` has no --jobs option yet: serial build only, no flag)")
        serial, parallel = [], []
        for run in range(runs):
            order = modes if run % 2 == 0 else modes[::-1]
            for jobs in order:
                copy = self.fresh("site25")
                shutil.copytree(archive25, copy, ignore=shutil.ignore_patterns(".gazette-cache"))
                out = self.fresh("out25")
                extra = ("--jobs", jobs) if has_jobs else ()
                result = self.child("cli", copy, out, *extra, tree=True,
                                    label=f"cli --jobs {jobs}" if has_jobs else "cli")
                if result.get("code"):
                    result = {"error": f"gazette build exited {result['code']}"}
                (serial if jobs == "1" else parallel).append(result)
                shutil.rmtree(copy, ignore_errors=True)
                shutil.rmtree(out, ignore_errors=True)
        if not has_jobs:
            bad = [x for x in serial if "seconds" not in x]
            if bad:
                self.unavailable("PDFs, serial", bad[0])
            else:
                s = statistics.median(x["seconds"] for x in serial)
                self.say(f"  serial (no flag): {s:.1f} s, {serial[0]['pdfs']} PDFs   runs: "
                         f"{_list([x['seconds'] for x in serial], '{:.1f}')}   peak memory: "
                         f"process {_mib(serial, 'maxrss')}, process tree (summed PSS) "
                         f"{_mib(serial, 'tree_peak')}")
                self.row(f"{issues} issues with PDFs, serial", f"{s:.1f} s",
                         f"peak {_mib(serial, 'maxrss')}")
            self.unavailable("PDFs, --jobs 2", {"unavailable": "`gazette build` has no --jobs"})
            return
        for name, results in (("PDFs, --jobs 1", serial), ("PDFs, --jobs 2", parallel)):
            bad = [x for x in results if "seconds" not in x]
            if bad:
                self.unavailable(name, bad[0])
                return
        s = statistics.median(x["seconds"] for x in serial)
        p = statistics.median(x["seconds"] for x in parallel)
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


def _cli_has_jobs() -> bool:
    """Whether `gazette build` accepts --jobs (asked of its argument parser)."""
    try:
        from gazette_build import cli
        parser = cli._parser()
        for action in parser._actions:
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict) and "build" in choices:
                return any("--jobs" in a.option_strings for a in choices["build"]._actions)
    except Exception:  # a parser this check does not understand: ask the help text instead
        out = subprocess.run([sys.executable, "-m", "gazette_build", "build", "--help"], cwd=REPO,
                             capture_output=True, text=True).stdout
        return "--jobs" in out
    return False


def _list(values, fmt: str = "{:.3f}") -> str:
    return "[" + ", ".join(fmt.format(v) for v in values) + "]"


def _median(results: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in results)


def _mib(results: list[dict], key: str) -> str:
    return f"{statistics.median(r.get(key, 0) for r in results) / MIB:.0f} MiB"


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
                        help="fewer runs: 3 for the HTML parts, 1 for the PDF parts")
    parser.add_argument("--runs", type=int, help="runs per measurement (overrides the defaults: "
                        "7 for html, 5 for memo, 3 for pdf/pdf25)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)} (default: all)")
    parser.add_argument("--issues", type=int, default=250, help="archive size for html/memo")
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
    print("timing: perf_counter inside a fresh child process around the build call only "
          "(interpreter start-up and imports excluded); figures are medians over the runs shown")
    with contextlib.ExitStack() as stack:
        if args.keep:
            work = args.keep.resolve()
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="gazette-bench-", dir=args.tmp)))
        print(f"work folder: {work} ({_fs_type(work)}); archives, sites and outputs live there")
        bench = Bench(args, work)
        if {"html", "memo"} & set(parts):
            t = time.perf_counter()
            archive = make_archive(work / f"archive-{args.issues}", args.issues)
            documents = len(list((archive / "content").glob("*/*/*.md")))
            print(f"archive: {args.issues} issues, {documents} documents "
                  f"(tools/make_archive.py, {time.perf_counter() - t:.1f} s)")
            if "html" in parts:
                bench.part_html(archive, documents)
            if "memo" in parts:
                bench.part_memo(archive, documents)
        if "pdf" in parts:
            bench.part_pdf(_seed_site(work / "seed-site"))
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
