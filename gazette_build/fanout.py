"""Independent items worked on by this process and forked worker processes together.

The cold build's largest stage is converting every document's Markdown (about 60 % of it at
1,500 documents), and each document converts on its own. A machine has more than one core, so
the CLI's build and check share that stage with `jobs - 1` workers of a standard process pool,
not a scheduler of ours (the documents' front-matter is parsed the same way, content.py):

- the workers are forked: they start with everything this process has loaded (the archive, the
  open file of kept texts, and the parser: the first item is done before they fork), so a task
  is only a chunk's number and only its results are pickled back (the long texts a worker
  makes it writes into that file itself: texts.Spill.place);
- the items are cut into chunks, each claimed once, by whichever process comes to it first (a
  flag per chunk in shared memory): the pool is given them from the last, while this process
  takes them from the first, so the two meet where the work is done — no chunk is done twice,
  none waits for a worker while this process could do it;
- results are handed to `take` as they arrive (one chunk at a time, in no set order), so that
  the caller can put them away (the build writes the documents' HTML into its spill) instead of
  holding them all;
- a worker that dies (killed, out of memory) loses nothing: the chunks it had are done here;
  a chunk whose work raised in a worker is done again here, to raise with its traceback;
- a pool is given `RENEW` chunks per worker, then replaced by a new one forked for the next
  ones (as soon as this process, between two of its own items, sees the batch back):
  a forked worker's memory of its own grows as its allocations reuse the inherited heap's
  free space, each page it writes copied. At 15,000 documents, converting and rendering, one
  worker for the whole stage reached 141 MiB of its own and the build's processes 350 MiB
  together; with a new worker every 1,024 documents, 288 MiB (the build alone peaks at 291 MiB
  later), in the same time.

Without fork (not Linux or macOS), with one job or few items, everything runs here, in order.

Rendering the pages is not shared by forking later: a worker forked from a process that holds
the whole converted site copies most of it as it works (reference counts and the allocator
write all over the inherited heap). Measured at 15,000 documents, it made the cold build 1.42×
the floor instead of 1.71×, but its process tree grew from about 290 to 481 MiB. Instead, in a
build without PDFs each document's page and data files are made by the process that converts
it, as part of the conversion (earlyfiles.py): what travels back is only where they were
written.
"""
from __future__ import annotations

import os
import signal
from collections import deque
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

if TYPE_CHECKING:  # imported when a pool starts: a rebuild after an edit never starts one
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 16  # documents: a few tens of ms of work, against ~1 ms to hand a chunk over
MIN_ITEMS = 4 * CHUNK  # fewer: starting the pool (~20-50 ms) costs more than it saves
# chunks a worker does before it is replaced (1,024 documents): a forked worker copies each page
# of the inherited heap its allocations reuse, and rendering pages (as the conversion does
# without PDFs) reuses more and more of it: at 15,000 documents one worker held 141 MiB of its
# own by the end (43 when it only converted); 32 or 64 here: 288 MiB for the processes together
RENEW = 64

# what the forked workers work on: set before the pool starts, read by `_run` in the workers
_items: Sequence = ()
_work: Callable | None = None
_chunks: list[range] = []
_claimed = None  # a byte per chunk, 1 once a process has taken it


def share(items: Sequence[T], work: Callable[[T], R], take: Callable[[int, R], None],
          jobs: int) -> None:
    """Call `take(i, work(items[i]))` for every index, with `jobs` processes in all."""
    if jobs < 2 or len(items) < MIN_ITEMS or "fork" not in _start_methods():
        for index, item in enumerate(items):
            take(index, work(item))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _items, _work, _chunks, _claimed
    # the first item is done before the workers fork: what it loads (markdown-it and its
    # compiled rules, for a conversion) is then loaded once, for all
    take(0, work(items[0]))
    chunks = [range(start, min(start + CHUNK, len(items))) for start in range(1, len(items), CHUNK)]
    context = multiprocessing.get_context("fork")
    _items, _work, _chunks, _claimed = items, work, chunks, context.Array("b", len(chunks))
    workers = min(jobs - 1, len(chunks))

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start,
                                   initargs=(os.getpid(),))
    try:
        _share_chunks(chunks, new_pool, workers * RENEW, take)
    finally:
        _items, _work, _chunks, _claimed = (), None, [], None


def _share_chunks(chunks: list[range], new_pool: Callable[[], ProcessPoolExecutor], batch: int,
                  take: Callable[[int, object], None]) -> None:
    """This process takes the chunks from the first, the pools from the last, `batch` chunks
    per pool: when a pool has done its batch, a new one is forked for the next."""
    done_here: set[int] = set()

    def do_here(number: int) -> None:
        done_here.add(number)
        for index in chunks[number]:
            take(index, _work(_items[index]))
            renew()  # after each item, not each chunk: the worker's core waits for it

    def put_away(future: Future) -> None:
        number = waiting.pop(future)
        try:
            results = future.result()
        except _lost_worker():  # nothing of it came back: what this process has not done, it does
            if number not in done_here:
                do_here(number)
            return
        except Exception:  # raised by `work`: done again here, so that the error is raised
            do_here(number)  # with its traceback, as in one process
            return
        if results is not None:  # None: this process had claimed it first
            for index, result in zip(chunks[number], results):
                take(index, result)

    finished: deque[Future] = deque()  # appended to by the pool's thread as chunks end
    waiting: dict[Future, int] = {}
    for_pools = list(reversed(range(len(chunks))))  # the pools' chunks, in their order
    pool: ProcessPoolExecutor | None = None
    handed: list[Future] = []  # the current pool's batch
    back: deque[Future] = deque()  # those of it done (appended to by the pool's thread)

    def next_pool() -> ProcessPoolExecutor | None:
        """A new pool, given the next batch of chunks not yet taken; None when none is left."""
        nonlocal for_pools, handed, back
        numbers = []
        while for_pools and len(numbers) < batch:
            number = for_pools.pop(0)
            if not _claimed[number]:
                numbers.append(number)
        if not numbers:
            return None
        started, handed, back = new_pool(), [], deque()
        # the first submit forks the workers: a Ctrl-C then waits until they ignore it (they
        # start with it blocked, and pending for this process, it is delivered once unblocked)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for number in numbers:
                try:
                    future = started.submit(_run, number)
                except _lost_worker():  # a worker died already: what is not handed over is
                    break  # done here
                waiting[future] = number
                handed.append(future)
                future.add_done_callback(finished.append)
                future.add_done_callback(back.append)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return started

    def renew() -> None:
        """Fresh workers once the pool's batch is all back: the old pool is shut first, so
        that the fork happens with no other thread running (a thread holding a lock at the
        fork leaves it held in the child for good), then the new one is forked at once. Seen
        after each item this process does: seen after each of its chunks, the worker's core
        waited ~20 ms more per pool."""
        nonlocal pool
        if pool is not None and len(back) == len(handed):
            _shut(pool)
            pool = None  # (a Ctrl-C in next_pool leaves none to shut twice)
            pool = next_pool()

    try:
        pool = next_pool()
        for number in range(len(chunks)):
            while finished:  # put away what the workers finished, so that it is not held
                put_away(finished.popleft())
            renew()
            if number not in done_here and _claim(number):
                do_here(number)
        from concurrent.futures import as_completed

        for future in as_completed(list(waiting)):
            put_away(future)
    finally:
        if pool is not None:
            _shut(pool)


def _shut(pool: ProcessPoolExecutor) -> None:
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except RuntimeError:  # interrupted (Ctrl-C) while the pool was starting: its thread
        pass  # never ran; its workers die with this process (die_with_parent)


def _start_methods() -> list[str]:
    import multiprocessing  # here: a build with nothing to share does not load it

    return multiprocessing.get_all_start_methods()


def _claim(number: int) -> bool:
    """Take chunk `number` for the calling process: False if another process has it."""
    with _claimed.get_lock():
        if _claimed[number]:
            return False
        _claimed[number] = 1
        return True


def _run(number: int) -> list | None:
    """A worker's task: the results of chunk `number`, or None if this process had it first."""
    if not _claim(number):
        return None
    return [_work(_items[index]) for index in _chunks[number]]


def _lost_worker() -> type[BaseException]:
    from concurrent.futures.process import BrokenProcessPool

    return BrokenProcessPool


def _worker_start(parent: int) -> None:
    """Run in each worker of `share`: Ctrl-C, which the terminal sends to every process of the
    command, is the build's to answer (a worker waiting for work would print a traceback of
    its own; the build stops the pool); and it dies with the build."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while forking
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Run in each local worker: the kernel kills it when the build process dies, however it
    dies (a SIGKILL gives the build no chance to stop its workers itself)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_DEATHSIG (Linux)
    except (OSError, AttributeError):  # not Linux: the workers end after their current task
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
