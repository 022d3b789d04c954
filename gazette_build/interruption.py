"""Ctrl-C, remembered until the build has stopped.

Python answers Ctrl-C by raising KeyboardInterrupt wherever the main thread happens to be. When
that is inside a finaliser (a `__del__`, a weakref callback such as the process pool's or a
temporary file's), Python prints "Exception ignored in …" and carries on: the build went on to
put its new site in place and exited 0, as if the key had never been pressed. The `gazette
build` command therefore records the press here as well as raising; the build asks `check()`
before it puts the new site in place, and the command exits 130 if it was pressed at all. The
swallowed exception is not printed (a traceback for a key the user pressed): it is answered.
"""
from __future__ import annotations

import signal
import sys

_pressed = False


def _on_ctrl_c(signum, frame) -> None:
    global _pressed
    _pressed = True  # kept even if the exception below is swallowed by a finaliser
    raise KeyboardInterrupt


def watch() -> None:
    """Record Ctrl-C from now on, unless this process was started with it ignored (a command
    run in the background by a non-interactive shell, or under `nohup`: it stays ignored)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_ctrl_c)
        sys.unraisablehook = _quiet_about_ctrl_c(sys.unraisablehook)


def _quiet_about_ctrl_c(hook):
    """`sys.unraisablehook` that says nothing of a KeyboardInterrupt a finaliser swallowed."""
    def unraisable(unraisable) -> None:
        if not (_pressed and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            hook(unraisable)
    return unraisable


def pressed() -> bool:
    """Whether Ctrl-C came since `watch()`."""
    return _pressed


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C came, even if its first KeyboardInterrupt was lost."""
    if _pressed:
        raise KeyboardInterrupt
