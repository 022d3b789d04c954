"""The preview as an editor uses it all day: every warning on the page it concerns, and a clean
stop on SIGTERM or Ctrl-C (the PDF worker too, no traceback, the port freed)."""
from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from browser import wait_until
from test_server import DOC, Preview, _edit

NOTE = "原文“视频监控系統”中“統”为繁体字，已改为“统”。"


def _with_note(site: Path) -> None:
    path = site / DOC
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", f"---\nnotes:\n  - \"{NOTE}\"\n", 1), encoding="utf-8")


def test_warnings_show_on_their_document_and_issue_pages(minimal_site):
    running = Preview(minimal_site, "--no-pdf")
    try:
        _with_note(minimal_site)
        line = f"warning: {DOC}:3: notes: {NOTE}"
        body = running.wait_for("/2024/01/first/index.html",
                                lambda s, body: 'id="gazette-warnings"' in body)
        assert line in body
        assert 'id="gazette-errors"' not in body  # a warning does not fail the rebuild
        assert line in running.get("/2024/01/index.html")[1]  # the issue page gathers them
        assert 'id="gazette-warnings"' not in running.get("/2024/01/second/index.html")[1]
        assert 'id="gazette-warnings"' not in running.get("/index.html")[1]
    finally:
        running.stop()


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(n) for n in handle.read().split()]


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return not any(line.startswith("State:\tZ") for line in handle)  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_serve_stops_cleanly(minimal_site, how):
    running = Preview(minimal_site)  # with the PDF worker
    running.wait_for("/2024/01/index.html", lambda s, body: "gazette-pdf-stale" not in body,
                     timeout=90)
    process = running.process
    children = _children(process.pid)
    assert children  # the PDF worker (and multiprocessing's helper)
    if how == "SIGTERM":
        process.send_signal(signal.SIGTERM)
    else:  # the terminal sends SIGINT to the whole foreground process group
        os.kill(process.pid, signal.SIGINT)
        for child in children:
            os.kill(child, signal.SIGINT)
    assert process.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while any(_running(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [c for c in children if _running(c)] == []
    log = running.log.read_text()
    assert "Traceback" not in log and "KeyboardInterrupt" not in log
    assert log.rstrip().endswith("stopped")
    with socket.socket() as probe:  # nothing listens on the port any more
        assert probe.connect_ex(("127.0.0.1", running.port)) != 0


def test_an_edit_is_swapped_into_the_open_page_in_chromium(minimal_site, chromium):
    """The page is not reloaded for a content edit (its script state and scroll position stay);
    a stylesheet edit reloads it. (The session's Chromium: a second Playwright driver in the
    same thread is refused.)"""
    running = Preview(minimal_site, "--no-pdf")
    try:
        page = chromium.new_page(viewport={"width": 375, "height": 300})
        page.goto(f"http://127.0.0.1:{running.port}/2024/01/first/index.html")
        wait_until(page, "() => window.LiveReload && "
                   "window.LiveReload.hasPlugin('gazette-in-place')")
        time.sleep(0.5)  # the live-reload socket is open
        page.evaluate("() => { window.notReloaded = true; window.scrollTo(0, 200); }")
        _edit(minimal_site, "第一段正文。", "浏览器里改过的第一段。")
        wait_until(page, "() => document.body.innerText.includes('浏览器里改过的第一段。')", 20)
        assert page.evaluate("() => [window.notReloaded, window.scrollY]") == [True, 200]
        _with_note(minimal_site)  # the warnings box comes with the swapped body
        page.wait_for_selector("#gazette-warnings", timeout=20_000)
        assert page.evaluate("() => window.notReloaded") is True
        css = minimal_site / "assets/site.css"
        css.write_text(css.read_text(encoding="utf-8") + "\nbody { color: rgb(1, 2, 3); }\n",
                       encoding="utf-8")
        wait_until(page, "() => getComputedStyle(document.body).color === 'rgb(1, 2, 3)'", 20)
        assert page.evaluate("() => window.notReloaded") is None
        page.close()
    finally:
        running.stop()
