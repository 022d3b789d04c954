"""Work the build hands to a forked child: a `Standby`, forked while the build is small, does
its work only when told and leaves nothing behind, told or not, whatever happens to the build."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from gazette_build import alongside

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")


def gone(pid: int, within: float = 5.0) -> bool:
    """Whether process `pid` has ended (reaped, or a zombie of a parent that is gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
                if stream.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.02)
    return False


def holding_the_pipes(seconds: float) -> alongside.Child:
    """A process forked after a standby, as the build's workers are: it holds a copy of the
    standby's order pipe open while it lives."""
    return alongside.Child(lambda: time.sleep(seconds) or b"")


def test_a_standby_works_on_what_it_is_sent_later_and_answers():
    # an order larger than a pipe holds (64 KiB), read by its length: the pipe's end stays open
    # in the processes forked after the standby, so no end of file comes while they live
    order = os.urandom(1 << 20)
    standby = alongside.Standby(lambda told: hashlib.sha256(told).digest() + str(os.getpid())
                                .encode())
    worker = holding_the_pipes(3)
    started = time.monotonic()
    standby.send(order)
    answer = standby.result()
    assert time.monotonic() - started < 2.5  # answered while the other process still lives
    worker.result()
    assert answer[:32] == hashlib.sha256(order).digest()
    assert int(answer[32:]) != os.getpid()  # done in the child
    with pytest.raises(RuntimeError):
        standby.send(b"again")


def test_a_standby_told_nothing_leaves_no_process_behind():
    standby = alongside.Standby(lambda told: b"never", name="gazette-record")
    pid = standby.pid
    assert pid and not gone(pid, within=0.2)  # waiting for its order
    if os.path.exists(f"/proc/{pid}/comm"):  # named for `ps` (Linux)
        deadline = time.monotonic() + 5
        while open(f"/proc/{pid}/comm", encoding="utf-8").read().strip() != "gazette-record":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    worker = holding_the_pipes(3)
    started = time.monotonic()
    standby.cancel()
    assert time.monotonic() - started < 2.5
    with pytest.raises(ChildProcessError):  # ended and waited for: no zombie left
        os.waitpid(pid, os.WNOHANG)
    assert standby.result() == b""
    worker.result()


def test_a_standby_whose_work_fails_answers_none():
    standby = alongside.Standby(lambda told: 1 / 0)
    standby.send(b"x")
    assert standby.result() is None


def test_a_standby_dies_with_a_build_killed_outright():
    """SIGKILL gives the build no chance to tell its children: the kernel ends the standby."""
    # a second child holds the order pipe open (and lives on as an orphan), so that the
    # standby sees no end of file: only the kernel's death signal ends it
    script = ("import os, sys, time\n"
              "from gazette_build import alongside\n"
              "standby = alongside.Standby(lambda told: b'')\n"
              "if os.fork() == 0:\n"
              "    time.sleep(8)\n"
              "    os._exit(0)\n"
              "print(standby.pid, flush=True)\n"
              "time.sleep(60)\n")
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(build.stdout.readline())
        assert not gone(child, within=0.2)
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    assert gone(child, within=4)  # long before the pipe's other holder ends


def test_without_fork_a_standby_works_in_line_when_sent(monkeypatch):
    monkeypatch.delattr(os, "fork")
    standby = alongside.Standby(lambda told: told.upper())
    assert standby.pid is None
    standby.send(b"record")
    assert standby.result() == b"RECORD"
    standby.cancel()  # sent already: nothing to do
