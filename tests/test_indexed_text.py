"""What Pagefind reads from a page (gazette_build/search/indexedtext.py): a page changed where Pagefind
reads differs, one changed only where it does not is the same, and a page whose markup cannot
be followed is taken whole."""
from __future__ import annotations

import pytest

from gazette_build.search.indexedtext import indexed_digest

PAGE = """<!doctype html><html lang="zh-CN"><head><title>关于测试的通知</title>
<link rel="stylesheet" href="../assets/site.css?v=1"></head><body>
<nav class="breadcrumb">首页 › 2024年</nav>
<article data-pagefind-body data-pagefind-filter="year:2024">
  <h1 id="doc-1">关于测试的通知</h1>
  <p class="validity-banner" data-pagefind-ignore><strong>本文件已废止</strong>。</p>
  <table data-pagefind-ignore><tr><th>文号</th><td data-pagefind-meta="number">市政发〔2024〕1号</td></tr>
  <tr><th>引用</th><td>第7页</td></tr></table>
  <div class="doc-body"><p>各县（区、市）人民政府：</p><p>现将有关事项通知如下。<br>一、目标</p></div>
</article>
<nav class="prevnext"><a href="../2/">下一篇：关于另一件事的通知</a></nav>
<footer>晋中市人民政府办公室主办</footer>
</body></html>"""


def _digest(page: str) -> bytes:
    return indexed_digest(page.encode("utf-8"))


@pytest.mark.parametrize("before, after", [
    ("现将有关事项通知如下。", "现将有关事项通知如下：："),  # the text
    ('<h1 id="doc-1">', '<h1 id="doc-2">'),  # an anchor Pagefind records
    ("year:2024", "year:2023"),  # a filter on the body
    ("市政发〔2024〕1号", "市政发〔2024〕2号"),  # metadata inside what is ignored
    ("<title>关于测试的通知</title>", "<title>关于测试的决定</title>"),
    ('lang="zh-CN"', 'lang="en"'),
    ("一、目标", "一、 目标"),  # a space where there was none: another word
])
def test_a_change_where_pagefind_reads_changes_the_digest(before, after):
    assert before in PAGE
    assert _digest(PAGE.replace(before, after)) != _digest(PAGE)


@pytest.mark.parametrize("before, after", [
    ("本文件已废止", "本文件已修改"),  # a notice marked data-pagefind-ignore
    ("第7页", "第9页"),  # ignored, and no metadata
    ("下一篇：关于另一件事的通知", "下一篇：关于第三件事的通知"),  # outside the body
    ("晋中市人民政府办公室主办", "晋中市人民政府主办"),
    ("site.css?v=1", "site.css?v=2"),
    ('</h1>\n  <p class="validity', '</h1>\n\n\t <p class="validity'),  # more white space
])
def test_a_change_where_pagefind_does_not_read_leaves_the_digest(before, after):
    assert before in PAGE
    assert _digest(PAGE.replace(before, after)) == _digest(PAGE)


def test_a_notice_left_out_is_the_same_as_none():
    notice = '  <p class="validity-banner" data-pagefind-ignore><strong>本文件已废止</strong>。</p>\n'
    assert notice in PAGE
    assert _digest(PAGE.replace(notice, "")) == _digest(PAGE)


def test_markup_that_cannot_be_followed_is_taken_whole():
    """An end tag for an element other than the last one opened: where the body and what is
    ignored end is unsure, so a change anywhere counts."""
    broken = PAGE.replace("</table>", "</div></table>")
    assert _digest(broken.replace("晋中市人民政府办公室主办", "晋中市人民政府主办")) != \
        _digest(broken)


def test_a_page_that_marks_no_body_is_taken_whole():
    whole = PAGE.replace(" data-pagefind-body", "")
    assert _digest(whole.replace("下一篇：关于另一件事的通知", "下一篇：关于第三件事的通知")) != \
        _digest(whole)
