"""The preview answers only its editor: its own address (no DNS rebinding), its own origin for
the reload channel, one preview per site; and it keeps answering while it rebuilds."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect

from gazette_build.preview_guard import host_allowed, same_origin
from test_server import DOC, Preview


@pytest.fixture
def preview(minimal_site):
    running = Preview(minimal_site, "--no-pdf")
    yield running
    running.stop()


def _get(preview, path: str, **headers) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_a_request_for_another_host_name_is_refused(preview):
    for host in ("evil.example", f"evil.example:{preview.port}", f"127.0.0.1.nip.io:{preview.port}",
                 f"127.0.0.1:{preview.port + 1}"):
        status, body = _get(preview, "/2024/01/first/index.html", Host=host)
        assert status == 403, host
        assert "第一段正文" not in body
    for host in (f"127.0.0.1:{preview.port}", f"localhost:{preview.port}"):
        assert _get(preview, "/2024/01/first/index.html", Host=host)[0] == 200


def _websocket(port: int, origin: str | None):
    headers = {"Origin": origin} if origin else {}

    async def connect():
        connection = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload",
                                                         headers=headers))
        connection.close()
        return True

    # in a thread of its own: a browser test's driver may run an event loop in this one
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(IOLoop(make_current=False).run_sync, connect, timeout=5).result()


def test_the_reload_channel_answers_only_the_previews_own_pages(preview):
    assert _websocket(preview.port, f"http://127.0.0.1:{preview.port}")
    with pytest.raises(HTTPClientError) as refused:
        _websocket(preview.port, "http://evil.example")
    assert refused.value.code == 403
    assert _get(preview, "/forcereload", Origin="http://evil.example")[0] == 403
    assert _get(preview, "/forcereload", **{"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert _get(preview, "/forcereload", Origin=f"http://127.0.0.1:{preview.port}")[0] == 200


def test_a_nul_in_the_path_is_a_400_without_a_traceback(preview):
    assert _get(preview, "/index.html%00")[0] == 400
    assert _get(preview, "/%00/x")[0] in (400, 404)
    assert "Traceback" not in preview.log.read_text()


def test_pages_keep_their_policy_and_load_the_reload_script_from_the_preview(preview):
    page = _get(preview, "/index.html")[1]
    assert f'<script src="/livereload.js?port={preview.port}"></script>' in page
    # the one inline script, the preview's own, is allowed by its hash and by nothing broader
    assert page.count("<script>") == 1
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}';", page)
    assert "unsafe-inline';" not in page.split("script-src", 1)[1].split(";", 1)[0]


def test_a_removed_preview_folder_is_written_again(preview, minimal_site):
    shutil.rmtree(minimal_site / ".gazette-preview")
    preview.wait_for("/2024/01/first/index.html", lambda status, body: status == 200)


@pytest.mark.parametrize("removed", ["everything in it", "a page", "the stylesheet"])
def test_a_preview_folder_emptied_or_partly_removed_is_written_again(preview, minimal_site,
                                                                     removed):
    """`rm -rf .gazette-preview/*`, or a `make clean` during a rebuild (which leaves what the
    rebuild writes after it), left the pages 404 until the preview was restarted."""
    folder = minimal_site / ".gazette-preview"
    preview.wait_for("/assets/site.css", lambda status, body: status == 200)
    if removed == "everything in it":
        for child in folder.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    else:
        (folder / ("2024/01/second/index.html" if removed == "a page" else "assets/site.css")
         ).unlink()
    for path in ("/index.html", "/2024/01/second/index.html", "/assets/site.css"):
        preview.wait_for(path, lambda status, body: status == 200)


def test_a_second_preview_of_the_same_site_refuses_and_a_stale_lock_is_taken_over(
        preview, minimal_site):
    second = subprocess.run([sys.executable, "-m", "gazette_build", "--site", str(minimal_site),
                             "serve", "--port", "0", "--no-pdf"], capture_output=True, text=True,
                            timeout=30)
    assert second.returncode == 1
    assert f"this site is already being previewed (pid {preview.process.pid})" in second.stderr
    preview.process.kill()  # no clean-up: the lock file stays behind
    preview.process.wait()
    assert (minimal_site / ".gazette-preview.lock").exists()
    again = Preview(minimal_site, "--no-pdf")
    try:
        assert again.get("/2024/01/first/index.html")[0] == 200
    finally:
        again.stop()


def test_removing_the_lock_file_does_not_let_a_second_preview_in(preview, minimal_site):
    (minimal_site / ".gazette-preview.lock").unlink()
    second = subprocess.run([sys.executable, "-m", "gazette_build", "--site", str(minimal_site),
                             "serve", "--port", "0", "--no-pdf"], capture_output=True, text=True,
                            timeout=30)
    assert second.returncode == 1, second.stderr
    assert "this site is already being previewed (another process)" in second.stderr
    assert preview.get("/2024/01/first/index.html")[0] == 200  # its folder left as it was


def test_port_zero_serves_on_the_port_the_system_picked(minimal_site):
    """--port 0 listened where the system chose, but the Host check expected port 0: every
    request got a 403, and the message named port 0."""
    serving = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site",
                                str(minimal_site), "serve", "--port", "0", "--no-pdf"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        said = ""
        while "previewing" not in said:
            said = serving.stderr.readline()
            assert said, "the preview ended without saying where it listens"
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", said)[1])
        assert port != 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/2024/01/first/index.html")
        response = connection.getresponse()
        assert response.status == 200 and f"/livereload.js?port={port}" in \
            response.read().decode("utf-8")
        connection.close()
    finally:
        serving.terminate()
        serving.wait(timeout=10)


def test_requests_are_answered_while_saves_keep_coming(preview, minimal_site):
    """A save every 10 ms for 1.5 s: the old server polled and waited for the burst to end on
    its request loop (2 s per request); now requests are answered meanwhile."""
    path = minimal_site / DOC
    text = path.read_text(encoding="utf-8")
    stop = threading.Event()

    def keep_saving():
        n = 0
        while not stop.is_set():
            n += 1
            path.write_text(text.replace("第一段正文。", f"第{n}次保存。"), encoding="utf-8")
            time.sleep(0.01)

    saver = threading.Thread(target=keep_saving)
    saver.start()
    latencies = []
    try:
        time.sleep(0.2)
        deadline = time.perf_counter() + 1.5
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            assert _get(preview, "/2024/01/first/index.html")[0] == 200
            latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        saver.join()
    latencies.sort()
    assert latencies[int(len(latencies) * 0.95)] < 0.5, latencies[-5:]


@pytest.mark.parametrize("host,listen,allowed", [
    ("127.0.0.1:8000", "127.0.0.1", True), ("localhost:8000", "127.0.0.1", True),
    ("[::1]:8000", "127.0.0.1", False), ("127.0.0.2:8000", "127.0.0.1", False),
    ("127.0.0.1:8000", "localhost", True), ("[::1]:8000", "localhost", True),
    ("attacker.example:8000", "127.0.0.1", False),
    ("127.0.0.1:8001", "127.0.0.1", False), ("192.168.1.5:8000", "0.0.0.0", True),
    ("attacker.example:8000", "0.0.0.0", False), ("preview.lan:8000", "preview.lan", True),
    ("localhost:8000", "192.168.1.5", False), ("127.0.0.1:bad", "127.0.0.1", False),
    ("[", "127.0.0.1", False), ("[evil]:8000", "127.0.0.1", False), ("evil]", "0.0.0.0", False),
])
def test_host_allowed(host, listen, allowed):
    assert host_allowed(host, listen, 8000) is allowed


def test_same_origin():
    assert same_origin(None, "127.0.0.1:8000")
    assert same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not same_origin("http://evil.example", "127.0.0.1:8000")
    assert not same_origin("null", "127.0.0.1:8000")
    assert not same_origin("http://[", "127.0.0.1:8000")  # a 500 and a traceback before


def test_a_host_or_origin_no_url_parser_reads_is_refused_not_a_500(preview):
    assert _get(preview, "/", Host="[")[0] == 403
    assert _get(preview, "/forcereload", Origin="http://[")[0] == 403
    assert "Traceback" not in preview.log.read_text()


def test_a_page_whose_banner_changes_while_it_is_sent_is_sent_whole(tmp_path, monkeypatch):
    """A rebuild in the watching thread changed a page's banner between the Content-Length the
    preview sent and the body it made again: the body was longer, the connection dropped with a
    traceback (1 request in 13,000 while a save came every 120 ms). Each request makes its page
    once: its etag, its length and its body agree."""
    import asyncio

    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port

    from gazette_build import preview_guard, server

    (tmp_path / "index.html").write_bytes(b"<html><head></head><body><main>page</main></body>")

    class Changing:  # a preview whose banner grows at every look
        out, looks = tmp_path, 0

        def banner(self, url_path):
            self.looks += 1
            return b"<p>" + b"x" * self.looks + b"</p>"

    monkeypatch.setattr(server.PreviewFileHandler, "preview", Changing(), raising=False)
    sock, port = bind_unused_port()
    monkeypatch.setattr(preview_guard.LocalOnly, "listen", ("127.0.0.1", port))
    started, stop = threading.Event(), threading.Event()

    def serve():
        async def main():
            app = preview_guard.application(server.PreviewFileHandler, str(tmp_path),
                                            ("127.0.0.1", port))
            http_server = HTTPServer(app)
            http_server.add_sockets([sock])
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.02)
            http_server.stop()
        asyncio.run(main())

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        started.wait(5)
        for looks in (1, 2, 3):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/index.html")
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == 200
            assert int(response.getheader("Content-Length")) == len(body)
            assert body.endswith(b"</body>") and b"<p>" + b"x" * looks + b"</p><main>" in body
    finally:
        stop.set()
        thread.join()


def test_warnings_every_pdf_layout_repeats_are_looked_at_once(monkeypatch):
    """Each issue's PDF layout repeats the site's warnings: with 500 of them and 25 PDFs, every
    page sorted 13,000 messages, three times a request (0.3 s a page, on the request loop)."""
    from gazette_build import notices

    site = [f"warning: content/2024/01/doc{n}.md:{n}: notes: 照原文刊印" for n in range(500)]
    looked = []
    real = notices.belongs
    monkeypatch.setattr(notices, "belongs", lambda m, url: looked.append(m) or real(m, url))
    banner = notices.warnings_banner(site + [m.removeprefix("warning: ") for m in site] * 25,
                                     "/2024/01/doc7/")
    assert len(looked) == 500
    assert banner.count("doc7.md") == 1 and "1 条提示" in banner


def test_a_link_in_place_of_the_lock_note_does_not_have_its_target_written(tmp_path):
    """`.gazette-preview.lock` made a link to a file outside the site: starting the preview
    replaced that file's contents with "pid …"."""
    from gazette_build import preview_guard

    site, victim = tmp_path / "site", tmp_path / "victim.txt"
    site.mkdir()
    victim.write_text("DATA", encoding="utf-8")
    (site / preview_guard.LOCK_NAME).symlink_to(victim)
    lock = preview_guard.take_lock(site)
    try:
        assert victim.read_text(encoding="utf-8") == "DATA"
        note = site / preview_guard.LOCK_NAME
        assert not note.is_symlink() and note.read_text(encoding="utf-8").startswith("pid ")
    finally:
        lock.close()


def test_reload_channel_messages_that_are_not_livereload_s_are_ignored(preview):
    """Not JSON, not an object, no command: livereload's handler failed on each with a
    traceback and dropped the channel. They are ignored; the handshake still answers."""
    async def talk():
        connection = await websocket_connect(HTTPRequest(
            f"ws://127.0.0.1:{preview.port}/livereload",
            headers={"Origin": f"http://127.0.0.1:{preview.port}"}))
        for junk in ("not json", "[1, 2]", "{}", '{"command": 5}', '{"command": "info", '
                     '"url": 5}', "null", "[" * 100_000, "[" * 5_000):
            await connection.write_message(junk)
        await connection.write_message('{"command": "hello"}')
        answer = await connection.read_message()
        connection.close()
        return answer

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        answer = thread.submit(IOLoop(make_current=False).run_sync, talk, timeout=5).result()
    assert '"command": "hello"' in answer
    assert "Traceback" not in preview.log.read_text()


def test_a_request_that_never_finishes_its_headers_is_closed(preview):
    """A thousand connections each sending a header line every 10 s held every file descriptor
    (the preview answered no one, a rebuild failed); none was ever closed."""
    import socket

    from gazette_build import server

    connection = socket.create_connection(("127.0.0.1", preview.port), timeout=3)
    connection.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n".encode())
    started, closed = time.monotonic(), False
    while time.monotonic() - started < server.REQUEST_S + 5:
        try:
            connection.sendall(b"X-Slow: 1\r\n")
            if connection.recv(1024) == b"":
                closed = True
                break
        except socket.timeout:
            continue
        except OSError:  # reset by the preview
            closed = True
            break
    connection.close()
    assert closed and time.monotonic() - started > server.REQUEST_S - 1


def test_a_link_put_in_place_of_the_preview_folder_is_not_followed(preview, minimal_site,
                                                                   tmp_path):
    """The preview folder moved away and a link to another folder put in its place: the next
    rebuild wrote its pages there, and files there were served."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep", encoding="utf-8")
    folder = minimal_site / ".gazette-preview"
    folder.rename(tmp_path / "moved")
    folder.symlink_to(outside)
    preview.wait_for("/2024/01/first/index.html", lambda status, body: status == 200)
    assert not folder.is_symlink() and _get(preview, "/precious.txt")[0] == 404
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]


def test_a_hard_link_or_a_fifo_in_place_of_the_lock_note_is_replaced(tmp_path):
    """O_NOFOLLOW stops a link, not a hard link (its file was emptied) nor a FIFO (the
    preview blocked opening it)."""
    from gazette_build import preview_guard

    site, victim = tmp_path / "site", tmp_path / "victim.txt"
    site.mkdir()
    victim.write_text("DATA", encoding="utf-8")
    os.link(victim, site / preview_guard.LOCK_NAME)
    preview_guard.take_lock(site).close()
    assert victim.read_text(encoding="utf-8") == "DATA"
    (site / preview_guard.LOCK_NAME).unlink()
    os.mkfifo(site / preview_guard.LOCK_NAME)
    lock = preview_guard.take_lock(site)
    try:
        assert (site / preview_guard.LOCK_NAME).read_text(encoding="utf-8").startswith("pid ")
    finally:
        lock.close()
