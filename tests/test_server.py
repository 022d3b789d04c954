"""The live preview, driven over HTTP as an editor's browser would."""
from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli

DOC = "content/2024/01/first.md"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Preview:
    def __init__(self, site: Path, *extra: str):
        self.port = _free_port()
        self.log = site.parent / "serve.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gazette_build", "--site", str(site), "serve",
             "--port", str(self.port), *extra],
            stdout=subprocess.DEVNULL, stderr=self.log.open("w"))
        self.wait_for("/", lambda status, body: status == 200)

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def wait_for(self, path: str, condition, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                status, body = self.get(path)
                if condition(status, body):
                    return body
                last = (status, body[:300])
            except OSError as exc:
                last = exc
            time.sleep(0.1)
        raise AssertionError(f"{path}: condition not met; last answer {last}; log:\n"
                             f"{self.log.read_text()}")

    def rebuilds(self) -> int:
        return len(re.findall(r"rebuilt in \d+ ms", self.log.read_text()))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def preview(minimal_site):
    running = Preview(minimal_site, "--no-pdf")
    yield running
    running.stop()


def _edit(site: Path, old: str, new: str) -> None:
    path = site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_an_edit_shows_up_and_a_broken_file_shows_its_error(preview, minimal_site):
    page = "/2024/01/first/index.html"
    assert "第一段正文。" in preview.get(page)[1]

    _edit(minimal_site, "第一段正文。", "改过的第一段。")
    preview.wait_for(page, lambda s, body: "改过的第一段。" in body)

    _edit(minimal_site, "number: 市政发〔2024〕1号", "number: [市政发〔2024〕1号")
    body = preview.wait_for(page, lambda s, body: 'id="gazette-errors"' in body)
    assert "content/2024/01/first.md:3: yaml: YAML syntax error" in body
    assert "改过的第一段。" in body  # the last good page stays served

    _edit(minimal_site, "number: [市政发〔2024〕1号", "number: 市政发〔2024〕1号")
    preview.wait_for(page, lambda s, body: 'id="gazette-errors"' not in body and "改过的第一段。" in body)


def test_a_broken_site_yaml_is_shown_and_recovers(preview, minimal_site):
    config = minimal_site / "site.yaml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("base_url:", "base_ulr:"), encoding="utf-8")
    body = preview.wait_for("/index.html", lambda s, body: 'id="gazette-errors"' in body)
    assert "site.yaml:8: base_ulr: unknown field (did you mean &#x27;base_url&#x27;?)" in body
    config.write_text(good, encoding="utf-8")
    preview.wait_for("/index.html", lambda s, body: 'id="gazette-errors"' not in body)


def test_a_burst_of_saves_gives_one_rebuild(preview, minimal_site):
    time.sleep(0.5)
    before = preview.rebuilds()
    for n in range(5):
        _edit(minimal_site, "第一段正文" if n == 0 else f"连续保存{n - 1}", f"连续保存{n}")
        time.sleep(0.005)
    preview.wait_for("/2024/01/first/index.html", lambda s, body: "连续保存4" in body)
    time.sleep(0.6)
    assert preview.rebuilds() - before == 1


def test_nothing_outside_the_preview_folder_is_served(preview):
    for path in ("/../site.yaml", "/..%2fsite.yaml", "/%2e%2e/site.yaml", "//etc/passwd",
                 "/../content/2024/01/first.md"):
        status, body = preview.get(path)
        assert status in (403, 404), path
        assert "晋中市人民政府公报" not in body and "root:" not in body


def test_the_reload_script_is_served_but_never_built(preview, minimal_site, tmp_path):
    assert "livereload.js" in preview.get("/index.html")[1]
    out = tmp_path / "public"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "livereload" not in text and "gazette-errors" not in text
    assert not (minimal_site / "public").exists()


def test_the_pdf_is_refreshed_in_the_background(minimal_site):
    running = Preview(minimal_site)
    try:
        def toc(body):
            return [int(n) for n in re.findall(r'class="toc-page"[^>]*>（(\d+)）', body)]

        body = running.wait_for("/2024/01/index.html",
                                lambda s, body: len(toc(body)) == 2 and "gazette-pdf-stale" not in body, timeout=40)
        first, second = toc(body)
        long_text = "\n\n".join(["为坚决杜绝重大事故、防范较大事故、减少一般事故，保障人民群众生命财产安全。" * 3] * 60)
        _edit(minimal_site, "第二段正文。", long_text)
        # the HTML comes first; the page numbers follow once the worker has laid the issue out
        running.wait_for("/2024/01/first/index.html",
                         lambda s, body: "为坚决杜绝重大事故" in body)
        body = running.wait_for("/2024/01/index.html",
                                lambda s, body: toc(body)[1] > second and "gazette-pdf-stale" not in body,
                                timeout=30)
        assert toc(body)[0] == first
        log = running.log.read_text()
        edit_rebuild = log.index("rebuilt in", log.index("PDF of 2024-01 ready"))
        assert log.index("PDF of 2024-01 ready", edit_rebuild) > edit_rebuild
    finally:
        running.stop()


def test_a_dead_pdf_worker_is_replaced(minimal_site):
    from gazette_build.server import Preview as PreviewState

    state = PreviewState(minimal_site, minimal_site / ".gazette-preview", with_pdf=True)
    try:
        state.snapshot = state.sources()
        state.rebuild()
        assert state.pdf_arrived.wait(60)
        for process in list(state.worker._processes.values()):
            process.kill()
            process.join()
        state.pdf_arrived.clear()
        _edit(minimal_site, "第一段正文。", "工作进程重启后的正文。")
        state.snapshot = state.sources()
        state.rebuild()  # must not raise BrokenProcessPool
        assert state.pdf_arrived.wait(60)
        assert state.printed_version["2024-01"] == state.wanted_version["2024-01"]
    finally:
        state.worker.shutdown(cancel_futures=True)


def test_an_issue_that_gets_no_pdf_is_not_laid_out_again_until_its_text_changes(minimal_site):
    """A paragraph past the print limit gives no PDF: each refusal set off a rebuild that asked
    for the same layout again (500 terminal lines a second); with the edit undone, the page
    kept the refusal's banner."""
    from gazette_build.server import Preview as PreviewState

    state = PreviewState(minimal_site, minimal_site / ".gazette-preview", with_pdf=True)
    try:
        state.snapshot = state.sources()
        state.rebuild()
        assert state.pdf_arrived.wait(60) and not state.pdf_errors["2024-01"]
        original = (minimal_site / DOC).read_text(encoding="utf-8")
        (minimal_site / DOC).write_text(original + "\n" + "长" * 21_000 + "\n", encoding="utf-8")
        state.pdf_arrived.clear()
        state.snapshot = state.sources()
        state.rebuild()
        assert state.pdf_arrived.wait(60)
        assert any("21,000 characters" in message for message in state.pdf_errors["2024-01"])
        state.pdf_arrived.clear()
        state.rebuild()  # as the watcher does once the refusal arrived
        assert "2024-01" not in state.in_flight and not state.pdf_arrived.is_set()
        (minimal_site / DOC).write_text(original, encoding="utf-8")
        state.snapshot = state.sources()
        state.rebuild()
        assert "2024-01" not in state.in_flight and state.pdf_errors["2024-01"] == []
        assert state.stale_issue_urls() == []
    finally:
        state.worker.shutdown(cancel_futures=True)


def test_the_watcher_sees_a_permission_given_back_and_survives_a_link_loop(minimal_site):
    """A link in a loop made every poll fail (a traceback twenty times a second, edits
    ignored); chmod changes neither time nor size, so a file made readable again was never
    built."""
    from gazette_build.server import Preview as PreviewState

    state = PreviewState(minimal_site, minimal_site / ".gazette-preview", with_pdf=False)
    (minimal_site / "content/2024/02").symlink_to("02")
    found = state.sources()
    assert found[str(minimal_site / "content/2024/02")] is None
    doc = str(minimal_site / DOC)
    os.chmod(doc, 0)
    unreadable = state.sources()[doc]
    time.sleep(0.05)  # past the file system's coarse clock tick (a few ms)
    os.chmod(doc, 0o644)
    assert state.sources()[doc] != unreadable
