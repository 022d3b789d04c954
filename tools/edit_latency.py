"""The preview as an editor sees it: from a file's save to the new text on screen in Chromium.

Starts `gazette serve` (PDF worker on, as editors run it) on a copy of the seed site, opens a
document page in Chromium (Playwright driving the system's /usr/bin/chromium), then edits a
paragraph N times, pausing between edits as an editor does (the PDF worker is then busy laying
the issue out again, as it is in real use). Each latency runs from the moment the file is
written and closed (wall clock) to the first animation frame after the reloaded page holding the
new text entered the page — its body swapped in place, or the page reloaded — i.e. when it is on
screen (the page records it, `performance.timeOrigin + performance.now()`, from a script added
to every load), so the harness's own polling is not counted. Prints one JSON object: the
latencies in ms.

    python -m tools.edit_latency [--edits 22] [--pause 1.0] [--site DIR] [--no-pdf]
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
DOCUMENT = "content/2024/01/shizhengfa-2024-1.md"
PAGE = "/2024/01/shizhengfa-2024-1/index.html"
ANCHOR = "为坚决杜绝重大事故"
# added to every load: when a body holding the awaited text (sessionStorage, it survives a
# reload) comes in — parsed, or swapped in — the frame after the next paint records the time
PAINTED = """
(() => {
  const check = () => {
    const token = sessionStorage.getItem('awaited');
    if (!token || !document.body || !document.body.innerText.includes(token)) return;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      (window.__shown = window.__shown || {})[token] = performance.timeOrigin + performance.now();
    }));
  };
  document.addEventListener('DOMContentLoaded', () => {
    check();
    new MutationObserver(check).observe(document.documentElement, {childList: true});
  });
})();
"""


def chromium() -> str:
    for path in CHROMIUM:
        if Path(path).is_file():
            return path
    raise SystemExit("chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_seed(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("content", "layouts", "assets"):
        shutil.copytree(REPO / name, target / name)
    shutil.copyfile(REPO / "site.yaml", target / "site.yaml")
    return target


def shown_at(page, token: str, timeout: float = 20.0) -> float:
    """Wall-clock time (s) at which the text `token` was first painted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            shown = page.evaluate("t => (window.__shown || {})[t] || null", token)
            if shown:
                return shown / 1000
        except Exception:  # the page is being replaced by its reload: ask again
            pass
        time.sleep(0.005)
    raise TimeoutError(f"the edit {token} did not show within {timeout} s")


def measure(site: Path, edits: int, pause: float, with_pdf: bool) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = site.parent / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "gazette_build", "--site", str(site), "serve",
                               "--port", str(port), *([] if with_pdf else ["--no-pdf"])],
                              stdout=subprocess.DEVNULL, stderr=log.open("w"), cwd=REPO)
    path = site / DOCUMENT
    latencies = []
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(PAINTED)
            deadline = time.monotonic() + 60
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}{PAGE}")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            time.sleep(max(pause, 1.0))  # the first PDF is on its way; the page is settled
            text = path.read_text(encoding="utf-8")
            for n in range(edits):
                token = f"第{n + 1}次修改"
                text = text.replace(ANCHOR, ANCHOR + token, 1) if n == 0 else \
                    text.replace(f"第{n}次修改", token, 1)
                page.evaluate("t => sessionStorage.setItem('awaited', t)", token)
                with path.open("w", encoding="utf-8") as handle:
                    handle.write(text)
                saved = time.time()
                latencies.append((shown_at(page, token) - saved) * 1000)
                time.sleep(pause)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    ordered = sorted(latencies)
    return {"edits": edits, "pause_s": pause, "pdf": with_pdf, "latencies_ms": latencies,
            "median_ms": statistics.median(ordered),
            "p95_ms": ordered[max(0, round(0.95 * len(ordered)) - 1)], "max_ms": ordered[-1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.edit_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=22)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between edits")
    parser.add_argument("--site", type=Path, help="a seed site copy to edit (default: a fresh "
                        "temporary copy of this repository's site)")
    parser.add_argument("--no-pdf", action="store_true", help="serve without the PDF worker")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gazette-latency-") as work:
        site = args.site or copy_seed(Path(work) / "site")
        result = measure(site, args.edits, args.pause, not args.no_pdf)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
