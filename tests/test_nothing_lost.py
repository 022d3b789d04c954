"""The last good site is never lost: at every instant the output path holds the old or the new
complete site, what interrupted builds left is removed by the next, a set-aside site is put back,
and a damaged print cache is dropped rather than published."""
from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, run_cli, running, use_indexer
from gazette_build import swap, writer
from gazette_build.printed import cache as printcache


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _tree(folder: Path) -> dict[str, bytes]:
    """A built site's files, but the search index: Pagefind names its filter chunks differently
    from run to run (README, "Search"), so two builds of one site differ only there."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] != "pagefind"}


def _add_documents(site: Path, count: int) -> None:
    """More pages, so that a build spends longer writing and a kill lands among its steps."""
    issue = site / "content/2024/01"
    text = (issue / "first.md").read_text(encoding="utf-8")
    listing = issue / "issue.yaml"
    for i in range(count):
        (issue / f"extra-{i}.md").write_text(
            text.replace("〔2024〕1号", f"〔2024〕{100 + i}号"), encoding="utf-8")
        listing.write_text(listing.read_text(encoding="utf-8") + f"  - extra-{i}\n",
                           encoding="utf-8")


def test_a_build_replaces_the_site_in_one_step(minimal_site, tmp_path, monkeypatch):
    """A build interrupted after setting the old site aside (the step the two-rename swap had)
    must leave the old site in place."""
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    before = _tree(out)
    real_rename = Path.rename

    def interrupted(self, target):
        if Path(target) == out:  # the second step: the new site moved in
            raise KeyboardInterrupt
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", interrupted)
    # the swap needs no such step (code 0), or the interruption leaves the old site (130)
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                   str(out)).code in (0, 130)
    assert _tree(out) == before


@pytest.mark.skipif(swap._renameat2() is None, reason="no renameat2 on this system")
def test_the_output_path_is_never_missing_while_builds_run(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    script = (f"from gazette_build.cli import main\n"
              f"for _ in range(4): main(['--site', {str(minimal_site)!r}, 'build', '--no-pdf', "
              f"'--out', {str(out)!r}])\n")
    builds = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)
    missing = 0
    while builds.poll() is None:
        if not (out / "index.html").exists():
            missing += 1
    assert builds.returncode == 0
    assert missing == 0


def test_builds_killed_at_random_points_leave_a_complete_site(minimal_site, tmp_path):
    _add_documents(minimal_site, 20)
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    complete = _tree(out)
    command = [sys.executable, "-m", "gazette_build", "--site", str(minimal_site), "build",
               "--no-pdf", "--out", str(out)]
    started = time.perf_counter()
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL, cwd=REPO)
    duration = time.perf_counter() - started
    chance = random.Random(8)
    for _ in range(4):
        child = subprocess.Popen(command, stderr=subprocess.DEVNULL, cwd=REPO)
        time.sleep(chance.uniform(0.3, 1.0) * duration)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert _tree(out) == complete  # the same content either way: old or new, whole
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".public.")]


def test_left_overs_of_dead_builds_are_removed_and_live_ones_kept(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    dead = _dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for name in (f".public.old-{dead}", f".public.staging-{dead}",
                     f".public.search-{dead}", f".public.old-{sleeper.pid}"):
            (tmp_path / name / "2024").mkdir(parents=True)
        assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                       str(out)).code == 0
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".public")) == \
            [f".public.old-{sleeper.pid}"]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_set_aside_site_is_put_back_even_by_a_failing_build(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    before = _tree(out)
    out.rename(tmp_path / f".public.old-{_dead_pid()}")  # killed between the two renames
    (minimal_site / "content/2024/01/first.md").write_text("no front-matter", encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 1
    assert _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public.")]


def _as_mount_point(monkeypatch, out: Path) -> None:
    """The kernel refuses to rename a mount point with EBUSY; do the same for `out`."""
    real_exchange, real_rename = swap.exchange, Path.rename

    def exchange(first, second):
        if Path(second) == out:
            raise OSError(errno.EBUSY, "Device or resource busy", str(second))
        return real_exchange(first, second)

    def rename(self, target):
        if self == out or Path(target) == out:
            raise OSError(errno.EBUSY, "Device or resource busy", str(out))
        return real_rename(self, target)

    monkeypatch.setattr(swap, "exchange", exchange)
    monkeypatch.setattr(Path, "rename", rename)


def test_an_output_folder_that_cannot_be_renamed_has_its_contents_swapped(minimal_site, tmp_path,
                                                                         monkeypatch):
    out = tmp_path / "public"
    out.mkdir()
    _as_mount_point(monkeypatch, out)
    for title in ("第一版", "第二版"):
        doc = minimal_site / "content/2024/01/first.md"
        text = doc.read_text(encoding="utf-8").split("\n")
        text[1] = f"title: {title}"
        doc.write_text("\n".join(text), encoding="utf-8")
        result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
        assert result.code == 0, result.err
        assert title in (out / "2024/01/first/index.html").read_text(encoding="utf-8")
    (out / "2024/01/second.md").unlink(missing_ok=True)
    fresh = tmp_path / "fresh"
    monkeypatch.undo()
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(fresh)).code == 0
    assert _tree(out) == _tree(fresh)
    assert not [p for p in out.iterdir() if p.name.startswith(swap.INNER_STAGING)]


# -- the print cache ----------------------------------------------------------------------------

def _entry() -> printcache.Entry:
    return printcache.Entry(pdf=b"%PDF-issue", press_pdf=None, page_count=3,
                            page_of={"a": 3}, document_pages={"first": (3, 3)},
                            document_pdfs={"first": b"%PDF-first"},
                            dependencies={}, diagnostics=[])


def test_cache_staging_of_dead_builds_is_removed(tmp_path):
    base = tmp_path / printcache.CACHE_DIR / "print"
    dead = base / f".staging-{_dead_pid()}-x1"
    live = base / f".staging-{os.getppid()}-x2"
    for folder in (dead, live):
        folder.mkdir(parents=True)
    printcache.store(tmp_path, "2024-01", "k" * 64, _entry())
    assert not dead.exists() and live.exists()


def test_a_store_that_fails_leaves_no_staging(tmp_path, monkeypatch):
    real_write = Path.write_bytes

    def disk_full(self, data):
        if self.name == "first.pdf":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(OSError):
        printcache.store(tmp_path, "2024-01", "k" * 64, _entry())
    assert list((tmp_path / printcache.CACHE_DIR / "print").iterdir()) == []


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "meta", "null", "pages",
                                    "documents", "another layout's"])
def test_a_damaged_cache_entry_is_dropped_with_a_warning(tmp_path, damage):
    printcache.store(tmp_path, "2024-01", "k" * 64, _entry())
    folder = next((tmp_path / printcache.CACHE_DIR / "print").glob("2024-01-*"))
    target = folder / "documents/first.pdf"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:4])
    elif damage == "flip":
        target.write_bytes(b"%PDF-firsT")
    elif damage == "delete":
        target.unlink()
    elif damage == "meta":
        (folder / "meta.json").write_text("{", encoding="utf-8")
    elif damage == "null":  # JSON, but no entry's: a traceback on every build before
        (folder / "meta.json").write_text("null", encoding="utf-8")
    elif damage == "another layout's":  # an older layout's entry, intact, under this key: its
        printcache.store(tmp_path, "2024-02", "j" * 64, _entry())  # stale PDFs were published
        shutil.rmtree(folder)
        next((tmp_path / printcache.CACHE_DIR / "print").glob("2024-02-*")).rename(folder)
    else:  # what is published as it is read: page numbers, the documents with a PDF
        meta = (folder / "meta.json").read_text(encoding="utf-8")
        changed = meta.replace('"page_count": 3', '"page_count": 9') if damage == "pages" \
            else meta.replace('"first"', '"firsT"', 1)
        assert changed != meta
        (folder / "meta.json").write_text(changed, encoding="utf-8")
    said = []
    assert printcache.load(tmp_path, "2024-01", "k" * 64,
                           lambda where, message: said.append((where, message))) is None
    assert len(said) == 1 and said[0][0] == folder
    assert "damaged" in said[0][1] and "laid out again" in said[0][1]
    assert not folder.exists()


def test_what_a_build_killed_while_storing_left_is_removed_by_any_next_build(minimal_site,
                                                                            tmp_path):
    """Not only by one that lays an issue out: a build whose PDFs all come from the cache, and
    one that fails, left it before."""
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--out", str(out)).code == 0
    left = minimal_site / printcache.CACHE_DIR / "print" / f".staging-{_dead_pid()}-x"
    left.mkdir()
    broken = minimal_site / "content/2024/01/second.md"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("title:", "title: [", 1), encoding="utf-8")
    assert run_cli("--site", str(minimal_site), "build", "--out", str(out)).code == 1
    assert not left.exists()
    left.mkdir()
    broken.write_text(text, encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build", "--out", str(tmp_path / "other"))
    assert result.code == 0 and not left.exists()
    left.mkdir()  # and one that finds nothing changed
    result = run_cli("--site", str(minimal_site), "build", "--out", str(tmp_path / "other"))
    assert "nothing changed" in result.err and not left.exists()


def test_a_second_build_of_a_site_waits_for_the_first(minimal_site, tmp_path):
    """Two at once: the record of one's output could list the other's (a site without its
    index recorded as the one with it, then "nothing changed" for ever)."""
    import fcntl

    first = os.open(minimal_site / "content", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(first, fcntl.LOCK_EX)
        saved = minimal_site / "site.yaml.new"  # site.yaml saved meanwhile, as editors save:
        saved.write_bytes((minimal_site / "site.yaml").read_bytes())  # a new file renamed
        os.replace(saved, minimal_site / "site.yaml")
        out = tmp_path / "public"
        second = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site",
                                   str(minimal_site), "build", "--no-pdf", "--no-search",
                                   "--out", str(out)], stderr=subprocess.PIPE, text=True,
                                  cwd=REPO)
        time.sleep(3)
        assert second.poll() is None and not out.exists()
    finally:
        os.close(first)
    _, said = second.communicate(timeout=120)
    assert second.returncode == 0, said
    assert said.startswith("gazette: another build of this site is running; waiting for "
                           "its end\n")
    assert (out / "index.html").exists()


def test_a_damaged_compiled_layout_is_compiled_again_not_published(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    good = (out / "index.html").read_bytes()
    damaged = 0
    for compiled in (minimal_site / ".gazette-cache/jinja").rglob("*.cache"):
        data = compiled.read_bytes()
        if b"masthead-title" in data:
            compiled.write_bytes(data.replace(b"masthead-title", b"masthead-titlq"))
            damaged += 1
    assert damaged
    for stored in ("memo", "built"):  # the pages are made again, from the layouts
        shutil.rmtree(minimal_site / ".gazette-cache" / stored, ignore_errors=True)
    again = tmp_path / "again"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(again)).code == 0
    assert (again / "index.html").read_bytes() == good


def test_a_layout_that_is_not_utf8_is_named_with_its_line(minimal_site, tmp_path):
    layout = minimal_site / "layouts/base.html"
    layout.write_bytes(REPO.joinpath("layouts/base.html").read_bytes() + b"\n\xff\xfe")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "o"))
    assert result.code == 1
    lines = REPO.joinpath("layouts/base.html").read_bytes().count(b"\n") + 2
    assert result.lines[0] == (f"layouts/base.html:{lines}: template: the layout is not UTF-8 "
                               "(byte 0xff is not UTF-8); save it as UTF-8")


def test_a_truncated_cached_pdf_is_laid_out_again_not_published(minimal_site, tmp_path):
    from pypdf import PdfReader
    from gazette_build.printed import layout

    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--out", str(out)).code == 0
    published = out / "2024/01/jzgb-2024-01.pdf"
    good = published.read_bytes()
    cached = next((minimal_site / ".gazette-cache/print").glob("2024-01-*/issue.pdf"))
    cached.write_bytes(good[:len(good) // 2])
    layouts = layout.layout_count
    # into a new folder: with nothing changed, a build into the same one would have nothing to do
    again = tmp_path / "again"
    result = run_cli("--site", str(minimal_site), "build", "--out", str(again))
    assert result.code == 0, result.err
    folder = cached.parent.relative_to(minimal_site).as_posix()
    assert any(line.startswith(f"warning: {folder}:1: cache: the cached layout is damaged "
                               "(issue.pdf does not match its SHA-256)") for line in result.lines)
    assert layout.layout_count == layouts + 1
    republished = again / "2024/01/jzgb-2024-01.pdf"
    assert republished.read_bytes() == good
    assert len(PdfReader(republished).pages) > 2


def test_a_published_pdf_damaged_in_place_is_not_linked_into_the_next_build(minimal_site,
                                                                           tmp_path):
    """4 KB of a published PDF zeroed, its time put back: every later build linked the damaged
    copy (same size, time and inode), the print cache's verified bytes beside it."""
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--out", str(out)).code == 0
    published = out / "2024/01/jzgb-2024-01.pdf"
    good, stat = published.read_bytes(), published.stat()
    with open(published, "r+b") as stream:
        stream.seek(len(good) // 2)
        stream.write(bytes(4096))
    os.utime(published, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # the output's record dropped (nothing changed, the build would not run)
    shutil.rmtree(minimal_site / ".gazette-cache/built")
    assert run_cli("--site", str(minimal_site), "build", "--out", str(out)).code == 0
    assert published.read_bytes() == good


def test_an_indexer_still_running_when_the_build_fails_is_stopped(minimal_site, tmp_path,
                                                                   monkeypatch):
    import tempfile

    from gazette_build import site as site_module
    from gazette_build.site import build

    pid_file = tmp_path / "indexer.pid"
    use_indexer(monkeypatch, tmp_path, f"echo $$ > '{pid_file}'\nexec sleep 120")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where its pages are put

    def data_files(*args, **kwargs):  # the build fails while the indexer runs
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (pid_file.exists() and pid_file.read_text()):
            time.sleep(0.01)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(site_module.data, "data_files", data_files)
    with pytest.raises(OSError):
        build(minimal_site, out=tmp_path / "public", with_pdf=False, stored=True)
    with pytest.raises(ProcessLookupError):  # stopped, and reaped
        os.kill(int(pid_file.read_text()), 0)
    assert not list(tmp_path.glob("gazette-search-*")) + list(tmp_path.glob(".public.search-*"))


def test_a_killed_build_leaves_no_indexer_waiting(minimal_site, tmp_path, monkeypatch):
    """The indexer starts with the build and waits for its pages on a pipe: a build killed
    (SIGKILL: nothing of it runs after) closes the pipe, and the indexer ends."""
    from pagefind.service import get_executable

    pid_file = tmp_path / "indexer.pid"
    use_indexer(monkeypatch, tmp_path,
                f"echo $$ > '{pid_file}'\nexec '{get_executable()}' \"$@\"")
    build = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site", str(minimal_site),
                              "build", "--no-pdf", "--out", str(tmp_path / "public")],
                             stderr=subprocess.DEVNULL, cwd=REPO)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (pid_file.exists() and pid_file.read_text()):
        time.sleep(0.01)
    build.kill()
    build.wait()
    indexer = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while running(indexer) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not running(indexer)


def test_an_indexer_that_fails_is_a_located_error_and_the_site_stays(minimal_site, tmp_path,
                                                                      monkeypatch):
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    before = _tree(out)
    use_indexer(monkeypatch, tmp_path, "echo 'Error: out of disk' >&2\nexit 3")
    (minimal_site / "content/2024/01/first.md").write_text(
        (minimal_site / "content/2024/01/first.md").read_text(encoding="utf-8") + "\n新的一段。\n",
        encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 1
    assert result.err.splitlines()[0] == "site.yaml:1: search: the Pagefind indexer failed " \
        "(exit 3: Error: out of disk)"
    assert "Traceback" not in result.err
    assert _tree(out) == before
    # the pages were written as they were rendered: the failed build's staging folder is gone
    assert not list(tmp_path.glob(".public.staging-*"))


def test_an_indexer_that_cannot_run_is_said_once_for_all_the_parts(tmp_path, monkeypatch):
    """The index of an archive is made in parts by one indexer: where it cannot run, the
    build says so once, not once per part."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 25)  # 2001, 2002 and 2003年第1期: four parts
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    result = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(tmp_path / "public"))
    assert result.code == 1
    said = [line for line in result.lines if "search:" in line]
    assert said == [f"site.yaml:1: search: the Pagefind indexer could not run ([Errno 2] No such "
                    f"file or directory: '{tmp_path / 'no-such-pagefind'}'); is the "
                    "pagefind[extended] package installed?"]
    assert not (tmp_path / "public").exists()


@pytest.fixture
def ctrl_c_restored(monkeypatch):
    """The process's Ctrl-C handler and the build's memory of a press, as they were."""
    from gazette_build import interruption

    handler = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(interruption, "_pressed", False)
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)
    yield
    signal.signal(signal.SIGINT, handler)


def test_ctrl_c_swallowed_by_a_finaliser_still_stops_the_build(minimal_site, tmp_path,
                                                               monkeypatch, ctrl_c_restored):
    """Ctrl-C arriving while a `__del__` runs raises KeyboardInterrupt inside it, which Python
    prints as "Exception ignored" and drops: the build must not go on to publish (it did, and
    exited 0), nor print a traceback for it."""
    from gazette_build import data

    out = tmp_path / "public"
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts a command
    sys.unraisablehook = sys.__unraisablehook__  # Python's own, printing (not pytest's)

    class PressedWhileFinalised:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs here, between two bytecodes
                pass

    real_data_files = data.data_files

    def data_files(*args, **kwargs):
        PressedWhileFinalised()  # made and finalised at once
        return real_data_files(*args, **kwargs)

    monkeypatch.setattr(data, "data_files", data_files)
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search", "--out",
                     str(out))
    assert result.code == 130, result.err
    assert not out.exists()
    assert "Traceback" not in result.err and "KeyboardInterrupt" not in result.err, result.err
    # and the process is left as it was: a next build in it is not taken for interrupted
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert sys.unraisablehook is sys.__unraisablehook__
