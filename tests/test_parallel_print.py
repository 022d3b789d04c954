"""`gazette build --jobs N` lays issues out in parallel and gives the same PDFs as one process."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_cli, running


def _add_second_issue(site):
    second = site / "content/2024/02"
    shutil.copytree(site / "content/2024/01", second)
    (second / "issue.yaml").write_text(
        "year: 2024\nnumber: 2\ntotal: 26\ndate: 2024-04-05\ndocuments: [first, second]\n",
        encoding="utf-8")
    for name, number in (("first.md", "市政发〔2024〕7号"), ("second.md", "市政办发〔2024〕8号")):
        path = second / name
        text = path.read_text(encoding="utf-8")
        text = text.replace("市政发〔2024〕1号", number).replace("市政办发〔2024〕2号", number)
        path.write_text(text, encoding="utf-8")


def test_parallel_layout_gives_the_same_pdfs(minimal_site, tmp_path):
    _add_second_issue(minimal_site)
    parallel = run_cli("--site", str(minimal_site), "build", "--jobs", "2", "--out",
                       str(tmp_path / "parallel"))
    assert parallel.code == 0, parallel.err
    assert "gazette: laying out 2 of 2 issues in 2 processes" in parallel.lines
    shutil.rmtree(minimal_site / ".gazette-cache")
    serial = run_cli("--site", str(minimal_site), "build", "--jobs", "1", "--out",
                     str(tmp_path / "serial"))
    assert serial.code == 0 and "gazette: laying out 2 of 2 issues" in serial.lines
    pdfs = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*.pdf"))
    assert len(pdfs) == 2 + 4  # two issues, two documents each
    for relative in pdfs:
        assert (tmp_path / "parallel" / relative).read_bytes() == \
            (tmp_path / "serial" / relative).read_bytes()


def test_jobs_must_be_a_positive_number():
    result = run_cli("build", "--jobs", "0")
    assert result.code == 2
    assert "argument --jobs: expected a whole number of at least 1, got '0'" in result.err


def _start_parallel_build(site, out) -> tuple[subprocess.Popen, list[int]]:
    """`gazette build --jobs 2` in a process of its own, once its two layout workers run."""
    build = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site", str(site), "build",
                              "--jobs", "2", "--out", str(out)], stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        workers = _children(build.pid)
        if len(workers) == 2:
            return build, workers
        time.sleep(0.05)
    build.kill()
    raise AssertionError(f"no two layout workers appeared: {build.communicate()[1]}")


def _children(pid: int) -> list[int]:
    """The build's child processes but the one that waits to record its output and the
    search indexer."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children += [int(child) for child in task.read_text().split()]
    return [child for child in children
            if _name(child) != "gazette-record" and not _name(child).startswith("pagefind")]


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_killing_the_build_leaves_no_layout_worker_running(minimal_site, tmp_path):
    _add_second_issue(minimal_site)
    build, workers = _start_parallel_build(minimal_site, tmp_path / "out")
    build.kill()
    build.wait()  # not communicate(): left-over workers would hold its stderr open
    deadline = time.monotonic() + 1  # a layout alone takes longer: the workers were stopped
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if running(pid)]
    for pid in left:  # left running, they would wait for work forever
        os.kill(pid, signal.SIGKILL)
    build.stderr.close()
    assert not left


def test_a_killed_worker_is_a_message_not_a_traceback(minimal_site, tmp_path):
    _add_second_issue(minimal_site)
    build, workers = _start_parallel_build(minimal_site, tmp_path / "out")
    os.kill(workers[0], signal.SIGKILL)
    _, err = build.communicate(timeout=300)
    assert build.returncode == 1, err
    assert "Traceback" not in err and "BrokenProcessPool" not in err
    assert re.search(r"^content/2024/0[12]/issue\.yaml:1: print: 2024年第[12]期 was not laid "
                     r"out: a layout worker stopped \(killed, or out of memory\)", err,
                     re.MULTILINE), err
    assert not re.search(r"\] 2024年第[12]期 laid out", err), err  # progress: not laid out
    assert "nothing was written" in err
    assert not (tmp_path / "out").exists()


def test_a_worker_lost_while_the_jobs_are_handed_out_is_a_message_not_a_traceback(
        minimal_site, tmp_path, monkeypatch):
    """A pool whose worker died refuses the jobs not yet handed out (BrokenProcessPool from
    `submit`): the issues are errors naming them, as for a worker lost mid-layout."""
    from concurrent.futures.process import BrokenProcessPool

    from gazette_build.printed import executors

    class BrokenPool:
        def submit(self, *args):
            raise BrokenProcessPool("A child process terminated abruptly, the process pool is "
                                    "not usable anymore")

    monkeypatch.setattr(executors, "layout_executor",
                        lambda jobs, cluster, issues: contextlib.nullcontext(BrokenPool()))
    _add_second_issue(minimal_site)
    result = run_cli("--site", str(minimal_site), "build", "--jobs", "2", "--out",
                     str(tmp_path / "out"))
    assert result.code == 1 and "Traceback" not in result.err, result.err
    for number in (1, 2):
        assert re.search(rf"^content/2024/0{number}/issue\.yaml:1: print: 2024年第{number}期 "
                         r"was not laid out: a layout worker stopped", result.err,
                         re.MULTILINE), result.err
    assert not (tmp_path / "out").exists()
