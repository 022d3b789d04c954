"""The documents' conversion shared with forked workers (fanout.py): every item done once, by
both processes, nothing lost when a worker dies, and a build's output the same as with one job."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli
from gazette_build import fanout


def _share(items, work, jobs):
    taken: dict[int, object] = {}

    def take(index, result):
        assert index not in taken, f"item {index} taken twice"
        taken[index] = result

    fanout.share(items, work, take, jobs)
    return taken


def _slow_square(item):
    time.sleep(0.002)  # long enough for the worker to start before this process is done
    return item * item, os.getpid()


def test_every_item_is_done_once_by_this_process_and_a_worker():
    items = list(range(300))
    taken = _share(items, _slow_square, jobs=2)
    assert sorted(taken) == items
    assert all(taken[i][0] == i * i for i in items)
    doers = {pid for _, pid in taken.values()}
    assert os.getpid() in doers and len(doers) == 2  # the work was shared


def test_workers_are_renewed_after_their_batch(monkeypatch):
    # a worker forked for the whole stage grows with the inherited heap it writes to: each
    # pool does RENEW chunks per worker, then new workers are forked for the next ones
    monkeypatch.setattr(fanout, "RENEW", 2)
    items = list(range(300))
    taken = _share(items, _slow_square, jobs=2)
    assert sorted(taken) == items and all(taken[i][0] == i * i for i in items)
    by_worker: dict[int, int] = {}
    for _, pid in taken.values():
        by_worker[pid] = by_worker.get(pid, 0) + 1
    del by_worker[os.getpid()]
    assert len(by_worker) >= 2, by_worker  # more than one worker, one after the other
    assert max(by_worker.values()) <= 2 * fanout.CHUNK, by_worker  # none past its batch
    # each pool is shut before the next is forked (no other thread runs at the fork), and the
    # last one at the end: none of their workers is left running
    import multiprocessing
    assert multiprocessing.active_children() == []


def test_one_job_or_few_items_stay_in_this_process():
    for items, jobs in ((list(range(300)), 1), (list(range(fanout.MIN_ITEMS - 1)), 2)):
        taken = _share(items, _slow_square, jobs)
        assert [taken[i][0] for i in range(len(items))] == [i * i for i in items]
        assert {pid for _, pid in taken.values()} == {os.getpid()}


PARENT = os.getpid()


def _dies_in_a_worker(item):
    if item == 250 and os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would
    return _slow_square(item)


def test_a_killed_worker_loses_nothing():
    items = list(range(300))
    taken = _share(items, _dies_in_a_worker, jobs=2)
    assert sorted(taken) == items
    assert all(taken[i][0] == i * i for i in items)
    assert taken[250][1] == os.getpid()  # done again here


def _fails_in_a_worker(item):
    if item == 250:
        raise ValueError(f"item {item} is bad")
    return _slow_square(item)


def test_an_error_in_a_worker_is_raised_here_with_its_traceback():
    """A worker's exception comes back pickled, without its frames; the chunk is done again
    here so that the error is the one a single process raises, with its traceback."""
    with pytest.raises(ValueError, match="item 250 is bad") as raised:
        _share(list(range(300)), _fails_in_a_worker, jobs=2)
    assert "_fails_in_a_worker" in [entry.name for entry in raised.traceback]


def test_a_build_with_two_jobs_is_the_build_with_one(tmp_path):
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 12)  # 72 documents: enough to be shared
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        result = run_cli("--site", str(site), "build", "--no-pdf", "--no-search", "--jobs", jobs,
                         "--out", str(out))
        assert result.code == 0, result.err
        outputs[jobs] = ({p.relative_to(out): p.read_bytes() for p in out.rglob("*")
                          if p.is_file()},
                         [line for line in result.lines if line.startswith("warning:")])
        (site / ".gazette-cache").rename(tmp_path / f"cache{jobs}")  # the next one starts cold
    files, warnings = outputs["2"]
    assert len(files) > 72 and len(warnings) > 0  # the archive's tables are warned about
    assert outputs["2"] == outputs["1"]


def test_killing_the_build_leaves_no_conversion_worker_running(tmp_path):
    from conftest import running
    from test_parallel_print import _children
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 50)  # 300 documents: a second or more to convert
    build = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site", str(site), "build",
                              "--no-pdf", "--jobs", "2", "--out", str(tmp_path / "out")],
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (workers := _children(build.pid)) and build.poll() is None and \
            time.monotonic() < deadline:
        time.sleep(0.005)
    build.kill()
    build.wait()
    assert workers, "the build ended without starting a conversion worker"
    deadline = time.monotonic() + 1
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left


@contextlib.contextmanager
def _ctrl_c_as_from_a_terminal():
    """A process started in this block gets Ctrl-C neither blocked nor ignored (both are
    inherited), whatever this test process holds."""
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _signal_masks(pid: int) -> str:
    """The process's blocked, ignored and caught signals as /proc shows them."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "(gone)"
    return " ".join(line for line in status if line.startswith(("SigBlk", "SigIgn", "SigCgt")))


def test_ctrl_c_during_the_conversion_stops_the_build_without_a_traceback(tmp_path):
    from test_parallel_print import _children
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 50)
    for _ in range(3):  # again only if the build ended before its workers were seen
        with _ctrl_c_as_from_a_terminal():
            build = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site",
                                      str(site), "build", "--no-pdf", "--jobs", "2", "--out",
                                      str(tmp_path / "out")],
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.monotonic() + 120
        while not _children(build.pid) and build.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        signalled = build.poll() is None
        if signalled:
            masks = _signal_masks(build.pid)  # said if the build goes on regardless
            os.killpg(build.pid, signal.SIGINT)  # as a terminal does: the build and its workers
        _, err = build.communicate(timeout=60)
        if signalled:
            break
        shutil.rmtree(tmp_path / "out", ignore_errors=True)
        shutil.rmtree(site / ".gazette-cache", ignore_errors=True)
    assert signalled, "the build ended three times before its workers were seen"
    assert build.returncode == 130, f"{masks}\n{err}"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert not (tmp_path / "out").exists()


def test_check_shares_the_conversion_and_says_the_same(tmp_path, monkeypatch):
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 12)
    calls = []
    share = fanout.share
    monkeypatch.setattr(fanout, "share", lambda items, work, take, jobs: (
        calls.append((len(items), jobs)), share(items, work, take, jobs))[1])
    shared = run_cli("--site", str(site), "check")
    assert (72, os.cpu_count()) in calls  # every document offered to the pool
    monkeypatch.setattr(fanout, "MIN_ITEMS", 10**9)  # the same check in one process
    alone = run_cli("--site", str(site), "check")
    assert shared.code == alone.code == 0, shared.err
    assert shared.lines == alone.lines and any("warning:" in line for line in alone.lines)


def test_the_front_matter_is_parsed_by_both_processes_and_reported_the_same(tmp_path,
                                                                          monkeypatch):
    """Loading is shared like the conversion: at 15,000 documents the front-matter was 8 s of
    the cold build in one process. A document a worker parsed reports its errors with their
    lines as one parsed here does."""
    from gazette_build import content
    from tools.make_archive import make_archive

    site = make_archive(tmp_path / "site", 12)
    sources = sorted((site / "content").glob("*/*/*.md"))
    for path in (sources[0], sources[-1]):  # one taken first by this process, one by a worker
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("---\n", "---\ntitel: 通知\n", 1), encoding="utf-8")
    parsed_by = tmp_path / "parsed-by"
    load_document = content.load_document

    def recorded(path, *args):
        with open(parsed_by, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
        return load_document(path, *args)

    monkeypatch.setattr(content, "load_document", recorded)
    results = {}
    for jobs in ("1", "2"):
        parsed_by.write_text("")
        results[jobs] = run_cli("--site", str(site), "build", "--no-pdf", "--jobs", jobs,
                                "--out", str(tmp_path / "out"))
        processes = set(parsed_by.read_text().split())
        assert len(processes) == int(jobs), processes
    assert results["2"].code == results["1"].code == 1
    errors = [line for line in results["2"].lines if "titel" in line]
    assert len(errors) == 2 and all(":2: titel: unknown field" in line for line in errors), errors
    assert results["2"].lines == results["1"].lines
