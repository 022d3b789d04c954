"""Rebuilds with a memo (the preview server's) redo only what an edit touches, and give exactly
what a full build gives."""
from __future__ import annotations

import os

import pytest

from gazette_build.site import Memo, build

DOC = "content/2024/01/shizhengbanfa-2023-48.md"
TITLE = "晋中市人民政府办公室关于印发晋中市电动汽车充（换）电基础设施建设三年行动计划（2023—2025年）的通知"


def test_a_title_edit_rerenders_only_the_pages_that_show_it(shipped_site, tmp_path):
    out = tmp_path / "preview"
    memo = Memo()
    build(shipped_site, out=out, with_pdf=False, memo=memo)
    unchanged = build(shipped_site, out=out, with_pdf=False, memo=memo)
    assert unchanged.written == []

    path = shipped_site / DOC
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {TITLE}", "title: 新标题的通知"),
                    encoding="utf-8")
    misses_before = memo.pages.misses
    edited = build(shipped_site, out=out, with_pdf=False, memo=memo)

    # home, year, issue, the document, its two neighbours and the two indexes are rendered
    # again (in each index only the list of the document's year), the document's data and the
    # feed are made again; nothing else
    assert memo.pages.misses - misses_before == 8 + 2 + 1 + 1
    assert sorted(edited.written) == [
        "2024/01/index.html",
        "2024/01/issue.json",
        "2024/01/shizhengbanfa-2023-48/index.html",
        "2024/01/shizhengbanfa-2023-48/shizhengbanfa-2023-48.json",
        "2024/01/shizhengbanfa-2023-49/index.html",  # its "previous" link
        "2024/01/shizhengfa-2024-1/index.html",  # its "next" link
        "2024/index.html",  # the year's documents
        "documents.json",
        "feed.xml",
        "index.html",  # the latest issue's contents
        "issuers/index.html",
        "numbers/index.html",
    ]
    assert "新标题的通知" in (out / "2024/01/shizhengbanfa-2023-49/index.html").read_text(encoding="utf-8")

    # the memoised result is byte for byte what a full build gives
    full = tmp_path / "full"
    build(shipped_site, out=full, with_pdf=False, with_search=False)  # as the preview
    assert _files(out) == _files(full)


def test_a_deleted_document_disappears_from_the_preview(minimal_site, tmp_path):
    out = tmp_path / "preview"
    memo = Memo()
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert (out / "2024/01/second/index.html").exists()
    (minimal_site / "content/2024/01/second.md").unlink()
    issue = minimal_site / "content/2024/01/issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("  - second\n", ""), encoding="utf-8")
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert not (out / "2024/01/second").exists()


def _files(folder) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_an_edit_in_an_older_issue_leaves_the_home_page_alone(minimal_site, tmp_path):
    newer = minimal_site / "content/2024/02"
    newer.mkdir()
    (newer / "issue.yaml").write_text("year: 2024\nnumber: 2\ntotal: 26\ndate: 2024-04-05\n",
                                      encoding="utf-8")
    (newer / "third.md").write_text(
        "---\ntitle: 晋中市人民政府关于测试丙的通知\nnumber: 市政发〔2024〕9号\ndate: 2024-04-01\n"
        "issuer: 晋中市人民政府\n---\n\n正文。\n", encoding="utf-8")
    out, memo = tmp_path / "preview", Memo()
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    path = minimal_site / "content/2024/01/first.md"
    path.write_text(path.read_text(encoding="utf-8").replace("测试甲", "测试甲改"), encoding="utf-8")
    misses = memo.pages.misses
    edited = build(minimal_site, out=out, with_pdf=False, memo=memo)
    # the older issue's page, the document, its neighbour, the year's and the indexes' lists
    # of documents and the data; not the home page
    assert memo.pages.misses - misses == 6 + 2 + 1 + 1
    assert sorted(edited.written) == ["2024/01/first/first.json", "2024/01/first/index.html",
                                      "2024/01/index.html", "2024/01/issue.json",
                                      "2024/01/second/index.html", "2024/index.html",
                                      "documents.json", "feed.xml", "issuers/index.html",
                                      "numbers/index.html"]


def test_an_image_added_or_removed_later_is_seen_by_the_memo(minimal_site, tmp_path):
    path = minimal_site / "content/2024/01/first.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n![图](pic.png)\n", encoding="utf-8")
    out, memo = tmp_path / "preview", Memo()
    first = build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert any("pic.png does not exist" in str(w) for w in first.warnings)

    (minimal_site / "content/2024/01/pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    added = build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert not added.warnings
    assert (out / "2024/01/pic.png").exists()
    build(minimal_site, out=tmp_path / "full", with_pdf=False, with_search=False)
    assert _files(out) == _files(tmp_path / "full")

    (minimal_site / "content/2024/01/pic.png").unlink()
    removed = build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert any("pic.png does not exist" in str(w) for w in removed.warnings)
    assert not (out / "2024/01/pic.png").exists()


@pytest.mark.parametrize("link", ["印章(1).png", "<印章 1.png>", "&#x5370;章.png"])
def test_an_image_name_markdown_reads_otherwise_than_a_pattern_is_seen_by_the_memo(
        minimal_site, tmp_path, link):
    """The memo knew a document's images by a regular expression, which read `印章(1` of
    `印章(1).png`: the picture added later stayed its alt text, and once removed every build
    failed on the missing file until the cache was deleted."""
    name = link.strip("<>").replace("&#x5370;", "印")
    path = minimal_site / "content/2024/01/first.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n![印章]({link})\n", encoding="utf-8")
    out, memo = tmp_path / "preview", Memo()
    first = build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert any("does not exist" in str(w) for w in first.warnings)
    (minimal_site / "content/2024/01" / name).write_bytes(_png())
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert f'src="../../../2024/01/{name}"' in (out / "2024/01/first/index.html").read_text(
        encoding="utf-8")
    build(minimal_site, out=tmp_path / "full", with_pdf=False, with_search=False)
    assert _files(out) == _files(tmp_path / "full")
    (minimal_site / "content/2024/01" / name).unlink()
    removed = build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert any("does not exist" in str(w) for w in removed.warnings)


@pytest.mark.parametrize("change", ["retargeted", "replaced by its target"])
def test_an_image_reached_through_a_link_is_followed_by_the_memo(minimal_site, tmp_path, change):
    """The memo compared the time and size of the file a link led to: retargeted to a picture
    of the same time and size (copied with cp -p), the old one stayed published; replaced by
    its target, every build failed on the old name."""
    folder = minimal_site / "content/2024/01"
    path = folder / "first.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n![印章](seal.png)\n", encoding="utf-8")
    for name, shade in (("red.png", 0), ("blue.png", 255)):
        (folder / name).write_bytes(_png(shade))
        os.utime(folder / name, ns=(1_700_000_000 * 10**9,) * 2)
    (folder / "seal.png").symlink_to("red.png")
    out, memo = tmp_path / "preview", Memo()
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    if change == "retargeted":
        (folder / "seal.png").unlink()
        (folder / "seal.png").symlink_to("blue.png")
        shown = "blue.png"
    else:
        (folder / "red.png").rename(folder / "seal.png")
        shown = "seal.png"
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert f'src="../../../2024/01/{shown}"' in (out / "2024/01/first/index.html").read_text(
        encoding="utf-8")
    build(minimal_site, out=tmp_path / "full", with_pdf=False, with_search=False)
    assert _files(out) == _files(tmp_path / "full")


def _png(shade: int = 128) -> bytes:
    """A 2×2 grey PNG, always the same size whatever its shade."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"".join(b"\x00" + bytes([shade]) * 2 for _ in range(2)), 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def test_a_layout_restored_with_its_old_time_still_rerenders(minimal_site, tmp_path):
    out, memo = tmp_path / "preview", Memo()
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    layout = minimal_site / "layouts/year.html"
    stat = layout.stat()
    text = layout.read_text(encoding="utf-8")
    layout.write_text(text.replace("件文件", "份文件"), encoding="utf-8")  # same size in UTF-8
    os.utime(layout, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(minimal_site, out=out, with_pdf=False, memo=memo)
    assert "份文件" in (out / "2024/index.html").read_text(encoding="utf-8")
