"""Ctrl-C, remembered until the build has stopped.

Python answers Ctrl-C by raising KeyboardInterrupt wherever the main thread happens to be. When
that is inside a finaliser (a `__del__`, a weakref callback such as the process pool's or a
temporary file's), Python prints "Exception ignored in …" and carries on: the build went on to
put its new site in place and exited 0, as if the key had never been pressed. The `gazette
build` command therefore records the press here as well as raising; the build asks `check()`
after its print stage and before it puts the new site in place, and the command exits 130 if
it was pressed at all. The swallowed exception is not printed (a traceback for a key the user
pressed): it is answered.
"""
from __future__ import annotations

import signal
import sys
from contextlib import contextmanager

_pressed = False


def _on_ctrl_c(signum, frame) -> None:
    global _pressed
    _pressed = True  # kept even if the exception below is swallowed by a finaliser
    raise KeyboardInterrupt


@contextmanager
def watched():
    """Record Ctrl-C within the block, unless this process was started with it ignored (a
    command run in the background by a non-interactive shell: it stays ignored). The process's
    handler, its unraisable hook and the record are as they were after it (a build run in the
    test suite's own process, or twice in one)."""
    global _pressed
    handler, hook = signal.getsignal(signal.SIGINT), sys.unraisablehook
    watching = handler is signal.default_int_handler
    if watching:
        signal.signal(signal.SIGINT, _on_ctrl_c)
        sys.unraisablehook = _quiet_about_ctrl_c(hook)
    try:
        yield
    finally:
        if watching:
            signal.signal(signal.SIGINT, handler)
            sys.unraisablehook = hook
        _pressed = False


def _quiet_about_ctrl_c(hook):
    """`sys.unraisablehook` that says nothing of a KeyboardInterrupt a finaliser swallowed."""
    def unraisable(unraisable) -> None:
        if not (_pressed and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            hook(unraisable)
    return unraisable


def pressed() -> bool:
    """Whether Ctrl-C came within `watched()`."""
    return _pressed


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C came, even if its first KeyboardInterrupt was lost."""
    if _pressed:
        raise KeyboardInterrupt
