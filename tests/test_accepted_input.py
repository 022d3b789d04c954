"""Input that builds, with or without a warning: other encodings and line ends, unsafe markup
(shown as text, never run), images outside the site (never fetched), huge documents, links."""
from __future__ import annotations

import os

from conftest import run_cli

DOC = "content/2024/01/first.md"


def _append(site, text: str) -> None:
    """Add Markdown to the end of the test document."""
    path = site / DOC
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _build(site, tmp_path):
    out = tmp_path / "out"
    result = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out))
    return result, out


def test_utf8_with_bom_and_crlf_is_accepted_silently(minimal_site, tmp_path):
    path = minimal_site / DOC
    text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result, out = _build(minimal_site, tmp_path)
    assert result.code == 0 and result.lines[:-1] == []
    assert "第一段正文。" in (out / "2024/01/first/index.html").read_text(encoding="utf-8")


def test_a_gbk_file_is_read_with_a_warning(minimal_site, tmp_path):
    path = minimal_site / DOC
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    result, out = _build(minimal_site, tmp_path)
    assert result.code == 0
    assert result.lines[0] == ("warning: content/2024/01/first.md:2: encoding: the file is GBK, "
                               "not UTF-8; it was read as GBK — save it as UTF-8")
    assert "晋中市人民政府关于测试甲的通知" in (out / "2024/01/first/index.html").read_text(encoding="utf-8")


def test_scripts_handlers_and_javascript_links_are_text_with_warnings(minimal_site, tmp_path):
    _append(minimal_site, '\n<script>alert(1)</script>\n\n<a onclick="steal()">点</a>\n\n'
                          "[链接](javascript:alert(1))\n")
    result, out = _build(minimal_site, tmp_path)
    assert result.code == 0
    assert result.lines[:-1] == [
        "warning: content/2024/01/first.md:19: body: raw HTML is not allowed in documents; "
        "it is shown as text: <script>",
        "warning: content/2024/01/first.md:21: body: raw HTML is not allowed in documents; "
        'it is shown as text: <a onclick="steal()">',
        "warning: content/2024/01/first.md:23: body: a javascript:, data: or file: link or image "
        "is not made a link or fetched; it is shown as text",
    ]
    html = (out / "2024/01/first/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<a onclick" not in html and 'href="javascript' not in html


def test_images_outside_the_site_are_neither_fetched_nor_shown(minimal_site, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n secret")
    (minimal_site / "content/2024/01/map.png").write_bytes(b"\x89PNG\r\n\x1a\n map")
    _append(minimal_site, "\n![密](file:///etc/passwd)\n\n![外](../../../../secret.png)\n\n"
                          "![网](http://example.com/x.png)\n\n![图](map.png)\n")
    result, out = _build(minimal_site, tmp_path)
    assert result.code == 0
    assert result.lines[:-1] == [
        "warning: content/2024/01/first.md:19: body: a javascript:, data: or file: link or image "
        "is not made a link or fetched; it is shown as text",
        "warning: content/2024/01/first.md:21: body: image ../../../../secret.png leads outside "
        "the content folder; it is not shown",
        "warning: content/2024/01/first.md:23: body: image http://example.com/x.png is not a file "
        "inside the site folder; it is not fetched or shown",
    ]
    html = (out / "2024/01/first/index.html").read_text(encoding="utf-8")
    assert html.count("<img") == 1 and '<img src="../../../2024/01/map.png" alt="图" />' in html
    assert (out / "2024/01/map.png").read_bytes() == b"\x89PNG\r\n\x1a\n map"
    assert not list(out.rglob("secret.png"))


def test_a_document_linked_from_outside_the_site_is_refused(minimal_site, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text((minimal_site / DOC).read_text(encoding="utf-8"), encoding="utf-8")
    (minimal_site / DOC).unlink()
    os.symlink(outside, minimal_site / DOC)
    result, _ = _build(minimal_site, tmp_path)
    assert result.code == 1
    assert result.lines[0] == (f"content/2024/01/first.md:1: file: is a link to {outside}, "
                               "outside the site folder; copy the file into the issue folder instead")


def test_a_huge_document_builds(minimal_site, tmp_path):
    paragraph = "为坚决杜绝重大事故、防范较大事故、减少一般事故，保障人民群众生命财产安全。" * 4
    _append(minimal_site, ("\n" + paragraph + "\n") * 20000)
    assert (minimal_site / DOC).stat().st_size > 8_000_000
    result, out = _build(minimal_site, tmp_path)
    assert result.code == 0, result.err
    assert (out / "2024/01/first/index.html").stat().st_size > 8_000_000


def test_a_heading_inside_a_quote_does_not_split_the_document(minimal_site, tmp_path):
    _append(minimal_site, "\n> # 附件：引用中的标题\n")
    result, out = _build(minimal_site, tmp_path)
    assert result.code == 0
    html = (out / "2024/01/first/index.html").read_text(encoding="utf-8")
    assert html.index("</blockquote>") < html.index('class="signature"')
    assert 'class="part' not in html


def test_bad_image_names_and_non_images_are_warned_not_crashed(minimal_site, tmp_path):
    (minimal_site / "content/2024/01/notes.txt").write_text("internal", encoding="utf-8")
    _append(minimal_site, "\n![a](a%00b.png)\n\n![b](second.md)\n\n"
                          "![c](notes.txt)\n")
    result, out = _build(minimal_site, tmp_path)
    assert result.code == 0
    assert result.lines[:-1] == [
        "warning: content/2024/01/first.md:19: body: image a%00b.png: its name holds U+0000, "
        "which is a control character; it is not shown",
        "warning: content/2024/01/first.md:21: body: image second.md is not an image file "
        "(.png, .jpg, .jpeg, .gif, .svg, .webp); it is not shown",
        "warning: content/2024/01/first.md:23: body: image notes.txt is not an image file "
        "(.png, .jpg, .jpeg, .gif, .svg, .webp); it is not shown",
    ]
    assert not list(out.rglob("*.md")) and not list(out.rglob("notes.txt"))


def test_notes_written_as_one_line_are_reported(minimal_site, tmp_path):
    path = minimal_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace(
        "disclosure: 此件公开发布", "disclosure: 此件公开发布\nnotes: 原件合计有误，照原文刊印。"),
        encoding="utf-8")
    result, _ = _build(minimal_site, tmp_path)
    assert result.lines[0] == "warning: content/2024/01/first.md:7: notes: 原件合计有误，照原文刊印。"


def test_parts_without_a_title_or_notice_text_are_warned(minimal_site, tmp_path):
    path = minimal_site / DOC
    front = path.read_text(encoding="utf-8").split("---\n")[1]
    path.write_text(f"---\n{front}---\n# 附件：\n\n| 甲 | 乙 |\n| --- | --- |\n| 1 | 2 |\n",
                    encoding="utf-8")
    result, _ = _build(minimal_site, tmp_path)
    assert result.code == 0
    assert result.lines[:-1] == [  # sorted by file, line, field and message
        "warning: content/2024/01/first.md:8: body: the body starts with a '#' part: the notice's "
        "own text, which comes before the signature, is missing",
        "warning: content/2024/01/first.md:8: body: the part heading '# 附件：' has no title; "
        "write '# 附件：<title of the attachment>' or the embedded document's title",
    ]
