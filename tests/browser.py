"""Real clients for the built web edition: an HTTP server that serves it under /gongbao/ (as on
the government portal), Debian's Chromium driven by Playwright, axe-core run inside that
browser, and the W3C Nu HTML Checker (vnu.jar). The tools come from `make test`
(tools/install-browser-deps.sh, package.json); Playwright never downloads a browser here."""
from __future__ import annotations

import functools
import http.server
import json
import subprocess
import time
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PREFIX = "/gongbao/"
TYPES = {".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json",
         ".css": "text/css", ".html": "text/html; charset=utf-8", ".pdf": "application/pdf"}


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder at PREFIX and nothing outside it (404), like a sub-path deploy."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES,
                      "": "application/octet-stream"}

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(PREFIX):
            return str(Path(self.directory) / ".not-served" / "none")
        return super().translate_path("/" + clean[len(PREFIX):])

    def log_message(self, format: str, *args) -> None:  # quiet test output
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` at http://127.0.0.1:PORT/gongbao/ in a thread; yields that URL."""
    handler = functools.partial(_SubPathHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_FLAGS)


def wait_until(page, expression: str, timeout: float = 30.0) -> None:
    """Poll a JavaScript expression (or arrow function) through page.evaluate until it is
    truthy. Playwright's wait_for_function compiles its predicate with eval inside the page,
    which the pages' Content-Security-Policy refuses; evaluate goes through DevTools."""
    from playwright.sync_api import Error

    deadline, problem = time.monotonic() + timeout, None
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error as exc:  # the page is reloading (no body yet, context gone): ask again
            problem = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {expression}"
                                 + (f" (last: {problem})" if problem else ""))
        page.wait_for_timeout(50)


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page; the violations of the given impacts, with their nodes."""
    # evaluated through the DevTools protocol, which the pages' Content-Security-Policy (no
    # inline script) does not govern; a <script> tag with axe's source would be refused
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in found if v["impact"] in impacts]


def vnu_errors(files: list[Path]) -> list[str]:
    """The Nu HTML Checker's errors for the files, one JVM for all, as 'file:line: message'."""
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always",
                          *map(str, files)], capture_output=True, text=True, timeout=600)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [f"{m.get('url', '?').rsplit('/', 4)[-4:]}:{m.get('lastLine', '?')}: {m['message']}"
            for m in messages if m["type"] == "error"]
