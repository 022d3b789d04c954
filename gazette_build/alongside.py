"""Work the `gazette build` command hands to forked children, so that it runs on the second core
beside the parent's own instead of after it: while a rebuild saves the memo's changes, one
child makes the record of its output (the inputs hashed again, the output folder listed) and
another deletes the old site (4,000 files at 1,500 documents).

Only work that reads files and writes at most one of its own (atomically) goes there: a child
never touches the site model, so the pages the parent and child share stay shared — but each
page the parent writes to while the child lives is copied (an object's reference count lives in
it), so a child is forked only beside work that touches little: not beside the save of a whole
memo (site.py). The child sends back a few bytes and leaves with `os._exit`: no `atexit`
handler, no buffered output of the parent's printed twice. Where there is no `fork` (or it
fails), the work runs in the parent, in line: the same result, later.
"""
from __future__ import annotations

import os
import signal
from typing import Callable


class Child:
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
            code = 1
            try:
                # Ctrl-C is the parent's to answer; the child's answer is then never read
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                answer = work()
                with os.fdopen(writing, "wb") as stream:
                    stream.write(answer)
                code = 0
            finally:
                os._exit(code)  # noqa: also after an exception: never the parent's cleanup
        os.close(writing)
        self.reading = reading

    def result(self) -> bytes | None:
        """The child's answer, once it has exited; None if it failed or was killed."""
        if self.pid is None:
            return self.done
        chunks = []
        with os.fdopen(self.reading, "rb") as stream:
            while chunk := stream.read(1 << 16):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        self.pid, self.done = None, b"".join(chunks) if os.waitstatus_to_exitcode(status) == 0 \
            else None
        return self.done


def _guarded(work: Callable[[], bytes]) -> bytes | None:
    try:
        return work()
    except Exception:  # noqa: BLE001 — as a child's failure: no answer
        return None
