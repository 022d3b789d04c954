"""Where issue layouts run: in this process, in local worker processes (`--jobs N`), or on a Dask
distributed cluster (`--cluster ADDRESS`). The print stage sees only a `concurrent.futures`
executor; what a layout produced is keyed by the print cache's own sha256 and kept in that
(verified) cache, never under the engine's keys, which are not stable across interpreters.

A cluster's workers must see the site folder at the same path (a shared file system) and have
the same fonts installed: the layout reads the stylesheet, the images and the fonts from there,
and stores its result in the site's `.gazette-cache/`.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterator

from ..fanout import die_with_parent

CONNECT_SECONDS = 10


class WorkerLost(Exception):
    """A layout worker stopped before answering (killed, out of memory, a cluster gone)."""


@contextmanager
def layout_executor(jobs: int, cluster: str | None, issues: int) -> Iterator[Executor | None]:
    """An executor for `issues` layouts, or None when they are best run in this process."""
    if cluster:
        with _cluster_executor(cluster) as executor:
            yield executor
    elif jobs > 1 and issues > 1:
        # fork: the workers start with WeasyPrint and the fonts already loaded (spawn would
        # import them again in each). The CLI holds no threads here; the preview server,
        # which does, uses spawn for its own worker.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(min(jobs, issues), mp_context=context,
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            yield pool
    else:
        yield None


def lost_worker_errors() -> tuple[type[BaseException], ...]:
    """The exceptions by which an executor says a worker went away mid-task."""
    from concurrent.futures.process import BrokenProcessPool

    errors: list[type[BaseException]] = [BrokenProcessPool]
    try:
        from distributed import KilledWorker
        errors.append(KilledWorker)
    except ImportError:
        pass
    return tuple(errors)


@contextmanager
def _cluster_executor(address: str) -> Iterator[Executor]:
    try:
        from distributed import Client
    except ImportError:
        raise OSError("--cluster needs the Dask 'distributed' package: "
                      "pip install 'gazette_build[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise OSError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
    try:
        # pure=False: Dask's keys are not ours; results are keyed by the print cache's sha256
        yield client.get_executor(pure=False)
    finally:
        client.close()
