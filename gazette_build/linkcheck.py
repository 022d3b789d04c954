"""Check the built site's internal links and anchors before it is written: every relative
`href`/`src` of every page must name a file of the site, and its `#fragment` an id of that
page. Each broken one is named with the page, its line and the link.

Links with a scheme (https:, mailto:) lead elsewhere and are not followed. Root-relative links
(`/gongbao/…`, which the 404 page uses) are resolved against the path of site.yaml's base_url.
"""
from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import Report

LINK = re.compile(rb"""\s(?:href|src)=["']([^"']*)["']""")
ID = re.compile(rb"""\sid=["']([^"']+)["']""")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def broken_links(files: dict[str, bytes], base_path: str) -> list[tuple[str, int, str, str]]:
    """(page, line, link, why) for every internal link of the HTML pages in `files` that
    leads nowhere; `base_path` is the URL path the site is served under ("/gongbao/")."""
    ids: dict[str, set[str]] = {}

    def ids_of(page: str) -> set[str]:
        if page not in ids:
            ids[page] = {html.unescape(m.decode("utf-8", "replace"))
                         for m in ID.findall(files[page])}
        return ids[page]

    problems = []
    for page in sorted(p for p in files if p.endswith(".html")):
        data = files[page]
        line, counted_to = 1, 0  # lines counted on from the last broken link: once per page
        for match in LINK.finditer(data):
            link = html.unescape(match[1].decode("utf-8", "replace"))
            if not link or SCHEME.match(link):
                continue
            why = _problem(link, page, files, base_path, ids_of)
            if why:
                line += data.count(b"\n", counted_to, match.start())
                counted_to = match.start()
                problems.append((page, line, link, why))
    return problems


def check_links(files: dict[str, bytes], target: Path, base_url: str, report: Report) -> None:
    """Report each broken link as a warning at the page (as it will be in `target`)."""
    for page, line, link, why in broken_links(files, urlsplit(base_url).path or "/"):
        report.warn(target / page, line, "link", f"{link}: {why}")


def _problem(link: str, page: str, files: dict[str, bytes], base_path: str, ids_of) -> str | None:
    parts = urlsplit(link)
    path = unquote(parts.path)
    if not path:
        target = page
    elif path.startswith("/"):
        if not path.startswith(base_path):
            return f"leads outside the site's path {base_path}"
        target = path[len(base_path):]
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if target == "." or path.endswith("/"):
            target = f"{target}/" if target != "." else ""
        if target.startswith("../") or target == "..":
            return "leads above the site's folder"
    if target == "" or target.endswith("/"):
        target += "index.html"
    if target not in files:
        return f"no such file {target}"
    if parts.fragment and target.endswith(".html"):
        if unquote(parts.fragment) not in ids_of(target):
            return f"no id '{unquote(parts.fragment)}' in {target}"
    return None
