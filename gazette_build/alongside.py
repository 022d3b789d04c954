"""Work the `gazette build` command hands to forked children, so that it runs on the second core
beside the parent's own instead of after it: while a build saves its memo, a `Standby` makes the
record of its output (the inputs hashed again, the output folder listed) and, beside a rebuild's
save, a `Child` deletes the old site (4,000 files at 1,500 documents).

Only work that reads files and writes at most one of its own (atomically) goes there: a child
never touches the site model, so the pages the parent and child share stay shared — but each
page the parent writes to while the child lives is copied (an object's reference count lives in
it), so a child is forked only beside work that touches little: not beside the save of a whole
memo (site.py). Work that needs nothing the build made but a few values goes to a `Standby`
instead: forked before the build, while the parent is small, it waits for those values and
shares none of what came after (the record of a cold build's output, beside the save of the
whole memo: 0.5 s of the command's end at 15,000 documents). The child sends back a few bytes and leaves with `os._exit`: no `atexit`
handler, no buffered output of the parent's printed twice. Where there is no `fork` (or it
fails), the work runs in the parent, in line: the same result, later.
"""
from __future__ import annotations

import os
import signal
from typing import Callable


class _Answering:
    """A forked child's answer, read once it has exited: what `Child` and `Standby` share."""

    pid: int | None  # None: no child (never forked, or its answer already read)
    reading: int  # the pipe it answers through
    done: bytes | None = None

    def result(self) -> bytes | None:
        """The child's answer, once it has exited; None if it failed or was killed."""
        if self.pid is not None:
            self.done = _answer(self.pid, self.reading)
            self.pid = None
        return self.done


class Child(_Answering):
    """Work started beside the parent; `result()` waits for its bytes (None when it failed)."""

    def __init__(self, work: Callable[[], bytes]) -> None:
        self.pid = None
        self.done: bytes | None = None
        try:
            reading, writing = os.pipe()
            try:
                self.pid = os.fork()
            except (OSError, AttributeError):
                os.close(reading)
                os.close(writing)
                raise
        except (OSError, AttributeError):  # no fork here, or it failed: the parent does it now
            self.pid = None
            self.done = _guarded(work)
            return
        if self.pid == 0:  # the child
            os.close(reading)
            # Ctrl-C is the parent's to answer; the child's answer is then never read
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _answer_and_leave(writing, work)
        os.close(writing)
        self.reading = reading


def _answer_and_leave(writing: int, work: Callable[[], bytes]) -> None:
    """In a child: write what `work` gives into `writing` and exit, 1 if it raised (never
    returning to the parent's code: no `atexit` handler, no buffered output printed twice)."""
    code = 1
    try:
        answer = work()
        with os.fdopen(writing, "wb") as stream:
            stream.write(answer)
        code = 0
    finally:
        os._exit(code)  # noqa: also after an exception: never the parent's cleanup


def _when_told(orders: int, work: Callable[[bytes], bytes], parent: int, name: str) -> bytes:
    """In a standby child: `work` on the order read from `orders`; nothing for an empty one."""
    from .fanout import die_with_parent  # a parent killed outright takes it along

    die_with_parent(parent)
    _name_process(name)
    with os.fdopen(orders, "rb") as stream:
        length = int.from_bytes(stream.read(8) or bytes(8), "little")
        order = stream.read(length) if length else b""
    return work(order) if length else b""


def _name_process(name: str) -> None:
    """Give this process `name` where `ps` and /proc show it (Linux: at most 15 bytes), so that
    an operator, and a test, tell a standby child from the build and its workers."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):  # not Linux: the name stays the parent's
        pass


def _answer(pid: int, reading: int) -> bytes | None:
    """What the child `pid` wrote into `reading` once it has exited; None if it failed."""
    chunks = []
    with os.fdopen(reading, "rb") as stream:
        while chunk := stream.read(1 << 16):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks) if os.waitstatus_to_exitcode(status) == 0 else None


def _guarded(work: Callable[[], bytes]) -> bytes | None:
    try:
        return work()
    except Exception:  # noqa: BLE001 — as a child's failure: no answer
        return None


class Standby(_Answering):
    """A child forked now, which does `work(order)` once the parent sends it `order` (bytes),
    and answers like a `Child`; `cancel()` lets it go unused. Forked from a small parent, it
    can run beside anything the parent does later. The order is framed by its length: the
    pipe's end stays open in every process the parent forks after this one."""

    def __init__(self, work: Callable[[bytes], bytes], name: str = "gazette-standby") -> None:
        self.work, self.pid, self.sent = work, None, False
        self.done: bytes | None = None
        parent = os.getpid()
        try:
            orders, self.orders = os.pipe()
            self.reading, answers = os.pipe()
            try:
                self.pid = os.fork()
            except (OSError, AttributeError):
                for end in (orders, self.orders, self.reading, answers):
                    os.close(end)
                raise
        except (OSError, AttributeError):  # no fork here: the parent does the work when sent
            self.pid = None
            return
        if self.pid == 0:  # the child
            os.close(self.orders)
            os.close(self.reading)
            # Ctrl-C is the parent's to answer: it cancels this child or waits for it (a record
            # cut short would leave its temporary file)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _answer_and_leave(answers, lambda: _when_told(orders, work, parent, name))
        os.close(orders)
        os.close(answers)

    def send(self, order: bytes) -> None:
        """Start the work on `order` (an empty order is none: the child leaves)."""
        if self.sent:
            raise RuntimeError("a standby child takes one order")
        self.sent = True
        if self.pid is None:
            self.done = _guarded(lambda: self.work(order)) if order else b""
            return
        try:
            with os.fdopen(self.orders, "wb") as stream:
                stream.write(len(order).to_bytes(8, "little") + order)
        except OSError:  # the child is gone (killed): `result` says so
            pass

    def cancel(self) -> None:
        """Let the child go without work if it was given none; in any case, wait until it has
        ended."""
        if not self.sent:
            self.send(b"")
        self.result()
