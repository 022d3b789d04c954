"""Content is data, never code: raw HTML is text, unsafe links are not links, titles are escaped."""
from __future__ import annotations

from conftest import run_cli

DOC = "content/2024/01/first.md"


def _build_with_body(site, tmp_path, front_extra: str = "", body: str = "") -> str:
    path = site / DOC
    text = path.read_text(encoding="utf-8")
    text = text.replace("disclosure: 此件公开发布\n", "disclosure: 此件公开发布\n" + front_extra)
    path.write_text(text + body, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("--site", str(site), "build", "--no-pdf", "--out", str(out))
    assert result.code == 0, result.err
    return (out / "2024/01/first/index.html").read_text(encoding="utf-8")


def test_raw_html_in_markdown_is_shown_as_text(minimal_site, tmp_path):
    html = _build_with_body(minimal_site, tmp_path, body=(
        '\n<script>alert("x")</script>\n\n段落<img src=x onerror="alert(1)">结束。\n'))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=" in html


def test_javascript_links_are_not_links(minimal_site, tmp_path):
    html = _build_with_body(minimal_site, tmp_path, body=(
        "\n[点击](javascript:alert(1)) 与 [正常](https://www.gov.cn/)\n"))
    assert 'href="javascript' not in html
    assert '<a href="https://www.gov.cn/">正常</a>' in html


def test_front_matter_is_escaped(minimal_site, tmp_path):
    path = minimal_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: 晋中市人民政府关于测试甲的通知", 'title: "关于<b onclick=x>测试</b>的通知"'),
        encoding="utf-8")
    html = _build_with_body(minimal_site, tmp_path)
    assert "<b onclick" not in html
    assert "关于&lt;b onclick=x&gt;测试&lt;/b&gt;的通知" in html


def test_headings_and_parts(minimal_site, tmp_path):
    html = _build_with_body(minimal_site, tmp_path)
    assert '<p class="addressees">各县（区、市）人民政府，市直有关单位：</p>' in html
    assert '<h2 id="doc-first-h1" class="level1">一、总体要求</h2>' in html
    assert '<h3 id="doc-first-h2" class="level2">（一）细化任务</h3>' in html
    second = (tmp_path / "out/2024/01/second/index.html").read_text(encoding="utf-8")
    # the signature comes before the embedded plan and the attachment
    assert second.index('class="signature"') < second.index("晋中市测试方案") < \
        second.index('<p class="part-label">附件</p>')
    assert '<h2 class="part-title" id="doc-second-p2">测试表</h2>' in second
