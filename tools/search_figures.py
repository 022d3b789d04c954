"""Search figures at scale: the Pagefind index's size and the bytes one query downloads.

    python -m tools.search_figures [--issues 250] [--work DIR] [--built OUT] [--latency MS]

Builds the synthetic archive (tools/make_archive.py: 250 issues, 1,500 documents) with
`gazette build --no-pdf`, which writes the index, then serves the site under /gongbao/ and runs
each query on the search page in a fresh Chromium context (an empty cache, as a first visit),
adding up the bytes of every response under pagefind/ and of the page's own files, and timing
the page from its address to the first results shown, over a network whose every request waits
`--latency` ms (default 100, a mobile network's round trip; Chromium's own emulation); then
loads every result to check recall against the documents whose text holds the query. Needs the
test tools (`make test` installs Chromium and Playwright)."""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUERIES = ("河长", "充电", "晋中市人民政府办公室", "市政办发〔2012〕45号", "市政发〔2024〕1号")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.search_figures",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=250)
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--built", type=Path, help="measure this built site instead of building")
    parser.add_argument("--latency", type=float, default=100.0,
                        help="ms each request waits, as on a real network (default 100)")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(REPO), str(REPO / "tests")]
    from playwright.sync_api import sync_playwright

    from browser import launch_chromium, serve, wait_until
    from gazette_build.cli import main as gazette
    from tools.make_archive import make_archive

    if args.built:
        out = args.built
    else:
        work = args.work or Path(tempfile.mkdtemp(prefix="search-figures-"))
        site, out = make_archive(work / "site", args.issues), work / "public"
        started = time.perf_counter()
        if gazette(["--site", str(site), "build", "--no-pdf", "--out", str(out)]) != 0:
            return 1
        print(f"build with index: {time.perf_counter() - started:.1f} s")
    bundle = [p for p in (out / "pagefind").rglob("*") if p.is_file()]
    documents = len(list(out.glob("*/*/*/index.html")))
    print(f"{documents} documents; index {len(bundle)} files, "
          f"{sum(p.stat().st_size for p in bundle) / 1e6:.2f} MB "
          f"(index chunks {_size(out, 'index') / 1e3:.0f} KB, fragments "
          f"{_size(out, 'fragment') / 1e3:.0f} KB, filters {_size(out, 'filter') / 1e3:.0f} KB)")
    texts = {page.parent.relative_to(out).as_posix() + "/": _text(page)
             for page in out.glob("*/*/*/index.html")}
    with serve(out) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        print(f"| query | results | recall | pagefind bytes | requests | page + assets bytes | "
              f"first results at {args.latency:g} ms a request |")
        print("|---|---|---|---|---|---|---|")
        for query in QUERIES:
            context = browser.new_context()
            page = context.new_page()
            sizes: list[tuple[str, int]] = []
            page.on("requestfinished", lambda request: sizes.append(
                (request.url, request.sizes()["responseBodySize"])))
            network = context.new_cdp_session(page)
            network.send("Network.enable")
            network.send("Network.emulateNetworkConditions", {
                "offline": False, "latency": args.latency, "downloadThroughput": -1,
                "uploadThroughput": -1})
            started = time.perf_counter()
            page.goto(f"{url}search/index.html?{urllib.parse.urlencode({'q': query})}")
            # wait_until, not wait_for_function: the page's policy forbids the eval Playwright's
            # predicates use (tests/browser.py)
            wait_until(page, "document.getElementById('search-status').textContent"
                       ".match(/找到|没有/)", timeout=120)
            shown = time.perf_counter() - started
            status = page.inner_text("#search-status")
            first_load = [len(sizes)]  # what the first screen of results cost
            while page.is_visible("#search-more"):  # every result, for recall (after the bytes)
                count = page.locator(".search-result").count()
                page.click("#search-more")
                wait_until(page, f"document.querySelectorAll('.search-result').length > {count}")
            found = set(page.eval_on_selector_all(
                ".search-result a", "as => as.map(a => new URL(a.href).pathname)"))
            context.close()
            expected = {f"/gongbao/{path}" for path in texts if query in texts[path]}
            recall = f"{len(expected & found)}/{len(expected)}"
            index = [size for address, size in sizes[:first_load[0]] if "/pagefind/" in address]
            rest = sum(size for address, size in sizes[:first_load[0]] if "/pagefind/" not in address)
            print(f"| {query} | {status} | {recall} | {sum(index) / 1e3:.0f} KB | {len(index)} | "
                  f"{rest / 1e3:.0f} KB | {shown:.2f} s |")
        browser.close()
    return 0


def _text(page: Path) -> str:
    """The text the index takes from a document page: the article without its 文件信息 table."""
    html = page.read_text(encoding="utf-8")
    article = html.split("<article", 1)[1].split("</article>", 1)[0]
    article = re.sub(r'<table class="doc-meta".*?</table>', "", article, flags=re.S)
    return re.sub(r"<[^>]+>", "", article)


def _size(out: Path, folder: str) -> int:
    return sum(p.stat().st_size for p in (out / "pagefind" / folder).rglob("*") if p.is_file())


if __name__ == "__main__":
    sys.exit(main())
