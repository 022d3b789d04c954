"""pyHanko's blocking calls, run in a thread of their own.

pyHanko's blocking API starts an asyncio event loop, which Python refuses inside a thread that
already runs one (a server, a browser driver in the same process); signing and verification
both call it.
"""
from __future__ import annotations


def off_loop(call, *args, **kwargs):
    """`call(*args, **kwargs)` in a new thread, its result or its exception here."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(call, *args, **kwargs).result()
